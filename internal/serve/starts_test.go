package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The data team's three ND96asr_v4 VMs and scale set of eight
// NC24ads_A100_v4 are written on day 1, and a helpdesk account that never
// started a machine starts them at night on day 2 (compute_started's own
// test case). Served by two `serve --once` runs, each a new process, day
// 1 in the first (a gzip file, whose records are not carried into the
// next run's windows) and day 2 in the second: the starts are priced at
// the sizes the writes named, as in one hunt over both days, because the
// store kept what the first run learned of the machines' writes. Without
// it, the second run knew no size: the GPUs went unpriced.
func TestStartsSizedAcrossRuns(t *testing.T) {
	dir := filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "compute_started_first_by_principal",
		"helpdesk-account-wakes-the-data-teams-deallocated-gpu-machines-fires")
	day1, err := os.ReadFile(filepath.Join(dir, "2026-11-16", "PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	day2, err := os.ReadFile(filepath.Join(dir, "2026-11-17", "PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := twoRuns(t, day1, day2)
	// The incident over the store names the helpdesk account and
	// prices its starts from the creates the store kept.
	incs, as := storeIncidents(t, st)
	found := false
	for _, in := range incs {
		if !strings.Contains(strings.Join(in.Principals, " "), "helpdesk.temp") {
			continue
		}
		found = true
		sizes := map[string]int{}
		for _, l := range in.Cost.Lines {
			sizes[l.Size] += l.Count
		}
		if sizes["Standard_ND96asr_v4"] != 3 || sizes["Standard_NC24ads_A100_v4"] != 8 || len(sizes) != 2 {
			t.Errorf("the helpdesk's starts priced as %v, want 3 Standard_ND96asr_v4 and 8 Standard_NC24ads_A100_v4", sizes)
		}
	}
	if !found {
		t.Fatalf("no incident names the helpdesk account: %d alerts in the store", len(as))
	}
}
