package correlate

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestMemoryBound streams a million matches over 30 days on 10,000 keys
// (one key hot enough to fire) and checks at every match that the stream
// holds no more entries than the matches of the last two timespans, and
// no more groups than the keys seen in them; after Flush, nothing.
func TestMemoryBound(t *testing.T) {
	t.Parallel()
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	const span = time.Hour
	s := compile(t, correlation("Burst", "type: event_count", "rules: [create]", "group-by: [principal]", "timespan: 1h", "condition: {gte: 5}")+"---\n"+
		correlation("Spread", "type: value_count", "rules: [create]", "group-by: [principal]", "timespan: 1h", "condition: {field: region, gte: 3}"), "create")
	st := s.Stream(Options{})
	r := rand.New(rand.NewPCG(1, 2))
	step := 30 * day / time.Duration(n)

	// The trailing 2×timespan, kept by the test: match times and key counts.
	var times []time.Duration
	var keys []string
	inWindow := map[string]int{}
	head := 0
	fields := map[string][]string{"principal": {""}, "region": {""}}
	fires, most := 0, 0
	for i := range n {
		d := time.Duration(i) * step
		key := "p" + strconv.Itoa(r.IntN(10_000))
		if i%100 == 0 {
			key = "hot"
		}
		fields["principal"][0], fields["region"][0] = key, "r"+strconv.Itoa(r.IntN(4))
		fires += len(st.Add(Match{Rule: "create", Time: t0.Add(d), Tenant: "t1", Ref: i, Fields: fields}))

		times, keys = append(times, d), append(keys, key)
		inWindow[key]++
		for times[head] < d-2*span {
			if inWindow[keys[head]]--; inWindow[keys[head]] == 0 {
				delete(inWindow, keys[head])
			}
			head++
		}
		if head > 1<<16 { // keep the test's own memory flat
			times, keys, head = append(times[:0], times[head:]...), append(keys[:0], keys[head:]...), 0
		}
		stats := st.Stats()
		// Two correlations read every match.
		if limit := 2 * (len(times) - head); stats.Entries > limit {
			t.Fatalf("match %d: %d entries held, more than the %d matches of two windows", i, stats.Entries, limit)
		}
		if stats.Groups > 2*len(inWindow) {
			t.Fatalf("match %d: %d groups, more than twice the %d keys of two windows", i, stats.Groups, len(inWindow))
		}
		most = max(most, stats.Entries)
	}
	fires += len(st.Flush())
	if fires == 0 {
		t.Error("the hot key never fired")
	}
	if st.Stats() != (Stats{}) {
		t.Errorf("after Flush the stream holds %+v", st.Stats())
	}
	t.Logf("%d matches, %d fires, at most %d entries held", n, fires, most)
}

// TestWindowLetsGoOfABurst: a principal's burst of matches grows its
// window's array; once the burst has left the window, the array is
// small again, though the principal goes on matching.
func TestWindowLetsGoOfABurst(t *testing.T) {
	s := compile(t, correlation("Sum", "type: value_sum", "rules: [create]", "group-by: [principal]", "timespan: 1h",
		"condition: {field: cores, gte: 1000000}"), "create")
	st := s.Stream(Options{})
	fields := map[string][]string{"principal": {"p"}, "cores": {"4"}}
	ref := 0
	add := func(at time.Duration) {
		st.Add(Match{Rule: "create", Time: t0.Add(at), Tenant: "t1", Ref: ref, Fields: fields})
		ref++
	}
	for i := range 10_000 { // the burst, in ten minutes
		add(time.Duration(i) * 60 * time.Millisecond)
	}
	held := func() (n, capacity int) {
		for _, ts := range st.tenants {
			for _, gs := range ts.groups {
				for _, g := range gs {
					n, capacity = n+len(g.live()), capacity+cap(g.es)
				}
			}
		}
		return n, capacity
	}
	if n, c := held(); n != 10_000 || c < n {
		t.Fatalf("after the burst %d entries held in %d slots, want 10000", n, c)
	}
	for i := range 200 { // then one a minute for over three hours
		add(time.Hour/6 + time.Duration(i)*time.Minute)
	}
	if n, c := held(); n > 61 || c > 4*n+16 {
		t.Errorf("after the burst left the window %d entries held in %d slots", n, c)
	}
}
