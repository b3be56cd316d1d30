package hunt

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// An incident responder often holds the same days of a tenant's Activity
// Log from more than one export: the storage account's diagnostic blobs,
// a workspace's AzureActivity rows, az monitor activity-log list. Only
// the last two carry the event's id. Hunted together, the three exports
// of one simulated tenant (every scenario and twin) must give exactly the
// alerts and incidents of any one of them, with the same counts: an
// event counted once per export would pass a count's threshold on half
// the activity.
func TestOneTenantInManyExports(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant three times")
	}
	t.Parallel()
	set, enr := catalogue(t)
	cfg := Config{Rules: set, Enricher: enr}
	type seen struct {
		ID, Rule, Incident string
		Count              int
		Severity           alert.Severity
	}
	hunted := func(dirs ...string) ([]seen, []string) {
		res, err := Run(context.Background(), expand(t, dirs...), cfg)
		if err != nil {
			t.Fatal(err)
		}
		var as []seen
		for _, a := range res.Alerts {
			as = append(as, seen{a.ID, a.Rule, a.Incident, a.Count, a.Severity})
		}
		var incs []string
		for _, in := range res.Incidents {
			incs = append(incs, fmt.Sprintf("%s %v %q %d", in.ID, in.Severity, in.Title, len(in.Timeline)))
		}
		return as, incs
	}
	var dirs []string
	for _, shape := range []string{simulate.ShapeRecords, simulate.ShapeLogAnalytics, simulate.ShapeREST} {
		dir := t.TempDir()
		if _, err := simulate.Write(dir, simulate.Options{Seed: 7, Days: 10, Scenarios: simulate.Scenarios(), Shape: shape}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	want, wantIncs := hunted(dirs[0])
	if len(want) == 0 || len(wantIncs) == 0 {
		t.Fatal("the tenant raised no alert: the test shows nothing")
	}
	for i, d := range dirs[1:] {
		if got, incs := hunted(d); !cmp.Equal(got, want) || !cmp.Equal(incs, wantIncs) {
			t.Errorf("export %d alone differs from the first:\n%s\n%s", i+1, cmp.Diff(want, got), cmp.Diff(wantIncs, incs))
		}
	}
	got, incs := hunted(dirs...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the three exports together (-one +all):\n%s", diff)
	}
	if diff := cmp.Diff(wantIncs, incs); diff != "" {
		t.Errorf("incidents of the three exports together (-one +all):\n%s", diff)
	}
}
