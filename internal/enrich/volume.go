package enrich

import "github.com/mamori-sec/mamori/internal/event"

// Volume is how much compute a request asks for: vCPUs and GPUs over all
// its machines, not the machines alone. mass_deployment counts machines,
// whatever their size, so 39 × Standard_ND96isr_H100_v5 (312 H100s) was
// one machine short of it; the correlation engine sums one field and
// cannot multiply the count by the size's vCPUs or GPUs, so the product is
// made here, where the size table is joined.

// totals fills c's VCPUsTotal and GPUsTotal from the size it names (si,
// nil when the table does not know it): Count machines of that size. A
// container group, which names no size, asks for its CPUs and GPUs
// directly. A request whose size is unknown, or whose body Azure did not
// write, gets none (Totaled false): a sum of 0 would call it small, when
// it is not judged.
func totals(c *event.Compute, si *event.SizeInfo) {
	c.VCPUsTotal, c.GPUsTotal, c.Totaled = 0, 0, false
	n := float64(max(c.Count, 0))
	switch {
	case si != nil:
		c.VCPUsTotal, c.GPUsTotal = n*float64(si.VCPUs), n*si.GPUs
	case c.Service == "aci" && !c.NoBody && (c.CPUs > 0 || c.GPUs > 0):
		c.VCPUsTotal, c.GPUsTotal = n*c.CPUs, n*float64(c.GPUs)
	default:
		return
	}
	c.Totaled = true
}

// Totals are the vCPUs and GPUs of count machines of the named size (a
// size, profile type or plan SKU, as SizeOf reads it); ok is false for a
// size the table does not know. The end of a hunt asks it of a request
// settled late (an autoscale setting's floor, a Batch pool's resize), once
// it has learned the size and how many machines the request adds.
func Totals(size string, count int) (vcpus, gpus float64, ok bool) {
	si, ok := SizeOf(size)
	if !ok {
		return 0, 0, false
	}
	n := float64(max(count, 0))
	return n * float64(si.VCPUs), n * si.GPUs, true
}
