package correlate

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestStreamTiming checks when a stream hands fires back: an incident at
// its end (by a later match or Advance), a closing window when time passes
// it, everything at Flush.
func TestStreamTiming(t *testing.T) {
	t.Parallel()
	s := compile(t, correlation("Burst", "type: event_count", "rules: [a]", "group-by: [host]", "timespan: 1h", "condition: {gte: 3}")+"---\n"+
		correlation("Few", "type: event_count", "rules: [a]", "group-by: [host]", "timespan: 1h", "condition: {lt: 3}", "generate: true"), "a")
	st := s.Stream(Options{})
	for i := range 3 {
		if fs := st.Add(hit("a", time.Duration(i)*m, i, "host=h1")); len(fs) != 0 {
			t.Fatalf("match %d: early fires %v", i, brief(fs))
		}
	}
	st.Add(hit("a", 10*m, 3, "host=h2"))
	// h1's window [0, 1h] closes (Few stays quiet at 3); the Burst
	// incident lasts until 1h2m.
	if fs := st.Advance(t0.Add(61 * m)); len(fs) != 0 {
		t.Errorf("Advance to 1h1m: %v", brief(fs))
	}
	got := brief(st.Advance(t0.Add(63 * m)))
	want := []string{`burst "host"="h1", n=3 v=3 0s..2m0s`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Advance to 1h3m (-want +got):\n%s", diff)
	}
	got = brief(st.Add(hit("a", 71*m, 4, "host=h3")))
	want = []string{`few "host"="h2", n=1 v=1 10m0s..10m0s`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Add at 1h11m (-want +got):\n%s", diff)
	}
	got = brief(st.Flush())
	want = []string{`few "host"="h3", n=1 v=1 1h11m0s..1h11m0s`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Flush (-want +got):\n%s", diff)
	}
	if st.Stats() != (Stats{}) {
		t.Errorf("after Flush the stream holds %+v", st.Stats())
	}
}

// TestStreamStraggler checks that a match older than the tenant's clock
// counts at the clock's time.
func TestStreamStraggler(t *testing.T) {
	t.Parallel()
	s := compile(t, correlation("Pair", "type: event_count", "rules: [a]", "timespan: 1m", "condition: {gte: 2}"), "a")
	st := s.Stream(Options{})
	st.Add(hit("a", 10*m, 0))
	st.Add(hit("a", 0, 1)) // two minutes late: taken as at 10m
	got := brief(st.Flush())
	want := []string{`pair  n=2 v=2 10m0s..10m0s`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fires (-want +got):\n%s", diff)
	}
}

// mixed is a set with one correlation of each type over rules a, b, c.
const mixed = `title: Count
name: count
correlation: {type: event_count, rules: [a], group-by: [k], timespan: 10m, condition: {gte: 3}}
---
title: Few
name: few
correlation: {type: event_count, rules: [b], group-by: [k], timespan: 10m, condition: {lte: 1}}
---
title: Distinct
name: distinct
correlation: {type: value_count, rules: [a, b], group-by: [k], timespan: 10m, condition: {field: v, gte: 2}}
---
title: Sum
name: sum
correlation: {type: value_sum, rules: [c], group-by: [k], timespan: 10m, condition: {field: n, gt: 10}}
---
title: Avg
name: avg
correlation: {type: value_avg, rules: [c], group-by: [k], timespan: 10m, condition: {field: n, gte: 5}}
---
title: P50
name: p50
correlation: {type: value_percentile, rules: [c], group-by: [k], timespan: 10m, condition: {field: n, percentile: 50, gte: 5}}
---
title: Together
name: together
correlation: {type: temporal, rules: [a, b, c], group-by: [k], timespan: 5m}
---
title: Ordered
name: ordered
correlation: {type: temporal_ordered, rules: [a, b, c], group-by: [k], timespan: 5m}
---
title: Chained
name: chained
generate: true
correlation: {type: temporal, rules: [count, together], group-by: [k], timespan: 10m}
---
title: New
name: new
correlation: {type: first_seen, rules: [c], group-by: [n], timespan: 5m}
`

// randomMatches spreads n matches of rules a, b, c over a few keys and
// tenants, with times on a coarse grid so that many are equal.
func randomMatches(seed uint64, n int) []Match {
	r := rand.New(rand.NewPCG(seed, 1))
	ms := make([]Match, n)
	for i := range ms {
		ms[i] = hit([]string{"a", "b", "c"}[r.IntN(3)], time.Duration(r.IntN(240))*30*time.Second, i,
			"k=k"+strconv.Itoa(r.IntN(4)), "v=v"+strconv.Itoa(r.IntN(3)), "n="+strconv.Itoa(r.IntN(10)))
		ms[i].Tenant = []string{"t1", "t2"}[r.IntN(2)]
	}
	return ms
}

// TestDeterminism runs the same matches in shuffled orders: equal-time
// matches in any order give the same fires.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	s := compile(t, mixed, "a", "b", "c")
	ms := randomMatches(7, 2000)
	want := s.Process(ms, Options{})
	kinds := map[string]bool{}
	for _, f := range want {
		kinds[f.Type] = true
	}
	if len(kinds) < 8 {
		t.Fatalf("the sample exercises only %v", kinds)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 5 {
		shuffled := slices.Clone(ms)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if diff := cmp.Diff(want, s.Process(shuffled, Options{})); diff != "" {
			t.Fatalf("shuffle %d (-first +shuffled):\n%s", i, diff)
		}
	}
}

// TestStreamEqualsProcess checks that streaming the sorted matches one by
// one gives what a hunt gives.
func TestStreamEqualsProcess(t *testing.T) {
	t.Parallel()
	s := compile(t, mixed, "a", "b", "c")
	ms := randomMatches(11, 1000)
	want := s.Process(ms, Options{})
	slices.SortStableFunc(ms, func(a, b Match) int { return a.Time.Compare(b.Time) })
	st := s.Stream(Options{})
	var got []Fire
	for _, m := range ms {
		got = append(got, st.Add(m)...)
	}
	got = append(got, st.Flush()...)
	SortFires(got)
	if len(got) != len(want) {
		t.Fatalf("%d fires streamed, %d in a hunt", len(got), len(want))
	}
	// Equal-time matches may be ordered differently, which may change
	// temporal members; the fires themselves must be the same.
	for i := range got {
		if got[i].Rule != want[i].Rule || !got[i].Time.Equal(want[i].Time) || keyText(got[i].GroupKey) != keyText(want[i].GroupKey) {
			t.Errorf("fire %d: streamed %v, hunt %v", i, brief(got[i:i+1]), brief(want[i:i+1]))
		}
	}
}
