package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Mistakes a user makes on the command line end in a usage error that
// says what is wrong, never in a run that looks clean.
func TestCommandLineMistakesAreRefused(t *testing.T) {
	t.Parallel()
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "r.yml"), []byte("title: x\nlogsource: {product: azure}\ndetection: {sel: {a: 1}, condition: nope}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := t.TempDir()
	mine := filepath.Join(full, "notes.txt")
	if err := os.WriteFile(mine, []byte("the responder's notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		says string
	}{
		// "no alerts" from a hunt with no rule would read as a clean tenant.
		{"no rule loads", []string{"hunt", "--rules", bad, "--only-user-rules", example}, ExitUsage, "no rule could be loaded"},
		{"serve with no rule", []string{"serve", "--once", "--store", filepath.Join(t.TempDir(), "s.db"), "--rules", bad, "--only-user-rules", example}, ExitUsage, "no rule could be loaded"},
		// Found only once the whole input is read, they were.
		{"a temporary folder that is not there", []string{"hunt", "--temp-dir", filepath.Join(bad, "gone"), example}, ExitUsage, "--temp-dir"},
		{"a temporary folder that is a file", []string{"hunt", "--temp-dir", mine, example}, ExitUsage, "not a folder"},
		{"fewer than no workers", []string{"hunt", "--workers", "-2", example}, ExitUsage, "--workers"},
		// Two tenants in one folder would be hunted as one.
		{"simulate into a folder in use", []string{"simulate", "--out", full, "--days", "3"}, ExitUsage, "not empty"},
		{"demo kept in a folder in use", []string{"demo", "--keep", full, "--report", ""}, ExitUsage, "not empty"},
	} {
		code, _, stderr := run(t, "", c.args...)
		if code != c.code || !strings.Contains(stderr, c.says) {
			t.Errorf("%s: exit %d, %q; want %d saying %q", c.name, code, stderr, c.code, c.says)
		}
	}
	if ents, _ := os.ReadDir(full); len(ents) != 1 {
		t.Errorf("the folder in use holds %d entries after the refusals, want its 1", len(ents))
	}
	// Listing the rules is how one learns why none loads.
	if code, out, _ := run(t, "", "rules", "list", "--rules", bad, "--only-user-rules"); code != ExitOK || !strings.Contains(out, "unsupported") {
		t.Errorf("rules list of rules that do not load: exit %d, %q", code, out)
	}
	code, out, _ := run(t, "", "rules", "validate", t.TempDir())
	if code != ExitError || strings.TrimSpace(out) != "no rule files (*.yml, *.yaml) found" {
		t.Errorf("rules validate of an empty folder: exit %d, %q", code, out)
	}
}
