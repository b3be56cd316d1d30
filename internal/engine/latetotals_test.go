package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestLateTotalsOfScaleOutsAndStarts: the volume rules sum
// compute.gpus_total, which a record naming no size (autoscale's scale-out,
// a scale set started whole) does not carry when it is read. The end of
// the hunt gives it the GPUs of what it settled: a scale-out's credited
// machines (lateScale: what it added, not what the target ran after it),
// a start's woken machines (lateRequest), at the size the target's writes
// named. The sums are bracketed (fires at N, quiet at N+1), so a total
// made of the wrong count fails as surely as a missing one.
func TestLateTotalsOfScaleOutsAndStarts(t *testing.T) {
	const rules = `title: Compute requested
name: x.requested
id: 1b2c
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.count|gt: 0}
  started: {operation: microsoft.compute/virtualmachinescalesets/start/action}
  condition: sel or started
level: informational
---
title: GPUs
name: x.gpus
id: 3c4d
description: d
correlation:
  type: value_sum
  rules: [x.requested]
  group-by: [principal.id]
  timespan: 1h
  condition: {field: compute.gpus_total, gte: 61}
level: high
---
title: GPUs, one more
name: x.gpus_more
id: 5e6f
description: d
correlation:
  type: value_sum
  rules: [x.requested]
  group-by: [principal.id]
  timespan: 1h
  condition: {field: compute.gpus_total, gte: 62}
level: high
`
	set := load(t, map[string]string{"c.yml": rules})
	const (
		sub     = "/subscriptions/s1/resourcegroups/rg/providers/"
		size    = "Standard_NC4as_T4_v3" // one GPU
		mine    = sub + "microsoft.compute/virtualmachinescalesets/mine"
		mineSet = sub + "microsoft.insights/autoscalesettings/mine"
		idle    = sub + "microsoft.compute/virtualmachinescalesets/idle"
	)
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	thief := event.Principal{ID: "thief", UPN: "maya@fabrikam.example"}
	out := func(i, from, to int) event.Event {
		return event.Event{Time: t0.Add(time.Duration(i) * time.Minute), Kind: event.KindActivity, Tenant: "t1", ID: "o" + string(rune('a'+i)),
			CorrelationID: "o" + string(rune('a'+i)), Operation: "microsoft.insights/autoscalesettings/scaleupresult/action", ResourceID: mineSet,
			Principal: event.Principal{Name: "Microsoft.Insights/autoscaleSettings"}, Outcome: event.OutcomeSucceeded,
			Compute: &event.Compute{Service: "vmss", Target: mine, Old: from, New: to, Count: to - from}}
	}
	cases := []struct {
		name  string
		evs   []event.Event
		fired []string
	}{
		// The thief's set of one GPU, then 1 -> 21 -> 41 -> 61: 1 + 60 GPUs.
		{"scale-outs", []event.Event{
			{Time: t0, Kind: event.KindActivity, Tenant: "t1", ID: "w1", CorrelationID: "w1", Operation: "microsoft.compute/virtualmachinescalesets/write",
				ResourceID: mine, Principal: thief, Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vmss", Size: size, Count: 1,
					VCPUsTotal: 4, GPUsTotal: 1, Totaled: true}}, // as enrichment makes them
			out(10, 1, 21), out(20, 21, 41), out(30, 41, 61)}, []string{"x.gpus"}},
		// A set of 61 written before the input began, started whole: 61.
		{"start", []event.Event{
			{Time: t0, Kind: event.KindActivity, Tenant: "t1", ID: "s1", CorrelationID: "s1", Operation: "microsoft.compute/virtualmachinescalesets/start/action",
				ResourceID: idle, Principal: thief, Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vmss", Target: idle}}}, []string{"x.gpus"}},
	}
	for _, c := range cases {
		corr := set.Correlations()
		e, err := New(set, 2, corr)
		if err != nil {
			t.Fatal(err)
		}
		e.LateScale = func(setting, target string, _ time.Time, from, to int) event.ScaleCredit {
			return event.ScaleCredit{Added: to - from, Target: mine, Size: size, Writer: event.Principal{ID: "thief", UPN: "maya@fabrikam.example", Type: "User"}}
		}
		e.LateRequest = func(setting, principal string, at time.Time, n int) (int, string, string) {
			if setting == idle && n <= 0 {
				return 61, "", size
			}
			return n, "", ""
		}
		for i := range c.evs {
			ev := c.evs[i]
			e.Eval(i%2, &ev)
		}
		as, _, err := e.Alerts(&Correlations{Set: corr, Rules: set})
		if err != nil {
			t.Fatal(err)
		}
		var fired []string
		for _, a := range as {
			if a.Rule != "x.requested" {
				fired = append(fired, a.Rule)
			}
		}
		slices.Sort(fired)
		if !slices.Equal(fired, c.fired) {
			t.Errorf("%s: fired %v, want %v", c.name, fired, c.fired)
		}
	}
}
