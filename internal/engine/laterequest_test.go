package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// massRules are the two rules the end-of-hunt tests settle: a base rule on
// every compute request and mass_deployment's sum of compute.count.
const massRules = `title: Compute requested
name: x.requested
id: 1b2c
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.count|gt: 0}
  condition: sel
level: informational
---
title: Mass
name: x.mass
id: 3c4d
description: d
correlation:
  type: value_sum
  rules: [x.requested]
  group-by: [principal.id]
  timespan: 1h
  condition: {field: compute.count, gte: 40}
level: high
`

// TestLateRequestTakesTheTargetsWriteOffASetting: an autoscale setting's
// request counts, in the sum correlations read, what LateRequest gives at
// the end of the hunt, not the floor it was read with: a principal that
// wrote a scale set of 30 and its setting of minimum 30 asked for 30, one
// that wrote a scale set of one and a minimum of 200 for 200. Its alert
// prices the floor as the target's machines, once their size is known.
func TestLateRequestTakesTheTargetsWriteOffASetting(t *testing.T) {
	set := load(t, map[string]string{"c.yml": massRules})
	const (
		sub     = "/subscriptions/s1/resourcegroups/rg/providers/"
		opVMSS  = "microsoft.compute/virtualmachinescalesets/write"
		opScale = "microsoft.insights/autoscalesettings/write"
	)
	t0 := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	req := func(i int, who, op, id string, c event.Compute) event.Event {
		return event.Event{Time: t0.Add(time.Duration(i) * time.Minute), Kind: event.KindActivity, Tenant: "t1", ID: who + id, CorrelationID: who + id,
			Operation: op, ResourceID: id, Principal: event.Principal{ID: who}, Outcome: event.OutcomeStarted, Compute: &c}
	}
	evs := []event.Event{
		req(0, "ops", opVMSS, sub+"microsoft.compute/virtualmachinescalesets/api", event.Compute{Service: "vmss", Size: "Standard_D4s_v5", Count: 30}),
		req(1, "ops", opScale, sub+"microsoft.insights/autoscalesettings/api", event.Compute{Service: "vmss", Count: 30, Target: sub + "microsoft.compute/virtualmachinescalesets/api"}),
		req(2, "thief", opVMSS, sub+"microsoft.compute/virtualmachinescalesets/mine", event.Compute{Service: "vmss", Size: "Standard_D4s_v5", Count: 1}),
		req(3, "thief", opScale, sub+"microsoft.insights/autoscalesettings/mine", event.Compute{Service: "vmss", Count: 200, Target: sub + "microsoft.compute/virtualmachinescalesets/mine"}),
	}
	// What each principal wrote of each target, as enrich learns it.
	wrote := map[string]int{"ops " + sub + "microsoft.insights/autoscalesettings/api": 30, "thief " + sub + "microsoft.insights/autoscalesettings/mine": 1}
	const mine = sub + "microsoft.compute/virtualmachinescalesets/mine"
	const setting = sub + "microsoft.insights/autoscalesettings/mine"
	// No LateRequest; one that learned the target's size; one that did not
	// (the target written before the input begins).
	for _, c := range []struct {
		late        bool
		size        string
		setResource string // the setting's priced compute's resource
	}{{false, "", setting}, {true, "Standard_D4s_v5", mine}, {true, "", mine}} {
		late := c.late
		corr := set.Correlations()
		e, err := New(set, 2, corr)
		if err != nil {
			t.Fatal(err)
		}
		if late {
			e.LateRequest = func(setting, principal string, _ time.Time, floor int) (int, string, string) {
				target := strings.Replace(setting, "microsoft.insights/autoscalesettings", "microsoft.compute/virtualmachinescalesets", 1)
				return max(floor-wrote[principal+" "+setting], 0), target, c.size
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
		fired := map[string]bool{}
		for _, a := range as {
			if a.Rule != "x.mass" {
				continue
			}
			fired[a.PrincipalIDs[0]] = true
			// The scale set's one and the setting's 200, both the target's
			// machines; with no size learned, the setting's 200 are an
			// unpriced line, not left out of the cost as if none ran.
			want := []alert.Compute{{Service: "vmss", Size: "Standard_D4s_v5", Count: 1, Resource: mine, Operation: "thief" + mine},
				{Service: "vmss", Size: c.size, Count: 200, Resource: c.setResource, Operation: "thief" + setting}}
			if a.PrincipalIDs[0] == "thief" && !slices.Equal(a.Compute, want) {
				t.Errorf("late request %v, size %q: thief's compute %+v, want %+v", late, c.size, a.Compute, want)
			}
		}
		if want := map[string]bool{"thief": true, "ops": !late}; fired["thief"] != want["thief"] || fired["ops"] != want["ops"] {
			t.Errorf("late request %v: mass fired for %v, want %v", late, fired, want)
		}
	}
}

// TestLateRequestOfABatchPool: a Batch pool's create and resize read from
// the Batch service log (their target the pool itself) are settled as a
// setting is. The resize, which names no size, is priced at the one
// LateRequest learned; a create keeps the size it named when LateRequest
// knows none (its table full); the resize's summary says what it adds.
func TestLateRequestOfABatchPool(t *testing.T) {
	rules := `title: GPU or any compute
name: x.compute
id: 5e6f
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operation: microsoft.batch/batchaccounts/pools/write}
  condition: sel
level: low
`
	set := load(t, map[string]string{"c.yml": rules})
	const (
		acct = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.batch/batchaccounts/farm"
		pool = acct + "/pools/gpu-burst"
	)
	t0 := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	ev := func(i int, o event.Outcome, c event.Compute) event.Event {
		c.Service, c.Target = "batch", pool
		// Distinct records (the test's events have no raw record to tell
		// them apart).
		return event.Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: event.KindActivity, Tenant: "t1", Shape: "batch.diagnostic", ID: o.String(),
			Operation: "microsoft.batch/batchaccounts/pools/write", ResourceID: pool, Outcome: o, Compute: &c,
			Principal: event.Principal{ID: acct, Name: "unknown caller of Batch account farm (its service log names none)", Type: "BatchAccount"}}
	}
	evs := []event.Event{
		ev(0, event.OutcomeSucceeded, event.Compute{Size: "Standard_ND96asr_v4", Count: 46, LowPri: 40}),
		ev(1, event.OutcomeStarted, event.Compute{Count: 46, LowPri: 40}),
	}
	if s := Summary(&evs[1]); s != "unknown caller of Batch account farm (its service log names none) resized batchaccounts/farm/pools/gpu-burst in ?: 46 more nodes of ? (batch)" {
		t.Errorf("resize summary %q", s)
	}
	for _, learned := range []string{"Standard_ND96asr_v4", ""} {
		corr := set.Correlations()
		e, err := New(set, 1, corr)
		if err != nil {
			t.Fatal(err)
		}
		e.LateRequest = func(setting, principal string, _ time.Time, floor int) (int, string, string) {
			if setting != pool || principal != acct {
				t.Errorf("LateRequest(%q, %q)", setting, principal)
			}
			return floor, "", learned
		}
		for i := range evs {
			ev := evs[i]
			e.Eval(0, &ev)
		}
		as, _, err := e.Alerts(&Correlations{Set: corr, Rules: set})
		if err != nil {
			t.Fatal(err)
		}
		var sizes []string
		for _, a := range as {
			for _, c := range a.Compute {
				sizes = append(sizes, c.Size)
			}
		}
		slices.Sort(sizes)
		want := []string{"Standard_ND96asr_v4", "Standard_ND96asr_v4"}
		if learned == "" {
			want = []string{"", "Standard_ND96asr_v4"} // the resize unpriced, the create its own
		}
		if !slices.Equal(sizes, want) {
			t.Errorf("learned %q: alerts' sizes %q, want %q", learned, sizes, want)
		}
	}
}
