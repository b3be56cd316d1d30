package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/store"
)

// A stolen account writes a scale set of one, then an autoscale setting
// of minimum 200 on it (mass_deployment's own test case). Served by two
// `serve --once` runs, each a new process, the scale set's records in the
// first (in a gzip file, whose records are not carried into the next run's
// windows) and the setting's in the second: the setting still takes the
// thief's machine off its floor and is priced at the scale set's size,
// as in one hunt over both files, because the store kept what the first
// run learned. Without it, the second run knew no size: the machines
// went unpriced.
func TestAutoscaleTargetsKeptAcrossRuns(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "mass_deployment",
		"stolen-account-autoscales-a-scale-set-of-one-to-two-hundred-fires", "activity-log-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Value []json.RawMessage }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var set, setting []json.RawMessage
	for _, r := range doc.Value {
		if strings.Contains(strings.ToLower(string(r)), `"microsoft.compute/virtualmachinescalesets/write"`) {
			set = append(set, r)
		} else {
			setting = append(setting, r)
		}
	}
	if len(set) == 0 || len(setting) == 0 {
		t.Fatalf("the test case has %d scale set records and %d others", len(set), len(setting))
	}
	document := func(recs []json.RawMessage) []byte {
		b, err := json.MarshalIndent(map[string][]json.RawMessage{"value": recs}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	st, res := twoRuns(t, document(set), document(setting))
	var got *alert.Alert
	for i, a := range res.Fresh {
		if a.Rule == "azure.compute.mass_deployment" {
			got = &res.Fresh[i]
		}
	}
	if got == nil {
		t.Fatalf("second run: no mass_deployment alert in %d", len(res.Fresh))
	}
	var priced bool
	for _, c := range got.Compute {
		if strings.Contains(strings.ToLower(c.Resource), "virtualmachinescalesets/vmss-etl-workers") && c.Size == "Standard_F16s_v2" && c.Count == 200 {
			priced = true
		}
	}
	if !priced {
		t.Errorf("the setting's machines: %+v, want the 200 priced at the scale set's Standard_F16s_v2", got.Compute)
	}
	// What the first run learned is in the store for the next.
	l, err := st.Learned(context.Background(), time.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Sizes) != 1 || len(l.Writes) != 1 {
		t.Errorf("the store keeps %+v, want the scale set's size and the thief's write", l)
	}
}

// A long-running service forgets what no rule needs any more: its
// enricher is given, each cycle, only what the store kept (pruned by
// age), not everything the process ever learned.
func TestServeForgetsWhatTheStoreDropped(t *testing.T) {
	st := openStore(t)
	const acct = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.batch/batchaccounts/a"
	long := time.Now().Add(-100 * 24 * time.Hour)
	if _, err := st.Commit(context.Background(), store.Cycle{Now: long, Learned: &store.Learned{Regions: map[string]string{acct: "eastus"}}}); err != nil {
		t.Fatal(err)
	}
	cfg := newProcess(t)()
	cfg.Enricher.Know(enrichLearned(store.Learned{Regions: map[string]string{acct + "2": "westus"}})) // what the process learned before
	watched := t.TempDir()
	if err := os.WriteFile(filepath.Join(watched, "1.json"), []byte(`{"value": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cycle(t, st, watched, cfg)
	for _, id := range []string{acct, acct + "2"} {
		if r := cfg.Enricher.LateRegion(id + "/pools/p"); r != "" {
			t.Errorf("after a cycle, %s's region is still known (%q): kept past what the store keeps", id, r)
		}
	}
}

// twoRuns serves first and then second, each by a `serve --once` run of
// a new process over one store: first in a gzip file, whose records are
// not carried into the next run's windows, so that what the second run
// knows of them is what the store kept. It gives the store and the
// second run's result.
func twoRuns(t *testing.T, first, second []byte) (*store.Store, *Result) {
	t.Helper()
	return servedTwice(t, first, second, newProcess(t))
}

// servedTwice is twoRuns with each run's hunt configured by process: a
// new process's each time (newProcess), or one process's that lives on.
func servedTwice(t *testing.T, first, second []byte, process func() hunt.Config) (*store.Store, *Result) {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(first)
	zw.Close()
	st, watched := openStore(t), t.TempDir()
	if err := os.WriteFile(filepath.Join(watched, "1.json.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := cycle(t, st, watched, process()); len(res.Read) != 1 {
		t.Fatalf("first run read %d files, want 1", len(res.Read))
	}
	if err := os.WriteFile(filepath.Join(watched, "2.json"), second, 0o644); err != nil {
		t.Fatal(err)
	}
	res := cycle(t, st, watched, process())
	if res.Carried != 0 {
		t.Fatalf("%d records carried from the gzip file: the test proves nothing", res.Carried)
	}
	return st, res
}
