package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// Alerts the webhook did not take are held across cycles and across a
// restart, told as the store now has them (a refusal read meanwhile
// settles them), released once told, and forgotten after HeldKept.
func TestHeldForTheWebhook(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	key := event.NewKeyHash(s.RecordKeySecret()).OpKey
	const rid = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/gpu-0"
	gpu := alert.Alert{ID: "gpu", Rule: "azure.compute.gpu_created", Tenant: "t1", Time: t0.Add(time.Minute), Severity: alert.High, Principal: "eve",
		Summary: "eve created " + alert.ShortID(rid) + ": 1 × Standard_NC24ads_A100_v4",
		Compute: []alert.Compute{{Service: "vm", Size: "Standard_NC24ads_A100_v4", Count: 1, Resource: rid, Operation: "op-1"}}}
	elevate := alert.Alert{ID: "elevate", Rule: "azure.identity.elevate_access", Tenant: "t1", Time: t0, Severity: alert.High, Principal: "eve", Summary: "eve elevated access"}
	now := t0.Add(time.Hour)
	if _, err := s.CommitCycle(ctx, Cycle{Now: now, Alerts: []alert.Alert{gpu, elevate},
		Compute: &ComputeCycle{Ops: map[uint64]OpState{key("op-1"): OpSized}}}); err != nil {
		t.Fatal(err)
	}
	if h, err := s.Held(ctx, now); err != nil || len(h.Fresh)+len(h.Revised)+h.Dropped != 0 {
		t.Fatalf("nothing held yet: %+v (%v)", h, err)
	}
	if err := s.Hold(ctx, []alert.Alert{gpu, elevate}, nil, now, false); err != nil {
		t.Fatal(err)
	}
	// The next cycle reads the create's refusal, and the webhook refuses
	// again: the alert stays held since the first failure, now as revised.
	later := now.Add(5 * time.Minute)
	done, err := s.CommitCycle(ctx, Cycle{Now: later, Compute: &ComputeCycle{Ops: map[uint64]OpState{key("op-1"): OpFailed | OpQuota}}})
	if err != nil || len(done.Revised) != 1 {
		t.Fatalf("the refusal revises %d alerts (%v), want 1", len(done.Revised), err)
	}
	if err := s.Hold(ctx, nil, done.Revised, later, false); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path) // held across a restart
	h, err := s.Held(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Fresh) != 1 || h.Fresh[0].ID != "elevate" || h.Fresh[0].Revised || len(h.Revised) != 1 || h.Revised[0].ID != "gpu" || !h.Revised[0].Revised {
		t.Fatalf("held %v fresh, %v revised; want elevate, then gpu revised", ids(h.Fresh), ids(h.Revised))
	}
	if g := h.Revised[0]; len(g.Compute) != 0 || g.Summary == gpu.Summary {
		t.Errorf("the held create Azure refused is told as %q with compute %+v: want it settled", g.Summary, g.Compute)
	}
	if !h.Since.Equal(now) || h.Dropped != 0 {
		t.Errorf("held since %v, %d dropped; want %v (the first failure), 0", h.Since, h.Dropped, now)
	}
	if err := s.Release(ctx, []string{"elevate"}); err != nil {
		t.Fatal(err)
	}
	if h, err := s.Held(ctx, later); err != nil || len(h.Fresh) != 0 || len(h.Revised) != 1 {
		t.Errorf("after elevate was told: %v fresh, %v revised (%v); want gpu alone", ids(h.Fresh), ids(h.Revised), err)
	}
	// A receiver that refuses for longer than HeldKept: dropped, counted.
	h, err = s.Held(ctx, now.Add(HeldKept+time.Second))
	if err != nil || len(h.Fresh)+len(h.Revised) != 0 || h.Dropped != 1 {
		t.Errorf("a week on: %+v (%v); want nothing held, 1 dropped", h, err)
	}
	if h, err := s.Held(ctx, now.Add(HeldKept+time.Second)); err != nil || h.Dropped != 0 {
		t.Errorf("dropped once, counted once: %+v (%v)", h, err)
	}
}

