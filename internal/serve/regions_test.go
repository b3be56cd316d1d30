package serve

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mamori "github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/rules"
)

// A Batch pool's records name no region in a REST export, only its
// account's write does. Served by `serve --once` runs, each a new process,
// the account in one run and its pool in the next: the pool still gets
// the account's region (the store keeps it): new_region fires, and the
// GPU alert names the region, as in one hunt over both files. The records are new_region's own test case.
func TestBatchRegionsKeptAcrossRuns(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "new_region",
		"batch-pool-listed-before-its-account-fires", "activity-log.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Value []json.RawMessage }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var first, pools []json.RawMessage
	for _, r := range doc.Value {
		if strings.Contains(strings.ToLower(string(r)), `"microsoft.batch/batchaccounts/pools/write"`) {
			pools = append(pools, r)
		} else {
			first = append(first, r)
		}
	}
	if len(pools) == 0 || len(first) == 0 {
		t.Fatalf("the test case has %d pool records and %d others", len(pools), len(first))
	}
	process := newProcess(t)
	write := func(dir, name string, recs []json.RawMessage) {
		// Indented, as `az monitor activity-log list` writes. The account's
		// write is read by no windowed correlation, so it is not carried to
		// the next run: only the store can say where the account is.
		b, err := json.MarshalIndent(map[string][]json.RawMessage{"value": recs}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, watched := openStore(t), t.TempDir()
	write(watched, "1.json", first)
	if res := cycle(t, st, watched, process()); len(res.Read) != 1 || countRule(res, "azure.compute.new_region") != 0 {
		t.Fatalf("first run: read %d files, %d new_region alerts; want 1 file and none", len(res.Read), countRule(res, "azure.compute.new_region"))
	}
	write(watched, "2.json", pools)
	res := cycle(t, st, watched, process())
	if n := countRule(res, "azure.compute.new_region"); n != 1 {
		t.Fatalf("second run: %d new_region alerts, want 1 (the pool in its account's region)", n)
	}
	for _, a := range res.Fresh {
		if (a.Rule == "azure.compute.new_region" || a.Rule == "azure.compute.gpu_created") && !strings.Contains(a.Summary, "southcentralus") {
			t.Errorf("%s does not name the account's region: %q", a.Rule, a.Summary)
		}
	}
}

func countRule(res *Result, rule string) int {
	n := 0
	for _, a := range res.Fresh {
		if a.Rule == rule {
			n++
		}
	}
	return n
}

// newProcess gives, each time it is called, the hunt configuration a new
// `mamori serve --once` starts with: the built-in rules and an enricher
// that knows nothing yet (what one run learned must come from the store).
func newProcess(t testing.TB) func() hunt.Config {
	t.Helper()
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	return func() hunt.Config {
		enr, err := enrich.Load(enrich.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return hunt.Config{Rules: set, Enricher: enr, Baseline: 24 * time.Hour}
	}
}
