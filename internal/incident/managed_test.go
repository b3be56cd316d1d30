package incident

import (
	"fmt"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

const (
	dbxApp       = "5d0e9c1b-7a2f-4e38-b6d4-0c9a8e7f1b23"
	dbxWorkspace = "/subscriptions/" + subA + "/resourcegroups/rg/providers/microsoft.databricks/workspaces/dbw"
	dbxCluster   = subA + "/1123-021504-x7k2mq9a"
)

// dbxVM is the id of the i-th VM Azure Databricks wrote in the
// workspace's managed resource group.
func dbxVM(i int) string {
	return fmt.Sprintf("/subscriptions/%s/resourcegroups/databricks-rg-dbw/providers/microsoft.compute/virtualmachines/vm%02d", subA, i)
}

// dbxRequest is the person's request of a cluster of workers, as the
// clusters log gives it: the driver and the workers, two events.
func dbxRequest(workers int) alert.Alert { return dbxRequestAt(workers, 0, "c1") }

// dbxRequestAt is dbxRequest made at d after t0 by the request op.
func dbxRequestAt(workers int, d time.Duration, op string) alert.Alert {
	req := dbxWorkspace + "/clusters/1123-021504-x7k2mq9a"
	return mk("azure.compute.gpu_created", alert.High, at(d), principal(mallory), pids(mallory), res(dbxWorkspace), func(a *alert.Alert) {
		a.Compute = []alert.Compute{
			{Service: "databricks", Size: "Standard_NC24ads_A100_v4", Count: 1, Region: "eastus", Resource: req, Operation: op, Cluster: dbxCluster},
			{Service: "databricks", Size: "Standard_NC24ads_A100_v4", Count: workers, Spot: true, Region: "eastus", Resource: req, Operation: op, Cluster: dbxCluster},
		}
	})
}

// dbxWrites is the application's alert on n VM writes of the cluster.
func dbxWrites(n int) alert.Alert {
	a := mk("azure.compute.mass_deployment", alert.Critical, at(5*time.Minute), principal(dbxApp), pids(dbxApp))
	for i := range n {
		a.Resources = append(a.Resources, dbxVM(i))
		a.Evidence = append(a.Evidence, alert.Evidence{Time: at(5 * time.Minute), Operation: event.OpVMWrite})
		a.Compute = append(a.Compute, alert.Compute{Service: "vm", Size: "Standard_NC24ads_A100_v4", Count: 1, Region: "eastus",
			Resource: dbxVM(i), Operation: fmt.Sprintf("w%d", i), Cluster: dbxCluster})
	}
	return a
}

func machines(incs []Incident) int {
	n := 0
	for _, in := range incs {
		for _, l := range in.Cost.Lines {
			n += l.Count
		}
	}
	return n
}

// The VMs Azure Databricks wrote for a cluster are priced once, by the
// request that asked for them, when the request counts them all; the
// application's alert on them then joins no incident. This is the hunt's
// rule (enrich.Enricher.Managed), applied to alerts a service stored in
// different cycles.
func TestManagedVMsCountOnce(t *testing.T) {
	cases := []struct {
		name     string
		alerts   []alert.Alert
		machines int
		passed   bool // the application's alert is passed over
	}{
		{"request and its machines", []alert.Alert{dbxRequest(40), dbxWrites(41)}, 41, true},
		{"machines alone", []alert.Alert{dbxWrites(41)}, 41, false},
		// The cluster grew past what was asked: the machines no request
		// counted are the application's, as the Activity Log gives them.
		{"more machines than asked", []alert.Alert{dbxRequest(10), dbxWrites(41)}, 11 + 41, false},
		{"request alone", []alert.Alert{dbxRequest(40)}, 41, false},
		// Two requests of the cluster, a create and a resize, ask for
		// their sum, as the hunt counts them: 11 and 31 machines cover
		// the 41 VMs.
		{"a create and a resize", []alert.Alert{dbxRequest(10), dbxRequestAt(30, time.Minute, "c2"), dbxWrites(41)}, 31, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			incs := BuildMarked(c.alerts, Options{})
			if got := machines(incs); got != c.machines {
				t.Errorf("priced %d machines, want %d", got, c.machines)
			}
			for _, a := range c.alerts {
				if a.Principal != dbxApp {
					continue
				}
				if passed := a.Incident == ""; passed != c.passed {
					t.Errorf("the application's alert in incident %q, want passed over %v", a.Incident, c.passed)
				}
			}
		})
	}
}

// The request may be known only as a create the store kept (its alert
// was another cycle's, or none was raised); the application's creates,
// kept as well, are not priced either.
func TestManagedVMsKnownFromCreates(t *testing.T) {
	req := dbxRequest(40)
	var created []Created
	for _, c := range req.Compute {
		created = append(created, Created{Tenant: tenantA, Time: at(0), Principals: []string{mallory}, Compute: c})
	}
	app := dbxWrites(41)
	for _, c := range app.Compute {
		created = append(created, Created{Tenant: tenantA, Time: at(5 * time.Minute), Principals: []string{dbxApp}, Compute: c})
	}
	// A burst of the application's own the request does not count, in
	// an alert that also names a managed VM: it stays, priced alone.
	other := mk("azure.compute.gpu_volume", alert.High, at(6*time.Minute), principal(dbxApp), pids(dbxApp),
		res(dbxVM(0), "/subscriptions/"+subA+"/resourcegroups/rg/providers/microsoft.compute/virtualmachines/other"), func(a *alert.Alert) {
			a.Evidence = []alert.Evidence{{Time: at(6 * time.Minute), Operation: event.OpVMWrite}}
			a.Compute = []alert.Compute{app.Compute[0], {Service: "vm", Size: "Standard_NC24ads_A100_v4", Count: 3, Region: "eastus",
				Resource: a.Resources[1], Operation: "o1"}}
		})
	alerts := []alert.Alert{dbxWrites(41), other}
	incs := BuildMarked(alerts, Options{Created: created})
	if alerts[0].Incident != "" {
		t.Errorf("the application's alert on the cluster's VMs is in incident %s", alerts[0].Incident)
	}
	if alerts[1].Incident == "" {
		t.Fatal("the alert that names a VM no request counts joined no incident")
	}
	if got := machines(incs); got != 3 {
		t.Errorf("priced %d machines, want the 3 no request counts", got)
	}
	if len(other.Compute) != 2 {
		t.Errorf("the caller's alert lost compute: %+v", other.Compute)
	}
}
