package activitylog

import (
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// svcFleet is an Azure Compute Fleet, as event.Compute names it.
const svcFleet = "fleet"

// opFleet creates or updates an Azure Compute Fleet: up to tens of
// thousands of VMs of several sizes, Spot and regular, in one request.
const opFleet = "microsoft.azurefleet/fleets/write"

// skuMix is the sku name of a scale set using Instance Mix (Learn, "Use
// multiple Virtual Machine sizes with Instance Mix": the scale set "must
// have the Sku name property set to Mix"); its sizes are listed in
// properties.skuProfile.vmSizes, up to five.
const skuMix = "Mix"

// scaleSet reads a scale set's write: sku.name is its size, sku.capacity
// its instances. An Instance Mix scale set names "Mix" there, no size:
// read as a size, it had no GPUs, no vCPUs and no price, so 39 Spot H100
// machines made no alert. Azure picks among its sizes as it allocates
// (skuProfile.allocationStrategy: LowestPrice, CapacityOptimized,
// Prioritized), which the write cannot tell; the event carries one size,
// the listed one that mines best (bestSize), so a GPU size in the list is
// never hidden by a CPU one beside it. It is the worst case for the
// tenant, of GPUs and, among sizes of one kind, of cost. A Mix write with
// no skuProfile in either body (a capacity PATCH) has its size unknown,
// counted as not judged, not "Mix".
func scaleSet(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcVMSS}
	c.Size = b.first("sku", "name")
	if record.EqualFold(c.Size, skuMix) {
		c.Size = bestSize(b.sc, b.array("properties", "skuProfile", "vmSizes"))
	}
	c.Count = b.count("sku", "capacity")
	if c.Size != "" && c.Count == 0 {
		// A size change alone: how many machines run it, the set's
		// other writes say (enrich.Enricher.LateCapacity).
		c.CountNote = event.CountCapacityUnknown
	}
	c.Priority = b.first("properties", "virtualMachineProfile", "priority")
	spot(c)
	priorityMix(b, c)
	return c
}

// priorityMix applies a Flexible scale set's Spot Priority Mix
// (properties.priorityMixPolicy): of a Spot scale set's instances,
// baseRegularPriorityCount are regular, and regularPriorityPercentageAboveBase
// percent of the rest (Compute REST API, PriorityMixPolicy: "the base
// number of regular priority VMs", "the percentage of VM instances, after
// the base regular priority count has been reached, that are expected to
// use regular priority"). A member left out reads 0: the other instances
// are Spot.
func priorityMix(b *bodies, c *event.Compute) {
	if c.LowPri == 0 {
		return
	}
	base, okBase := b.intAt("properties", "priorityMixPolicy", "baseRegularPriorityCount")
	pct, okPct := b.intAt("properties", "priorityMixPolicy", "regularPriorityPercentageAboveBase")
	if !okBase && !okPct {
		return
	}
	n := int64(c.Count)
	base = min(max(base, 0), n)
	pct = min(max(pct, 0), 100)
	regular := base + ((n-base)*pct+99)/100 // rounded up: the Spot share is not overstated
	c.LowPri = clampCount(n - min(regular, n))
}

// fleet reads a Compute Fleet's write (azure-rest-api-specs
// specification/azurefleet, 2024-11-01: FleetProperties). Its instances
// are spotPriorityProfile.capacity Spot VMs plus
// regularPriorityProfile.capacity regular ones ("Total capacity to
// achieve. It is currently in terms of number of VMs"), its sizes
// vmSizesProfile[].name, of which Azure picks as it allocates: the one
// that mines best is the event's (bestSize), as for Instance Mix. A fleet
// naming only vmAttributes (vCPU and accelerator ranges, no size) has its
// size unknown: counted as not judged. The region is the fleet's
// location; additionalLocationsProfile's other regions are not told apart,
// an event having one region.
//
// The fleet makes its VMs as scale sets in the tenant's subscription
// (Fleets_ListVirtualMachineScaleSets returns Microsoft.Compute ids there).
// Whether their writes reach the tenant's Activity Log, and under whose
// name, neither Learn nor the specs say, and no capture was at hand. Under
// the Fleet service's own identity, as AKS writes its node pools' scale
// sets, per-principal sums (mass_deployment) keep them apart from the
// fleet's writer, but an incident holding both would count the machines
// twice; under the writer's, mass_deployment would too. Not judged until a
// capture shows it.
func fleet(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcFleet}
	c.Size = bestSize(b.sc, b.array("properties", "vmSizesProfile"))
	spotVMs := b.count("properties", "spotPriorityProfile", "capacity")
	regular := b.count("properties", "regularPriorityProfile", "capacity")
	c.Count = clampCount(int64(spotVMs) + int64(regular))
	c.LowPri = spotVMs
	if regular == 0 && spotVMs > 0 {
		c.Priority = "Spot"
	}
	return c
}

// bestSize returns, of a list of sizes ({"name": ...} objects: Instance
// Mix's vmSizes, a fleet's vmSizesProfile), the one whose machine mines
// best (poolWeight of one machine: most GPUs, else most vCPUs); the
// first listed among equals, and among sizes none of which is known.
func bestSize(sc *record.Scratch, sizes []*fastjson.Value) string {
	best, size := -1.0, ""
	for _, x := range sizes {
		name := sc.Str(x, "name")
		if name == "" {
			continue
		}
		if w := poolWeight(event.Compute{Size: name, Count: 1}); w > best {
			best, size = w, name
		}
	}
	return size
}

// intAt returns the first integer at keys in either body, and whether
// one was there.
func (b *bodies) intAt(keys ...string) (int64, bool) {
	for _, body := range b.list() {
		if n, ok := b.sc.Int(body, keys...); ok {
			return n, true
		}
	}
	return 0, false
}
