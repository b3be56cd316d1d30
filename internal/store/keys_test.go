package store

import (
	"context"
	"math"
	"math/bits"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/coverage"
)

// unitKey is a key whose unit is itself, as a key that holds an id.
func unitKey(i int) coverage.KeyCount {
	x := uint64(i+1) * 0x9e3779b97f4a7c15 // a spread of bits, never 0
	return coverage.KeyCount{Key: x, Readings: 1, Unit: uint8(bits.TrailingZeros64(x))}
}

// The store counts a record read by two cycles once: the readings of
// records read before are its Repeats, exact while its sample holds every
// key. Past its bound, the level goes up, half the keys go, and the
// repeats are estimated from those kept, within a few percent; records
// without a sample (another kind) have none.
func TestRecordKeysCountRepeatsAcrossCycles(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	commit := func(kind string, records int64, s0 coverage.KeySample) {
		t.Helper()
		if _, err := s.Commit(ctx, Cycle{Logs: []LogSeen{{Kind: kind, Records: records}}, Keys: map[string]coverage.KeySample{kind: s0}}); err != nil {
			t.Fatal(err)
		}
	}
	logOf := func(kind string) LogSeen {
		t.Helper()
		logs, err := s.Logs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range logs {
			if l.Kind == kind {
				return l
			}
		}
		t.Fatalf("no %s log", kind)
		return LogSeen{}
	}
	commit("signin", 3, coverage.KeySample{Keys: []coverage.KeyCount{unitKey(1), unitKey(2), unitKey(3)}})
	commit("signin", 2, coverage.KeySample{Keys: []coverage.KeyCount{unitKey(1), unitKey(4)}})
	if l := logOf("signin"); l.Records != 5 || l.Repeats != 1 || l.RepeatsEstimated {
		t.Errorf("two cycles, one record in both: %+v, want 5 readings, 1 of them again, exact", l)
	}
	const n = 3 * maxStoredKeys
	var keys []coverage.KeyCount
	for i := range n {
		keys = append(keys, unitKey(100+i))
	}
	commit("activity", n, coverage.KeySample{Keys: keys})
	commit("activity", n, coverage.KeySample{Keys: keys})
	l := logOf("activity")
	if l.Records != 2*n || !l.RepeatsEstimated || math.Abs(float64(l.Repeats)/n-1) > 0.05 {
		t.Errorf("%d records read twice, past the bound: %+v, want about %d read again, estimated", n, l, n)
	}
	var kept int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM record_keys WHERE kind = 'activity'").Scan(&kept); err != nil || kept > maxStoredKeys {
		t.Errorf("the store keeps %d keys (%v), past its bound %d", kept, err, maxStoredKeys)
	}
	commit("flow", 9, coverage.KeySample{})
	if l := logOf("flow"); l.Repeats != 0 || l.Records != 9 {
		t.Errorf("a log without keys: %+v", l)
	}
}
