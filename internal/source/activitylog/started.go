package activitylog

import (
	"github.com/mamori-sec/mamori/internal/event"
)

// started reads a start of machines that exist (event.StartsCompute): a
// Compute with the service and what the record says of the count, its
// Target the resource itself, which the hunt settles at its end with the
// size and capacity the resource's own writes named
// (enrich.Enricher.LateRequest). The record names no size: a start is an
// action with at most a list of instances (Learn REST API, "Virtual
// Machine Scale Sets - Start": VirtualMachineScaleSetVMInstanceIDs,
// instanceIds, "omitting ... will result in the operation being performed
// on all virtual machines in the virtual machine scale set").
//
// A VM, a scale-set instance and an Azure ML compute instance (the only
// Azure ML compute that starts: a cluster scales itself) are one machine.
// A scale set started whole and an AKS cluster are as many as the hunt
// learns they hold: Count 0 until then, never guessed as one.
func started(b *bodies, e *event.Event) *event.Compute {
	c := &event.Compute{Target: e.ResourceID}
	switch e.Operation {
	case event.OpStartVM:
		c.Service, c.Count = svcVM, 1
	case event.OpStartVMSSVM:
		c.Service, c.Count = svcVMSS, 1
	case event.OpStartVMSS:
		c.Service = svcVMSS
		// Only the request may list them; an instance id repeated is
		// started once.
		seen := map[string]bool{}
		for _, id := range b.array("instanceIds") {
			if s := b.sc.Str(id); s != "" && !seen[s] && len(seen) < maxStartIDs {
				seen[s] = true
			}
		}
		c.Count = len(seen)
	case event.OpStartAML:
		c.Service, c.Count = svcAML, 1
	case event.OpStartAKS:
		c.Service = svcAKS
	default:
		return nil
	}
	return c
}

// maxStartIDs bounds the instance ids a start's body is read for: a scale
// set holds at most 1,000 instances (Flexible orchestration), and a body
// listing more says nothing more.
const maxStartIDs = 1000
