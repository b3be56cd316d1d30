package enrich

import (
	"fmt"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// What one Enricher learned of an autoscale target (its size, and a
// principal's write of it) is what a later one needs for the setting
// written in the same hour: handed over (Learned, Know), the setting takes
// the write off its floor and is priced at the target's size, as one
// Enricher reading both does. What was only handed over is not handed on
// unless a setting asked for it.
func TestLearnedAutoscaleCarriesToANewEnricher(t *testing.T) {
	const (
		sub     = "/subscriptions/s1/resourcegroups/rg/providers/"
		setting = sub + "microsoft.insights/autoscalesettings/web-autoscale"
		vmss    = sub + "microsoft.compute/virtualmachinescalesets/web"
		other   = sub + "microsoft.compute/virtualmachinescalesets/other"
		thief   = "7b3e9d21-4c6a-4f85-b2e0-1a9d8c7f6e54"
		opVMSS  = "microsoft.compute/virtualmachinescalesets/write"
	)
	at := time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC)
	first, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	first.Apply(&event.Event{Time: at.Add(-3 * time.Minute), Operation: opVMSS, ResourceID: vmss, Principal: event.Principal{ID: thief},
		Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vmss", Size: "Standard_F16s_v2", Count: 1}})
	first.Apply(&event.Event{Time: at.Add(-48 * time.Hour), Operation: opVMSS, ResourceID: other, Principal: event.Principal{ID: thief},
		Outcome: event.OutcomeSucceeded, Compute: &event.Compute{Service: "vmss", Size: "Standard_D2s_v5"}})
	l := first.Learned()
	if l.Sizes[vmss] != "Standard_F16s_v2" || len(l.Writes) != 1 || l.Writes[0] != (event.ScaleWrite{Target: vmss, Principal: thief, At: at.Add(-3 * time.Minute), Count: 1}) || l.Capped {
		t.Fatalf("Learned() = %+v, want the size and the thief's write", l)
	}

	next, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _, size := next.LateRequest(setting, thief, at, 200); n != 200 || size != "" {
		t.Fatalf("a new Enricher told nothing: %d %q", n, size)
	}
	next.Know(l)
	next.Apply(&event.Event{Time: at, Operation: opAutoscale, ResourceID: setting, Principal: event.Principal{ID: thief},
		Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vmss", Count: 200, Target: vmss}})
	if n, target, size := next.LateRequest(setting, thief, at, 200); n != 199 || target != vmss || size != "Standard_F16s_v2" {
		t.Errorf("told what the first learned: LateRequest = %d %q %q, want 199, the target and its size", n, target, size)
	}
	got := next.Learned()
	if got.Sizes[vmss] != "Standard_F16s_v2" || got.Sizes[other] != "" || len(got.Writes) != 0 {
		t.Errorf("Learned() after Know = %+v, want the size asked for only, and no write (told, not read)", got)
	}
}

// A table that is full keeps what it holds and refuses what is new, and
// Learned says so until ForgetLearned.
func TestLearnedSaysATableWasFull(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := func(i int) string {
		return fmt.Sprintf("/subscriptions/s1/resourcegroups/rg/providers/microsoft.batch/batchaccounts/a%d", i)
	}
	for i := range MaxLearned {
		e.Apply(&event.Event{Operation: opBatchAccount, ResourceID: acct(i), Region: "eastus"})
	}
	if l := e.Learned(); l.Capped || len(l.Regions) != MaxLearned {
		t.Fatalf("at the bound: capped %v, %d regions", l.Capped, len(l.Regions))
	}
	e.Apply(&event.Event{Operation: opBatchAccount, ResourceID: acct(0), Region: "westeurope"}) // known: kept
	e.Apply(&event.Event{Operation: opBatchAccount, ResourceID: acct(MaxLearned), Region: "eastus"})
	if l := e.Learned(); !l.Capped || len(l.Regions) != MaxLearned || l.Regions[acct(0)] != "westeurope" {
		t.Errorf("past the bound: capped %v, %d regions, the first's %q", l.Capped, len(l.Regions), l.Regions[acct(0)])
	}
	e.ForgetLearned()
	if l := e.Learned(); l.Capped || len(l.Regions) != 0 {
		t.Errorf("after ForgetLearned: capped %v, %d regions", l.Capped, len(l.Regions))
	}
}
