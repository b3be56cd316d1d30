package enrich

import (
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestLateCapacity: a scale set's size change is given the last capacity
// its writes named at or before it; none read, none given.
func TestLateCapacity(t *testing.T) {
	t.Parallel()
	e := &Enricher{}
	const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web"
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	write := func(d time.Duration, n int, outcome event.Outcome) {
		e.learnScale(&event.Event{Time: t0.Add(d), Operation: opVMSS, ResourceID: id, Outcome: outcome,
			Compute: &event.Compute{Service: "vmss", Size: "Standard_D2s_v5", Count: n}})
	}
	// Read out of order, as workers read files side by side.
	write(2*time.Hour, 100, event.OutcomeStarted)
	write(0, 10, event.OutcomeStarted)
	write(3*time.Hour, 500, event.OutcomeFailed) // refused: not what runs
	write(5*time.Hour, 40, event.OutcomeSucceeded)
	for _, c := range []struct {
		at   time.Duration
		want int
	}{{-time.Hour, 0}, {0, 10}, {time.Hour, 10}, {2 * time.Hour, 100}, {4 * time.Hour, 100}, {6 * time.Hour, 40}} {
		if got := e.LateCapacity(id, t0.Add(c.at)); got != c.want {
			t.Errorf("at +%v: %d, want %d", c.at, got, c.want)
		}
	}
	if got := e.LateCapacity(id+"2", t0.Add(time.Hour)); got != 0 {
		t.Errorf("another set: %d", got)
	}
}
