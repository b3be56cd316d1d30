package posture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "posture.yaml")
	yml := `
break_glass: [bg1@contoso.onmicrosoft.com, 10000000-0000-4000-8000-000000000009]
compute_role_holders:
  max: 8
admin_roles: [62e90394-69f5-4237-9190-012177145e10]
monitoring:
  retention_days: 180
severity:
  posture.quota.unused_headroom: high
`
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.BreakGlass = []string{"bg1@contoso.onmicrosoft.com", "10000000-0000-4000-8000-000000000009"}
	want.ComputeRoles.Max = 8
	want.AdminRoles = []string{"62e90394-69f5-4237-9190-012177145e10"} // replaced, not merged
	want.Monitoring.RetentionDays = 180
	want.Severity = map[string]string{"posture.quota.unused_headroom": "high"}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yml, want string }{
		{"unknown key names its line", "compute_role_holders:\n  maximum: 3\n", "line 2: field maximum not found"},
		{"bad severity", "severity:\n  posture.defender.plans: urgent\n", `"urgent" is not critical, high, medium or low`},
		{"unknown check", "severity:\n  posture.nope: low\n", `no check named "posture.nope"`},
		{"negative max", "compute_role_holders:\n  max: -1\n", "max and max_guests must be 0 or more"},
		{"zero retention", "monitoring:\n  retention_days: 0\n", "retention_days must be 1 or more"},
		{"not a map", "- 1\n", "cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tc.yml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := ParseConfig(nil); err != nil {
		t.Errorf("an empty file is the defaults: %v", err)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file must be an error")
	}
}

// TestDocumentedConfigParses keeps the example in docs/posture-checks.md
// loadable: the block between the config markers is the full default file.
func TestDocumentedConfigParses(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "posture-checks.md"))
	if err != nil {
		t.Skip("docs not present: ", err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/posture-checks.md has no yaml block")
	}
	cfg, err := ParseConfig([]byte(block))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.BreakGlass = cfg.BreakGlass // the example names two accounts
	if diff := cmp.Diff(want, cfg, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the documented file should equal the defaults (-defaults +doc):\n%s", diff)
	}
}
