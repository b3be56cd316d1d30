package engine

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
)

// load compiles rule files written into a temporary folder.
func load(t *testing.T, files map[string]string) *rules.Set {
	t.Helper()
	d := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(d, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := rules.Load(rules.Options{Dirs: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Rules {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Name, r.Err)
		}
	}
	return set
}

const elevate = `title: Elevated access
name: azure.identity.elevate_access
id: 9a1f
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operation: microsoft.authorization/elevateaccess/action}
  failed: {outcome: failed}
  condition: sel and not failed
level: high
merge-by: [correlation_id]
`

func elevation(id, corr string, at time.Time, o event.Outcome) event.Event {
	return event.Event{
		Time: at, Kind: event.KindActivity, ID: id, CorrelationID: corr, Outcome: o,
		Operation: "microsoft.authorization/elevateaccess/action", Tenant: "t1",
		Principal: event.Principal{UPN: "admin@contoso.example"},
		Loc:       event.Location{File: "f.json", Line: 1},
	}
}

func TestDuplicatesCountOnceAndOneActionIsOneAlert(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 1, 52, 0, 0, time.UTC)
	set := load(t, map[string]string{"e.yml": elevate})
	evs := []event.Event{
		elevation("ev-1", "corr-1", t0, event.OutcomeStarted),
		elevation("ev-2", "corr-1", t0.Add(time.Second), event.OutcomeSucceeded),
		elevation("ev-2", "corr-1", t0.Add(time.Second), event.OutcomeSucceeded), // redelivered
		elevation("ev-3", "corr-2", t0.Add(time.Hour), event.OutcomeSucceeded),
		elevation("ev-4", "corr-3", t0.Add(2*time.Hour), event.OutcomeFailed),
	}
	run := func(workers int, order []int) ([]string, int, int) {
		e, err := New(set, workers, nil)
		if err != nil {
			t.Fatal(err)
		}
		for n, i := range order {
			ev := evs[i]
			e.Eval(n%workers, &ev)
		}
		as, st, err := e.Alerts(nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		ev0 := 0
		if len(as) > 0 {
			ev0 = len(as[0].Evidence)
		}
		return ids, st.Duplicates, ev0
	}
	ids, dups, ev0 := run(2, []int{0, 1, 2, 3, 4})
	if len(ids) != 2 || dups != 1 || ev0 != 2 {
		t.Fatalf("alerts %v, duplicates %d, first alert's evidence %d: want 2 alerts, 1 duplicate, Start and Succeeded merged", ids, dups, ev0)
	}
	ids2, _, _ := run(1, []int{3, 2, 4, 1, 0})
	if strings.Join(ids, ",") != strings.Join(ids2, ",") {
		t.Errorf("alert ids depend on order and workers: %v vs %v", ids, ids2)
	}
}

func TestRecordsWithoutTenantJoinTheOnlyTenant(t *testing.T) {
	set := load(t, map[string]string{"e.yml": elevate})
	e, _ := New(set, 1, nil)
	a := elevation("a", "c1", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), event.OutcomeSucceeded)
	b := elevation("b", "c2", a.Time.Add(time.Minute), event.OutcomeSucceeded)
	b.Tenant = ""
	e.Eval(0, &a)
	e.Eval(0, &b)
	as, _, err := e.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range as {
		if x.Tenant != "t1" {
			t.Errorf("alert %s has tenant %q, want t1", x.ID, x.Tenant)
		}
	}
	// With two tenants in the data, an unnamed record is not guessed into one.
	e2, _ := New(set, 1, nil)
	c := a
	c.Tenant, c.ID, c.CorrelationID = "t2", "c", "c3"
	for _, ev := range []event.Event{a, b, c} {
		e2.Eval(0, &ev)
	}
	as2, _, err := e2.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	var empty int
	for _, x := range as2 {
		if x.Tenant == "" {
			empty++
		}
	}
	if empty != 1 {
		t.Errorf("%d alerts without tenant, want 1", empty)
	}
}

