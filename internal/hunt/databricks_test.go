package hunt

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/source"
)

// The attack scenario of the catalogue: a stolen account's Azure
// Databricks cluster of 40 GPU workers in the workspace's clusters log,
// and the 41 VMs Azure Databricks wrote for it in the Activity Log.
var dbxScenario = filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "mass_deployment",
	"stolen-account-creates-a-forty-worker-gpu-databricks-cluster-fires")

const (
	dbxApp    = "5d0e9c1b-7a2f-4e38-b6d4-0c9a8e7f1b23" // the AzureDatabricks application's object id there
	dbxPerson = "j.fischer@contoso.com"
)

func dbxHunt(t *testing.T, inputs []source.Input) *Result {
	t.Helper()
	set, enr := catalogue(t)
	res, err := Run(context.Background(), inputs, Config{Rules: set, Enricher: enr, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// rulesBy counts the alerts of a rule by principal.
func rulesBy(as []alert.Alert, rule string) map[string]int {
	n := map[string]int{}
	for _, a := range as {
		if a.Rule == rule {
			n[a.Principal]++
		}
	}
	return n
}

// With both logs, the cluster's machines are counted once, under the
// person who asked: the application's VM writes (their Start records,
// whose tags name the cluster, and the Succeeded records, which carry no
// body) raise nothing, and the incident prices 41 machines, not 82.
func TestDatabricksMachinesCountOnce(t *testing.T) {
	t.Parallel()
	res := dbxHunt(t, expand(t, filepath.Join(dbxScenario, "insights-logs-clusters-PT1H.json"), filepath.Join(dbxScenario, "insights-activity-logs-PT1H.json")))
	for _, a := range res.Alerts {
		if strings.EqualFold(a.Principal, dbxApp) {
			t.Errorf("an alert of the AzureDatabricks application: %s %s", a.Rule, a.Summary)
		}
	}
	if m := rulesBy(res.Alerts, "azure.compute.mass_deployment"); len(m) != 1 || m[dbxPerson] != 1 {
		t.Errorf("mass deployments by %v, want one, %s's", m, dbxPerson)
	}
	if m := rulesBy(res.Alerts, "azure.compute.gpu_created"); len(m) != 1 || m[dbxPerson] != 1 {
		t.Errorf("GPU alerts by %v, want one, %s's", m, dbxPerson)
	}
	for _, a := range res.Alerts {
		// The record's driver and workers are two events of one request:
		// the alert says the workers, the most machines, and where the
		// VMs Azure Databricks wrote for the cluster run.
		if a.Rule == "azure.compute.gpu_created" && !strings.HasSuffix(a.Summary,
			"created providers/microsoft.databricks/workspaces/dbw-analytics-prod in eastus: 40 × Standard_NC24ads_A100_v4 (databricks), 1 A100 GPUs each, spot, cluster 1123-021504-x7k2mq9a") {
			t.Errorf("GPU alert: %q", a.Summary)
		}
		// Named by address alone, the person has no other name.
		if a.PrincipalName != "" {
			t.Errorf("%s: principal %q named %q", a.Rule, a.Principal, a.PrincipalName)
		}
	}
	machines := 0
	for _, in := range res.Incidents {
		for _, l := range in.Cost.Lines {
			machines += l.Count
			if l.Region != "eastus" {
				t.Errorf("cost line %+v: the cluster's region is its VMs', eastus", l)
			}
		}
	}
	if machines != 41 || len(res.Incidents) != 1 || len(res.Incidents[0].Cost.Lines) != 2 {
		t.Errorf("the incidents price %d machines, want the cluster's 41, its driver on demand and 40 workers on Spot (%d incidents)", machines, len(res.Incidents))
	}
}

// With the Activity Log alone the same machines are the application's
// acts, as the log gives them: counted once, under the application, each
// saying whose cluster its tags name.
func TestDatabricksMachinesWithTheActivityLogAlone(t *testing.T) {
	t.Parallel()
	res := dbxHunt(t, expand(t, filepath.Join(dbxScenario, "insights-activity-logs-PT1H.json")))
	if m := rulesBy(res.Alerts, "azure.compute.mass_deployment"); len(m) != 1 || m[dbxApp] != 1 {
		t.Errorf("mass deployments by %v, want one, the application's", m)
	}
	gpu := 0
	for _, a := range res.Alerts {
		if a.Rule != "azure.compute.gpu_created" {
			continue
		}
		gpu++
		if !strings.Contains(a.Summary, "a machine of Azure Databricks cluster 1123-021504-x7k2mq9a created by "+dbxPerson) {
			t.Errorf("summary %q does not say whose cluster", a.Summary)
		}
	}
	if gpu != 41 {
		t.Errorf("%d GPU alerts, want one for each of the 41 VMs", gpu)
	}
}

// More VMs than the cluster's requests asked for (it grew under load to
// its autoscale maximum, or was started again) are machines no request
// read counted: the application's writes then stay, all of them, rather
// than the growth vanishing.
func TestDatabricksMachinesBeyondTheRequestStay(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(dbxScenario, "insights-activity-logs-PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	// The attacker's first VM's Start and Succeeded records, and its name.
	var vm []string
	name := ""
	for _, l := range lines {
		if strings.Contains(l, "1123-021504-x7k2mq9a") && strings.Contains(l, `"resultType":"Start"`) {
			i := strings.Index(l, "VIRTUALMACHINES/") + len("VIRTUALMACHINES/")
			name = strings.ToLower(l[i : i+32])
			break
		}
	}
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), name) {
			vm = append(vm, l)
		}
	}
	if name == "" || len(vm) != 2 {
		t.Fatalf("the scenario's VM records changed: %q, %d records", name, len(vm))
	}
	corr := vm[0][strings.Index(vm[0], `"correlationId":"`)+len(`"correlationId":"`):]
	corr = corr[:strings.IndexByte(corr, '"')]
	grown := string(b)
	for i := range 10 { // ten more machines of the cluster, each its own operation
		n := strings.Repeat(string(rune('a'+i)), 32)
		for _, l := range vm {
			l = strings.ReplaceAll(strings.ReplaceAll(l, name, n), strings.ToUpper(name), strings.ToUpper(n))
			grown += strings.ReplaceAll(l, corr, corr[:len(corr)-1]+string(rune('a'+i)))
		}
	}
	clusters, err := os.ReadFile(filepath.Join(dbxScenario, "insights-logs-clusters-PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := dbxHunt(t, []source.Input{source.BytesInput("clusters.json", clusters), source.BytesInput("activity.json", []byte(grown))})
	if m := rulesBy(res.Alerts, "azure.compute.mass_deployment"); m[dbxPerson] != 1 || m[dbxApp] != 1 {
		t.Errorf("mass deployments by %v, want the account's (its request) and the application's (51 VMs, 10 no request read asked for)", m)
	}
	if m := rulesBy(res.Alerts, "azure.compute.gpu_created"); m[dbxApp] != 51 {
		t.Errorf("GPU alerts by %v, want 51 of the application's", m)
	}
}
