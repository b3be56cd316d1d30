package hunt

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIncidentPricedFromBaseRuleHits: a principal that never deployed
// creates 39 × Standard_D16as_v5 in 39 minutes. Only first_time_deployer
// alerts, on the first create; the incident is priced from every create,
// which the base rules' hits (compute_created, compute_requested: no
// alerts of their own) carry, each create's Start and Success once: 39
// instances, not 1 (red-team finding 4a).
func TestIncidentPricedFromBaseRuleHits(t *testing.T) {
	t.Parallel()
	const (
		tenant = "6d3f9a2b-51c4-4e8a-9b7d-2c1e0f8a4b93"
		sub    = "1f28db75-7007-4e16-ac3d-2185a53fc598"
	)
	day := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var lines []string
	rec := func(at time.Time, oid, upn, vm, corr, result, body string) {
		rid := fmt.Sprintf("/SUBSCRIPTIONS/%s/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/%s", sub, vm)
		props := map[string]any{"eventCategory": "Administrative", "entity": rid, "hierarchy": tenant + "/" + sub}
		if body != "" {
			props["requestbody"] = body
		}
		r := map[string]any{
			"time": at.Format("2006-01-02T15:04:05.0000000Z"), "resourceId": rid, "location": "eastus",
			"operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "category": "Write", "resultType": result,
			"callerIpAddress": "198.51.100.7", "correlationId": corr, "level": "Information", "properties": props,
			"identity": map[string]any{"claims": map[string]any{
				"http://schemas.microsoft.com/identity/claims/tenantid":         tenant,
				"http://schemas.microsoft.com/identity/claims/objectidentifier": oid,
				"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":     upn,
				"appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "ipaddr": "198.51.100.7"}},
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	create := func(at time.Time, oid, upn, vm, size string) {
		corr := fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", len(lines))
		rec(at, oid, upn, vm, corr, "Start", fmt.Sprintf(`{"location":"eastus","properties":{"hardwareProfile":{"vmSize":%q}}}`, size))
		rec(at.Add(40*time.Second), oid, upn, vm, corr, "Success", "")
	}
	for d := range 2 { // a known deployer, learned on day 1
		create(day.Add(time.Duration(d)*24*time.Hour), "30ae8bcc-d3e8-4153-8a01-3f85432b00a4", "dana.ops@contoso.example", fmt.Sprintf("app-%d", d), "Standard_D2s_v5")
	}
	// 624 vCPUs: below the volume rules' 1,024 an hour, so first_time_deployer
	// alone alerts, with the first create.
	for i := range 39 {
		create(day.Add(30*time.Hour+time.Duration(i)*time.Minute), "7d1e6c11-3a8f-4f0a-9a7e-3c0c4f2b9e10", "eve.intern@contoso.example",
			fmt.Sprintf("miner-%d", i), "Standard_D16as_v5")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "PT1H.json"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	set, enr := catalogue(t)
	for _, mem := range []int{1 << 30, 4 << 10} { // in memory, and spilled
		res, err := Run(context.Background(), expand(t, dir), Config{Rules: set, Enricher: enr, Workers: 2, Baseline: 24 * time.Hour, HitMemory: mem, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, in := range res.Incidents {
			if !strings.Contains(strings.Join(in.Principals, " "), "eve.intern") {
				continue
			}
			found = true
			n := 0
			for _, l := range in.Cost.Lines {
				n += l.Count
			}
			if n != 39 || len(in.Timeline) != 1 || in.Timeline[0].Rule != "azure.compute.first_time_deployer" {
				t.Errorf("memory %d: incident of %d alerts (%s), priced for %d instances, want first_time_deployer alone and 39: %+v",
					mem, len(in.Timeline), in.Timeline[0].Rule, n, in.Cost)
			}
		}
		if !found {
			t.Fatalf("memory %d: no incident names eve: %d alerts", mem, len(res.Alerts))
		}
	}
}
