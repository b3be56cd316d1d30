package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/simulate"
)

// singleFactorRule is written as SigmaHQ's rules-placeholder writes its
// sign-in rules: the apps that matter are the tenant's to name.
const singleFactorRule = `title: Single-factor sign-in to an app that matters
name: our.single_factor_important_app
logsource: {product: azure, service: signinlogs}
detection:
  selection:
    resultType: 0
    properties.appId|expand: '%Important_AppIds%'
    properties.authenticationRequirement: singleFactorAuthentication
  condition: selection
level: high
`

// TestHuntWithPlaceholderValues: a user gives a placeholder rule its
// values in a pipeline's vars beside it, and the hunt raises it on the
// simulated attack's single-factor Azure CLI sign-in, and on no one the
// attack did not use (the twin's and the tenant's people sign in with
// MFA or to other apps).
func TestHuntWithPlaceholderValues(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	truth, err := simulate.Write(d, simulate.Options{Seed: 3, Days: 10, Scenarios: []string{"gpu-scaleset-chain", "gpu-scaleset-chain-twin"}})
	if err != nil {
		t.Fatal(err)
	}
	rulesDir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(rulesDir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("single_factor.yml", singleFactorRule)
	// Without values the rule cannot run: the hunt says so and why.
	code, _, errs := run(t, "", "hunt", "--format", "jsonl", "--data-dir", t.TempDir(), "--only-user-rules", "--rules", rulesDir, d)
	if code != ExitUsage || !strings.Contains(errs, "no rule could be loaded") {
		t.Fatalf("without values: exit %d: %s", code, errs)
	}
	code, out, _ := run(t, "", "rules", "validate", rulesDir)
	if code != ExitError || !strings.Contains(out, "%Important_AppIds%") || !strings.Contains(out, "vars:") {
		t.Errorf("rules validate without values: exit %d:\n%s", code, out)
	}

	write("pipeline.yml", "name: our tenant\nvars:\n  Important_AppIds:\n"+
		"    - 04b07795-8ddb-461a-bbee-02f9e1bf7b46 # Azure CLI\n"+
		"    - c44b4083-3bb0-49c1-b47d-974e53cbdf3c # Azure portal\n"+
		"transformations:\n  - {id: fields, type: field_name_mapping, mapping: {a: b}}\n")
	code, out, errs = run(t, "", "hunt", "--format", "jsonl", "--data-dir", t.TempDir(), "--only-user-rules", "--rules", rulesDir, d)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "1 transformation is not applied") {
		t.Errorf("the pipeline's field mapping is dropped without a word:\n%s", errs)
	}
	var attackers []string
	for _, a := range truth.Attacks {
		if !a.Twin {
			attackers = append(attackers, a.Principals...)
		}
	}
	n := 0
	for _, a := range jsonl(t, out) {
		if a.Rule != "our.single_factor_important_app" {
			continue
		}
		n++
		if !slices.Contains(attackers, strings.ToLower(a.Principal)) {
			t.Errorf("raised on %s, whom no attack used", a.Principal)
		}
	}
	if n == 0 {
		t.Error("the attack's single-factor Azure CLI sign-in raised nothing")
	}

	code, out, _ = run(t, "", "rules", "list", "--only-user-rules", "--rules", rulesDir)
	if code != ExitOK || !strings.Contains(out, "values of Important_AppIds") || !strings.Contains(out, "placeholders") {
		t.Errorf("rules list does not show the values file: exit %d:\n%s", code, out)
	}
	write("pipeline.yml", "vars:\n  Important_AppIds: {cli: 04b07795}\n")
	code, out, _ = run(t, "", "rules", "validate", rulesDir)
	if code != ExitError || !strings.Contains(out, "pipeline.yml:1: placeholder values not used: line 2:") {
		t.Errorf("rules validate with bad values: exit %d:\n%s", code, out)
	}
}
