package hunt

import (
	"fmt"
	"testing"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
)

// TestUnsizedComputeOps: an operation is unsized when none of its records
// named a size, wherever they fell: a Start on one worker with the size
// and a Success on another without it are one sized operation. A record
// with a body that names no size (a Consumption-only Container Apps
// environment) is judged: no export says more. Records
// without a correlation id are operations of their own; events that
// create no compute, and jobs on a workspace's cluster (no Compute), are
// not counted, even when another record of theirs carries no body; an
// Azure ML job's write without a body anywhere is unsized and a job (it
// may have run on its workspace's cluster); nor are records a service
// reads again (Config.Reread) counted;
// past the bound, tracked operations are still followed and the counts
// say they are capped.
func TestUnsizedComputeOps(t *testing.T) {
	t.Parallel()
	const vm = "microsoft.compute/virtualmachines/write"
	ev := func(op, corr, size string) *event.Event {
		return &event.Event{Operation: op, CorrelationID: corr, Compute: &event.Compute{Service: "vm", Size: size, Count: 1, NoBody: size == ""}}
	}
	slots, table := slotsOf(2)
	slots[0].compute.add(ev(vm, "a", "Standard_NC6s_v3")) // a's Start
	slots[1].compute.add(ev(vm, "a", ""))                 // a's Success
	slots[1].compute.add(ev(vm, "b", ""))                 // b: no body anywhere
	slots[0].compute.add(ev(vm, "b", ""))
	slots[0].compute.add(ev(vm, "", ""))                // no correlation id
	slots[1].compute.add(ev(vm, "", "Standard_D4s_v5")) // no correlation id, sized
	aci := ev("microsoft.containerinstance/containergroups/write", "c", "")
	aci.Compute.CPUs = 2 // a container group's body names CPUs, not a size
	slots[1].compute.add(aci)
	aca := ev("microsoft.app/managedenvironments/write", "f", "")
	aca.Compute.Service, aca.Compute.Count, aca.Compute.NoBody = "aca", 0, false // the Consumption profile only
	slots[0].compute.add(aca)
	slots[0].compute.add(ev("microsoft.network/publicipaddresses/write", "d", ""))
	const job = "microsoft.machinelearningservices/workspaces/jobs/write"
	slots[0].compute.add(&event.Event{Operation: job, CorrelationID: "e"})
	// k: a job's Start puts it on the workspace's cluster (a start of the
	// cluster's machines, no create), its Success, on another worker,
	// carries no body.
	bare := func(corr string) *event.Event {
		return &event.Event{Operation: job, CorrelationID: corr, Compute: &event.Compute{Service: "aml", NoBody: true}}
	}
	slots[1].compute.add(bare("k"))
	slots[0].compute.add(&event.Event{Operation: job, CorrelationID: "k", Compute: &event.Compute{Service: "aml", Target: "/s/ws/computes/gpu", Wakes: 4}})
	slots[0].compute.add(bare("j")) // j: no body anywhere
	slots[1].compute.add(bare("j"))
	slots[1].compute.add(bare("")) // and one without a correlation id
	// m: a job's Start names its serverless machines, its Success a
	// response that names none (no Compute): a sized create.
	slots[0].compute.add(&event.Event{Operation: job, CorrelationID: "m", Compute: &event.Compute{Service: "aml", Size: "Standard_NC6s_v3", Count: 1}})
	slots[1].compute.add(&event.Event{Operation: job, CorrelationID: "m"})
	if got, want := computeOpsOf(slots, table).Unsized(), (coverage.Unsized{Creates: 9, Unsized: 4, Jobs: 2}); got != want {
		t.Errorf("unsized = %+v, want %+v", got, want)
	}

	// A service's records read again for open windows were counted by
	// the cycle that first read them: a record without a correlation id
	// would be an operation of its own once more. An id written in
	// another case is the same operation.
	again, againTable := slotsOf(1)
	again[0].compute.reread = map[string]int64{"a.json": 100}
	at := func(e *event.Event, off int64) *event.Event {
		e.Loc = event.Location{File: "a.json", Offset: off}
		return e
	}
	again[0].compute.add(at(ev(vm, "", ""), 10))
	again[0].compute.add(at(ev(vm, "g", ""), 50))
	again[0].compute.add(at(ev(vm, "h", ""), 100))
	again[0].compute.add(at(ev(vm, " H", ""), 200))
	if got, want := computeOpsOf(again, againTable).Unsized(), (coverage.Unsized{Creates: 1, Unsized: 1}); got != want {
		t.Errorf("with records read again: %+v, want %+v", got, want)
	}

	one, oneTable := slotsOf(1)
	for i := range maxComputeOps {
		one[0].compute.add(ev(vm, fmt.Sprint(i), "Standard_D4s_v5"))
	}
	one[0].compute.add(ev(vm, "past the bound", ""))
	one[0].compute.add(ev(vm, "0", "")) // tracked: still sized
	if got, want := computeOpsOf(one, oneTable).Unsized(), (coverage.Unsized{Creates: maxComputeOps, Capped: true}); got != want {
		t.Errorf("past the bound: %+v, want %+v", got, want)
	}
}

// slotsOf is n workers' slots sharing one table of operations, as Run
// makes them.
func slotsOf(n int) ([]readSlot, *opTable) {
	slots, t := make([]readSlot, n), &opTable{}
	for i := range slots {
		slots[i].compute.table = t
	}
	return slots, t
}
