package engine

import (
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

func elevate(id, corr string, at time.Time, outcome event.Outcome) event.Event {
	return event.Event{
		Time: at, Kind: event.KindActivity, ID: id, CorrelationID: corr, Outcome: outcome,
		Operation: "microsoft.authorization/elevateaccess/action", Tenant: "t1",
		Principal: event.Principal{UPN: "admin@contoso.example"},
		Loc:       event.Location{File: "f.json", Line: 1},
	}
}

func TestDuplicatesCountOnceAndOneActionIsOneAlert(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 14, 1, 52, 0, 0, time.UTC)
	e := New(Starter(), 2)
	started := elevate("ev-1", "corr-1", t0, event.OutcomeStarted)
	succeeded := elevate("ev-2", "corr-1", t0.Add(time.Second), event.OutcomeSucceeded)
	again := elevate("ev-2", "corr-1", t0.Add(time.Second), event.OutcomeSucceeded) // Event Hub redelivery
	other := elevate("ev-3", "corr-2", t0.Add(time.Hour), event.OutcomeSucceeded)
	failed := elevate("ev-4", "corr-3", t0.Add(2*time.Hour), event.OutcomeFailed)
	e.Eval(0, &started)
	e.Eval(1, &succeeded)
	e.Eval(0, &again)
	e.Eval(1, &other)
	e.Eval(0, &failed)
	as, st := e.Alerts()
	if len(as) != 2 {
		t.Fatalf("alerts %d, want 2: %+v", len(as), as)
	}
	if st.Duplicates != 1 {
		t.Errorf("duplicates %d, want 1", st.Duplicates)
	}
	if len(as[0].Evidence) != 2 || !as[0].LastTime.Equal(t0.Add(time.Second)) || !as[0].Time.Equal(t0) {
		t.Errorf("first alert should merge Started and Succeeded: %+v", as[0])
	}
	if as[0].ID == as[1].ID || as[0].ID == "" {
		t.Error("alert ids must be distinct and set")
	}
	// The same input gives the same ids.
	e2 := New(Starter(), 1)
	for _, ev := range []event.Event{other, succeeded, started} {
		e2.Eval(0, &ev)
	}
	as2, _ := e2.Alerts()
	if as2[0].ID != as[0].ID || as2[1].ID != as[1].ID {
		t.Error("alert ids depend on evaluation order")
	}
}

func TestGPUDriverExtensionRule(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ext  event.Extension
		op   string
		out  event.Outcome
		want bool
	}{
		{"NVIDIA driver on a scale set fires", event.Extension{Publisher: "Microsoft.HpcCompute", Type: "NvidiaGpuDriverLinux"}, "microsoft.compute/virtualmachinescalesets/extensions/write", event.OutcomeStarted, true},
		{"AMD driver on a VM fires", event.Extension{Publisher: "microsoft.hpccompute", Type: "AmdGpuDriverWindows"}, "microsoft.compute/virtualmachines/extensions/write", event.OutcomeSucceeded, true},
		{"monitoring agent stays quiet", event.Extension{Publisher: "Microsoft.Azure.Monitor", Type: "AzureMonitorLinuxAgent"}, "microsoft.compute/virtualmachines/extensions/write", event.OutcomeSucceeded, false},
		{"a driver type from another publisher stays quiet", event.Extension{Publisher: "Contoso", Type: "NvidiaGpuDriverLinux"}, "microsoft.compute/virtualmachines/extensions/write", event.OutcomeSucceeded, false},
		{"a failed install stays quiet", event.Extension{Publisher: "Microsoft.HpcCompute", Type: "NvidiaGpuDriverLinux"}, "microsoft.compute/virtualmachines/extensions/write", event.OutcomeFailed, false},
		{"removing the driver stays quiet", event.Extension{Publisher: "Microsoft.HpcCompute", Type: "NvidiaGpuDriverLinux"}, "microsoft.compute/virtualmachines/extensions/delete", event.OutcomeSucceeded, false},
	}
	r := Starter()[1]
	for _, c := range cases {
		ev := event.Event{Kind: event.KindActivity, Operation: c.op, Outcome: c.out, Extension: &c.ext}
		if _, got := r.Match(&ev); got != c.want {
			t.Errorf("%s: match %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMiningPoolRuleNeedsMoreThanAPort(t *testing.T) {
	t.Parallel()
	r := Starter()[2]
	flow := func(kind string, action string) event.Event {
		return event.Event{Kind: event.KindFlow, Flow: &event.Flow{Action: action, DstPort: 3333},
			Enrich: event.Enrichment{Pool: &event.PoolMatch{Kind: kind, Indicator: "x"}}}
	}
	for _, c := range []struct {
		ev   event.Event
		want bool
	}{
		{flow("ip", "allow"), true},
		{flow("port", "allow"), false},
		{flow("ip", "deny"), false},
		{event.Event{Kind: event.KindFlow, Flow: &event.Flow{Action: "allow"}}, false},
	} {
		if _, got := r.Match(&c.ev); got != c.want {
			t.Errorf("%+v: match %v, want %v", c.ev.Enrich.Pool, got, c.want)
		}
	}
}
