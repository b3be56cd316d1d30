package engine

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/slab"
)

// quietRules keep every compute create for a correlation that never fires
// in the test data, as the catalogue's base rules keep most compute writes
// of a busy tenant: the hits are the memory that used to grow.
const quietRules = copyRules + `---
title: Very many regions
name: x.fanout
description: d
correlation:
  type: value_count
  rules: [x.compute]
  group-by: [principal.id]
  timespan: 1h
  condition: {field: region, gte: 50}
level: high
`

// computeEvent is the i-th of a busy tenant's compute writes: times all
// over a month, not in order, each record distinct.
func computeEvent(i int) event.Event {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	return event.Event{Time: t0.Add(time.Duration(i*7919%(30*24*3600)) * time.Second), Kind: event.KindActivity,
		Tenant: "t1", Subscription: "00000001-1111-4222-8333-000000000001", ID: fmt.Sprintf("3f2a9c1e-%04x-4b7d-9e21-%012x", i%65536, i),
		CorrelationID: fmt.Sprintf("c-%d", i), Operation: "microsoft.compute/virtualmachines/write", Region: "westeurope",
		ResourceID: fmt.Sprintf("/subscriptions/00000001-1111-4222-8333-000000000001/resourcegroups/rg-%03d/providers/microsoft.compute/virtualmachines/res-%05d", i%40, i%20000),
		Principal:  event.Principal{ID: fmt.Sprintf("6a1c3b0e-%04x-4000-8000-000000000000", i%300), UPN: fmt.Sprintf("user%d@contoso.example", i%300)},
		Compute:    &event.Compute{Service: "vm", Size: "Standard_D4s_v5", Count: 1},
		Loc:        event.Location{File: "/data/activity.jsonl", Line: i + 1, Offset: int64(i) * 2400}, Shape: "activity.diagnostic"}
}

// heapLive is the heap live after a forced collection, with the slab
// buffers out (the blocks that hold hits are outside the heap).
func heapLive() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + uint64(slab.Out())
}

// memoryOf runs n hits through an engine with the budget and reports the
// live heap above what was live before: once reading is over, and at its
// peak while Alerts merges (measured every probeEvery hits, right after a
// collection, so garbage does not count).
func memoryOf(t *testing.T, n, budget int) (held, peak uint64) {
	set := load(t, map[string]string{"r.yml": quietRules})
	corr := set.Correlations()
	live := heapLive
	base := live()
	e, err := New(set, 2, corr)
	if err != nil {
		t.Fatal(err)
	}
	e.Memory, e.TempDir = budget, t.TempDir()
	for i := range n {
		ev := computeEvent(i)
		e.Eval(i%2, &ev)
	}
	held = live() - min(base, live())
	e.probe = func() { peak = max(peak, live()-min(base, live())) }
	as, st, err := e.Alerts(&Correlations{Set: corr, Rules: set})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 0 || st.Hits != n {
		t.Fatalf("%d alerts, %d hits: want none of the one and %d of the other", len(as), st.Hits, n)
	}
	return held, peak
}

// TestMemoryDoesNotGrowWithHits is the memory benchmark in small: with a
// small budget, four times the hits leave the heap where it was (within
// 1 MiB after reading, 2 MiB at the peak of the merge), while with every
// hit in memory it grows by megabytes, which shows the measure can see
// growth. Not parallel: it reads the process's heap.
func TestMemoryDoesNotGrowWithHits(t *testing.T) {
	const small, large = 5_000, 20_000
	const budget = 16 << 10 // both sizes make more runs than one merge reads at once
	held1, peak1 := memoryOf(t, small, budget)
	held4, peak4 := memoryOf(t, large, budget)
	ctl1, ctlPeak1 := memoryOf(t, small, 1<<30)
	ctl4, ctlPeak4 := memoryOf(t, large, 1<<30)
	t.Logf("budget %d KiB: held %d → %d KiB, merge peak %d → %d KiB; all in memory: held %d → %d KiB, merge peak %d → %d KiB",
		budget>>10, held1>>10, held4>>10, peak1>>10, peak4>>10, ctl1>>10, ctl4>>10, ctlPeak1>>10, ctlPeak4>>10)
	if ctl4 < ctl1+4<<20 || ctlPeak4 < ctlPeak1+4<<20 {
		t.Fatalf("in memory, 4× the hits held %d → %d KiB, peaked %d → %d KiB: the measure does not see growth",
			ctl1>>10, ctl4>>10, ctlPeak1>>10, ctlPeak4>>10)
	}
	if held4 > held1+1<<20 {
		t.Errorf("held after reading grew with the input: %d → %d KiB", held1>>10, held4>>10)
	}
	if peak4 > peak1+2<<20 {
		t.Errorf("peak while merging grew with the input: %d → %d KiB", peak1>>10, peak4>>10)
	}
}
