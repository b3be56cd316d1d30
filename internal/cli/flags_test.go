package cli

import (
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A flag written after the paths is a flag: a CI gate that ends with
// "--fail-on high" must fail on a high alert, not hunt a path named
// "--fail-on" and pass.
func TestFlagsAfterThePaths(t *testing.T) {
	t.Parallel()
	code, out, stderr := run(t, "", "hunt", example, "--fail-on", "high", "--format", "jsonl")
	if code != ExitFindings {
		t.Errorf("exit %d, want %d (stderr %q)", code, ExitFindings, stderr)
	}
	if len(jsonl(t, out)) == 0 {
		t.Errorf("--format jsonl after the path: no alert as JSON lines in %.200q", out)
	}
	if strings.Contains(stderr, "--fail-on: no such file") || !strings.Contains(stderr, "exit 3: --fail-on high") {
		t.Errorf("a flag read as a path, or the exit status not said: %q", stderr)
	}
	// Flags between paths, and the same alerts as with the flags first.
	hosts := filepath.Join(example, "hosts")
	_, first, _ := run(t, "", "hunt", "--format", "jsonl", "--no-progress", example, hosts)
	_, mixed, _ := run(t, "", "hunt", example, "--format", "jsonl", hosts, "--no-progress")
	if first != mixed {
		t.Error("flags between the paths give other alerts than flags before them")
	}
}

func TestParseArgs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args  []string
		paths []string
		out   string
		quiet bool
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, "", false},
		{[]string{"-out", "x", "a"}, []string{"a"}, "x", false},
		{[]string{"a", "-out", "x", "b", "-q"}, []string{"a", "b"}, "x", true},
		{[]string{"a", "-", "-q"}, []string{"a", "-"}, "", true}, // - is standard input
		{[]string{"a", "--", "-q", "--out"}, []string{"a", "-q", "--out"}, "", false},
		{[]string{"--", "-q"}, []string{"-q"}, "", false},
		{[]string{"-q", "--", "a"}, []string{"a"}, "", true},
		{[]string{"a", "-out", "--", "b", "-q"}, []string{"a", "b"}, "--", true}, // a value "--" is a value
		{[]string{"a", "-q", "--", "-b"}, []string{"a", "-b"}, "", true},
		{nil, nil, "", false},
	}
	for _, c := range cases {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		out := fs.String("out", "", "")
		quiet := fs.Bool("q", false, "")
		if err := parseArgs(fs, c.args); err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if !slices.Equal(fs.Args(), c.paths) || *out != c.out || *quiet != c.quiet {
			t.Errorf("%q: paths %q, -out %q, -q %v; want %q, %q, %v", c.args, fs.Args(), *out, *quiet, c.paths, c.out, c.quiet)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := parseArgs(fs, []string{"a", "-nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("an unknown flag after a path: %v", err)
	}
}

// Every duration flag takes the units the others do: 7d, as --baseline and
// --since do, and Go's 90m.
func TestSpansTakeDays(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "2d": 48 * time.Hour, "1w": 7 * 24 * time.Hour, "0": 0, "1h30m": 90 * time.Minute} {
		var d time.Duration
		if err := (span{&d}).Set(in); err != nil || d != want {
			t.Errorf("%q: %v, %v; want %v", in, d, err, want)
		}
	}
	var d time.Duration
	for _, in := range []string{"abc", "2x", "", "d"} {
		if err := (span{&d}).Set(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	for d, want := range map[time.Duration]string{24 * time.Hour: "24h", time.Minute: "1m", 90 * time.Minute: "1h30m", 90 * time.Second: "1m30s", 0: "0s"} {
		if got := (span{&d}).String(); got != want {
			t.Errorf("%v prints %q, want %q", d, got, want)
		}
	}
	if code, _, stderr := run(t, "", "hunt", "--incident-gap", "2d", "--no-progress", example); code != ExitOK {
		t.Errorf("--incident-gap 2d: exit %d, %s", code, stderr)
	}
	code, _, stderr := run(t, "", "status", "--quiet", "soon", "--store", filepath.Join(t.TempDir(), "none.db"))
	if code != ExitUsage || !strings.Contains(stderr, "want a duration such as") {
		t.Errorf("--quiet soon: exit %d, %q", code, stderr)
	}
}
