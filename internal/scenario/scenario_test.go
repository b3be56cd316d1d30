package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/rules"
)

// TestScenarios runs every scenario of the catalogue through the real
// readers, enrichment and engine, with the rules as they are in the
// working tree.
func TestScenarios(t *testing.T) {
	root := filepath.Join("..", "..", "rules")
	set, err := rules.Load(rules.Options{Dirs: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Rules {
		if r.Status == rules.Invalid || r.Status == rules.Unsupported {
			t.Errorf("%s (%s): %s: %v", r.Name, r.Source, r.Status, r.Err)
		}
	}
	dirs, err := Find(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Skip("no scenarios yet")
	}
	for _, d := range dirs {
		name := strings.TrimPrefix(filepath.ToSlash(d), filepath.ToSlash(root)+"/")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := Run(t.Context(), set, d)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range out.Problems {
				t.Error(p)
			}
		})
	}
}

// TestEveryRuleHasAFiringAndAQuietScenario guards the catalogue's promise.
func TestEveryRuleHasAFiringAndAQuietScenario(t *testing.T) {
	root := filepath.Join("..", "..", "rules")
	set, err := rules.Load(rules.Options{Dirs: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	dirs, _ := Find(root)
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, d := range dirs {
		ex, err := readExpect(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ex.Fires {
			fires[r] = true
		}
		for r, n := range ex.Count {
			fires[r] = fires[r] || n > 0
			quiet[r] = quiet[r] || n == 0
		}
		for _, r := range ex.Quiet {
			quiet[r] = true
		}
	}
	for _, r := range set.Rules {
		if r.Status != rules.Compiled && r.Status != rules.Correlation {
			continue
		}
		if !generates(set, r) {
			continue // a base rule that only feeds a correlation
		}
		if !fires[r.Name] {
			t.Errorf("%s has no scenario that fires", r.Name)
		}
		if !quiet[r.Name] {
			t.Errorf("%s has no scenario that stays quiet", r.Name)
		}
	}
}

func readExpect(dir string) (*Expect, error) {
	b, err := os.ReadFile(filepath.Join(dir, ExpectFile))
	if err != nil {
		return nil, err
	}
	var ex Expect
	return &ex, yamlUnmarshal(b, &ex)
}