func TestCorrelationFiresAndSilencesItsBaseRule(t *testing.T) {
	base := `title: Compute created
name: x.compute_created
id: 1b2c
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.service|exists: true}
  condition: sel
level: informational
---
title: Many regions
name: x.fanout
id: 3c4d
description: d
correlation:
  type: value_count
  rules: [x.compute_created]
  group-by: [principal.id]
  timespan: 1h
  condition: {field: region, gte: 3}
level: high
`
	set := load(t, map[string]string{"c.yml": base})
	corr := set.Correlations()
	e, err := New(set, 2, corr)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	for i, region := range []string{"eastus", "japaneast", "brazilsouth", "eastus"} {
		ev := event.Event{Time: t0.Add(time.Duration(i) * 10 * time.Minute), Kind: event.KindActivity, Tenant: "t1",
			ID: "id" + region + string(rune('a'+i)), Operation: "microsoft.compute/virtualmachinescalesets/write", Region: region,
			Principal: event.Principal{ID: "p1"}, Compute: &event.Compute{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 10}}
		e.Eval(i%2, &ev)
	}
	as, _, err := e.Alerts(&Correlations{Set: corr, Rules: set})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Rule != "x.fanout" || as[0].Count != 4 || len(as[0].Compute) != 4 {
		t.Fatalf("alerts %+v: want one fan-out alert over the four creations, base rule silent", as)
	}
}

