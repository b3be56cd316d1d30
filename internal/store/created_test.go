package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
)

// The compute creates of every cycle are kept for the incidents grouped
// over the store (mamori alerts): a report read again (a carried record,
// a replayed cycle) is kept once, reports of one create by two rules
// stay two (incident merges them, as in a hunt), they outlive a restart,
// and a tenant's creates older than createdKept before its newest go,
// another tenant's not.
func TestCreatedKeptAcrossCycles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	vm := func(tenant string, at time.Time, who, res string, n int) incident.Created {
		return incident.Created{Tenant: tenant, Time: at, Principals: []string{who, "app-1"},
			Compute: alert.Compute{Service: "vm", Size: "Standard_ND96asr_v4", Count: n, Region: "westeurope", Resource: res, Operation: "op-" + res}}
	}
	a := vm("t1", t0, "eve@contoso.example", "/r/miner-1", 1)
	b := vm("t1", t0.Add(40*time.Second), "eve@contoso.example", "/r/miner-1", 1) // its Success
	c := vm("t2", t0.Add(time.Hour), "oid-2", "/r/train", 4)
	if _, err := s.Commit(ctx, Cycle{Created: []incident.Created{a, b}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, Cycle{Created: []incident.Created{a, c}, Now: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	got, err := s.Created(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []incident.Created{a, b, c}; !reflect.DeepEqual(got, want) {
		t.Errorf("after two cycles and a restart:\n%+v\nwant\n%+v", got, want)
	}
	if got, err := s.Created(ctx, t0.Add(time.Second)); err != nil || !reflect.DeepEqual(got, []incident.Created{b, c}) {
		t.Errorf("from a second on: %+v (%v), want the Success and t2's", got, err)
	}
	// t1's next create, past the time kept: its first two go, t2's stay.
	d := vm("t1", t0.Add(createdKept+time.Minute), "eve@contoso.example", "/r/miner-2", 1)
	if _, err := s.Commit(ctx, Cycle{Created: []incident.Created{d}, Now: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Created(ctx, time.Time{}); err != nil || !reflect.DeepEqual(got, []incident.Created{c, d}) {
		t.Errorf("after the pruning: %+v (%v), want t2's and t1's newest", got, err)
	}
}

// Past maxCreatedRows over every tenant, the oldest creates go, whoever's.
func TestCreatedBounded(t *testing.T) {
	defer func(n int64) { maxCreatedRows = n }(maxCreatedRows)
	maxCreatedRows = 3
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	var all []incident.Created
	for i := range 5 {
		all = append(all, incident.Created{Tenant: []string{"t1", "t2"}[i%2], Time: t0.Add(time.Duration(i) * time.Minute),
			Principals: []string{"oid"}, Compute: alert.Compute{Size: "Standard_D2s_v5", Count: 1, Operation: string(rune('a' + i))}})
	}
	for _, c := range all { // a cycle each
		if _, err := s.Commit(ctx, Cycle{Created: []incident.Created{c}}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Created(ctx, time.Time{}); err != nil || !reflect.DeepEqual(got, all[2:]) {
		t.Errorf("%+v (%v), want the newest 3", got, err)
	}
}
