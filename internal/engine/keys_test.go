package engine

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// copiesEvents are compute creates delivered several times: the same
// record at the same time from other files and lines (so the copies'
// encodings differ and which one is kept shows in the evidence), and
// again with later times, shuffled.
func copiesEvents(n int) []event.Event {
	r := rand.New(rand.NewPCG(9, 9))
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var out []event.Event
	for i := range n {
		ev := event.Event{Time: t0.Add(time.Duration(r.IntN(4*3600)) * time.Second), Kind: event.KindActivity, Tenant: "t1",
			ID: fmt.Sprintf("id-%d", i), Operation: "microsoft.compute/virtualmachinescalesets/write", Region: "eastus",
			Principal: event.Principal{ID: fmt.Sprintf("p%d", r.IntN(5))}, Compute: &event.Compute{Service: "vmss", Size: "Standard_NC6s_v3", Count: 1},
			Loc: event.Location{File: fmt.Sprintf("f%d.json", r.IntN(3)), Line: i + 1}}
		out = append(out, ev)
		for c := range r.IntN(4) {
			cp := ev
			cp.Loc = event.Location{File: fmt.Sprintf("f%d.json", r.IntN(5)), Line: r.IntN(1000)}
			if c == 2 {
				cp.Time = ev.Time.Add(time.Duration(1+r.IntN(3)) * time.Second)
			}
			out = append(out, cp)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// copyRules alert on every compute create, one alert per record (no
// merge-by): its evidence names the copy kept.
const copyRules = `title: Compute created
name: x.compute
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.service|exists: true}
  condition: sel
level: informational
`

// TestSpilledCopiesKeepTheSameOne: among copies of a record, the spilled
// hunt (runs by time, duplicates found from key records) keeps the copy
// the in-memory sort by record keeps, and counts the same duplicates.
func TestSpilledCopiesKeepTheSameOne(t *testing.T) {
	t.Parallel()
	shuffled := copiesEvents(1500)
	// Read in time order too, as most logs are: the workers' hits are
	// then in order already (sortByTime's shortcut).
	ordered := slices.Clone(shuffled)
	slices.SortStableFunc(ordered, func(a, b event.Event) int { return a.Time.Compare(b.Time) })
	run := func(evs []event.Event, memory, workers int) ([]alert.Alert, Stats, int) {
		e, err := New(load(t, map[string]string{"r.yml": copyRules}), workers, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.Memory, e.TempDir = memory, t.TempDir()
		for i := range evs {
			e.Eval(i%workers, &evs[i])
		}
		runs := len(e.runs)
		as, st, err := e.Alerts(nil)
		if err != nil {
			t.Fatal(err)
		}
		return as, st, runs
	}
	want, wantSt, _ := run(shuffled, 1<<30, 1)
	for name, evs := range map[string][]event.Event{"shuffled": shuffled, "in time order": ordered} {
		for _, c := range []struct{ workers, memory int }{{1, 2 << 10}, {3, 2 << 10}, {2, 40 << 10}} {
			// 2 KiB makes more runs than a merge reads at once (merged
			// first, one search for duplicates); 40 KiB fewer (two halves
			// of the hashes searched apart).
			workers := c.workers
			got, gotSt, runs := run(evs, c.memory, workers)
			if runs < 2 {
				t.Fatalf("%s, %d workers: %d runs, want the hits spilled", name, workers, runs)
			}
			if halves := runs <= maxFanIn; halves != (c.memory > 2<<10) {
				t.Fatalf("%s, %d KiB: %d runs, the case does not test what it says", name, c.memory>>10, runs)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s, %d workers: spilled alerts differ (-memory +spilled):\n%s", name, workers, diff)
			}
			if wantSt != gotSt {
				t.Errorf("%s, %d workers: stats in memory %+v, spilled %+v", name, workers, wantSt, gotSt)
			}
		}
	}
	if len(want) != 1500 || wantSt.Duplicates < 1000 {
		t.Errorf("%d alerts, %d duplicates: want one alert per record and many copies", len(want), wantSt.Duplicates)
	}
}

// TestOrderingHeadsAgreeWithTheirOrder checks the merge's shortcut: where
// two heads differ, they order as the comparison does.
func TestOrderingHeadsAgreeWithTheirOrder(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...int64) int64 { return vs[r.IntN(len(vs))] }
	e := Engine{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	var ents []entry
	for range 400 {
		sec := pick(0, 1, -1, math.MaxInt64, math.MinInt64, 1773400000)
		nsec := int32(pick(0, 1, -1, 999999999, math.MinInt32))
		rule := int32(pick(0, 1, 2, -1, math.MaxInt32))
		rec := binary.LittleEndian.AppendUint64(nil, uint64(sec))
		rec = binary.LittleEndian.AppendUint32(rec, uint32(nsec))
		rec = binary.LittleEndian.AppendUint32(rec, uint32(rule))
		rec = appendStr(rec, []string{"k1", "k2", ""}[r.IntN(3)])
		rec = append(rec, []byte{1, 2, 3}[:r.IntN(3)]...)
		en, _ := entryOf(rec)
		ents = append(ents, en)
	}
	keys := e.keyRecords(ents)
	for _, c := range []struct {
		name string
		o    ordering
		ents []entry
	}{{"time", timeOrder, ents}, {"key", keyOrder, keys}} {
		for _, a := range c.ents {
			for _, b := range c.ents {
				ha, hb := c.o.head(a), c.o.head(b)
				if ha == hb {
					continue
				}
				less := ha[0] < hb[0] || ha[0] == hb[0] && ha[1] < hb[1]
				if want := c.o.cmp(a, b) < 0; less != want {
					t.Fatalf("%s order: heads say %v, the comparison %v (%+v, %+v)", c.name, less, want, a, b)
				}
			}
		}
	}
}

// TestMergeReadsLongRecords merges runs whose records are longer than a
// run reader's buffer (copied out) between short ones (read in place).
func TestMergeReadsLongRecords(t *testing.T) {
	t.Parallel()
	sp := tempSpiller(t)
	mk := func(sec int64, body int) entry {
		rec := appendHeader(nil, time.Unix(sec, 0), 0, fmt.Sprint(sec))
		rec = append(rec, make([]byte, body)...)
		en, _ := entryOf(rec)
		return en
	}
	a := []entry{mk(1, 10), mk(3, 3*runBuffer), mk(5, 10), mk(7, runBuffer)}
	b := []entry{mk(2, runBuffer+1), mk(4, 0), mk(6, 2*runBuffer)}
	pa, err := sp.writeRun(a)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := sp.writeRun(b)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	var lens []int
	err = sp.merge([]string{pa}, [][]entry{b}, timeOrder, func(en entry) error {
		got, lens = append(got, en.sec), append(lens, len(en.rec))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = sp.merge([]string{pa, pb}, nil, timeOrder, func(en entry) error {
		got, lens = append(got, en.sec), append(lens, len(en.rec))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(a, b)
	slices.SortFunc(all, byTime)
	var want []int64
	var wantLens []int
	for range 2 {
		for _, en := range all {
			want, wantLens = append(want, en.sec), append(wantLens, len(en.rec))
		}
	}
	if !slices.Equal(got, want) || !slices.Equal(lens, wantLens) {
		t.Errorf("merged %v (lengths %v), want %v (%v)", got, lens, want, wantLens)
	}
}

// tempSpiller returns a spiller whose runs go to a test's temporary
// folder, closed when the test ends.
func tempSpiller(t *testing.T) *spiller {
	dir := t.TempDir()
	sp := &spiller{parent: &dir}
	t.Cleanup(func() { sp.close() })
	return sp
}

// TestRunReaderReportsTruncation: a run cut inside a record's length or
// bytes is an error, its clean end io.EOF.
func TestRunReaderReportsTruncation(t *testing.T) {
	t.Parallel()
	sp := tempSpiller(t)
	rec := appendHeader(nil, time.Unix(1, 0), 0, "key")
	p, err := sp.writeRun([]entry{{rec: rec}, {rec: append(rec, make([]byte, 300)...)}})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for cut := range len(whole) + 1 {
		f, err := sp.create()
		if err != nil {
			t.Fatal(err)
		}
		f.Write(whole[:cut])
		f.Close()
		r, err := sp.open(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for err = r.next(); err == nil; err = r.next() {
			n++
		}
		sp.release(r)
		switch {
		case cut == 0 || cut == len(whole) || cut == len(rec)+1:
			if err != io.EOF {
				t.Errorf("cut at %d, a record's end: %v, want io.EOF", cut, err)
			}
		case err == io.EOF:
			t.Errorf("cut at %d of %d: io.EOF after %d records, want an error", cut, len(whole), n)
		}
	}
}

// TestRecordsAreReadWhereTheyLie: the places a run reader reports, kept
// in hitLocs, lead readRecordAt back to each record; a run cut short is
// an error there, not a panic.
func TestRecordsAreReadWhereTheyLie(t *testing.T) {
	t.Parallel()
	sp := tempSpiller(t)
	var ents []entry
	for i, n := range []int{0, 5, runBuffer + 3, 200, 1} {
		rec := appendHeader(nil, time.Unix(int64(i), 0), i, fmt.Sprint(i))
		en, _ := entryOf(append(rec, make([]byte, n)...))
		ents = append(ents, en)
	}
	p, err := sp.writeRun(ents)
	if err != nil {
		t.Fatal(err)
	}
	locs, err := sp.newHitLocs()
	if err != nil {
		t.Fatal(err)
	}
	defer locs.close()
	r, err := sp.open(p)
	if err != nil {
		t.Fatal(err)
	}
	for err = r.next(); err == nil; err = r.next() {
		locs.add(3, r.at)
	}
	sp.release(r)
	if err := locs.done(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ref, en := range ents {
		run, at, err := locs.at(ref)
		if err != nil || run != 3 {
			t.Fatalf("ref %d: run %d, %v", ref, run, err)
		}
		got, err := readRecordAt(f, at, nil)
		if err != nil || !slices.Equal(got, en.rec) {
			t.Fatalf("ref %d at %d: %d bytes, %v; want the record's %d", ref, at, len(got), err, len(en.rec))
		}
	}
	if _, _, err := locs.at(len(ents)); err == nil {
		t.Error("a ref past the hits noted has a place")
	}
	whole, _ := os.ReadFile(p)
	for cut := 0; cut < len(whole); cut += 1 + cut%61 { // dense at the start, sparser in the long record
		os.WriteFile(p, whole[:cut], 0o600)
		g, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for ref, en := range ents {
			_, at, _ := locs.at(ref)
			if got, err := readRecordAt(g, at, nil); err == nil && !slices.Equal(got, en.rec) {
				t.Fatalf("cut at %d: ref %d read %d bytes without error, not its record", cut, ref, len(got))
			}
		}
		g.Close()
	}
	bad, err := sp.newHitLocs()
	if err != nil {
		t.Fatal(err)
	}
	defer bad.close()
	bad.add(1<<16, 0)
	if bad.done() == nil {
		t.Error("a run index past what a place holds was noted")
	}
}
