package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// TestLateScaleCreditsTheSettingsWriter: autoscale's scale-outs, logged
// under the autoscale service's name, count in the sum correlations read
// as LateScale settles them at the end of the hunt: as requests of the
// setting's last writer, grouped with that principal's own, counting what
// LateScale says they added; with no writer known, each setting's are
// summed on their own, neither with another setting's nor with records
// that name no principal. Their compute names the target, at its size.
func TestLateScaleCreditsTheSettingsWriter(t *testing.T) {
	set := load(t, map[string]string{"c.yml": massRules})
	const (
		sub     = "/subscriptions/s1/resourcegroups/rg/providers/"
		opVMSS  = "microsoft.compute/virtualmachinescalesets/write"
		opOut   = "microsoft.insights/autoscalesettings/scaleupresult/action"
		mine    = sub + "microsoft.compute/virtualmachinescalesets/mine"
		mineSet = sub + "microsoft.insights/autoscalesettings/mine"
		web     = sub + "microsoft.compute/virtualmachinescalesets/web"
		webSet  = sub + "microsoft.insights/autoscalesettings/web"
		apiSet  = sub + "microsoft.insights/autoscalesettings/api"
	)
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	autoscale := event.Principal{Name: "Microsoft.Insights/autoscaleSettings"}
	// The thief's scale set of one, then the miner's load: 1 -> 21 -> 41
	// -> 61 on its setting. Two settings no write of which was read: 30
	// and 25 each, 55 between them.
	out := func(i int, setting, target string, from, to int) event.Event {
		return event.Event{Time: t0.Add(time.Duration(i) * time.Minute), Kind: event.KindActivity, Tenant: "t1", ID: setting + target + string(rune('a'+i)),
			CorrelationID: setting + string(rune('a'+i)), Operation: opOut, ResourceID: setting, Principal: autoscale, Outcome: event.OutcomeSucceeded,
			Compute: &event.Compute{Service: "vmss", Target: target, Old: from, New: to, Count: to - from}}
	}
	evs := []event.Event{
		{Time: t0, Kind: event.KindActivity, Tenant: "t1", ID: "w1", CorrelationID: "w1", Operation: opVMSS, ResourceID: mine,
			Principal: event.Principal{ID: "thief", UPN: "maya@fabrikam.example"}, Outcome: event.OutcomeStarted,
			Compute: &event.Compute{Service: "vmss", Size: "Standard_NC4as_T4_v3", Count: 1}},
		out(10, mineSet, mine, 1, 21), out(20, mineSet, mine, 21, 41), out(30, mineSet, mine, 41, 61),
		out(12, webSet, web, 2, 32), out(14, apiSet, "", 3, 28),
	}
	for _, late := range []bool{false, true} {
		corr := set.Correlations()
		e, err := New(set, 2, corr)
		if err != nil {
			t.Fatal(err)
		}
		if late {
			e.LateScale = func(setting, target string, _ time.Time, from, to int) event.ScaleCredit {
				cr := event.ScaleCredit{Added: to - from, Target: target}
				if setting == mineSet {
					cr.Writer = event.Principal{ID: "thief", UPN: "maya@fabrikam.example", Type: "User", AppID: "portal-app"}
					cr.Size, cr.Region = "Standard_NC4as_T4_v3", "eastus2"
				}
				return cr
			}
		}
		for i := range evs {
			ev := evs[i]
			e.Eval(i%2, &ev)
		}
		as, _, err := e.Alerts(&Correlations{Set: corr, Rules: set})
		if err != nil {
			t.Fatal(err)
		}
		var fired []string
		for _, a := range as {
			if a.Rule != "x.mass" {
				continue
			}
			fired = append(fired, a.Principal)
			if a.Principal != "maya@fabrikam.example" {
				continue
			}
			if !slices.Contains(a.PrincipalIDs, "thief") || slices.Contains(a.PrincipalIDs, "portal-app") {
				t.Errorf("the thief's alert names %v, want the thief and not a user's app", a.PrincipalIDs)
			}
			// The set's own one and its scale-outs' 21, 41 and 61: the
			// set, priced at its peak (incident.ComputeOf).
			want := []alert.Compute{{Service: "vmss", Size: "Standard_NC4as_T4_v3", Count: 1, Resource: mine, Operation: "w1"}}
			for i, n := range []int{21, 41, 61} {
				want = append(want, alert.Compute{Service: "vmss", Size: "Standard_NC4as_T4_v3", Count: n, Region: "eastus2", Resource: mine,
					Operation: mineSet + string(rune('a'+10*(i+1)))})
			}
			if !slices.Equal(a.Compute, want) {
				t.Errorf("the thief's compute %+v\nwant %+v", a.Compute, want)
			}
		}
		slices.Sort(fired)
		// Without LateScale every scale-out is the autoscale service's,
		// one group: 60 + 30 + 25; with it, the thief's 1 + 60, and the
		// two unattributed settings apart, 30 and 25.
		want := []string{"Microsoft.Insights/autoscaleSettings"}
		if late {
			want = []string{"maya@fabrikam.example"}
		}
		if !slices.Equal(fired, want) {
			t.Errorf("late %v: mass fired for %v, want %v", late, fired, want)
		}
	}
}
