package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/event"
)

// thinRules: two first_seen correlations of different windows on base
// rules of their own (thinned), and a base rule that a first_seen and an
// event_count both read (never thinned: the count needs every match).
const thinRules = `title: Compute created
name: x.created
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.service|exists: true}
  condition: sel
level: informational
---
title: New deployer
name: x.new_deployer
description: d
correlation:
  type: first_seen
  rules: [x.created]
  group-by: [principal.id]
  timespan: 3d
level: medium
---
title: Compute created somewhere
name: x.regional
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.service|exists: true}
  condition: sel
level: informational
---
title: New region
name: x.new_region
description: d
correlation:
  type: first_seen
  rules: [x.regional]
  group-by: [tenant, region]
  timespan: 5d
level: medium
---
title: Compute counted
name: x.counted
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.service|exists: true}
  condition: sel
level: informational
---
title: New deployer, counted too
name: x.new_counted
description: d
correlation:
  type: first_seen
  rules: [x.counted]
  group-by: [principal.id]
  timespan: 2d
level: medium
---
title: Many creates
name: x.many
description: d
correlation:
  type: event_count
  rules: [x.counted]
  group-by: [principal.id]
  timespan: 1h
  condition: {gte: 4}
level: high
`

// thinEvents are compute creates over 40 days: busy principals that
// create every few hours, sparse ones with gaps longer than every window,
// some creates without a region (a tenant's region learned late) or a
// principal, records delivered twice, in time order or shuffled.
func thinEvents(seed uint64, shuffle bool) []event.Event {
	r := rand.New(rand.NewPCG(seed, 11))
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	regions := []string{"eastus", "westeurope", "japaneast", "brazilsouth", ""}
	var out []event.Event
	for i := range 2500 {
		p := r.IntN(12)
		var at time.Time
		if p < 8 { // busy: anywhere in the 40 days
			at = t0.Add(time.Duration(r.Int64N(int64(40 * 24 * time.Hour))))
		} else { // sparse: a few days, weeks apart
			day := []int{0, 9, 10, 24, 33}[r.IntN(5)]
			at = t0.Add(time.Duration(day)*24*time.Hour + time.Duration(r.Int64N(int64(3*time.Hour))))
		}
		region := regions[r.IntN(len(regions))]
		if p >= 8 && at.Sub(t0) > 5*24*time.Hour && region != "" {
			region = "australiaeast" // a region only the sparse use, after the learning
		}
		pid := fmt.Sprintf("p%d", p)
		if i%97 == 0 {
			pid = ""
		}
		ev := event.Event{Time: at, Tenant: []string{"t1", "t2"}[r.IntN(2)], Kind: event.KindActivity,
			Operation: "microsoft.compute/virtualmachines/write", CorrelationID: fmt.Sprintf("c%d", i),
			Principal: event.Principal{ID: pid}, Subscription: "s1", Shape: "test",
			Region:     region,
			ResourceID: fmt.Sprintf("/subscriptions/s1/vm/v%d", i),
			Compute:    &event.Compute{Service: "vm", Size: "Standard_NC6s_v3", Count: 1},
			Loc:        event.Location{File: "f.json", Line: i + 1}}
		out = append(out, ev)
		if i%17 == 0 {
			out = append(out, ev) // delivered twice
		}
	}
	if shuffle {
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	} else {
		slices.SortStableFunc(out, func(a, b event.Event) int { return a.Time.Compare(b.Time) })
	}
	return out
}

// huntThin hunts evs; thin false turns thinning off. It returns the alerts
// and how many hits were thinned.
func huntThin(t *testing.T, evs []event.Event, workers, memory int, baseline time.Duration, store correlate.Baseline, thin bool) ([]alert.Alert, int) {
	as, thinned, _ := huntThinStats(t, evs, workers, memory, baseline, store, thin)
	return as, thinned
}

// huntThinStats is huntThin with the merge's statistics.
func huntThinStats(t *testing.T, evs []event.Event, workers, memory int, baseline time.Duration, store correlate.Baseline, thin bool) ([]alert.Alert, int, Stats) {
	t.Helper()
	set := load(t, map[string]string{"r.yml": thinRules})
	corr := set.Correlations()
	e, err := New(set, workers, corr)
	if err != nil {
		t.Fatal(err)
	}
	e.Memory, e.TempDir = memory, t.TempDir()
	if !thin {
		e.thinOnce.Do(func() {}) // no windows: every hit kept
	}
	evalCopies(e, evs, workers)
	thinned := 0
	for i := range e.work {
		thinned += e.work[i].thinned
	}
	as, st, err := e.Alerts(&Correlations{Set: corr, Rules: set, Options: correlate.Options{Baseline: baseline, Store: store}})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range e.rules {
		if want := r.Name != "x.counted"; (r.thin > 0) != want && thin {
			t.Errorf("rule %d %s: thinned %v, want %v", i, r.Name, r.thin > 0, want)
		}
	}
	return as, thinned, st
}

