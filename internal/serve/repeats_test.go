package serve

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// A responder's two exports of the same days (a storage account's
// records, a workspace's rows) reach a service a run apart, each run a
// new process: the store's logs count each record once, and the
// readings of records read before apart, as one hunt over both exports
// counts them in LOGS READ. The records carried into the second run for
// open windows are not readings.
func TestRecordsReadAgainAcrossRunsCountOnce(t *testing.T) {
	records := newTenant(t, simulate.Options{Seed: 7, Days: 3, Scenarios: []string{"gpu-scaleset-chain"}, Shape: simulate.ShapeRecords})
	rows := newTenant(t, simulate.Options{Seed: 7, Days: 3, Scenarios: []string{"gpu-scaleset-chain"}, Shape: simulate.ShapeLogAnalytics})
	process := newProcess(t)
	st, watched := openStore(t), t.TempDir()
	copyTree(t, records.dir, filepath.Join(watched, "storage"))
	cycle(t, st, watched, process())
	copyTree(t, rows.dir, filepath.Join(watched, "workspace"))
	if res := cycle(t, st, watched, process()); res.Carried == 0 {
		t.Fatal("no record carried into the second run: the test does not show they are left out")
	}
	h, err := StoreHealth(context.Background(), st, records.cfg.Rules, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	reads, _ := h.Reads()
	stored := map[event.Kind]coverage.Read{}
	for _, r := range reads {
		stored[r.Kind] = r
	}
	cfg := process()
	res, err := hunt.Run(context.Background(), inputsOf(t, watched), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Read {
		if r.Kind != event.KindActivity && r.Kind != event.KindSignIn && r.Kind != event.KindAudit {
			continue // a kind whose records and events differ (flows), or whose records fall to another kind
		}
		if r.Repeats.Events == 0 {
			t.Fatalf("%v: the hunt over both read nothing again: the test shows nothing", r.Kind)
		}
		if s := stored[r.Kind]; s.Events != r.Events || s.Repeats != r.Repeats {
			t.Errorf("%v: the store counts %d records, %+v read again; the hunt over both %d, %+v", r.Kind, s.Events, s.Repeats, r.Events, r.Repeats)
		}
	}
}
