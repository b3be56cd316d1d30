package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An output flag that names a log being hunted would write the alerts over
// the evidence they came from; two flags naming one file would write the
// one over the other. Both are refused before anything is read or
// written. A run's own output in the folder it hunts may be replaced by
// the next run's.
func TestOutputsNeverOverwriteTheLogs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(example)); err != nil {
		t.Fatal(err)
	}
	signins := filepath.Join(dir, "signins", "SigninLogs_2026-03-14.json")
	host := filepath.Join(dir, "hosts", "train-0-vmss000003", "audit.log")
	before, err := os.ReadFile(signins)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--output", signins, dir},
		{"--summary", signins, dir},
		{"--report", host, dir},
		{"--format", "jsonl", "--output", signins, signins},
		{"--cpuprofile", host, filepath.Join(dir, "hosts")},
		{"--output", signins, "-"}, // the log given on standard input
	} {
		var code int
		var stderr string
		if args[len(args)-1] == "-" {
			in, err := os.Open(signins)
			if err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code = Run(t.Context(), append([]string{"hunt", "--no-progress"}, args...), in, &out, &errb)
			in.Close()
			stderr = errb.String()
		} else {
			code, _, stderr = run(t, "", append([]string{"hunt", "--no-progress"}, args...)...)
		}
		if code != ExitUsage || !strings.Contains(stderr, "is one of the logs being hunted") {
			t.Errorf("%q: exit %d, %q; want %d saying the file is hunted", args, code, stderr, ExitUsage)
		}
	}
	if after, _ := os.ReadFile(signins); !bytes.Equal(before, after) {
		t.Fatal("a log named by an output flag was written over")
	}
	if b, _ := os.ReadFile(host); !bytes.HasPrefix(b, []byte("type=")) {
		t.Fatalf("the host log was written over: %.40q", b)
	}

	same := filepath.Join(t.TempDir(), "same.html")
	code, _, stderr := run(t, "", "hunt", "--report", same, "--summary", same, dir)
	if code != ExitUsage || !strings.Contains(stderr, "name the same file") {
		t.Errorf("--report and --summary on one file: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(same); err == nil {
		t.Error("a refused command line left a file behind")
	}

	// serve appends: a log named as its output is refused, and a file of
	// alerts with a log appended to it is no longer mamori's.
	mixed := filepath.Join(t.TempDir(), "alerts.jsonl")
	_, alerts, _ := run(t, "", "hunt", "--no-progress", "--format", "jsonl", dir)
	if err := os.WriteFile(mixed, append([]byte(alerts), before...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{signins, mixed} {
		code, _, stderr := run(t, "", "serve", "--once", "--store", filepath.Join(t.TempDir(), "s.db"), "--output", out, filepath.Join(dir, "hosts"))
		if code != ExitUsage || !strings.Contains(stderr, "holds something other than mamori's alerts") {
			t.Errorf("serve --output %s: exit %d, %q", filepath.Base(out), code, stderr)
		}
	}
	if after, _ := os.ReadFile(signins); !bytes.Equal(before, after) {
		t.Fatal("serve wrote over a log named as its output")
	}

	// A second run replaces the first's output, in every format.
	for _, out := range []struct{ flag, format, name string }{
		{"--output", "jsonl", "alerts.jsonl"}, {"--output", "json", "alerts.json"}, {"--output", "csv", "alerts.csv"},
		{"--output", "ocsf", "alerts.ocsf"}, {"--output", "table", "alerts.txt"},
		{"--summary", "table", "summary.json"}, {"--report", "table", "report.html"},
	} {
		p := filepath.Join(dir, out.name)
		args := []string{"hunt", "--no-progress", "--format", out.format, out.flag, p, dir}
		for i := range 2 {
			if code, _, stderr := run(t, "", args...); code != ExitOK {
				t.Errorf("%s %s, run %d: exit %d, %q", out.flag, out.name, i+1, code, stderr)
			}
		}
	}
}