// Which copies of a record a worker thins depends on which worker read
// what: the count of duplicates leaves thinned rules out, so every hunt
// of the same records says the same (a fresh clone's CI once saw two
// runs of one input differ by one).
func TestDuplicatesCountTheSameWhoeverReads(t *testing.T) {
	t.Parallel()
	for _, shuffle := range []bool{false, true} {
		evs := thinEvents(7, shuffle)
		seen := map[string]int{}
		copies := 0
		for _, ev := range evs {
			if seen[ev.CorrelationID]++; seen[ev.CorrelationID] > 1 {
				copies++
			}
		}
		for _, workers := range []int{1, 2, 3} {
			for _, memory := range []int{1 << 30, 4 << 10} {
				_, thinned, st := huntThinStats(t, evs, workers, memory, 0, nil, true)
				if thinned == 0 {
					t.Fatalf("shuffled %v, %d workers: nothing thinned, the test proves nothing", shuffle, workers)
				}
				// Only x.counted is never thinned: one copy each.
				if st.Duplicates != copies {
					t.Errorf("shuffled %v, %d workers, memory %d: %d duplicates, want %d (the records delivered twice, under the one rule never thinned)",
						shuffle, workers, memory, st.Duplicates, copies)
				}
			}
		}
	}
}

func TestThinnedHitsGiveTheSameAlerts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		shuffle  bool
		workers  int
		memory   int
		baseline time.Duration
	}{
		{"in order, one worker", false, 1, 1 << 30, 0},
		{"in order, three workers, spilled", false, 3, 4 << 10, 0},
		{"shuffled, two workers", true, 2, 1 << 30, 0},
		{"shuffled, spilled", true, 3, 4 << 10, 0},
		{"the hunt's baseline shorter than the rules'", true, 2, 1 << 30, 30 * time.Hour},
		{"the hunt's baseline longer than the rules'", false, 2, 1 << 30, 8 * 24 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			for seed := range uint64(3) {
				evs := thinEvents(seed, c.shuffle)
				want, none := huntThin(t, evs, c.workers, c.memory, c.baseline, nil, false)
				got, thinned := huntThin(t, evs, c.workers, c.memory, c.baseline, nil, true)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("seed %d: alerts differ with hits thinned (-all kept +thinned):\n%s", seed, diff)
				}
				if none != 0 || thinned < len(evs)/2 {
					t.Errorf("seed %d: %d of %d hits thinned (%d with thinning off): thinning is not exercised", seed, thinned, 3*len(evs), none)
				}
				fired := map[string]int{}
				for _, a := range got {
					fired[a.Rule]++
				}
				if fired["x.new_deployer"] == 0 || fired["x.new_region"] == 0 || fired["x.new_counted"] == 0 || fired["x.many"] == 0 {
					t.Errorf("seed %d: alerts %v: every correlation must fire for the comparison to mean something", seed, fired)
				}
			}
		})
	}
}

// A service stores first_seen's baseline and hunts the next cycle with
// it: the latest match of every key must have been kept.
func TestThinningKeepsTheStoredBaseline(t *testing.T) {
	t.Parallel()
	evs := thinEvents(4, true)
	var first, next []event.Event
	cut := time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC)
	for _, ev := range evs {
		if ev.Time.Before(cut) {
			first = append(first, ev)
		} else {
			next = append(next, ev)
		}
	}
	var cycles [2][]alert.Alert
	for i, thin := range []bool{false, true} {
		store := correlate.NewMemoryBaseline()
		huntThin(t, first, 2, 1<<30, 0, store, thin)
		cycles[i], _ = huntThin(t, next, 2, 1<<30, 0, store, thin)
	}
	if diff := cmp.Diff(cycles[0], cycles[1]); diff != "" {
		t.Fatalf("the next cycle's alerts differ (-all kept +thinned):\n%s", diff)
	}
}

func TestWithinAndLater(t *testing.T) {
	at := func(d time.Duration) entry {
		tm := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(d)
		return entry{sec: tm.Unix(), nsec: int32(tm.Nanosecond())}
	}
	w := 3 * time.Hour
	for _, c := range []struct {
		a, b time.Duration
		in   bool
	}{
		{0, w, true},
		{0, w + time.Nanosecond, false},
		{time.Nanosecond, w + time.Nanosecond, true},
		{999 * time.Millisecond, w + 998*time.Millisecond, true},
		{999 * time.Millisecond, w + 1000*time.Millisecond, false},
		{0, 1000 * w, false},
	} {
		if got := within(at(c.a), at(c.b), w); got != c.in {
			t.Errorf("within(%v, %v, %v) = %v, want %v", c.a, c.b, w, got, c.in)
		}
	}
	if !later(at(time.Nanosecond), at(0)) || later(at(0), at(0)) || later(at(-time.Second), at(0)) {
		t.Error("later orders times wrongly")
	}
}
