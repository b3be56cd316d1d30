package hunt

import (
	"fmt"
	"hash/maphash"
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
// not counted; past the bound, tracked operations are still followed and
// the counts say they are capped.
func TestUnsizedComputeOps(t *testing.T) {
	t.Parallel()
	seed := maphash.MakeSeed()
	const vm = "microsoft.compute/virtualmachines/write"
	ev := func(op, corr, size string) *event.Event {
		return &event.Event{Operation: op, CorrelationID: corr, Compute: &event.Compute{Service: "vm", Size: size, Count: 1, NoBody: size == ""}}
	}
	slots := make([]readSlot, 2)
	slots[0].compute.add(seed, ev(vm, "a", "Standard_NC6s_v3")) // a's Start
	slots[1].compute.add(seed, ev(vm, "a", ""))                 // a's Success
	slots[1].compute.add(seed, ev(vm, "b", ""))                 // b: no body anywhere
	slots[0].compute.add(seed, ev(vm, "b", ""))
	slots[0].compute.add(seed, ev(vm, "", ""))                // no correlation id
	slots[1].compute.add(seed, ev(vm, "", "Standard_D4s_v5")) // no correlation id, sized
	aci := ev("microsoft.containerinstance/containergroups/write", "c", "")
	aci.Compute.CPUs = 2 // a container group's body names CPUs, not a size
	slots[1].compute.add(seed, aci)
	aca := ev("microsoft.app/managedenvironments/write", "f", "")
	aca.Compute.Service, aca.Compute.Count, aca.Compute.NoBody = "aca", 0, false // the Consumption profile only
	slots[0].compute.add(seed, aca)
	slots[0].compute.add(seed, ev("microsoft.network/publicipaddresses/write", "d", ""))
	slots[0].compute.add(seed, &event.Event{Operation: "microsoft.machinelearningservices/workspaces/jobs/write", CorrelationID: "e"})
	if got, want := unsized(slots), (coverage.Unsized{Creates: 6, Unsized: 2}); got != want {
		t.Errorf("unsized = %+v, want %+v", got, want)
	}

	var one [1]readSlot
	for i := range maxComputeOps {
		one[0].compute.add(seed, ev(vm, fmt.Sprint(i), "Standard_D4s_v5"))
	}
	one[0].compute.add(seed, ev(vm, "past the bound", ""))
	one[0].compute.add(seed, ev(vm, "0", "")) // tracked: still sized
	if got, want := unsized(one[:]), (coverage.Unsized{Creates: maxComputeOps, Capped: true}); got != want {
		t.Errorf("past the bound: %+v, want %+v", got, want)
	}
}
