package hunt

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/rules"
)

// An alert's id names its rule, not the rule's place in the catalogue: a
// rule added ahead of it (a new built-in rule, a user's rules loaded
// first) leaves the ids a serve's store already holds unchanged, so the
// records it reads again are not new alerts.
func TestAlertIDsDoNotDependOnTheCatalogue(t *testing.T) {
	t.Parallel()
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		t.Fatal(err)
	}
	extra := t.TempDir()
	if err := os.WriteFile(filepath.Join(extra, "first.yml"), []byte(`title: A rule loaded first
name: aaa.first
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operationName|contains: /write}
  condition: sel
level: low
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ids := func(opt rules.Options) map[string]string {
		t.Helper()
		set, err := rules.Load(opt)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), expand(t, filepath.Join("..", "..", "examples", "attacked-tenant")), Config{Rules: set, Enricher: enr})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, a := range res.Alerts {
			out[a.Rule+" "+a.Time.String()+" "+a.Summary] = a.ID
		}
		return out
	}
	// The catalogue as a folder of the user's, then with another folder
	// read before it.
	catalogue := filepath.Join("..", "..", "rules")
	alone := ids(rules.Options{Dirs: []string{catalogue}})
	withFirst := ids(rules.Options{Dirs: []string{extra, catalogue}})
	if len(alone) == 0 {
		t.Fatal("no alert: the test would prove nothing")
	}
	for k, id := range alone {
		if withFirst[k] != id {
			t.Errorf("%s: id %s alone, %s with a rule loaded before it", k, id, withFirst[k])
		}
	}
}
