package cli

import (
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
