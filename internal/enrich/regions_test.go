package enrich

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestLateRegion: a Batch account's write teaches its region, which its
// pools then take, in any case and whatever order they are asked in; a
// failed write, one naming no region or "global", and other resources
// teach and take nothing.
func TestLateRegion(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const acct = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/BA1"
	pool := acct + "/pools/render"
	if r := e.LateRegion(pool); r != "" {
		t.Fatalf("before the account's write: %q", r)
	}
	for _, ev := range []event.Event{
		{Operation: opBatchAccount, ResourceID: acct + "2", Region: "eastus", Outcome: event.OutcomeFailed},
		{Operation: opBatchAccount, ResourceID: acct + "3", Region: "global"},
		{Operation: "microsoft.compute/virtualmachines/write", ResourceID: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", Region: "westus"},
		{Operation: opBatchAccount, ResourceID: acct, Region: "southcentralus", Outcome: event.OutcomeStarted},
	} {
		e.Apply(&ev)
	}
	for id, want := range map[string]string{
		pool: "southcentralus",
		"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.BATCH/BATCHACCOUNTS/BA1/POOLS/X": "southcentralus",
		acct:                     "", // the account itself named its own
		acct + "2/pools/p":       "", // failed
		acct + "3/pools/p":       "", // global
		acct + "/certificates/c": "",
		"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/extensions/x": "",
	} {
		if got := e.LateRegion(id); got != want {
			t.Errorf("LateRegion(%s) = %q, want %q", id, got, want)
		}
	}
}
