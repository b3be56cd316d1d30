package enrich

import "time"

// A scale set's write that changes only its size (a PATCH of sku.name,
// "az vmss update --set sku.name=…") names no capacity, and without its
// response body the record does not say how many machines now run at the
// new size (red-team finding 4d: a 100-instance set resized to
// NC24ads_A100_v4 read "$4 per hour for 1 instance"). The instances the
// logs showed on the set are what autoscale settings are weighed by
// already (scaleTable.seen: its writes' capacities, autoscale's completed
// actions), so the end of the hunt gives such a write the last of them at
// or before it (LateCapacity), as it gives a Batch pool its account's
// region (LateRegion).

// LateCapacity is, by the end of the hunt, the instances the logs last
// showed on the scale set at or before at: a write's capacity or what
// autoscale's action left it; 0 when the hunt read none.
func (e *Enricher) LateCapacity(resourceID string, at time.Time) int {
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := latest(s.seen[resourceKey(resourceID)], at, func(x scaleWrite) time.Time { return x.at })
	if !ok {
		return 0
	}
	return w.n
}
