package enrich

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestLateStart: a start of machines that exist takes the size its
// resource's writes named and, for a scale set or AKS cluster started
// whole, their count, whichever of the records is read first; the latest
// write wins in either order; a scale-set instance takes its scale set's
// size and stays one machine; a VM's start stays one VM; a failed write
// teaches nothing; a start the hunt saw no write of keeps its record's
// count and no size; an Azure ML job on a cluster wakes what it asks for,
// no more than the cluster's maximum, at its size; and an autoscale
// setting is still settled as one.
func TestLateStart(t *testing.T) {
	const (
		sub    = "/subscriptions/s1/resourcegroups/rg/providers/"
		vmss   = sub + "microsoft.compute/virtualmachinescalesets/train-a100"
		vm     = sub + "microsoft.compute/virtualmachines/gpu-01"
		aks    = sub + "microsoft.containerservice/managedclusters/aks-gpu"
		ghost  = sub + "microsoft.compute/virtualmachinescalesets/never-written"
		thief  = "7b3e9d21-4c6a-4f85-b2e0-1a9d8c7f6e54"
		owner  = "5c4b3a29-1807-4f6e-9d5c-4b3a29180706"
		opVMSS = "microsoft.compute/virtualmachinescalesets/write"
		ws     = sub + "microsoft.machinelearningservices/workspaces/ml/"
		opJob  = "microsoft.machinelearningservices/workspaces/jobs/write"
	)
	at := time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC) // the starts
	type rec struct {
		ago     time.Duration
		op, id  string
		outcome event.Outcome
		c       event.Compute
	}
	writes := []rec{
		{72 * time.Hour, opVMSS, vmss, event.OutcomeStarted, event.Compute{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 8}},
		// A later capacity PATCH names no size: the count is its, the
		// size the create's.
		{48 * time.Hour, opVMSS, vmss, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 40}},
		{47 * time.Hour, opVMSS, vmss, event.OutcomeFailed, event.Compute{Service: "vmss", Size: "Standard_ND96isr_H100_v5", Count: 300}},
		{72 * time.Hour, "microsoft.compute/virtualmachines/write", vm, event.OutcomeSucceeded, event.Compute{Service: "vm", Size: "Standard_ND96asr_v4", Count: 1}},
		{24 * time.Hour, "microsoft.containerservice/managedclusters/write", aks, event.OutcomeStarted, event.Compute{Service: "aks", Size: "Standard_NC6s_v3", Count: 12}},
		// The data team's elastic cluster: at most 10 nodes.
		{30 * 24 * time.Hour, "microsoft.machinelearningservices/workspaces/computes/write", ws + "computes/a100", event.OutcomeStarted, event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 10}},
	}
	starts := []rec{
		{0, event.OpStartVMSS, vmss, event.OutcomeStarted, event.Compute{Service: "vmss", Target: vmss}},
		{0, event.OpStartVMSSVM, vmss + "/virtualmachines/3", event.OutcomeStarted, event.Compute{Service: "vmss", Count: 1, Target: vmss + "/virtualmachines/3"}},
		{0, event.OpStartVM, vm, event.OutcomeStarted, event.Compute{Service: "vm", Count: 1, Target: vm}},
		{0, event.OpStartAKS, aks, event.OutcomeStarted, event.Compute{Service: "aks", Target: aks}},
		{0, event.OpStartVMSS, ghost, event.OutcomeStarted, event.Compute{Service: "vmss", Target: ghost}},
		{0, opJob, ws + "jobs/big", event.OutcomeStarted, event.Compute{Service: "aml", Target: ws + "computes/a100", Wakes: 50}},
		{0, opJob, ws + "jobs/small", event.OutcomeStarted, event.Compute{Service: "aml", Target: ws + "computes/a100", Wakes: 2}},
		{0, opJob, ws + "jobs/elsewhere", event.OutcomeStarted, event.Compute{Service: "aml", Target: ws + "computes/unseen", Wakes: 50}},
	}
	for _, order := range []string{"writes first", "starts first"} {
		e, err := Load(Options{})
		if err != nil {
			t.Fatal(err)
		}
		all := append(append([]rec{}, writes...), starts...)
		if order == "starts first" {
			all = append(append([]rec{}, starts...), writes...)
			// and the writes newest first, as the REST API lists them
			for i, j := len(starts), len(all)-1; i < j; i, j = i+1, j-1 {
				all[i], all[j] = all[j], all[i]
			}
		}
		for _, r := range all {
			c := r.c
			e.Apply(&event.Event{Time: at.Add(-r.ago), Operation: r.op, ResourceID: r.id, Principal: event.Principal{ID: owner}, Outcome: r.outcome, Compute: &c})
		}
		for _, c := range []struct {
			name, id string
			n, want  int
			size     string
		}{
			{"a scale set started whole: its last capacity, its create's size", vmss, 0, 40, "Standard_NC24ads_A100_v4"},
			{"in the case the engine hands it", "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/TRAIN-A100", 0, 40, "Standard_NC24ads_A100_v4"},
			{"a scale set started for the instances its body listed", vmss, 3, 3, "Standard_NC24ads_A100_v4"},
			{"one instance of it", vmss + "/virtualmachines/3", 1, 1, "Standard_NC24ads_A100_v4"},
			{"a VM", vm, 1, 1, "Standard_ND96asr_v4"},
			{"an AKS cluster: its nodes", aks, 0, 12, "Standard_NC6s_v3"},
			{"a scale set never seen written: nothing learned", ghost, 0, 0, ""},
		} {
			n, target, size := e.LateRequest(c.id, thief, at, c.n)
			if n != c.want || size != c.size || target != "" {
				t.Errorf("%s, %s: %d %q %q, want %d %q and no target", order, c.name, n, size, target, c.want, c.size)
			}
		}
		// A job on the cluster wakes what it asks, no more than the
		// cluster holds, priced as the cluster's machines (its target).
		for _, c := range []struct {
			name, id, target, size string
			want                   int
		}{
			{"a 50-node job on a cluster of at most 10", ws + "jobs/big", ws + "computes/a100", "Standard_NC24ads_A100_v4", 10},
			{"a 2-node job on it", ws + "jobs/small", ws + "computes/a100", "Standard_NC24ads_A100_v4", 2},
			{"a job on a cluster never seen written: what it asks, size unknown", ws + "jobs/elsewhere", ws + "computes/unseen", "", 50},
		} {
			n, target, size := e.LateRequest(c.id, thief, at, 0)
			if n != c.want || size != c.size || target != c.target {
				t.Errorf("%s, %s: %d %q %q, want %d %q %q", order, c.name, n, target, size, c.want, c.target, c.size)
			}
		}
		// What is not a start is settled as before: a setting the hunt
		// did not see asks its whole floor and knows no size.
		if n, target, size := e.LateRequest(sub+"microsoft.insights/autoscalesettings/s", thief, at, 7); n != 7 || target != "" || size != "" {
			t.Errorf("%s: an unseen setting: %d %q %q, want 7 and nothing known", order, n, target, size)
		}
	}
}

