package enrich

import (
	"maps"
	"strings"
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

// TestLateRegionAKSNodePool: an AKS node pool's write names no location,
// so it takes its cluster's, as a Batch pool takes its account's; the
// cluster's other children take none.
func TestLateRegionAKSNodePool(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const cluster = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1"
	e.Apply(&event.Event{Operation: opAKS, ResourceID: cluster, Region: "japaneast", Outcome: event.OutcomeAccepted})
	for id, want := range map[string]string{
		cluster + "/agentPools/gpu":                    "japaneast",
		strings.ToUpper(cluster + "/agentPools/a100"):  "japaneast",
		cluster + "/maintenanceConfigurations/default": "",
		cluster + "2/agentPools/gpu":                   "",
	} {
		if got := e.LateRegion(id); got != want {
			t.Errorf("LateRegion(%s) = %q, want %q", id, got, want)
		}
	}
}

// TestLateRegionServiceFabricNodeType: a Service Fabric managed cluster's
// node type names no location either; it takes its cluster's.
func TestLateRegionServiceFabricNodeType(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const cluster = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ServiceFabric/managedClusters/sfmc1"
	e.Apply(&event.Event{Operation: opSFCluster, ResourceID: cluster, Region: "brazilsouth", Outcome: event.OutcomeSucceeded})
	for id, want := range map[string]string{
		cluster + "/nodeTypes/gpu":                 "brazilsouth",
		strings.ToUpper(cluster + "/nodeTypes/be"): "brazilsouth",
		cluster + "/applications/app1":             "",
		cluster + "2/nodeTypes/gpu":                "",
	} {
		if got := e.LateRegion(id); got != want {
			t.Errorf("LateRegion(%s) = %q, want %q", id, got, want)
		}
	}
}

// TestKnownRegions: regions an earlier run learned (a store's) reach the
// pools of a new Enricher, in any case; what this one learns itself is
// kept over them, and Learned hands back what it learned and what it was
// asked for, not what it was only told, as a copy.
func TestKnownRegions(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const acct = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.batch/batchaccounts/ba1"
	e.Apply(&event.Event{Operation: opBatchAccount, ResourceID: acct + "2", Region: "westeurope"})
	e.Know(Learned{Regions: map[string]string{
		strings.ToUpper(acct): "southcentralus",
		acct + "2":            "eastus",  // learned here already: kept
		acct + "3":            "",        // nothing known
		acct + "4":            "uksouth", // told, never asked for
	}})
	for id, want := range map[string]string{
		acct + "/pools/p":  "southcentralus",
		acct + "2/pools/p": "westeurope",
		acct + "3/pools/p": "",
	} {
		if got := e.LateRegion(id); got != want {
			t.Errorf("LateRegion(%s) = %q, want %q", id, got, want)
		}
	}
	got := e.Learned().Regions
	want := map[string]string{acct: "southcentralus", acct + "2": "westeurope"}
	if !maps.Equal(got, want) {
		t.Errorf("Learned().Regions = %v, want %v", got, want)
	}
	got[acct] = "changed"
	if r := e.LateRegion(acct + "/pools/p"); r != "southcentralus" {
		t.Errorf("changing what Learned returned changed the Enricher: %q", r)
	}
	if r := e.LateRegion(acct + "4/pools/p"); r != "uksouth" {
		t.Errorf("a region told: LateRegion = %q, want uksouth", r)
	}
	e.ForgetLearned()
	if r := e.LateRegion(acct + "2/pools/p"); r != "" {
		t.Errorf("after ForgetLearned, LateRegion = %q, want nothing known", r)
	}
}
