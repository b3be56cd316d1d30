package azure

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// TestSaveThenFromGivesTheSameFindings is `mamori posture --save DIR` then
// `mamori posture --from DIR`: the checks over a live collection (here the
// SDK's fake servers and a Graph test server) and over its saved copy
// agree finding for finding, and the live run judged real data (some
// checks assessed, not everything "not assessed").
func TestSaveThenFromGivesTheSameFindings(t *testing.T) {
	t.Parallel()
	live, _, _ := collectWith(t, newFakes(t))
	dir := filepath.Join(t.TempDir(), "saved")
	if err := live.Save(dir); err != nil {
		t.Fatal(err)
	}
	saved, err := capture.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	judge := func(c *capture.Capture) []posture.Finding {
		s, errs := posture.Build(c)
		for _, e := range errs {
			t.Errorf("build: %v", e)
		}
		return posture.Run(s, posture.DefaultConfig())
	}
	want, got := judge(live), judge(saved)
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("findings differ after --save/--from:\n%s", d)
	}
	assessed := 0
	for _, f := range want {
		if f.Status != posture.NotAssessed {
			assessed++
		}
	}
	if assessed < len(posture.Checks())/2 {
		t.Errorf("only %d of %d findings assessed on the fake tenant: the collection lost data", assessed, len(want))
	}
}

func TestProgressCountsEveryDataset(t *testing.T) {
	t.Parallel()
	opts, _ := env(t, newFakes(t))
	var calls, last, total int
	opts.Progress = func(done, all int) {
		calls++
		if done != last+1 || (total != 0 && all != total) {
			t.Errorf("progress %d/%d after %d/%d", done, all, last, total)
		}
		last, total = done, all
	}
	c, err := Collect(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != total {
		t.Errorf("progress ended at %d of %d after %d calls", last, total, calls)
	}
	// Every planned read yields at least one dataset (a per-region task
	// may yield two), so the count is never more than the datasets.
	if total > len(c.Datasets) {
		t.Errorf("%d reads planned, only %d datasets", total, len(c.Datasets))
	}
}
