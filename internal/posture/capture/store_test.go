package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sample is a capture with the awkward cases: bytes that are not
// canonical JSON (whitespace, key order, a trailing newline), an empty
// page, a dataset without pages, and every status.
func sample() *Capture {
	c := &Capture{TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", Collected: time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)}
	c.Add(&Dataset{Key: KeyUsers, Status: OK, URL: "https://graph.microsoft.com/v1.0/users?%24top=999", HTTPStatus: 200,
		Pages: [][]byte{[]byte("{\"value\":[{\"id\":\"1\"}],\n \"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/users?$skiptoken=x\"}\n"), []byte(`{"value":[]}`)}})
	c.Add(&Dataset{Key: KeyConditionalAccess, Status: Absent, Error: "the tenant has no Entra ID P1/P2 licence", HTTPStatus: 403})
	c.Add(&Dataset{Key: Key(KeyComputeUsages, "00000000-0000-0000-0000-000000000001", "westeurope"), Status: Partial, Error: "HTTP 500", HTTPStatus: 500, Pages: [][]byte{{}}})
	c.Add(&Dataset{Key: Key(KeyRoleAssignments, "00000000-0000-0000-0000-000000000001"), Status: Denied, Permission: "Microsoft.Authorization/roleAssignments/read", HTTPStatus: 403})
	c.Add(&Dataset{Key: KeySubscriptions, Status: Failed, Error: "network"})
	return c
}

func TestSaveLoadRoundTripsByteForByte(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := sample()
	if err := want.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Pages compare as bytes: nil and empty pages are the same page.
	if diff := cmp.Diff(want, got, cmp.Comparer(bytes.Equal)); diff != "" {
		t.Errorf("round trip differs (-saved +loaded):\n%s", diff)
	}
	page, err := os.ReadFile(filepath.Join(dir, "graph", "users", "page-0001.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page, want.Datasets[KeyUsers].Pages[0]) {
		t.Errorf("page-0001.json is not the body byte for byte:\n%q", page)
	}
}

func TestSaveOverAnOlderCaptureLoadsTheNewOne(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := sample()
	if err := old.Save(dir); err != nil {
		t.Fatal(err)
	}
	// The newer run has fewer pages: the stale page-0002.json must not come back.
	newer := sample()
	newer.Datasets[KeyUsers].Pages = newer.Datasets[KeyUsers].Pages[:1]
	if err := newer.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Datasets[KeyUsers].Pages); n != 1 {
		t.Errorf("loaded %d pages of users, want 1", n)
	}
}

func writeManifest(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadRejectsBadManifests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, manifest, wantErr string
	}{
		{"traversal", `{"format":1,"datasets":[{"key":"../../etc","status":"ok","pages":1}]}`, `segment ".."`},
		{"absolute", `{"format":1,"datasets":[{"key":"/etc/passwd","status":"ok","pages":1}]}`, "empty path segment"},
		{"backslash", `{"format":1,"datasets":[{"key":"arm\\..\\x","status":"ok","pages":1}]}`, `character '\\'`},
		{"collides with the manifest", `{"format":1,"datasets":[{"key":"manifest.json","status":"ok"}]}`, "ends in .json"},
		{"case duplicate", `{"format":1,"datasets":[{"key":"graph/users","status":"ok"},{"key":"graph/Users","status":"ok"}]}`, "appears twice"},
		{"unknown status", `{"format":1,"datasets":[{"key":"graph/users","status":"fine"}]}`, `unknown status "fine"`},
		{"negative pages", `{"format":1,"datasets":[{"key":"graph/users","status":"ok","pages":-1}]}`, "page count -1"},
		{"future format", `{"format":2,"datasets":[]}`, "format 2"},
		{"unknown field", `{"format":1,"datasets":[],"extra":1}`, "unknown field"},
		{"not json", `hello`, "not a capture manifest"},
		{"trailing data", `{"format":1,"datasets":[]} {}`, "data after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeManifest(t, tt.manifest)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load accepted the manifest")
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), ManifestName) {
				t.Errorf("error %q should name %s and contain %q", err, ManifestName, tt.wantErr)
			}
		})
	}
}

func TestLoadNamesAMissingPage(t *testing.T) {
	t.Parallel()
	dir := writeManifest(t, `{"format":1,"datasets":[{"key":"graph/users","status":"ok","pages":2}]}`)
	if err := os.MkdirAll(filepath.Join(dir, "graph", "users"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "graph", "users", "page-0001.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join("graph", "users", "page-0002.json")) {
		t.Errorf("error %v should name the missing page-0002.json", err)
	}
}

func TestSaveRefusesUnsafeKeys(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"../x", "arm/subscriptions/{sub}/locations", "a//b", "graph/users/page-0001.json"} {
		c := &Capture{}
		c.Add(&Dataset{Key: key, Status: OK})
		if err := c.Save(t.TempDir()); err == nil {
			t.Errorf("Save accepted key %q", key)
		}
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, key string
		want         []string
		ok           bool
	}{
		{KeyComputeUsages, "arm/subscriptions/s1/locations/westeurope/usages", []string{"s1", "westeurope"}, true},
		{KeyComputeUsages, "arm/subscriptions/s1/locations/westeurope/quotas", nil, false},
		{KeyRoleAssignments, "arm/subscriptions/s1/roleDefinitions", nil, false},
		{KeyUsers, KeyUsers, nil, true},
		{KeySubscriptions, "arm/subscriptions/s1", nil, false},
	}
	for _, tt := range tests {
		got, ok := Match(tt.pattern, tt.key)
		if ok != tt.ok || !cmp.Equal(got, tt.want) {
			t.Errorf("Match(%q, %q) = %v, %v; want %v, %v", tt.pattern, tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestEveryKeyPatternExpandsToAValidKey(t *testing.T) {
	t.Parallel()
	for _, p := range []string{KeyOrganization, KeyUsers, KeySubscribedSkus, KeyRegistrationDetails, KeyDirectoryRoles,
		KeyDirectoryAssignments, KeyDirectoryEligible, KeyConditionalAccess, KeyEntraDiagnostics, KeyTenantDiagnostics,
		KeyRootRoleAssignments, KeySubscriptions, KeyLocations, KeyRoleAssignments, KeyRoleDefinitions, KeySecurityContacts,
		KeyPricings, KeyDiagnosticSettings, KeyActivityLogAlerts, KeyPolicyAssignments, KeyPolicyDefinitions, KeyPolicySets,
		KeyTransferPolicy, KeyComputeUsages, KeyQuotas, KeyPublicIPAddresses, KeyPublicIPPrefixes, KeyWorkspaces,
		KeyVirtualMachines, KeyVirtualMachineStatuses} {
		k := Key(p, "00000000-0000-0000-0000-0000000000AB", "westeurope")
		if err := ValidKey(k); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if _, ok := Match(p, k); !ok {
			t.Errorf("Match(%q, %q) = false", p, k)
		}
	}
}
