package store

import (
	"cmp"
	"context"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// What a hunt learned (regions, autoscale targets' sizes and writes)
// committed with a cycle is there for the next process that opens the
// store; a region committed again with another value takes it, and a
// failed cycle's learning is not kept.
func TestLearnedKeptAcrossRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	const a, b = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.batch/batchaccounts/a", "/subscriptions/s2/resourcegroups/rg/providers/microsoft.batch/batchaccounts/b"
	const vmss = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/web"
	w := event.ScaleWrite{Target: vmss, Principal: "p1", At: t0, Count: 30}
	if _, err := s.Commit(ctx, Cycle{Now: t0, Learned: &Learned{Regions: map[string]string{a: "southcentralus", b: "eastus"},
		Sizes: map[string]string{vmss: "Standard_F16s_v2"}, Writes: []event.ScaleWrite{w}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, Cycle{Now: t0, Learned: &Learned{Regions: map[string]string{b: "westeurope"}}}); err != nil {
		t.Fatal(err)
	}
	// A cycle whose commit fails (its context cancelled) leaves nothing.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Commit(cancelled, Cycle{Now: t0, Learned: &Learned{Regions: map[string]string{"/subscriptions/s3/x": "uksouth"}, Capped: true}}); err == nil {
		t.Fatal("a commit with a cancelled context succeeded")
	}
	s.Close()
	s = open(t, path)
	got, err := s.Learned(ctx, t0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{a: "southcentralus", b: "westeurope"}; !maps.Equal(got.Regions, want) || got.Sizes[vmss] != "Standard_F16s_v2" ||
		len(got.Writes) != 1 || got.Writes[0] != w || got.Capped {
		t.Errorf("Learned() = %+v, want regions %v, the size and the write", got, want)
	}
	if at, err := s.LearnedCapped(ctx); err != nil || !at.IsZero() {
		t.Errorf("LearnedCapped() = %v (%v), want never", at, err)
	}
}

// What hunts learned is kept for as long as a rule may need it after
// the last cycle that learned or used it, in wall time: a write of an
// autoscale target a day (a setting takes it off only within the hour of
// it, in a log that may come a day late), a region or a target's size
// the 90 days Azure keeps the Activity Log, each entry learned again
// kept as long again. Asked for fewer than it holds, the store gives the
// most recently seen and says it held more; a cycle whose hunt found a
// table full is said when (LearnedCapped).
func TestLearnedIsKeptAsLongAsARuleNeedsIt(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	const vmss, old = "/subscriptions/s1/vmss/web", "/subscriptions/s1/vmss/old"
	var last time.Time
	commit := func(at time.Time, l Learned) {
		t.Helper()
		last = at
		if _, err := s.Commit(ctx, Cycle{Now: at, Learned: &l}); err != nil {
			t.Fatal(err)
		}
	}
	learned := func() Learned {
		t.Helper()
		l, err := s.Learned(ctx, last, 100)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	commit(t0, Learned{Regions: map[string]string{"a": "eastus", "b": "westus"}, Sizes: map[string]string{vmss: "Standard_F2s_v2", old: "Standard_D2s_v5"},
		Writes: []event.ScaleWrite{{Target: vmss, Principal: "p1", At: t0, Count: 3}}})
	commit(t0.Add(24*time.Hour), Learned{Regions: map[string]string{}})
	if l := learned(); len(l.Writes) != 1 {
		t.Errorf("a day on, the write is gone: %+v", l.Writes)
	}
	commit(t0.Add(26*time.Hour), Learned{Regions: map[string]string{}})
	if l := learned(); len(l.Writes) != 0 || len(l.Regions) != 2 || len(l.Sizes) != 2 {
		t.Errorf("26 hours on: %+v, want the write gone, the regions and sizes kept", l)
	}
	// Region a and the scale set's size are learned again (or asked for)
	// on day 60: kept 90 days from then.
	commit(t0.Add(60*24*time.Hour), Learned{Regions: map[string]string{"a": "eastus"}, Sizes: map[string]string{vmss: "Standard_F2s_v2"}})
	commit(t0.Add(91*24*time.Hour), Learned{Regions: map[string]string{}})
	if l := learned(); !maps.Equal(l.Regions, map[string]string{"a": "eastus"}) || !maps.Equal(l.Sizes, map[string]string{vmss: "Standard_F2s_v2"}) {
		t.Errorf("91 days on: regions %v, sizes %v, want only those seen on day 60", l.Regions, l.Sizes)
	}
	commit(t0.Add(92*24*time.Hour), Learned{Regions: map[string]string{"c": "uksouth"}, Capped: true})
	l, err := s.Learned(ctx, t0.Add(92*24*time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(l.Regions, map[string]string{"c": "uksouth"}) || !l.Capped {
		t.Errorf("asked for 1 of 2 regions: %+v, want the latest seen, and capped", l)
	}
	if at, err := s.LearnedCapped(ctx); err != nil || !at.Equal(t0.Add(92*24*time.Hour)) {
		t.Errorf("LearnedCapped() = %v (%v), want the cycle whose hunt found a table full", at, err)
	}
}

// Service principals' names committed with a cycle are there for the next
// process; a later cycle's other name for an id replaces it, and a failed
// cycle's names are not kept.
func TestNamesKeptAcrossRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	if _, err := s.Commit(ctx, Cycle{Names: map[string]string{"sp-1": "pipeline", "sp-2": "batch-runner"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, Cycle{Names: map[string]string{"sp-2": "batch-runner-v2"}}); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Commit(cancelled, Cycle{Names: map[string]string{"sp-3": "lost"}}); err == nil {
		t.Fatal("a commit with a cancelled context succeeded")
	}
	s.Close()
	s = open(t, path)
	got, err := s.PrincipalNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"sp-1": "pipeline", "sp-2": "batch-runner-v2"}; !maps.Equal(got, want) {
		t.Errorf("PrincipalNames() = %v, want %v", got, want)
	}
}

// TestStartWritesMerged: the writes of machines that may be started are
// kept across runs, merged as the hunt merges two writes whichever cycle
// read each (the later size and count, of two at one instant the
// greater; the greater region), given most recently seen first up to the
// bound asked for (capped past it), and dropped 90 days after the last
// cycle that read or used them.
func TestStartWritesMerged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	const vm, vmss = "/subscriptions/s1/vm/gpu-01", "/subscriptions/s1/vmss/train"
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	commit := func(now time.Time, ws ...event.StartWrite) {
		t.Helper()
		if _, err := s.Commit(ctx, Cycle{Now: now, Learned: &Learned{Starts: ws}}); err != nil {
			t.Fatal(err)
		}
	}
	commit(t0,
		event.StartWrite{ID: vm, Size: "Standard_ND96asr_v4", SizeAt: day, Count: 1, CountAt: day, Region: "eastus"},
		event.StartWrite{ID: vmss, Size: "Standard_NC24ads_A100_v4", SizeAt: day, Count: 8, CountAt: day, Region: "eastus"})
	// A later cycle: a capacity write naming no size, and an older
	// write of the VM (read late) that names another size: neither
	// replaces what is later.
	commit(t0.Add(time.Hour),
		event.StartWrite{ID: vmss, Count: 40, CountAt: day.AddDate(0, 0, 1)},
		event.StartWrite{ID: vm, Size: "Standard_D4s_v5", SizeAt: day.AddDate(0, 0, -1), Region: "westus"})
	s.Close()
	s = open(t, path)
	got, capped, err := s.StartWrites(ctx, t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []event.StartWrite{ // most recently seen first: both, then by id
		{ID: vm, Size: "Standard_ND96asr_v4", SizeAt: day, Count: 1, CountAt: day, Region: "westus"},
		{ID: vmss, Size: "Standard_NC24ads_A100_v4", SizeAt: day, Count: 40, CountAt: day.AddDate(0, 0, 1), Region: "eastus"},
	}
	if !slices.Equal(got, want) || capped {
		t.Errorf("StartWrites() = %+v, capped %v;\nwant %+v", got, capped, want)
	}
	if got, capped, _ := s.StartWrites(ctx, t0.Add(time.Hour), 1); len(got) != 1 || !capped {
		t.Errorf("StartWrites(1) = %+v, capped %v; want one, capped", got, capped)
	}
	// 90 days after the last cycle that saw them, they are gone.
	commit(t0.Add(91 * 24 * time.Hour))
	if got, _, _ := s.StartWrites(ctx, t0.Add(91*24*time.Hour), 10); len(got) != 0 {
		t.Errorf("after 91 days: %+v", got)
	}
	var rows int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM start_writes").Scan(&rows); err != nil || rows != 0 {
		t.Errorf("after 91 days the table holds %d rows (%v), want them dropped", rows, err)
	}
}

// TestOwnedKeptByAge: the tenant's own addresses a cycle's records taught
// are given to a later process for 90 days after the cycle that read
// them (a write read again keeps one longer), the most recently seen
// first, with word when there were more; a row that is no prefix is
// passed over.
func TestOwnedKeptByAge(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	a := event.OwnedAddr{Tenant: "t1", Prefix: netip.MustParsePrefix("4.156.33.7/32")}
	b := event.OwnedAddr{Tenant: "t1", Prefix: netip.MustParsePrefix("20.42.64.0/28")}
	c := event.OwnedAddr{Tenant: "t2", Prefix: netip.MustParsePrefix("2603:1030::7/128")}
	b2 := event.OwnedAddr{Tenant: "t2", Prefix: b.Prefix} // another tenant's, the same range
	for _, cy := range []Cycle{
		{Now: t0, Learned: &Learned{Owned: []event.OwnedAddr{a, b}}},
		{Now: t0.Add(60 * 24 * time.Hour), Learned: &Learned{Owned: []event.OwnedAddr{b, c, b2}}},
	} {
		if _, err := s.Commit(ctx, cy); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO owned_addrs VALUES ('t1', 'not a prefix', ?)", t0.Add(61*24*time.Hour).UnixNano()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	got, more, err := s.Owned(ctx, t0.Add(100*24*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(x, y event.OwnedAddr) int {
		return cmp.Or(x.Prefix.Addr().Compare(y.Prefix.Addr()), cmp.Compare(x.Tenant, y.Tenant))
	})
	if want := []event.OwnedAddr{b, b2, c}; !slices.Equal(got, want) || more {
		t.Errorf("100 days on: owned %v (more: %v), want %v: %s read 100 days before is past its 90", got, more, want, a)
	}
	if got, more, err := s.Owned(ctx, t0.Add(100*24*time.Hour), 1); err != nil || len(got) != 0 || !more {
		t.Errorf("at most 1: owned %v (more: %v, %v), want the bad row passed over and word of more", got, more, err)
	}
}
