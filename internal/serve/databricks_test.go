package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The catalogue's attack: a stolen account's Azure Databricks cluster of
// 40 GPU workers, asked for in the workspace's clusters log, and the 41
// VMs Azure Databricks wrote for it in the Activity Log.
var dbxCase = filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "mass_deployment",
	"stolen-account-creates-a-forty-worker-gpu-databricks-cluster-fires")

const dbxApp = "5d0e9c1b-7a2f-4e38-b6d4-0c9a8e7f1b23" // the AzureDatabricks application's object id there

// The two logs come at their own pace, so a service reads them in
// different cycles: here the Activity Log in one `serve --once` run and
// the clusters log in the next. The first run can only count the VMs
// under the application that wrote them; once the request is stored, the
// incidents over the store count the cluster's 41 machines once, under
// the person who asked, as one hunt over both logs does. Before, they
// were 82: 41 under the person and 41 under the application.
func TestDatabricksMachinesCountOnceAcrossCycles(t *testing.T) {
	activity, err := os.ReadFile(filepath.Join(dbxCase, "insights-activity-logs-PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	clusters, err := os.ReadFile(filepath.Join(dbxCase, "insights-logs-clusters-PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range []struct {
		name          string
		first, second []byte
	}{{"activity log first", activity, clusters}, {"clusters log first", clusters, activity}} {
		t.Run(order.name, func(t *testing.T) { dbxCounted(t, order.first, order.second) })
	}
}

func dbxCounted(t *testing.T, first, second []byte) {
	st, _ := twoRuns(t, first, second)
	incs, as := storeIncidents(t, st)
	appAlerts := 0
	for _, a := range as {
		if strings.EqualFold(a.Principal, dbxApp) {
			appAlerts++
			if a.Incident != "" {
				t.Errorf("the application's alert %s (%s) is in incident %s: its machines are the request's", a.Rule, a.Summary, a.Incident)
			}
		}
	}
	if appAlerts == 0 {
		t.Fatal("the first run raised no alert of the application: the test proves nothing")
	}
	machines := 0
	for _, in := range incs {
		machines += instances(in)
		t.Logf("incident %s %s: %d machines, %v", in.ID, in.Title, instances(in), in.Principals)
	}
	if machines != 41 {
		t.Errorf("the incidents price %d machines, want the cluster's 41", machines)
	}
}
