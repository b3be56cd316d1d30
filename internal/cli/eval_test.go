package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// An eval error carries one prefix, as every other subcommand's does: the
// eval package's own "eval:" made it "mamori eval: eval: …".
func TestEvalErrorsArePrefixedOnce(t *testing.T) {
	t.Parallel()
	_, _, errs := run(t, "", "eval", "--tenants", "1", "--tenant-size", "huge")
	if !strings.HasPrefix(errs, "mamori eval: ") || strings.Contains(errs, "eval: eval:") {
		t.Errorf("stderr %q: want one \"mamori eval:\" prefix", errs)
	}
}

// TestEvalRulesPathThatCannotBeReadIsAUsageError: --rules is checked
// before any tenant is simulated, as hunt's is.
func TestEvalRulesPathThatCannotBeReadIsAUsageError(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	code, _, errs := run(t, "", "eval", "--tenants", "1", "--rules", missing)
	if code != ExitUsage || !strings.HasPrefix(errs, "mamori eval: --rules: ") || !strings.Contains(errs, missing) {
		t.Errorf("exit %d, stderr %q; want %d naming the flag and the path", code, errs, ExitUsage)
	}
}
