package cli

import (
	"bytes"
	"context"
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
			if !strings.Contains(out.String()+errOut.String(), "Usage") {
				t.Errorf("mamori %s %s: no usage shown", cmd, help)
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
