package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
)

// An operation's records read in different cycles are one operation,
// judged by all of them: a Start that named the size in one cycle and a
// Success without it in the next are one sized create, not a second,
// unsized one; a Success read first and its Start after are the same; an
// Azure ML job unsized in one cycle whose body, read in the next, puts it
// on its workspace's cluster is no create at all. An operation read again
// changes nothing, and the counts outlive a restart and the pruning of
// operations no cycle read for a week.
func TestComputeCreatesJoinAcrossCycles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	now := t0
	cycles := []struct {
		c    ComputeCycle
		want ComputeCreates
	}{
		// 4 is a job's Start without a body, 5 a job on a cluster.
		{ComputeCycle{Ops: map[uint64]OpState{1: OpSized, 2: 0, 4: OpJob, 5: OpJob | OpNone}, Alone: 2, AloneUnsized: 1, AloneJobs: 1},
			ComputeCreates{Creates: 5, Unsized: 3, Jobs: 2}},
		// 1's Success without a size; 2's Start with it; 3 is new; 4's
		// Success names its workspace's cluster.
		{ComputeCycle{Ops: map[uint64]OpState{1: 0, 2: OpSized, 3: 0, 4: OpJob | OpNone}}, ComputeCreates{Creates: 5, Unsized: 2, Jobs: 1}},
		// 3 read again (a carried record), still unsized; 6 a job without
		// a body; 1's response names nothing (still a sized create); a
		// hunt past its bound.
		{ComputeCycle{Ops: map[uint64]OpState{3: 0, 6: OpJob, 1: OpNone}, Capped: true}, ComputeCreates{Creates: 6, Unsized: 3, Jobs: 2, Capped: true}},
	}
	for i, c := range cycles {
		now = now.Add(time.Minute)
		if _, err := s.Commit(ctx, Cycle{Compute: &c.c, Now: now}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ComputeCreates(ctx); err != nil || got != c.want {
			t.Errorf("after cycle %d: %+v (%v), want %+v", i+1, got, err, c.want)
		}
	}
	s.Close()
	s = open(t, path)
	if got, err := s.ComputeCreates(ctx); err != nil || got != cycles[2].want {
		t.Errorf("after a restart: %+v (%v), want %+v", got, err, cycles[2].want)
	}
	// A week and more on, the operations are forgotten, the counts kept.
	now = now.Add(computeOpsKept + time.Hour)
	if _, err := s.Commit(ctx, Cycle{Compute: &ComputeCycle{}, Now: now}); err != nil {
		t.Fatal(err)
	}
	var ops int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM compute_ops").Scan(&ops); err != nil || ops != 0 {
		t.Errorf("%d operations kept (%v), want none", ops, err)
	}
	if got, err := s.ComputeCreates(ctx); err != nil || got != cycles[2].want {
		t.Errorf("after the pruning: %+v (%v), want %+v", got, err, cycles[2].want)
	}
}

// A store no cycle of which read a compute create counts none.
func TestNoComputeCreates(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	if got, err := s.ComputeCreates(context.Background()); err != nil || got != (ComputeCreates{}) {
		t.Errorf("%+v (%v), want none", got, err)
	}
}

// A refused operation outlives the week the others are kept, as long as
// the creates it unprices: an alert and a create of it, stored a cycle
// before its failure and read back weeks on, still carry none of its
// machines; one that ran keeps them.
func TestRefusedOperationsKeptAsLongAsTheirCreates(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	now := t0
	ran := alert.Compute{Service: "vm", Size: "Standard_D16as_v5", Count: 1, Operation: "C0FFEE-ran"}
	refused := alert.Compute{Service: "vm", Size: "Standard_D16as_v5", Count: 1, Operation: "c0ffee-refused"}
	a := alert.Alert{ID: "a1", Rule: "r", Tenant: "t1", Time: now, LastTime: now, Count: 1, Principal: "eve", Compute: []alert.Compute{ran, refused}}
	created := []incident.Created{{Tenant: "t1", Time: now, Principals: []string{"eve"}, Compute: ran}, {Tenant: "t1", Time: now, Principals: []string{"eve"}, Compute: refused}}
	key := event.NewKeyHash(s.RecordKeySecret()).OpKey // as a cycle's hunt keys them
	steps := []Cycle{
		{Alerts: []alert.Alert{a}, Created: created, Compute: &ComputeCycle{Ops: map[uint64]OpState{key(ran.Operation): OpSized, key(refused.Operation): OpSized}}},
		{Compute: &ComputeCycle{Ops: map[uint64]OpState{key(ran.Operation): 0, key(refused.Operation): OpFailed}}},
		{Compute: &ComputeCycle{}}, // weeks on: the operation that ran is forgotten, not the refused one
	}
	for i, c := range steps {
		now = now.Add(time.Minute)
		if i == 2 {
			now = now.Add(computeOpsKept + time.Hour)
		}
		c.Now = now
		if _, err := s.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	as, err := s.Alerts(ctx, time.Time{})
	if err != nil || len(as) != 1 || len(as[0].Compute) != 1 || as[0].Compute[0] != ran {
		t.Errorf("alerts %+v (%v), want one with the compute that ran alone", as, err)
	}
	cs, err := s.Created(ctx, time.Time{})
	if err != nil || len(cs) != 1 || cs[0].Compute != ran {
		t.Errorf("creates %+v (%v), want the one that ran", cs, err)
	}
	var ops int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM compute_ops").Scan(&ops); err != nil || ops != 1 {
		t.Errorf("%d operations kept (%v), want the refused one", ops, err)
	}
}
