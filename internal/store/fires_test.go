package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/correlate"
)

var _ correlate.FireMemory = (*Baseline)(nil)

// A first_seen's fires outlive the process (the next cycle's may be a
// restarted service's), keep no key in clear, go with their tenant's
// carried records (Drop) or once stale, and a failed commit forgets those
// it did not write.
func TestFiresKeptUntilTheirRecordsAreNoLongerCarried(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	const secret = "place-7f3a-secret"
	s := open(t, path)
	b := s.Baseline(ctx)
	b.NoteFire("t1", "new_place", "p|"+secret, t0)
	b.NoteFire("t1", "new_place", "p|westus", t0.Add(time.Hour))
	b.NoteFire("t2", "new_place", "q|westus", t0)
	if !b.Fired("t1", "new_place", "p|"+secret, t0) {
		t.Error("a fire noted is not fired before its commit")
	}
	if _, err := s.Commit(ctx, Cycle{Baseline: b}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	noneHolds(t, dir, secret)

	s = open(t, path)
	defer s.Close()
	b = s.Baseline(ctx)
	for _, c := range []struct {
		tenant, key string
		at          time.Time
		want        bool
	}{
		{"t1", "p|" + secret, t0, true},
		{"t1", "p|westus", t0.Add(time.Hour), true},
		{"t1", "p|westus", t0, false},                // the same key at another time
		{"t2", "p|westus", t0.Add(time.Hour), false}, // another tenant
		{"t2", "q|westus", t0, true},
	} {
		if got := b.Fired(c.tenant, "new_place", c.key, c.at); got != c.want {
			t.Errorf("after reopening, Fired(%s, %s, %v) = %v, want %v", c.tenant, c.key, c.at.Sub(t0), got, c.want)
		}
		if got := b.Fired(c.tenant, "other_rule", c.key, c.at); got {
			t.Errorf("Fired(%s, other_rule, %s) = true", c.tenant, c.key)
		}
	}

	// t1's records before t0+30m are no longer carried.
	if _, err := s.Commit(ctx, Cycle{Baseline: b, Drop: map[string]time.Time{"t1": t0.Add(30 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	if b.Fired("t1", "new_place", "p|"+secret, t0) || !b.Fired("t1", "new_place", "p|westus", t0.Add(time.Hour)) || !b.Fired("t2", "new_place", "q|westus", t0) {
		t.Error("Drop: want t1's fire before the cut gone, the rest kept")
	}
	if b2 := s.Baseline(ctx); b2.Fired("t1", "new_place", "p|"+secret, t0) || !b2.Fired("t2", "new_place", "q|westus", t0) {
		t.Error("Drop: the file still holds the dropped fire, or lost another")
	}

	// Every fire noted before now is stale.
	if _, err := s.Commit(ctx, Cycle{Baseline: b, Stale: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if b.Fired("t2", "new_place", "q|westus", t0) || s.Baseline(ctx).Fired("t2", "new_place", "q|westus", t0) {
		t.Error("Stale: a stale fire is kept")
	}

	// A commit that fails writes nothing and forgets the cycle's fires.
	b.NoteFire("t3", "new_place", "r|eastus", t0)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Commit(cctx, Cycle{Baseline: b}); !errors.Is(err, context.Canceled) {
		t.Fatalf("commit with a cancelled context: %v", err)
	}
	if b.Fired("t3", "new_place", "r|eastus", t0) || s.Baseline(ctx).Fired("t3", "new_place", "r|eastus", t0) {
		t.Error("a failed commit's fire is kept")
	}
}
