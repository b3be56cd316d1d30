package hunt

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// The records read again are counted exactly while the keys fit a
// worker's sample, wherever the copies fell (two workers); past it they
// are estimated within a few percent, and an input without a repeat
// still counts none.
func TestRepeatsCounted(t *testing.T) {
	t.Parallel()
	// Keys from a fixed hash, not a random seed: the estimate's error is
	// about 2% (one standard deviation), so a random seed failed the 5%
	// bound about once in a thousand runs (CI, 2026-11-28).
	key := func(i int) uint64 { return event.TimeUnit(event.KindSignIn, time.UnixMilli(int64(i))) }
	read := func(distinct, copies int) coverage.Repeats {
		slots := make([]readSlot, 2)
		for c := range copies {
			for i := range distinct {
				// The copies fall to either worker, as files do.
				k := &slots[(i+c)%2].keys
				k.kinds[event.KindSignIn].add(key(i), bits.TrailingZeros64(key(i)), &k.levels[event.KindSignIn])
			}
		}
		return repeats(keySamples(slots))[event.KindSignIn]
	}
	if got, want := read(1000, 3), (coverage.Repeats{Events: 2000}); got != want {
		t.Errorf("1,000 records read three times: %+v, want %+v", got, want)
	}
	for _, distinct := range []int{1 << 15, 1 << 18} {
		if got := read(distinct, 1); got != (coverage.Repeats{Estimated: true}) {
			t.Errorf("%d records read once: %+v, want none (estimated)", distinct, got)
		}
		got := read(distinct, 2)
		if !got.Estimated || math.Abs(float64(got.Events)/float64(distinct)-1) > 0.05 {
			t.Errorf("%d records read twice: %+v, want about %d", distinct, got, distinct)
		}
	}
	// Activity Log events, whose keys hold their time, are sampled by
	// it, and the events of one millisecond together.
	for _, distinct := range []int{3000, 1 << 17} {
		slots := make([]readSlot, 2)
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for c := range 2 {
			for i := range distinct {
				ev := event.Event{Kind: event.KindActivity, Time: t0.Add(time.Duration(i/2) * time.Millisecond), Operation: "microsoft.compute/virtualmachines/write",
					Status: "Start", CorrelationID: fmt.Sprint(i), ResourceID: "/subscriptions/s1"}
				slots[(i+c)%2].keys.add(&ev)
			}
		}
		got := repeats(keySamples(slots))[event.KindActivity]
		if got.Estimated != (distinct > maxSampled) || math.Abs(float64(got.Events)/float64(distinct)-1) > 0.05 {
			t.Errorf("%d Activity Log events read twice: %+v, want about %d", distinct, got, distinct)
		}
	}
	// Memory stays flat: a worker's sample of a kind never outgrows its
	// table.
	var s sampled
	level := 0
	for i := range 1 << 20 {
		s.add(key(i), bits.TrailingZeros64(key(i)), &level)
	}
	if len(s.slots) != 2*maxSampled || s.n > maxSampled {
		t.Errorf("after 2^20 keys: %d slots, %d keys", len(s.slots), s.n)
	}
}

