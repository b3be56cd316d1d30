package serve

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRefusedAcrossCycles: a new principal's ten GPU creates that ran and
// five Azure refused, whose Start records (which name the machines) one
// cycle reads and whose Failure records the next: the incident over the
// store's alerts and creates is priced for the ten, as one hunt over the
// whole file prices it, not for fifteen, and the store's alert on each
// refused create says it was asked for and refused, as one hunt's does.
func TestRefusedAcrossCycles(t *testing.T) {
	t.Parallel()
	const (
		tenant = "6d3f9a2b-51c4-4e8a-9b7d-2c1e0f8a4b93"
		sub    = "1f28db75-7007-4e16-ac3d-2185a53fc598"
		eve    = "7d1e6c11-3a8f-4f0a-9a7e-3c0c4f2b9e10"
	)
	day := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	rec := func(at time.Time, oid, upn, vm, corr, result, body string) string {
		rid := fmt.Sprintf("/SUBSCRIPTIONS/%s/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/%s", sub, vm)
		props := map[string]any{"eventCategory": "Administrative", "entity": rid}
		if body != "" {
			props["requestbody"] = body
		}
		b, err := json.Marshal(map[string]any{
			"time": at.Format("2006-01-02T15:04:05.0000000Z"), "resourceId": rid, "location": "eastus",
			"operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "category": "Administrative", "resultType": result,
			"callerIpAddress": "198.51.100.7", "correlationId": corr, "level": "Information", "properties": props,
			"identity": map[string]any{"claims": map[string]any{
				"http://schemas.microsoft.com/identity/claims/tenantid":         tenant,
				"http://schemas.microsoft.com/identity/claims/objectidentifier": oid,
				"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":     upn}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	var starts, ends strings.Builder
	create := func(at time.Time, oid, upn, vm, corr, size string, refused bool) {
		starts.WriteString(rec(at, oid, upn, vm, corr, "Start", `{"location":"eastus","properties":{"hardwareProfile":{"vmSize":"`+size+`"}}}`))
		result := "Success"
		if refused {
			result = "Failure"
		}
		ends.WriteString(rec(at.Add(40*time.Second), oid, upn, vm, corr, result, ""))
	}
	for d := range 2 { // a known deployer, learned on day 1
		create(day.Add(time.Duration(d)*24*time.Hour), "30ae8bcc-d3e8-4153-8a01-3f85432b00a4", "dana.ops@contoso.example",
			fmt.Sprintf("app-%d", d), fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", d), "Standard_D16as_v5", false)
	}
	for i := range 15 {
		create(day.Add(30*time.Hour+time.Duration(i)*time.Minute), eve, "eve.intern@contoso.example",
			fmt.Sprintf("miner-%d", i), fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", 100+i), "Standard_NC4as_T4_v3", i >= 10)
	}
	watched := t.TempDir()
	file := filepath.Join(watched, "PT1H.json")
	st := openStore(t)
	process := newProcess(t)
	// One cycle reads every Start, the next every end.
	var res *Result
	for _, part := range []string{starts.String(), ends.String()} {
		f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(part); err != nil {
			t.Fatal(err)
		}
		f.Close()
		res = cycle(t, st, watched, process())
	}
	// What the first cycle wrote of the refused creates, the second
	// writes again: each alert on one of them, revised.
	revised := map[int]bool{}
	for _, a := range res.Revised {
		if !a.Revised {
			t.Errorf("%s on %v written again, not marked revised", a.Rule, a.Resources)
		}
		var n int
		for _, r := range a.Resources {
			if _, err := fmt.Sscanf(path.Base(r), "miner-%d", &n); err == nil && n < 10 {
				t.Errorf("%s revised, on miner-%d, which ran: %q", a.Rule, n, a.Summary)
			}
		}
		if a.Rule == "azure.compute.gpu_created" {
			revised[n] = strings.HasSuffix(a.Summary, "; Azure refused it, no machine ran")
		}
	}
	if len(revised) != 5 || !revised[10] || !revised[11] || !revised[12] || !revised[13] || !revised[14] {
		t.Errorf("gpu_created alerts revised (miner: says refused): %v, want miners 10 to 14, each saying so", revised)
	}
	incs, as := storeIncidents(t, st)
	found := false
	for _, in := range incs {
		if !strings.Contains(strings.Join(in.Principals, " "), "eve.intern") {
			continue
		}
		found = true
		if n := instances(in); n != 10 {
			t.Errorf("incident over the store priced for %d instances, want the 10 that ran: %+v", n, in.Cost)
		}
	}
	if !found {
		t.Fatalf("no incident names eve: %d alerts in the store", len(as))
	}
	gpu := 0
	for _, a := range as {
		if a.Rule != "azure.compute.gpu_created" || !strings.Contains(a.Principal, "eve.intern") {
			continue
		}
		gpu++
		var n int
		fmt.Sscanf(path.Base(a.Resources[0]), "miner-%d", &n)
		refused := n >= 10
		if asked := strings.Contains(a.Summary, " asked for ") && strings.HasSuffix(a.Summary, "; Azure refused it, no machine ran"); asked != refused {
			t.Errorf("miner-%d (refused %v): %q", n, refused, a.Summary)
		}
		if refused == (len(a.Compute) == 1) {
			t.Errorf("miner-%d (refused %v): compute %+v", n, refused, a.Compute)
		}
	}
	if gpu != 15 {
		t.Errorf("%d gpu_created alerts on eve's creates, want 15", gpu)
	}
}