func TestSummaries(t *testing.T) {
	cases := []struct {
		ev   event.Event
		want string
	}{
		{event.Event{Principal: event.Principal{UPN: "a@b.example"}, ResourceID: "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/x", Region: "eastus",
			Compute: &event.Compute{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 40, Priority: "Spot"},
			Enrich:  event.Enrichment{Size: &event.SizeInfo{GPUs: 1, GPUModel: "A100"}}},
			"a@b.example created providers/microsoft.compute/virtualmachinescalesets/x in eastus: 40 × Standard_NC24ads_A100_v4 (vmss), 1 A100 GPUs each, spot"},
		// A GPU machine says its image (how it gets its driver); a CPU one does not.
		{event.Event{Principal: event.Principal{UPN: "a@b.example"}, ResourceID: "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/g", Region: "eastus",
			Compute: &event.Compute{Service: "vm", Size: "Standard_NC24ads_A100_v4", Count: 1, Image: "nvidia:ngc_base_image_version_b:ngc-base-version-24_03_4_gen2:latest"},
			Enrich:  event.Enrichment{Size: &event.SizeInfo{GPUs: 1, GPUModel: "A100"}}},
			"a@b.example created providers/microsoft.compute/virtualmachines/g in eastus: 1 × Standard_NC24ads_A100_v4 (vm), 1 A100 GPUs each, from image nvidia:ngc_base_image_version_b:ngc-base-version-24_03_4_gen2:latest"},
		{event.Event{Principal: event.Principal{UPN: "a@b.example"}, ResourceID: "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/c", Region: "eastus",
			Compute: &event.Compute{Service: "vm", Size: "Standard_D8s_v5", Count: 1, Image: "Canonical:ubuntu-24_04-lts:server:latest"},
			Enrich:  event.Enrichment{Size: &event.SizeInfo{VCPUs: 8}}},
			"a@b.example created providers/microsoft.compute/virtualmachines/c in eastus: 1 × Standard_D8s_v5 (vm)"},
		// A size the table lacks: its GPUs and vCPUs said to be estimated.
		{event.Event{Principal: event.Principal{UPN: "a@b.example"}, ResourceID: "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/y", Region: "eastus",
			Compute: &event.Compute{Service: "vmss", Size: "Standard_ND128isr_B300_v7", Count: 39},
			Enrich:  event.Enrichment{Size: &event.SizeInfo{VCPUs: 128, GPUs: 1, Estimated: true}}},
			"a@b.example created providers/microsoft.compute/virtualmachinescalesets/y in eastus: 39 × Standard_ND128isr_B300_v7 (vmss), GPUs (how many unknown), 128 vCPUs each: estimated from the size's name, not in mamori's size table"},
		{event.Event{Principal: event.Principal{UPN: "a@b.example"}, ResourceID: "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/z", Region: "eastus",
			Compute: &event.Compute{Service: "vm", Size: "Standard_F192as_v8", Count: 1},
			Enrich:  event.Enrichment{Size: &event.SizeInfo{VCPUs: 192, Estimated: true}}},
			"a@b.example created providers/microsoft.compute/virtualmachines/z in eastus: 1 × Standard_F192as_v8 (vm), 192 vCPUs each: estimated from the size's name, not in mamori's size table"},
		{event.Event{Principal: event.Principal{UPN: "a@b.example"}, ResourceID: "/subscriptions/s/resourcegroups/rg/providers/microsoft.insights/autoscalesettings/x-autoscale", Region: "eastus2",
			Compute: &event.Compute{Service: "vmss", Count: 200, Target: "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/x"}},
			"a@b.example set providers/microsoft.insights/autoscalesettings/x-autoscale in eastus2: at least 200 × providers/microsoft.compute/virtualmachinescalesets/x (vmss)"},
		// An HDInsight resize: the workers asked for, not "set at least".
		{event.Event{Principal: event.Principal{UPN: "a@b.example"}, Operation: event.OpHDInsightResize, Region: "westeurope",
			ResourceID: "/subscriptions/s/resourcegroups/rg/providers/microsoft.hdinsight/clusters/spark/roles/workernode",
			Compute:    &event.Compute{Service: "hdinsight", Count: 200, Target: "/subscriptions/s/resourcegroups/rg/providers/microsoft.hdinsight/clusters/spark"}},
			"a@b.example resized providers/microsoft.hdinsight/clusters/spark in westeurope: to 200 workers (hdinsight)"},
		{event.Event{Principal: event.Principal{Name: "Microsoft.Insights/autoscaleSettings"}, Operation: "microsoft.insights/autoscalesettings/scaleupresult/action",
			ResourceID: "/subscriptions/s/resourcegroups/rg/providers/microsoft.insights/autoscalesettings/x-autoscale",
			Compute:    &event.Compute{Service: "vmss", Count: 20, Old: 1, New: 21, Target: "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/x"}},
			"Microsoft.Insights/autoscaleSettings scaled providers/microsoft.compute/virtualmachinescalesets/x from 1 to 21 instances (vmss) for providers/microsoft.insights/autoscalesettings/x-autoscale"},
		{event.Event{Principal: event.Principal{ID: "oid"}, Quota: &event.Quota{Family: "standardNDSH100v5Family", Region: "eastus", Limit: 960, Source: "quota"}},
			"oid requested a standardNDSH100v5Family quota of 960 in eastus (quota)"},
		{event.Event{Principal: event.Principal{UPN: "a@b"}, TenantChange: &event.TenantChange{From: "t1", To: "t2"}, Subscription: "s1"},
			"a@b moved subscription s1 from tenant t1 to tenant t2"},
	}
	for _, c := range cases {
		if got := Summary(&c.ev); got != c.want {
			t.Errorf("Summary = %q\n want %q", got, c.want)
		}
	}
}

