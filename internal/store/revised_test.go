package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// An alert written in one cycle on a create whose refusal a later cycle
// reads is given back by that cycle, settled and marked revised, once;
// an alert on a create that ran is not; an alert stored after its
// create's refusal was read is new and settled at once; what the store
// keeps is never marked.
func TestRevisedWhenTheRefusalComesLater(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	key := event.NewKeyHash(s.RecordKeySecret()).OpKey // as a cycle's hunt keys them
	const rid = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/probe-0"
	vm := func(op string) alert.Compute {
		return alert.Compute{Service: "vmss", Size: "Standard_NV36ads_A10_v5", Count: 20, Resource: rid, Operation: op}
	}
	on := func(id, op string) alert.Alert {
		return alert.Alert{ID: id, Rule: "azure.compute.gpu_created", Tenant: "t1", Time: t0, Count: 1, Principal: "eve",
			Summary: "eve created " + alert.ShortID(rid) + ": 20 × Standard_NV36ads_A10_v5", Compute: []alert.Compute{vm(op)}}
	}
	ran, refused, refusedFirst := on("ran", "c-ran"), on("refused", "C-REFUSED"), on("first", "c-first")
	// An alert over both creates: revised too, its compute the one that ran.
	both := alert.Alert{ID: "both", Rule: "azure.compute.gpu_volume", Tenant: "t1", Time: t0.Add(-time.Hour), Count: 2, Principal: "eve",
		Summary: "eve asked for 40 GPUs", Compute: []alert.Compute{vm("c-ran"), vm("C-REFUSED")}}
	steps := []struct {
		c                  Cycle
		fresh, revised     []string
		revisedSummaryWant string
	}{
		{c: Cycle{Alerts: []alert.Alert{ran, refused, both}, Compute: &ComputeCycle{Ops: map[uint64]OpState{key("c-ran"): OpSized, key("c-refused"): OpSized}}},
			fresh: []string{"ran", "refused", "both"}},
		// The refusal, a cycle later (the correlation id as another record spells it).
		{c: Cycle{Compute: &ComputeCycle{Ops: map[uint64]OpState{key("c-ran"): 0, key(" c-refused"): OpFailed | OpQuota}}},
			revised: []string{"both", "refused"}},
		// The same Failure read again (a file rewritten): nothing new to say.
		{c: Cycle{Compute: &ComputeCycle{Ops: map[uint64]OpState{key("c-refused"): OpFailed | OpQuota}}}},
		// A Failure read before its Start's alert is stored.
		{c: Cycle{Compute: &ComputeCycle{Ops: map[uint64]OpState{key("c-first"): OpFailed}}}},
		{c: Cycle{Alerts: []alert.Alert{refusedFirst}, Compute: &ComputeCycle{Ops: map[uint64]OpState{key("c-first"): OpSized}}},
			fresh: []string{"first"}},
	}
	now := t0
	for i, st := range steps {
		now = now.Add(time.Minute)
		st.c.Now = now
		done, err := s.CommitCycle(ctx, st.c)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(done.Fresh); got != strings.Join(st.fresh, " ") {
			t.Errorf("cycle %d: fresh %q, want %q", i, got, st.fresh)
		}
		if got := ids(done.Revised); got != strings.Join(st.revised, " ") {
			t.Errorf("cycle %d: revised %q, want %q (oldest first)", i, got, st.revised)
		}
		for _, a := range done.Revised {
			if !a.Revised {
				t.Errorf("cycle %d: %s not marked revised", i, a.ID)
			}
			switch a.ID {
			case "refused":
				if want := "eve asked for " + alert.ShortID(rid) + ": 20 × Standard_NV36ads_A10_v5; Azure refused it on quota, no machine ran"; a.Summary != want || len(a.Compute) != 0 {
					t.Errorf("revised %q, compute %+v; want %q and none", a.Summary, a.Compute, want)
				}
			case "both":
				if len(a.Compute) != 1 || a.Compute[0].Operation != "c-ran" || a.Summary != both.Summary {
					t.Errorf("revised %q with compute %+v, want the one that ran, the summary as it was", a.Summary, a.Compute)
				}
			}
		}
		for _, a := range done.Fresh {
			if a.Revised {
				t.Errorf("cycle %d: new alert %s marked revised", i, a.ID)
			}
			if a.ID == "first" && (!strings.HasSuffix(a.Summary, "; Azure refused it, no machine ran") || len(a.Compute) != 0) {
				t.Errorf("an alert on a create refused cycles before: %q, compute %+v", a.Summary, a.Compute)
			}
		}
	}
	// Settling copies: the alerts handed in (the hunt's) keep their compute.
	if len(ran.Compute) != 1 || len(both.Compute) != 2 || len(refusedFirst.Compute) != 1 || refusedFirst.Compute[0].Operation != "c-first" {
		t.Errorf("the cycle's own alerts changed: %+v, %+v, %+v", ran.Compute, both.Compute, refusedFirst.Compute)
	}
	as, err := s.Alerts(ctx, time.Time{})
	if err != nil || len(as) != 4 {
		t.Fatalf("%d alerts stored (%v), want 4", len(as), err)
	}
	for _, a := range as {
		if a.Revised {
			t.Errorf("stored alert %s marked revised", a.ID)
		}
	}
}

// Rows of alert_ops go once no cycle stored their alert for as long as
// compute_ops keeps an operation.
func TestAlertOpsForgotten(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	a := alert.Alert{ID: "a", Rule: "r", Tenant: "t1", Time: t0, Count: 1, Compute: []alert.Compute{{Service: "vm", Count: 1, Operation: "op"}}}
	for i, c := range []Cycle{{Alerts: []alert.Alert{a}, Now: t0}, {Now: t0.Add(computeOpsKept + time.Minute)}} {
		if _, err := s.CommitCycle(ctx, c); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM alert_ops").Scan(&n); err != nil || n != 1-i {
			t.Errorf("cycle %d: %d rows (%v), want %d", i, n, err, 1-i)
		}
	}
}

func ids(as []alert.Alert) string {
	out := make([]string, len(as))
	for i := range as {
		out[i] = as[i].ID
	}
	return strings.Join(out, " ")
}
