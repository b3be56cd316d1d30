package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// TestBriefReadsChangeNothing hunts each scenario of the catalogue, as
// varied a set of records as the project has (every shape, script
// extensions beside run commands, bodies with escapes and without),
// briefly as a hunt does and with every record decoded in full: the alerts
// must be the same. What a rule demands of one operation's records (the
// needles of the branches that operation can take, engine's needleSet)
// must never set aside a record the rule matches.
func TestBriefReadsChangeNothing(t *testing.T) {
	root := filepath.Join("..", "..", "rules")
	set, err := rules.Load(rules.Options{Dirs: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := Find(root)
	if err != nil || len(dirs) < 100 {
		t.Fatalf("%d scenarios, %v", len(dirs), err)
	}
	var alerts atomic.Int64
	t.Run("each", func(t *testing.T) {
		for _, d := range dirs {
			t.Run(strings.TrimPrefix(filepath.ToSlash(d), filepath.ToSlash(root)+"/"), func(t *testing.T) {
				t.Parallel()
				brief, err := run(t.Context(), set, d, false)
				if err != nil {
					t.Fatal(err)
				}
				full, err := run(t.Context(), set, d, true)
				if err != nil {
					t.Fatal(err)
				}
				alerts.Add(int64(len(full.Alerts)))
				if diff := cmp.Diff(full.Alerts, brief.Alerts); diff != "" {
					t.Errorf("alerts (-full +brief):\n%s", diff)
				}
			})
		}
	})
	if alerts.Load() < 100 {
		t.Fatalf("%d alerts in all: the comparison would prove little", alerts.Load())
	}
}