// TestAlertsNameTheirHosts: a process's host and a security alert's hosts
// and compromised entity reach the alert as record.HostName gives them
// (what incidents link by), a subscription's id named as the entity does
// not, and an Activity Log record names none.
func TestAlertsNameTheirHosts(t *testing.T) {
	set := load(t, map[string]string{
		"p.yml": "title: p\nname: test.process\nid: 1\ndescription: d\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel: {process.image|endswith: /xmrig}\n  condition: sel\nlevel: high\n",
		"a.yml": "title: a\nname: test.alert\nid: 2\ndescription: d\nlogsource: {product: azure, service: securityalert}\ndetection:\n  sel: {security_alert.severity: High}\n  condition: sel\nlevel: high\n",
		"e.yml": elevate,
	})
	e, err := New(set, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC)
	evs := []event.Event{
		{Time: t0, Kind: event.KindProcess, ID: "p1", Tenant: "t1", Process: &event.Process{Host: "Train-0000003.internal.cloudapp.net", Image: "/tmp/xmrig"}},
		{Time: t0.Add(time.Minute), Kind: event.KindAlert, ID: "a1", Tenant: "t1", Alert: &event.SecurityAlert{Severity: "High", Entity: "TRAIN-0", Hosts: []string{"train-0000003", "10.0.0.4"}}},
		{Time: t0.Add(2 * time.Minute), Kind: event.KindAlert, ID: "a2", Tenant: "t1", Alert: &event.SecurityAlert{Severity: "High", Entity: "7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6"}},
		elevation("e1", "c1", t0.Add(3*time.Minute), event.OutcomeSucceeded),
	}
	for i := range evs {
		e.Eval(0, &evs[i])
	}
	as, _, err := e.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, a := range as {
		got[a.Evidence[0].EventID] = a.Hosts
	}
	want := map[string][]string{"p1": {"train-0000003"}, "a1": {"train-0000003", "train-0"}, "a2": nil, "e1": nil}
	for id, w := range want {
		if g, ok := got[id]; !ok || !slices.Equal(g, w) {
			t.Errorf("%s: hosts %q (alert made: %v), want %q", id, g, ok, w)
		}
	}
}

// TestLateRegionFillsComputeWithoutOne: a create whose record named no
// region (a Batch pool's) takes the one LateRegion learned by the end of
// the hunt, in its alert's compute; one that named its own keeps it.
func TestLateRegionFillsComputeWithoutOne(t *testing.T) {
	set := load(t, map[string]string{"c.yml": "title: c\nname: test.compute\nid: 3\ndescription: d\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  sel: {compute.service: [batch, vm]}\n  condition: sel\nlevel: high\n"})
	const pool = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.batch/batchaccounts/ba1/pools/render"
	t0 := time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC)
	for _, late := range []bool{false, true} {
		e, err := New(set, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if late {
			e.LateRegion = func(id string) string {
				if id == pool {
					return "southcentralus"
				}
				return "northeurope"
			}
		}
		evs := []event.Event{
			{Time: t0, Kind: event.KindActivity, ID: "p", Tenant: "t1", ResourceID: pool, CorrelationID: "c1", Operation: "microsoft.batch/batchaccounts/pools/write",
				Compute: &event.Compute{Service: "batch", Size: "Standard_NC24ads_A100_v4", Count: 20}},
			{Time: t0.Add(time.Minute), Kind: event.KindActivity, ID: "v", Tenant: "t1", ResourceID: "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm",
				CorrelationID: "c2", Operation: "microsoft.compute/virtualmachines/write", Region: "eastus", Compute: &event.Compute{Service: "vm", Size: "Standard_D2s_v5", Count: 1}},
		}
		for i := range evs {
			e.Eval(0, &evs[i])
		}
		as, _, err := e.Alerts(nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range as {
			for _, c := range a.Compute {
				got[c.Service] = c.Region
				if c.Service == "batch" && !strings.Contains(a.Summary, " in "+cmp.Or(c.Region, "?")+": ") {
					t.Errorf("late region %v: summary %q names not the pool's region %q", late, a.Summary, c.Region)
				}
			}
		}
		want := map[string]string{"batch": "", "vm": "eastus"}
		if late {
			want["batch"] = "southcentralus"
		}
		if got["batch"] != want["batch"] || got["vm"] != want["vm"] {
			t.Errorf("late region %v: compute regions %v, want %v", late, got, want)
		}
	}
}
