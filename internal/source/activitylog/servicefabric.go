package activitylog

import "github.com/mamori-sec/mamori/internal/event"

// svcSF is the compute service of Service Fabric managed clusters' node
// types.
const svcSF = "sf"

// sfNodeType reads a Service Fabric managed cluster's node type: a scale
// set of vmSize machines, GPU sizes included, that the Service Fabric
// resource provider writes in the cluster's own resource group (SFC_…)
// under its own identity, so the node type's write is the only record
// that names who asked for them, as an AKS pool's is. sku.capacity, when
// a body gives it, overrides vmInstanceCount (-1 when autoscale rules or
// the capacity decide); isSpotVM makes every node Spot. Its body names no
// location: the node type runs in its cluster's region (enrich.LateRegion).
func sfNodeType(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcSF}
	c.Size = b.first("properties", "vmSize")
	if c.Count = b.count("sku", "capacity"); c.Count == 0 {
		c.Count = b.count("properties", "vmInstanceCount")
	}
	if spot, _ := b.boolean("properties", "isSpotVM"); spot {
		c.Priority = "Spot"
	}
	spot(c)
	return c
}
