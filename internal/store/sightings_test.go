package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mamori-sec/mamori/internal/owner"
)

// sighted is n records of tenant in subscription sub, read in folder dir.
func sighted(sub, dir, tenant string, n int64) owner.Sightings {
	var s owner.Sightings
	s.Subscription(sub, tenant, n)
	s.Folder(dir, tenant, n)
	return s
}

// TestSightingsAddUpAcrossCycles: the store's counts are the sum of its
// cycles', so that a cycle decides whose a record is as one hunt over
// every cycle's data would (owner.Sightings.Add).
func TestSightingsAddUpAcrossCycles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	var want owner.Sightings
	for _, c := range []owner.Sightings{
		sighted("S1", "/logs/a", "tenant-a", 10),
		sighted("s1", "/logs/a", "tenant-a", 5),
		sighted("s2", "/logs/b", "tenant-b", 7),
		{},
	} {
		if _, err := s.Commit(ctx, Cycle{Sightings: c}); err != nil {
			t.Fatal(err)
		}
		want.Add(c)
	}
	got, err := s.Sightings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("store's sightings\n%v\nwant\n%v", got, want)
	}
	if got.Subscriptions["s1"]["tenant-a"] != 15 || got.Folders["/logs"]["tenant-b"] != 7 {
		t.Errorf("counts %v", got)
	}
	if who := got.Decide().Of("", "/logs/x/audit.log"); who != "" {
		t.Errorf("/logs holds two tenants' records: %q", who)
	}
}

// TestOwnersAsTheTableDecides: the owners the store counts are those the
// table of its sightings decides, over keys one tenant fills, keys a
// partner's few records share, and keys two tenants split.
func TestOwnersAsTheTableDecides(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	if got, err := s.Owners(ctx); err != nil || len(got) != 0 {
		t.Fatalf("an empty store's owners: %v, %v", got, err)
	}
	for _, c := range []owner.Sightings{
		sighted("s1", "/logs/a", "tenant-a", 95),
		sighted("s1", "/logs/a", "partner", 5), // nine in ten: s1 and /logs/a stay a's
		sighted("s2", "/logs/b", "tenant-b", 50),
		sighted("s2", "/logs/b", "tenant-c", 50), // split: no one's
		sighted("s3", "/logs/d", "tenant-d", 89),
		sighted("s3", "/logs/d", "tenant-e", 11), // under nine in ten
		sighted("s4", "/other/f", "tenant-f", 1),
	} {
		if _, err := s.Commit(ctx, Cycle{Sightings: c}); err != nil {
			t.Fatal(err)
		}
	}
	seen, err := s.Sightings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := seen.Decide().Tenants()
	got, err := s.Owners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(want, []string{"tenant-a", "tenant-f"}) {
		t.Errorf("store's owners %v, the table's %v, want tenant-a and tenant-f", got, want)
	}
}
