package hunt

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/rules"
)

// TestIncidentPricedFromBaseRuleHits: a principal that never deployed
// creates 39 × Standard_D16as_v5 in 39 minutes. Only first_time_deployer
// alerts, on the first create; the incident is priced from every create,
// which the base rules' hits (compute_created, compute_requested: no
// alerts of their own) carry, each create's Start and Success once: 39
// instances, not 1 (red-team finding 4a); of ten created and five Azure
// refused, ten.
func TestIncidentPricedFromBaseRuleHits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		created, refused int
	}{
		// 624 vCPUs: below the volume rules' 1,024 an hour, so
		// first_time_deployer alone alerts, with the first create.
		{"39 created", 39, 0},
		// Five that Azure refused beside ten (their Start records name
		// the size, their Failure records nothing): no machine ran, none
		// is priced.
		{"10 created, 5 refused", 10, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pricedFromBaseRuleHits(t, tc.created, tc.refused)
		})
	}
}

// pricedFromBaseRuleHits hunts a known deployer's creates and a new
// principal's created and refused ones, and checks the new principal's
// incident is first_time_deployer's alone, priced for the created.
func pricedFromBaseRuleHits(t *testing.T, created, refused int) {
	const (
		tenant = "6d3f9a2b-51c4-4e8a-9b7d-2c1e0f8a4b93"
		sub    = "1f28db75-7007-4e16-ac3d-2185a53fc598"
	)
	day := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var lines []string
	rec := func(at time.Time, oid, upn, vm, corr, result, body string) {
		rid := fmt.Sprintf("/SUBSCRIPTIONS/%s/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/%s", sub, vm)
		lines = append(lines, activityRecord(t, tenant, sub, at, oid, upn, rid, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", corr, result, body))
	}
	create := func(result string, at time.Time, oid, upn, vm, size string) {
		corr := fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", len(lines))
		rec(at, oid, upn, vm, corr, "Start", fmt.Sprintf(`{"location":"eastus","properties":{"hardwareProfile":{"vmSize":%q}}}`, size))
		rec(at.Add(40*time.Second), oid, upn, vm, corr, result, "")
	}
	for d := range 2 { // a known deployer, learned on day 1
		create("Success", day.Add(time.Duration(d)*24*time.Hour), "30ae8bcc-d3e8-4153-8a01-3f85432b00a4", "dana.ops@contoso.example", fmt.Sprintf("app-%d", d), "Standard_D2s_v5")
	}
	for i := range created + refused {
		result, vm := "Success", fmt.Sprintf("miner-%d", i)
		if i >= created {
			result, vm = "Failure", fmt.Sprintf("refused-%d", i)
		}
		create(result, day.Add(30*time.Hour+time.Duration(i)*time.Minute), "7d1e6c11-3a8f-4f0a-9a7e-3c0c4f2b9e10", "eve.intern@contoso.example",
			vm, "Standard_D16as_v5")
	}
	dir := blobOf(t, lines)
	set, enr := catalogue(t)
	for _, mem := range []int{1 << 30, 4 << 10} { // in memory, and spilled
		res, err := Run(context.Background(), expand(t, dir), Config{Rules: set, Enricher: enr, Workers: 2, Baseline: 24 * time.Hour, HitMemory: mem, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		// The known deployer's creates priced nothing: no alert names
		// her, so the hunt did not keep them; a store's hunt does.
		if eve, dana := createdBy(res.Created, "eve.intern"), createdBy(res.Created, "dana.ops"); eve == 0 || dana != 0 {
			t.Errorf("memory %d: kept %d creates of the alerted principal, %d of the unalerted one; want some and none", mem, eve, dana)
		}
		all, err := Run(context.Background(), expand(t, dir), Config{Rules: set, Enricher: enr, Workers: 2, Baseline: 24 * time.Hour, HitMemory: mem, TempDir: t.TempDir(),
			ForStore: true})
		if err != nil {
			t.Fatal(err)
		}
		if dana := createdBy(all.Created, "dana.ops"); dana == 0 {
			t.Errorf("memory %d, ForStore: kept no create of the unalerted principal", mem)
		}
		var found bool
		for _, in := range res.Incidents {
			if !strings.Contains(strings.Join(in.Principals, " "), "eve.intern") {
				continue
			}
			found = true
			n := instances(in.Cost)
			if n != created || len(in.Timeline) != 1 || in.Timeline[0].Rule != "azure.compute.first_time_deployer" {
				t.Errorf("memory %d: incident of %d alerts (%s), priced for %d instances, want first_time_deployer alone and %d: %+v",
					mem, len(in.Timeline), in.Timeline[0].Rule, n, created, in.Cost)
			}
		}
		if !found {
			t.Fatalf("memory %d: no incident names eve: %d alerts", mem, len(res.Alerts))
		}
	}
}

// blobOf writes lines as one hourly blob (PT1H.json) in a new folder,
// and returns the folder.
func blobOf(t *testing.T, lines []string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "PT1H.json"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// instances is how many machines a cost prices.
func instances(c incident.Cost) int {
	n := 0
	for _, l := range c.Lines {
		n += l.Count
	}
	return n
}

// createdBy counts the creates of cs a principal id containing who made.
func createdBy(cs []incident.Created, who string) int {
	n := 0
	for _, c := range cs {
		if strings.Contains(strings.Join(c.Principals, " "), who) {
			n++
		}
	}
	return n
}

// activityRecord is an Activity Log record of a write in the diagnostic
// settings' shape (PT1H.json), by a user.
func activityRecord(t *testing.T, tenant, sub string, at time.Time, oid, upn, rid, op, corr, result, body string) string {
	t.Helper()
	props := map[string]any{"eventCategory": "Administrative", "entity": rid, "hierarchy": tenant + "/" + sub}
	if body != "" {
		props["requestbody"] = body
	}
	r := map[string]any{
		"time": at.Format("2006-01-02T15:04:05.0000000Z"), "resourceId": rid, "location": "eastus",
		"operationName": op, "category": "Write", "resultType": result,
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
	return string(b)
}

// TestScaleSetSizeChangePricedAtItsCapacity: a PATCH of a scale set's
// sku.name alone, without a response body, is priced for the machines
// the set's earlier write asked for (100), not one (red-team finding 4d);
// a set whose capacity no record named is of unknown count, not one.
func TestScaleSetSizeChangePricedAtItsCapacity(t *testing.T) {
	t.Parallel()
	const (
		tenant = "6d3f9a2b-51c4-4e8a-9b7d-2c1e0f8a4b93"
		sub    = "1f28db75-7007-4e16-ac3d-2185a53fc598"
		op     = "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE"
		dana   = "30ae8bcc-d3e8-4153-8a01-3f85432b00a4"
	)
	day := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	set := func(name string) string {
		return fmt.Sprintf("/SUBSCRIPTIONS/%s/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/%s", sub, name)
	}
	var lines []string
	write := func(at time.Time, rid, corr, body string) {
		lines = append(lines, activityRecord(t, tenant, sub, at, dana, "dana.ops@contoso.example", rid, op, corr, "Start", body),
			activityRecord(t, tenant, sub, at.Add(40*time.Second), dana, "dana.ops@contoso.example", rid, op, corr, "Success", ""))
	}
	write(day, set("web"), "c0ffee00-0000-4000-8000-000000000001", `{"location":"eastus","sku":{"name":"Standard_D2s_v5","capacity":100}}`)
	write(day.Add(48*time.Hour), set("web"), "c0ffee00-0000-4000-8000-000000000002", `{"sku":{"name":"Standard_NC24ads_A100_v4"}}`)
	write(day.Add(48*time.Hour), set("other"), "c0ffee00-0000-4000-8000-000000000003", `{"sku":{"name":"Standard_NC48ads_A100_v4"}}`)
	dir := blobOf(t, lines)
	rules, enr := catalogue(t)
	res, err := Run(context.Background(), expand(t, dir), Config{Rules: rules, Enricher: enr, Workers: 2, Baseline: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var got []incident.CostLine
	for _, in := range res.Incidents {
		got = append(got, in.Cost.Lines...)
	}
	var web, other bool
	for _, l := range got {
		switch {
		case l.Size == "Standard_NC24ads_A100_v4" && l.Count == 100 && !l.CountUnknown:
			web = true
		case l.Size == "Standard_NC48ads_A100_v4" && l.Count == 0 && l.CountUnknown && l.Why == event.CountCapacityUnknown:
			other = true
		}
	}
	if !web || !other {
		t.Errorf("cost lines %+v: want 100 × NC24ads_A100_v4 for the resized set, and NC48ads_A100_v4 of unknown count for the set never sized", got)
	}
}

// TestRefusedCreateUnpricedWhateverTheRulesRead: with only a user's rule
// on the Start records of VM writes, which wants no Failure record, a
// create Azure refused is still read as refused and its machines left
// out of the incident's price (engine.Engine.Wants); its alert says it
// was asked for and refused, where the other's says it was created.
func TestRefusedCreateUnpricedWhateverTheRulesRead(t *testing.T) {
	t.Parallel()
	const (
		tenant = "6d3f9a2b-51c4-4e8a-9b7d-2c1e0f8a4b93"
		sub    = "1f28db75-7007-4e16-ac3d-2185a53fc598"
		oid    = "7d1e6c11-3a8f-4f0a-9a7e-3c0c4f2b9e10"
		rule   = `title: VM requested
name: user.vm_requested
id: 5a0c2e4f-1b3d-4f6a-8c9e-0d2b4f6a8c1e
description: A VM create's request.
logsource: {product: azure, service: activitylogs}
detection:
  sel:
    operation: microsoft.compute/virtualmachines/write
    outcome: started
  condition: sel
level: high
`
	)
	user := t.TempDir()
	if err := os.WriteFile(filepath.Join(user, "vm.yml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	var lines []string
	for i, result := range []string{"Success", "Failure"} {
		corr := fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i)
		rid := fmt.Sprintf("/SUBSCRIPTIONS/%s/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/GPU-%d", sub, i)
		start := at.Add(time.Duration(i) * time.Minute)
		lines = append(lines,
			activityRecord(t, tenant, sub, start, oid, "eve.intern@contoso.example", rid, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", corr, "Start",
				`{"location":"eastus","properties":{"hardwareProfile":{"vmSize":"Standard_ND96asr_v4"}}}`),
			activityRecord(t, tenant, sub, start.Add(40*time.Second), oid, "eve.intern@contoso.example", rid, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", corr, result, ""))
	}
	dir := blobOf(t, lines)
	set, err := rules.Load(rules.Options{Dirs: []string{user}})
	if err != nil {
		t.Fatal(err)
	}
	_, enr := catalogue(t)
	res, err := Run(context.Background(), expand(t, dir), Config{Rules: set, Enricher: enr, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Incidents) != 1 {
		t.Fatalf("%d incidents of %d alerts, want one", len(res.Incidents), len(res.Alerts))
	}
	if n := instances(res.Incidents[0].Cost); n != 1 {
		t.Errorf("incident priced for %d instances, want the one that ran: %+v", n, res.Incidents[0].Cost)
	}
	want := map[string]string{
		"gpu-0": "eve.intern@contoso.example created providers/microsoft.compute/virtualmachines/gpu-0 in eastus: 1 × Standard_ND96asr_v4",
		"gpu-1": "eve.intern@contoso.example asked for providers/microsoft.compute/virtualmachines/gpu-1 in eastus: 1 × Standard_ND96asr_v4",
	}
	for _, a := range res.Alerts {
		vm := path.Base(a.Resources[0])
		if !strings.HasPrefix(a.Summary, want[vm]) {
			t.Errorf("%s's alert: %q, want it to begin %q", vm, a.Summary, want[vm])
		}
		if refused := strings.HasSuffix(a.Summary, "; Azure refused it, no machine ran"); refused != (vm == "gpu-1") {
			t.Errorf("%s's alert: %q says refused %v", vm, a.Summary, refused)
		}
		delete(want, vm)
	}
	if len(want) > 0 {
		t.Errorf("no alert on %v", want)
	}
}
