package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
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

// eval --format json gives the run's scores for a pipeline, and --check
// exits 3 when the run falls short: the catalogue alone meets the goal on
// these tenants; a rule of one's own that pages on every VM write makes
// false incidents, and the check says so.
func TestEvalJSONAndCheck(t *testing.T) {
	t.Parallel()
	args := []string{"eval", "--tenants", "2", "--days", "5", "--seed", "7", "--format", "json", "--check"}
	code, out, errs := run(t, "", args...)
	var doc struct {
		Attacks, Caught int
		FalseIncidents  int `json:"false_incidents"`
		Plans           int
		PlanActs        int `json:"plan_acts"`
		PlanMissed      int `json:"plan_missed"`
		PlanWrong       int `json:"plan_wrong"`
		Rules           []struct {
			Rule   string
			TP, FN int
			Recall float64
		}
		Scenarios  []struct{ Attacks, Caught int }
		Shortfalls []string
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitOK {
		t.Fatalf("exit %d (%s), %v:\n%s", code, errs, err, out)
	}
	attacks := 0
	for _, s := range doc.Scenarios {
		attacks += s.Attacks
	}
	if doc.Attacks == 0 || doc.Caught != doc.Attacks || attacks != doc.Attacks || doc.FalseIncidents != 0 || doc.Shortfalls == nil || len(doc.Shortfalls) != 0 || len(doc.Rules) == 0 {
		t.Errorf("report %+v", doc)
	}
	// The attacks' incidents come with what to do, acting on all they did.
	if doc.Plans == 0 || doc.PlanActs == 0 || doc.PlanMissed != 0 || doc.PlanWrong != 0 {
		t.Errorf("plans %d, acting on %d things less %d missed, %d wrong", doc.Plans, doc.PlanActs, doc.PlanMissed, doc.PlanWrong)
	}
	noisy := filepath.Join(t.TempDir(), "noisy.yml")
	os.WriteFile(noisy, []byte(`title: Every VM write
id: 5b1e8a52-7c1f-4d0e-9a51-3f2b6c4d8e10
name: local.every_vm_write
status: test
logsource:
  product: azure
  service: compute
detection:
  selection:
    operation: microsoft.compute/virtualmachines/write
  condition: selection
level: critical
`), 0o644)
	code, out, errs = run(t, "", append(args, "--rules", noisy)...)
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitFindings || doc.FalseIncidents == 0 ||
		!strings.Contains(errs, "mamori eval: short of the goal: ") || !strings.Contains(errs, "false incident") || !slices.ContainsFunc(doc.Shortfalls, func(s string) bool { return strings.Contains(s, "false incident") }) {
		t.Errorf("a noisy rule: exit %d, stderr %q, %v, shortfalls %q", code, errs, err, doc.Shortfalls)
	}
	// Its false incidents' plans would cut off people no attack used.
	if doc.PlanWrong == 0 || !slices.ContainsFunc(doc.Shortfalls, func(s string) bool { return strings.Contains(s, "on what no attack did") }) {
		t.Errorf("a noisy rule: %d plan actions on what no attack did, shortfalls %q", doc.PlanWrong, doc.Shortfalls)
	}
	if code, _, errs := run(t, "", "eval", "--tenants", "1", "--format", "yaml"); code != ExitUsage || !strings.Contains(errs, "--format") {
		t.Errorf("--format yaml: exit %d, %q", code, errs)
	}
}
