package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestHelpExitsZero: asking any command for its usage is not an error
// (exit 0, the usage shown), while a flag it does not know is (exit 2).
func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{
		"hunt", "serve", "alerts", "simulate", "demo", "eval", "posture", "doctor",
		"intel", "intel update", "rules", "rules list", "rules validate", "rules test",
	} {
		for _, help := range []string{"-h", "--help"} {
			args := append(strings.Fields(cmd), help)
			var out, errOut bytes.Buffer
			if code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != ExitOK {
				t.Errorf("mamori %s %s: exit %d, want %d; stderr:\n%s", cmd, help, code, ExitOK, errOut.String())
			}
			// Every command says what it does before its flags ("mamori
			// simulate -h" listed only its flags).
			if text := out.String() + errOut.String(); strings.Contains(text, "Flags:") {
				_, rest, _ := strings.Cut(text, "\n\n")
				if about, _, _ := strings.Cut(rest, "Flags:"); strings.TrimSpace(about) == "" {
					t.Errorf("mamori %s %s: no description before the flags:\n%s", cmd, help, text)
				}
			}
			// Every command names itself the same way (not Go's "Usage of demo:").
			if want := "mamori " + strings.Fields(cmd)[0]; !strings.Contains(out.String()+errOut.String(), want) ||
				strings.Contains(errOut.String(), "Usage of ") {
				t.Errorf("mamori %s %s: the usage shown does not name %q:\n%s", cmd, help, want, out.String()+errOut.String())
			}
		}
		if cmd == "intel" || cmd == "rules" { // they take a subcommand first
			continue
		}
		args := append(strings.Fields(cmd), "--no-such-flag")
		var out, errOut bytes.Buffer
		if code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != ExitUsage {
			t.Errorf("mamori %s --no-such-flag: exit %d, want %d", cmd, code, ExitUsage)
		}
	}
}

// TestStrayArgumentsAreUsageErrors: a command that takes no paths says so
// rather than ignoring one ("mamori demo logs/" would otherwise simulate).
func TestStrayArgumentsAreUsageErrors(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"demo", "eval", "simulate --out x", "rules list", "alerts", "doctor"} {
		args := append(strings.Fields(cmd), "stray")
		var out, errOut bytes.Buffer
		if code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != ExitUsage {
			t.Errorf("mamori %s stray: exit %d, want %d", cmd, code, ExitUsage)
		}
		if !strings.Contains(errOut.String(), "Usage: mamori "+strings.Fields(cmd)[0]) ||
			!strings.Contains(errOut.String(), `unexpected argument "stray"`) {
			t.Errorf("mamori %s stray: no usage on stderr:\n%s", cmd, errOut.String())
		}
	}
}

// TestEvalRefusesNoTenants: --tenants 0 is a usage error, not the 50
// tenants (minutes of CPU) the library takes a zero for. --days 1 makes
// the mistaken run fail at once should the check be missing.
func TestEvalRefusesNoTenants(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"0", "-1"} {
		var out, errOut bytes.Buffer
		code := Run(t.Context(), []string{"eval", "--tenants", n, "--days", "1"}, strings.NewReader(""), &out, &errOut)
		if code != ExitUsage || !strings.Contains(errOut.String(), "--tenants") {
			t.Errorf("mamori eval --tenants %s: exit %d, want %d; stderr %q", n, code, ExitUsage, errOut.String())
		}
	}
}

// TestIntelUpdateOfAnUnknownKind: a kind mamori does not know is a usage
// error that lists every kind (prices too), whatever the file: not the
// file's "no such file", nor the file named as if it were at fault.
func TestIntelUpdateOfAnUnknownKind(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := Run(t.Context(), []string{"intel", "update", "--data-dir", t.TempDir(), "coins", "/no/such/file.json"}, strings.NewReader(""), &out, &errOut)
	if code != ExitUsage || !strings.Contains(errOut.String(), `"coins"`) || !strings.Contains(errOut.String(), "prices") ||
		strings.Contains(errOut.String(), "no such file") {
		t.Errorf("exit %d, want %d; stderr %q", code, ExitUsage, errOut.String())
	}
}

// TestServeHelpNamesOnlyItsFlags: serve shares the hunt's flags but not
// all of them; its usage must not send a user to a flag it refuses (the
// --posture help said "--report shows its posture", and serve has no
// --report), unless it says the flag is hunt's (or another command's).
func TestServeHelpNamesOnlyItsFlags(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	Run(t.Context(), []string{"serve", "--help"}, strings.NewReader(""), &out, &errOut)
	help := errOut.String()
	for _, m := range regexp.MustCompile(`(hunt's |mamori [a-z]+ )?--([a-z-]+)`).FindAllStringSubmatch(help, -1) {
		if m[1] != "" {
			continue
		}
		if !strings.Contains(help, "\n  -"+m[2]+" ") && !strings.Contains(help, "\n  -"+m[2]+"\n") {
			t.Errorf("serve's usage names --%s, which serve does not take", m[2])
		}
	}
}