func TestScaleSetOf(t *testing.T) {
	for id, want := range map[string]string{
		"/s/p/microsoft.compute/virtualmachinescalesets/ss/virtualmachines/3": "/s/p/microsoft.compute/virtualmachinescalesets/ss",
		"/s/p/microsoft.compute/virtualmachinescalesets/ss":                   "/s/p/microsoft.compute/virtualmachinescalesets/ss",
		"/s/p/microsoft.compute/virtualmachines/vm":                           "/s/p/microsoft.compute/virtualmachines/vm",
	} {
		if got := scaleSetOf(id); got != want {
			t.Errorf("scaleSetOf(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestStartRegion: a start whose record names no region (the Activity
// Log's REST and Log Analytics shapes name none) takes its resource's
// writes', a scale-set instance its scale set's, whichever is read first;
// a start the hunt saw no write of has none. Of two regions named, the
// greater is kept, in any order.
func TestStartRegion(t *testing.T) {
	const (
		sub   = "/subscriptions/s1/resourcegroups/rg/providers/"
		vmss  = sub + "microsoft.compute/virtualmachinescalesets/train-nd96"
		vm    = sub + "microsoft.compute/virtualmachines/build-agent-1"
		ghost = sub + "microsoft.compute/virtualmachines/never-written"
	)
	at := time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC)
	writes := []event.Event{
		{Time: at.Add(-72 * time.Hour), Operation: event.OpScaleSetWrite, ResourceID: vmss, Region: "uksouth", Outcome: event.OutcomeStarted,
			Compute: &event.Compute{Service: "vmss", Size: "Standard_ND96asr_v4", Count: 5}},
		{Time: at.Add(-48 * time.Hour), Operation: event.OpVMWrite, ResourceID: vm, Region: "westeurope", Outcome: event.OutcomeStarted,
			Compute: &event.Compute{Service: "vm", Size: "Standard_D4s_v5", Count: 1}},
		// A record naming another region for the scale set (Azure moves
		// no resource; a forged or garbled record): either order keeps
		// the same one.
		{Time: at.Add(-24 * time.Hour), Operation: event.OpScaleSetWrite, ResourceID: vmss, Region: "australiaeast", Outcome: event.OutcomeStarted,
			Compute: &event.Compute{Service: "vmss", Count: 5}},
	}
	starts := []event.Event{
		{Time: at, Operation: event.OpStartVMSSVM, ResourceID: vmss + "/virtualmachines/3", Outcome: event.OutcomeStarted,
			Compute: &event.Compute{Service: "vmss", Count: 1, Target: vmss + "/virtualmachines/3"}},
		{Time: at, Operation: event.OpStartVM, ResourceID: vm, Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vm", Count: 1, Target: vm}},
		{Time: at, Operation: event.OpStartVM, ResourceID: ghost, Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vm", Count: 1, Target: ghost}},
	}
	for _, startsFirst := range []bool{false, true} {
		e, err := Load(Options{})
		if err != nil {
			t.Fatal(err)
		}
		all := append(append([]event.Event{}, writes...), starts...)
		if startsFirst { // and the writes the other way round
			rev := slices.Clone(writes)
			slices.Reverse(rev)
			all = append(append([]event.Event{}, starts...), rev...)
		}
		for i := range all {
			e.Apply(&all[i])
		}
		for id, want := range map[string]string{vmss + "/virtualmachines/3": "uksouth", vm: "westeurope", ghost: ""} {
			if got := e.LateRegion(id); got != want {
				t.Errorf("starts first %v: LateRegion(%s) = %q, want %q", startsFirst, id, got, want)
			}
		}
	}
}

// TestStartsOfAServiceThatRunsForMonths: more VMs written than the table
// holds, the latest are still learned (the older half made room); and a
// service that forgets each cycle's starts (ForgetLearned) still knows a
// start as one after more starts than the table holds.
func TestStartsOfAServiceThatRunsForMonths(t *testing.T) {
	const sub = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/"
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	vm := func(i int) string { return fmt.Sprintf("%svm-%06d", sub, i) }
	for i := range MaxLearned + 100 {
		e.Apply(&event.Event{Time: day.Add(time.Duration(i) * time.Minute), Operation: event.OpVMWrite, ResourceID: vm(i),
			Region: "eastus", Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vm", Size: "Standard_ND96asr_v4", Count: 1}})
	}
	start := func(id string) {
		e.Apply(&event.Event{Time: day.AddDate(0, 3, 0), Operation: event.OpStartVM, ResourceID: id, Outcome: event.OutcomeStarted,
			Compute: &event.Compute{Service: "vm", Count: 1, Target: id}})
	}
	newest, oldest := vm(MaxLearned+99), vm(0)
	start(newest)
	start(oldest)
	if _, _, size, ok := e.lateStart(newest, 1); !ok || size != "Standard_ND96asr_v4" {
		t.Errorf("the newest VM's start: size %q, start %v; want its write's", size, ok)
	}
	if _, _, size, _ := e.lateStart(oldest, 1); size != "" {
		t.Errorf("the oldest VM's start: size %q; its write was the first to go", size)
	}
	if !e.Capped() {
		t.Error("the table forgot writes and the Enricher does not say it was full")
	}

	for i := range MaxLearned + 100 {
		if i%5000 == 0 {
			e.ForgetLearned() // a cycle
		}
		start(vm(1_000_000 + i))
	}
	if _, _, _, ok := e.lateStart(vm(1_000_000+MaxLearned+99), 1); !ok {
		t.Error("after more starts than the table holds, over cycles, the last is no start")
	}
}

// TestStartsLearnedAndKnown: what a service's cycle read of machines'
// writes, and the writes that sized a start, are in Learned; a new
// process told them (Know) sizes a start of those machines as the first
// would, merged with a write it reads itself as two writes are; and a
// cycle's Learned holds only what that cycle read or used. One hunt over
// files (no cycle begun: ForgetLearned) keeps no ids for a store.
func TestStartsLearnedAndKnown(t *testing.T) {
	const sub = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/"
	vm, vmss := sub+"virtualMachines/GPU-01", sub+"virtualmachinescalesets/train"
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	write := func(e *Enricher, at time.Time, op, id, size string, n int) {
		e.Apply(&event.Event{Time: at, Operation: op, ResourceID: id, Region: "eastus", Outcome: event.OutcomeStarted,
			Compute: &event.Compute{Service: "vm", Size: size, Count: n}})
	}
	start := func(e *Enricher, id string) {
		e.Apply(&event.Event{Time: day.AddDate(0, 0, 10), Operation: event.OpStartVM, ResourceID: id, Outcome: event.OutcomeStarted,
			Compute: &event.Compute{Service: "vm", Count: 1, Target: id}})
	}
	hunt, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	write(hunt, day, event.OpVMWrite, vm, "Standard_ND96asr_v4", 1)
	if l := hunt.Learned(); len(l.Starts) != 0 || len(hunt.starts.fresh) != 0 {
		t.Errorf("one hunt kept %d ids for a store it has not", len(hunt.starts.fresh))
	}
	first, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	first.ForgetLearned() // a service's first cycle begins
	write(first, day, event.OpVMWrite, vm, "Standard_ND96asr_v4", 1)
	write(first, day, event.OpScaleSetWrite, vmss, "Standard_NC24ads_A100_v4", 8)
	l := first.Learned()
	byID := map[string]event.StartWrite{}
	for _, w := range l.Starts {
		byID[w.ID] = w
	}
	if w := byID[strings.ToLower(vm)]; len(l.Starts) != 2 || w.Size != "Standard_ND96asr_v4" || w.Region != "eastus" || !w.SizeAt.Equal(day) {
		t.Fatalf("learned %+v, want the VM's and the scale set's writes", l.Starts)
	}
	first.ForgetLearned()
	if l := first.Learned(); len(l.Starts) != 0 {
		t.Errorf("a cycle that read nothing learned %+v", l.Starts)
	}
	// The next cycle reads only a start: the write that sized it is
	// fresh again, so the store keeps it as long as it is used.
	start(first, vm)
	if _, _, size, _ := first.lateStart(vm, 1); size != "Standard_ND96asr_v4" {
		t.Fatalf("the first process's start: size %q", size)
	}
	if l := first.Learned(); len(l.Starts) != 1 || l.Starts[0].ID != strings.ToLower(vm) {
		t.Errorf("a cycle that used the VM's write learned %+v, want it alone", l.Starts)
	}

	// A new process, told what the first learned, reads the starts and a
	// later capacity write of the scale set.
	next, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	next.Know(Learned{Starts: slices.Collect(maps.Values(byID))})
	write(next, day.AddDate(0, 0, 1), event.OpScaleSetWrite, vmss, "", 40)
	start(next, vm)
	next.Apply(&event.Event{Time: day.AddDate(0, 0, 10), Operation: event.OpStartVMSS, ResourceID: vmss, Outcome: event.OutcomeStarted,
		Compute: &event.Compute{Service: "vmss", Target: vmss}})
	if _, _, size, ok := next.lateStart(vm, 1); !ok || size != "Standard_ND96asr_v4" {
		t.Errorf("the new process's start of the VM: size %q, start %v", size, ok)
	}
	if n, _, size, _ := next.lateStart(vmss, 0); n != 40 || size != "Standard_NC24ads_A100_v4" {
		t.Errorf("the new process's start of the scale set: %d × %q, want 40 (the later write) × the size it was told", n, size)
	}
}
