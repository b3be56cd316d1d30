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
