package store

import (
	"context"
	"maps"
	"path/filepath"
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
