package enrich

import (
	"fmt"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestDatabricksOfAServiceThatRunsForMonths: a service learns more Azure
// Databricks clusters and machines over its months than its tables hold.
// Each cycle forgets the clusters quiet for two days of event time, so a
// cluster asked for months after the start is still told apart from its
// machines (Managed), where before the full tables refused it and its
// machines counted twice; a cluster of the last two days is kept across
// the cycle.
func TestDatabricksOfAServiceThatRunsForMonths(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const ws = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.databricks/workspaces/dbw"
	vm := func(c, i int) string {
		return fmt.Sprintf("/subscriptions/s1/resourcegroups/databricks-rg-dbw/providers/microsoft.compute/virtualmachines/c%d-w%d", c, i)
	}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// cluster asks for n machines of cluster c at at, and Azure Databricks
	// writes them.
	cluster := func(c, n int, at time.Time) {
		id := fmt.Sprintf("0101-%06d-abc", c)
		e.Apply(&event.Event{Time: at, Operation: "microsoft.databricks/clusters/create", ResourceID: ws, Outcome: event.OutcomeSucceeded,
			Compute: &event.Compute{Service: "databricks", Cluster: id, Count: n, Size: "Standard_NC24ads_A100_v4"}})
		for i := range n {
			e.Apply(&event.Event{Time: at.Add(time.Minute), Operation: event.OpVMWrite, ResourceID: vm(c, i), Region: "eastus",
				Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vm", Cluster: id, Count: 1, Size: "Standard_NC24ads_A100_v4"}})
		}
	}
	// Eight clusters of 10 an hour, a cycle an hour: 80 machines an hour,
	// more than MaxLearned in five weeks.
	hours := MaxLearned/80 + 100
	for h := range hours {
		e.ForgetLearned()
		for c := range 8 {
			cluster(h*8+c, 10, day.Add(time.Duration(h)*time.Hour))
		}
	}
	last := (hours-1)*8 + 7
	if !e.Managed(vm(last, 9)) {
		t.Error("a machine of the last cluster, months on, counts twice: its cluster was not learned")
	}
	// The next cycle keeps the clusters of the last two days; those of
	// the first weeks are gone.
	e.ForgetLearned()
	if !e.Managed(vm(last-8*24, 0)) {
		t.Error("a machine of a cluster of the day before was forgotten at the next cycle")
	}
	if n := len(e.managed.vms); n > 80*49 {
		t.Errorf("%d machines kept after a cycle, want at most two days' (%d)", n, 80*49)
	}
}
