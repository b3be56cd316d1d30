package enrich

import (
	"slices"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// A scale set's write that changes only its size (a PATCH of sku.name,
// "az vmss update --set sku.name=…") names no capacity, and without its
// response body the record does not say how many machines now run at the
// new size (red-team finding 4d: a 100-instance set resized to
// NC24ads_A100_v4 read "$4 per hour for 1 instance"). The hunt learns the
// capacities the scale set's other writes named, and the end of the hunt
// gives such a write the last one at or before it (LateCapacity), as it
// gives a Batch pool its account's region (LateRegion).
const opScaleSetWrite = "microsoft.compute/virtualmachinescalesets/write"

// maxCapacities bounds the capacities kept per scale set: a set written
// more often than that in one hunt keeps its latest ones, by event time.
const maxCapacities = 16

// capacity is a capacity a scale set's write named, and when.
type capacity struct {
	at time.Time
	n  int
}

// capacityTable is what the hunt learned of scale sets' capacities, ids in
// lower case.
type capacityTable struct {
	mu sync.Mutex
	m  map[string][]capacity
}

// learnCapacity keeps the capacity a scale set's write named (its request
// or its response, whichever the reader took).
func (e *Enricher) learnCapacity(ev *event.Event) {
	c := ev.Compute
	if ev.Operation != opScaleSetWrite || c == nil || c.Count <= 0 || c.Target != "" || ev.Outcome == event.OutcomeFailed {
		return
	}
	id := resourceKey(ev.ResourceID)
	t := &e.capacities
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.m[id]
	if l == nil && len(t.m) >= maxScaleKeys {
		return
	}
	i, _ := slices.BinarySearchFunc(l, ev.Time, func(x capacity, at time.Time) int { return x.at.Compare(at) })
	l = slices.Insert(l, i, capacity{ev.Time, c.Count})
	if len(l) > maxCapacities {
		l = l[len(l)-maxCapacities:]
	}
	keep(&t.m, id, l)
}

// LateCapacity is, by the end of the hunt, the last capacity a write of
// the scale set named at or before at; 0 when the hunt read none.
func (e *Enricher) LateCapacity(resourceID string, at time.Time) int {
	t := &e.capacities
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.m[resourceKey(resourceID)]
	i, found := slices.BinarySearchFunc(l, at, func(x capacity, at time.Time) int { return x.at.Compare(at) })
	for found && i+1 < len(l) && !l[i+1].at.After(at) {
		i++ // the last of those at at
	}
	if found {
		return l[i].n
	}
	if i == 0 {
		return 0
	}
	return l[i-1].n
}
