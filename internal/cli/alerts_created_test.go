package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/store"
)

// mamori alerts prices an incident from every compute create the store
// kept of its principals, as a hunt does: a store whose one alert
// (first_time_deployer, on the first of 39 creates) carries one
// instance, and whose cycles reported all 39, lists an incident of 39.
func TestAlertsPriceFromTheStoresCreates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "mamori.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	who := []string{"eve.intern@contoso.example", "7d1e6c11-3a8f-4f0a-9a7e-3c0c4f2b9e10"}
	vm := func(i int) alert.Compute {
		return alert.Compute{Service: "vm", Size: "Standard_D96as_v5", Count: 1, Region: "eastus",
			Resource: fmt.Sprintf("/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/miner-%d", i)}
	}
	a := alert.Alert{ID: "a1", Rule: "azure.compute.first_time_deployer", Tenant: "t1", Time: at, LastTime: at, Count: 1,
		Severity: alert.Medium, Principal: who[0], PrincipalIDs: who, Compute: []alert.Compute{vm(0)}}
	var created []incident.Created
	for i := range 39 {
		created = append(created, incident.Created{Tenant: "t1", Time: at.Add(time.Duration(i) * time.Minute), Principals: who, Compute: vm(i)})
	}
	// Two cycles: the alert and the first creates, then the rest.
	if _, err := st.Commit(ctx, store.Cycle{Alerts: []alert.Alert{a}, Created: created[:10]}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Cycle{Created: created[10:]}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errs := run(t, "", "alerts", "--store", db, "--data-dir", t.TempDir())
	if code != ExitOK {
		t.Fatalf("alerts: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "for 39 instances") {
		t.Errorf("alerts does not price the 39 creates:\n%s", out)
	}
}
