package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
)

// TestStartsArePricedAsTheMachinesTheyWoke: a start of machines that
// exist is priced, in its alert, as what the hunt read of the resource's
// writes, though the writes are read after the starts: a GPU scale set
// started whole as its 40 A100 machines, a VM as one of its size. A
// scale set never seen written has no count to price: no compute, not
// "1 instance"; a VM never seen written is one machine of unknown size.
// An Azure ML job on its workspace's cluster is priced as the cluster's
// machines it wakes, no more than the cluster holds. The summaries say
// what the record said.
func TestStartsArePricedAsTheMachinesTheyWoke(t *testing.T) {
	rules := `title: Started
name: x.started
id: 1b2c
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operation: [microsoft.compute/virtualmachines/start/action, microsoft.compute/virtualmachinescalesets/start/action, microsoft.machinelearningservices/workspaces/jobs/write]}
  condition: sel
level: high
`
	set := load(t, map[string]string{"s.yml": rules})
	const (
		sub   = "/subscriptions/s1/resourcegroups/rg/providers/"
		vmss  = sub + "microsoft.compute/virtualmachinescalesets/train-a100"
		vm    = sub + "microsoft.compute/virtualmachines/gpu-01"
		ghost = sub + "microsoft.compute/virtualmachinescalesets/never-written"
		lone  = sub + "microsoft.compute/virtualmachines/never-written"
		ws    = sub + "microsoft.machinelearningservices/workspaces/ml/"
	)
	t0 := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	ev := func(i int, op, id string, outcome event.Outcome, c event.Compute) event.Event {
		return event.Event{Time: t0.Add(time.Duration(i) * time.Minute), Kind: event.KindActivity, Tenant: "t1", ID: op + id, CorrelationID: "c-" + id,
			Operation: op, ResourceID: id, Principal: event.Principal{ID: "thief"}, Outcome: outcome, Region: "eastus", Compute: &c}
	}
	evs := []event.Event{
		ev(0, event.OpStartVMSS, vmss, event.OutcomeStarted, event.Compute{Service: "vmss", Target: vmss}),
		ev(1, event.OpStartVM, vm, event.OutcomeStarted, event.Compute{Service: "vm", Count: 1, Target: vm}),
		ev(2, event.OpStartVMSS, ghost, event.OutcomeStarted, event.Compute{Service: "vmss", Target: ghost}),
		ev(3, event.OpStartVM, lone, event.OutcomeStarted, event.Compute{Service: "vm", Count: 1, Target: lone}),
		ev(4, "microsoft.machinelearningservices/workspaces/jobs/write", ws+"jobs/ddp", event.OutcomeStarted, event.Compute{Service: "aml", Target: ws + "computes/a100", Wakes: 50}),
		// The writes, days before, read last.
		ev(-30*24*60, "microsoft.machinelearningservices/workspaces/computes/write", ws+"computes/a100", event.OutcomeStarted, event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 16}),
		ev(-3*24*60, "microsoft.compute/virtualmachinescalesets/write", vmss, event.OutcomeSucceeded, event.Compute{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 40}),
		ev(-3*24*60, "microsoft.compute/virtualmachines/write", vm, event.OutcomeSucceeded, event.Compute{Service: "vm", Size: "Standard_ND96asr_v4", Count: 1}),
	}
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		t.Fatal(err)
	}
	corr := set.Correlations()
	e, err := New(set, 1, corr)
	if err != nil {
		t.Fatal(err)
	}
	e.LateRequest = enr.LateRequest
	for i := range evs {
		x := evs[i]
		enr.Apply(&x)
		e.Eval(0, &x)
	}
	as, _, err := e.Alerts(&Correlations{Set: corr, Rules: set})
	if err != nil {
		t.Fatal(err)
	}
	var got []alert.Compute
	var summaries []string
	for _, a := range as {
		got = append(got, a.Compute...)
		summaries = append(summaries, a.Summary)
	}
	want := []alert.Compute{
		{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 40, Region: "eastus", Resource: vmss, Operation: "c-" + vmss},
		{Service: "vm", Size: "Standard_ND96asr_v4", Count: 1, Region: "eastus", Resource: vm, Operation: "c-" + vm},
		{Service: "vm", Count: 1, Region: "eastus", Resource: lone, Operation: "c-" + lone},
		// the job's 50 nodes, of a cluster of at most 16
		{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 16, Region: "eastus", Resource: ws + "computes/a100", Operation: "c-" + ws + "jobs/ddp"},
	}
	sortCompute := func(cs []alert.Compute) {
		slices.SortFunc(cs, func(a, b alert.Compute) int { return strings.Compare(a.Resource, b.Resource) })
	}
	sortCompute(got)
	sortCompute(want)
	if !slices.Equal(got, want) {
		t.Errorf("priced compute:\n got %+v\nwant %+v", got, want)
	}
	all := strings.Join(summaries, "\n")
	for _, s := range []string{"started providers/microsoft.compute/virtualmachinescalesets/train-a100 in eastus: all its machines (vmss)",
		"submitted workspaces/ml/jobs/ddp in eastus: 50 machines of workspaces/ml/computes/a100 (aml)", "started providers/microsoft.compute/virtualmachines/gpu-01 in eastus: 1 × ? (vm)"} {
		if !strings.Contains(all, s) {
			t.Errorf("no summary %q in:\n%s", s, all)
		}
	}
}