// LOGS READ counts each record once: a tenant's Activity Log (and the
// Defender alerts its Security category holds) in two exports of the
// same days, the storage account's diagnostic records and a workspace's
// rows, with the sign-ins and audit logs of both folders (the same files
// twice), give the events of one export alone, the rest told as read
// again; the records of one export that Azure delivered twice (the
// simulator writes some) are read again too.
func TestLogsReadCountEachRecordOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant twice")
	}
	t.Parallel()
	set, enr := catalogue(t)
	var dirs []string
	for _, shape := range []string{simulate.ShapeRecords, simulate.ShapeLogAnalytics} {
		dir := t.TempDir()
		if _, err := simulate.Write(dir, simulate.Options{Seed: 7, Days: 3, Scenarios: []string{"gpu-scaleset-chain"}, Shape: shape}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	reads := func(dirs ...string) map[event.Kind]coverage.Read {
		res, err := Run(context.Background(), expand(t, dirs...), Config{Rules: set, Enricher: enr})
		if err != nil {
			t.Fatal(err)
		}
		out := map[event.Kind]coverage.Read{}
		for _, r := range res.Read {
			out[r.Kind] = r
		}
		return out
	}
	one, other, both := reads(dirs[0]), reads(dirs[1]), reads(dirs...)
	for _, k := range []event.Kind{event.KindActivity, event.KindSignIn, event.KindAudit, event.KindAlert} {
		o, b := one[k], both[k]
		if o.Events == 0 {
			t.Fatalf("%v: none read: the test shows nothing", k)
		}
		read := o.Events + o.Repeats.Events + other[k].Events + other[k].Repeats.Events
		if b.Events != o.Events || b.Events+b.Repeats.Events != read || b.Repeats.Estimated {
			t.Errorf("%v: both exports %d events and %+v read again; one alone %d: want %d, and %d read again",
				k, b.Events, b.Repeats, o.Events, o.Events, read-o.Events)
		}
		if b.Span != o.Span {
			t.Errorf("%v: both exports span %v, one %v", k, b.Span, o.Span)
		}
	}
	if one[event.KindActivity].Repeats.Events == 0 {
		t.Error("no record of the diagnostic export read twice: the simulator delivers some twice")
	}
}

// keyEvents are events of each way RecordKey knows them: a flow log's
// tuple (none), an Activity Log event, a sign-in by its id, a firewall's
// lookup, a brief event with its reader's key.
func keyEvents() []event.Event {
	t0 := time.Date(2026, 3, 3, 1, 54, 40, 0, time.UTC)
	return []event.Event{
		{Kind: event.KindFlow, Shape: "flow.vnet", Time: t0, Flow: &event.Flow{Src: netip.MustParseAddr("10.0.0.4"), SrcPort: 50000}},
		{Kind: event.KindActivity, Shape: "activity.diagnostic", Time: t0, Operation: "microsoft.compute/virtualmachines/write",
			Status: "Start", CorrelationID: "823B525C-5DAF-4C45-9A48-D333DAA40592",
			ResourceID: "/subscriptions/ff3b5424-fa1c-4575-bd43-3a93d520f2d6/resourcegroups/ml-training/providers/microsoft.compute/virtualmachines/ds-train-01"},
		{Kind: event.KindSignIn, Shape: "signin.diagnostic", Time: t0, ID: "eb6057eb-cc29-49d2-995a-4434c94c9df0"},
		{Kind: event.KindDNS, Shape: "firewall.dns", Time: t0, DNS: &event.DNS{Query: "pool.supportxmr.com", Type: "A",
			Client: netip.MustParseAddr("10.1.0.4"), ClientPort: 60137, QueryID: 46023}},
		{Kind: event.KindSignIn, Shape: "signin.loganalytics", Time: t0, Brief: true, Key: 42},
	}
}

// Counting runs once per event read: a key already met costs no
// allocation, whatever the event.
func TestKeysAllocateNothing(t *testing.T) {
	var k keyCounts
	evs := keyEvents()
	for i := range evs {
		k.add(&evs[i])
	}
	for i := range evs {
		if n := testing.AllocsPerRun(100, func() { k.add(&evs[i]) }); n != 0 {
			t.Errorf("%s: %v allocations an event", evs[i].Shape, n)
		}
	}
	if k.kinds[event.KindFlow].n != 0 || k.kinds[event.KindActivity].n != 1 || k.kinds[event.KindSignIn].n != 2 || k.kinds[event.KindDNS].n != 1 {
		t.Errorf("keys kept: flow %d, activity %d, sign-in %d, DNS %d; want 0, 1, 2, 1", k.kinds[event.KindFlow].n,
			k.kinds[event.KindActivity].n, k.kinds[event.KindSignIn].n, k.kinds[event.KindDNS].n)
	}
}

// BenchmarkKeyCounts is what counting the records read again costs each
// event, by the way its key is made (keyEvents).
//
//	go test -run XXX -bench KeyCounts ./internal/hunt
func BenchmarkKeyCounts(b *testing.B) {
	for _, ev := range keyEvents() {
		b.Run(ev.Shape, func(b *testing.B) {
			var k keyCounts
			b.ReportAllocs()
			for i := range b.N {
				ev.Time = ev.Time.Add(time.Duration(i&1023) * time.Millisecond) // a thousand keys, as a sample holds
				ev.Key = (uint64(i&1023) + 1) * 0x9E3779B97F4A7C15              // spread as hashes are
				k.add(&ev)
			}
		})
	}
}