// Alerts waiting for their incident's next telling (--notify-every) are
// held apart from those a receiver refused: not counted as refused, and
// once refused, held as refused since the refusal. When each incident
// was told is kept, and forgotten after HeldKept.
func TestWaitingAndTold(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	a := func(id string) alert.Alert {
		return alert.Alert{ID: id, Rule: "r", Tenant: "t1", Time: t0, Severity: alert.High, Count: 1}
	}
	now := t0.Add(time.Hour)
	if _, err := s.CommitCycle(ctx, Cycle{Now: now, Alerts: []alert.Alert{a("w1"), a("w2"), a("r1")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Hold(ctx, []alert.Alert{a("w1"), a("w2")}, nil, now, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Hold(ctx, []alert.Alert{a("r1")}, nil, now.Add(time.Minute), false); err != nil {
		t.Fatal(err)
	}
	if c, err := s.HeldCount(ctx); err != nil || c.Held != 1 || c.Waiting != 2 || !c.Since.Equal(now.Add(time.Minute)) {
		t.Errorf("counts %+v (%v); want 1 refused since %v, 2 waiting", c, err, now.Add(time.Minute))
	}
	// w1 waited, then its post was refused: held as refused, since then.
	refused := now.Add(10 * time.Minute)
	if err := s.Hold(ctx, []alert.Alert{a("w1")}, nil, refused, false); err != nil {
		t.Fatal(err)
	}
	// r1, refused, waits after: still refused, since its refusal.
	if err := s.Hold(ctx, []alert.Alert{a("r1")}, nil, refused, true); err != nil {
		t.Fatal(err)
	}
	h, err := s.Held(ctx, refused)
	if err != nil || len(h.Fresh) != 3 {
		t.Fatalf("held %+v (%v)", h, err)
	}
	if h.Waiting["w1"] || !h.Waiting["w2"] || h.Waiting["r1"] || !h.At["w1"].Equal(refused) || !h.At["r1"].Equal(now.Add(time.Minute)) || !h.Since.Equal(now.Add(time.Minute)) {
		t.Errorf("waiting %v, at %v, since %v", h.Waiting, h.At, h.Since)
	}
	// When incidents were told.
	if err := s.SetTold(ctx, map[string]alert.Severity{"inc-a": alert.High, "inc-b": alert.Medium}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTold(ctx, map[string]alert.Severity{"inc-b": alert.Critical}, refused); err != nil {
		t.Fatal(err)
	}
	told, err := s.ToldOf(ctx, []string{"inc-a", "inc-b", "inc-c"})
	if err != nil || len(told) != 2 || told["inc-a"] != (Told{alert.High, now}) || told["inc-b"] != (Told{alert.Critical, refused}) {
		t.Errorf("told %+v (%v)", told, err)
	}
	if err := s.SetTold(ctx, map[string]alert.Severity{"inc-c": alert.High}, now.Add(HeldKept+time.Second)); err != nil {
		t.Fatal(err)
	}
	if told, err := s.ToldOf(ctx, []string{"inc-a", "inc-b", "inc-c"}); err != nil || len(told) != 2 || told["inc-a"] != (Told{}) {
		t.Errorf("a week on: %+v (%v); want inc-a forgotten", told, err)
	}
}

// KeepAlerts forgets the alerts no cycle stored or added to for that
// long, by wall time: an alert a later cycle found again (its window
// grown) is kept; one of last year's events stored today is kept.
func TestKeepAlerts(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	mk := func(id string, at time.Time) alert.Alert {
		return alert.Alert{ID: id, Rule: "r", Tenant: "t1", Time: at, Severity: alert.High, Count: 1}
	}
	// Stored 40 days ago: "old", "grown" (found again 10 days ago).
	if _, err := s.CommitCycle(ctx, Cycle{Now: now.Add(-40 * 24 * time.Hour), Alerts: []alert.Alert{mk("old", t0), mk("grown", t0)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitCycle(ctx, Cycle{Now: now.Add(-10 * 24 * time.Hour), Alerts: []alert.Alert{mk("grown", t0.Add(time.Hour))}}); err != nil {
		t.Fatal(err)
	}
	// Without KeepAlerts every alert stays.
	if _, err := s.CommitCycle(ctx, Cycle{Now: now, Alerts: []alert.Alert{mk("backfill", t0.Add(-365*24*time.Hour))}}); err != nil {
		t.Fatal(err)
	}
	if as, _ := s.Alerts(ctx, time.Time{}); len(as) != 3 {
		t.Fatalf("%d alerts kept, want 3", len(as))
	}
	if _, err := s.CommitCycle(ctx, Cycle{Now: now, KeepAlerts: 30 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	as, err := s.Alerts(ctx, time.Time{})
	if err != nil || ids(as) != "backfill grown" {
		t.Errorf("kept %q (%v), want backfill and grown", ids(as), err)
	}
}

// SetIncidents rewrites the incident in the stored bodies, and only that.
func TestSetIncidents(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	a := alert.Alert{ID: "a", Rule: "r", Tenant: "t1", Time: t0, Severity: alert.High, Count: 1, Summary: "eve did it", Incident: "inc-partial"}
	if _, err := s.Commit(ctx, Cycle{Alerts: []alert.Alert{a}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetIncidents(ctx, map[string]string{"a": "inc-whole", "gone": "inc-x"}); err != nil {
		t.Fatal(err)
	}
	as, err := s.Alerts(ctx, time.Time{})
	if err != nil || len(as) != 1 || as[0].Incident != "inc-whole" || as[0].Summary != "eve did it" || as[0].Severity != alert.High {
		t.Errorf("after: %+v (%v)", as, err)
	}
	// Found again, grown, in a later cycle's own grouping: the store keeps
	// the incident it was told under.
	a.Count, a.Incident = 2, "inc-later-part"
	if _, err := s.Commit(ctx, Cycle{Alerts: []alert.Alert{a}}); err != nil {
		t.Fatal(err)
	}
	if as, err := s.Alerts(ctx, time.Time{}); err != nil || len(as) != 1 || as[0].Count != 2 || as[0].Incident != "inc-whole" {
		t.Errorf("found again: %+v (%v)", as, err)
	}
}
