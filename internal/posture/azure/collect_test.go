package azure

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// everyKey is each dataset a full read of the test tenant must produce.
func everyKey() []string {
	keys := []string{capture.KeySubscriptions, capture.KeyTransferPolicy, capture.KeyEntraDiagnostics,
		capture.KeyTenantDiagnostics, capture.KeyRootRoleAssignments, capture.KeyManagementGroupEntities}
	for _, g := range graphReads {
		keys = append(keys, g.key)
	}
	for _, p := range []string{capture.KeyLocations, capture.KeyRoleAssignments, capture.KeyRoleDefinitions,
		capture.KeySecurityContacts, capture.KeyPricings, capture.KeyDiagnosticSettings, capture.KeyActivityLogAlerts,
		capture.KeyPolicyAssignments, capture.KeyPolicyDefinitions, capture.KeyPolicySets, capture.KeyPublicIPAddresses,
		capture.KeyPublicIPPrefixes, capture.KeyWorkspaces, capture.KeyVirtualMachines, capture.KeyVirtualMachineStatuses} {
		keys = append(keys, capture.Key(p, testSub))
	}
	for _, region := range []string{"eastus", "westeurope"} {
		keys = append(keys, capture.Key(capture.KeyComputeUsages, testSub, region), capture.Key(capture.KeyQuotas, testSub, region))
	}
	return keys
}

func TestCollectKeepsEveryPageByteForByte(t *testing.T) {
	t.Parallel()
	opts, rt := env(t, newFakes(t))
	c, err := Collect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.TenantID != testTenant {
		t.Errorf("tenant %q", c.TenantID)
	}
	for _, key := range everyKey() {
		ds := c.Datasets[key]
		if ds == nil {
			t.Errorf("no dataset %s", key)
			continue
		}
		if ds.Status != capture.OK || len(ds.Pages) == 0 {
			t.Errorf("%s: status %s, %d pages, error %q", key, ds.Status, len(ds.Pages), ds.Error)
		}
	}
	if extra := len(c.Datasets) - len(everyKey()); extra != 0 {
		t.Errorf("%d datasets beyond the expected ones (disabled subscription or logical region read?): %v", extra, c.Keys())
	}
	// Every page kept is a body the fakes sent, and every 2xx body sent is kept.
	sent := map[string]int{}
	for _, s := range rt.responses() {
		if s.status == 200 {
			sent[string(s.body)]++
		}
	}
	for _, ds := range c.Datasets {
		for i, p := range ds.Pages {
			if sent[string(p)] == 0 {
				t.Errorf("%s page %d was not sent as is: %.200s", ds.Key, i+1, p)
			}
			sent[string(p)]--
		}
	}
	for body, n := range sent {
		if n != 0 {
			t.Errorf("a body sent %d more time(s) than kept: %.200s", n, body)
		}
	}
	users := c.Datasets[capture.KeyUsers]
	base := "https://" + rt.graphHost
	want := [][]byte{graphFile(t, "users-1.json", base), graphFile(t, "users-2.json", base)}
	if !cmp.Equal(users.Pages, want, cmp.Comparer(bytes.Equal)) {
		t.Errorf("users pages differ from the Graph fixtures")
	}
	if n := len(c.Datasets[capture.Key(capture.KeyComputeUsages, testSub, "westeurope")].Pages); n != 2 {
		t.Errorf("westeurope usages: %d pages, want the fake's 2", n)
	}
	if u := users.URL; strings.Contains(u, "skiptoken") || !strings.Contains(u, "%24top=999") {
		t.Errorf("users URL %q: want the first request's URL without paging tokens", u)
	}
}

func TestSaveThenLoadGivesTheSameCapture(t *testing.T) {
	t.Parallel()
	opts, _ := env(t, newFakes(t))
	c, err := Collect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := c.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := capture.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, back, cmp.Comparer(bytes.Equal)); diff != "" {
		t.Errorf("loaded capture differs (-collected +loaded):\n%s", diff)
	}
}

func TestOwnedPrefixesFromACapture(t *testing.T) {
	t.Parallel()
	opts, _ := env(t, newFakes(t))
	c, err := Collect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := posture.OwnedPrefixes(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("20.50.2.7/32"),
		netip.MustParsePrefix("20.61.8.16/28"),
		netip.MustParsePrefix("2603:1020:206::1/128"),
	}
	if !cmp.Equal(got, want, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })) {
		t.Errorf("OwnedPrefixes = %v, want %v (the dynamic address without ipAddress skipped)", got, want)
	}
}

func TestProbeReadsOnlyFirstPages(t *testing.T) {
	t.Parallel()
	opts, _ := env(t, newFakes(t))
	opts.Regions = []string{"westeurope", "eastus"}
	c, err := Probe(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	users := c.Datasets[capture.KeyUsers]
	if users.Status != capture.Partial || len(users.Pages) != 1 || !strings.Contains(users.Error, "probe") {
		t.Errorf("users: %s with %d pages (%q); want partial, first page only", users.Status, len(users.Pages), users.Error)
	}
	if _, ok := c.Datasets[capture.Key(capture.KeyComputeUsages, testSub, "eastus")]; ok {
		t.Error("probe read a second region")
	}
	we := c.Datasets[capture.Key(capture.KeyComputeUsages, testSub, "westeurope")]
	if we == nil || len(we.Pages) != 1 {
		t.Errorf("westeurope usages: %+v; want the first of its two pages", we)
	}
	if ds := c.Datasets[capture.KeyOrganization]; ds.Status != capture.OK {
		t.Errorf("organization has one page, so the probe read it whole; got %s", ds.Status)
	}
}

// A probe reads one subscription unless told which; every one named is
// read (permissions can differ from one to the next).
func TestProbeReadsEverySubscriptionNamed(t *testing.T) {
	t.Parallel()
	const other = "0d5e7c1a-2b3c-4d5e-8f70-8192a3b4c5d6"
	opts, _ := env(t, newFakes(t))
	opts.Regions = []string{"westeurope"}
	opts.Subscriptions = []string{testSub, other}
	c, err := Probe(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range opts.Subscriptions {
		if _, ok := c.Datasets[capture.Key(capture.KeyComputeUsages, sub, "westeurope")]; !ok {
			t.Errorf("subscription %s named but not probed", sub)
		}
	}
}
