package posture

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mamori-sec/mamori/internal/posture/capture"
	"github.com/mamori-sec/mamori/internal/samples"
)

// TestBuildFixtureFacts checks the parse path on the good tenant: paging,
// the fields each check reads, and string/number variants.
func TestBuildFixtureFacts(t *testing.T) {
	t.Parallel()
	s := build(t, loadTenant(t, "tenant-good"))
	if len(s.Users) != 6 {
		t.Errorf("users over two pages: got %d, want 6", len(s.Users))
	}
	u := s.UserByUPN["alice@contoso.com"]
	if u == nil || u.Type != "member" || !u.Enabled || !u.OnPremisesSynced || len(u.Licences) != 1 {
		t.Fatalf("alice = %+v", u)
	}
	if g := s.UserByUPN["bob_partner.com#ext#@contoso.onmicrosoft.com"]; g == nil || !g.Guest() {
		t.Errorf("guest = %+v", g)
	}
	if r := s.Registration["10000000-0000-4000-8000-000000000003"]; r == nil || !r.MFARegistered || !cmp.Equal(r.Methods, []string{"fido2"}) {
		t.Errorf("registration = %+v", r)
	}
	if len(s.DirectoryActive) != 3 || len(s.DirectoryEligible) != 1 || !s.DirectoryEligible[0].Eligible {
		t.Errorf("directory assignments %d active, %d eligible", len(s.DirectoryActive), len(s.DirectoryEligible))
	}
	if len(s.ConditionalAccess) != 4 || !s.ConditionalAccess[3].RequiresMFA() || !cmp.Equal(s.ConditionalAccess[3].UserRiskLevels, []string{"high"}) {
		t.Errorf("conditional access = %+v", s.ConditionalAccess)
	}
	if s.Transfer == nil || !s.Transfer.BlockLeaving || len(s.Transfer.ExemptedPrincipals) != 1 {
		t.Errorf("transfer = %+v", s.Transfer)
	}
	sub := s.Subscriptions[subProd]
	if sub == nil || sub.Name != "Production" || !sub.Known || sub.State != "Enabled" {
		t.Fatalf("subscription = %+v", sub)
	}
	if !cmp.Equal(sub.Regions(), []string{"eastus", "westeurope"}) {
		t.Errorf("regions = %v", sub.Regions())
	}
	if q := sub.Quotas["westeurope"]; len(q) != 1 || q[0].Limit != 100 || !q[0].Applicable {
		t.Errorf("quotas = %+v", q)
	}
	if c := sub.SecurityContacts; len(c) != 1 || !c[0].AlertsOn || !c[0].RolesOn || c[0].MinimalSeverity != "Medium" ||
		!cmp.Equal(c[0].Emails, []string{"secops@contoso.com", "cloudteam@contoso.com"}) {
		t.Errorf("security contacts = %+v", c)
	}
	if p := sub.Pricings["virtualmachines"]; p == nil || p.Tier != "Standard" || p.SubPlan != "P2" {
		t.Errorf("pricing = %+v", p)
	}
	ws := s.Subscriptions[subLogging].Workspaces
	if len(ws) != 2 || ws[0].RetentionDays != 365 || ws[1].RetentionDays != 30 || !ws[1].RetentionSet {
		t.Errorf("workspaces (number and string retention) = %+v", ws)
	}
	d := sub.RoleDefinitions["40000000-0000-4000-8000-000000000002"]
	if d == nil || !d.Custom || d.Allows("Microsoft.Compute/virtualMachines/write") || !d.Allows("Microsoft.Compute/disks/write") {
		t.Errorf("custom role with notActions = %+v", d)
	}
	if set := sub.PolicySets["/providers/microsoft.management/managementgroups/contoso/providers/microsoft.authorization/policysetdefinitions/compute-guardrails"]; set == nil || len(set.Definitions) != 1 {
		t.Errorf("initiative = %+v", set)
	}
	if st := s.State(capture.Key(capture.KeyPublicIPAddresses, subProd)); !st.Complete {
		t.Errorf("a dataset no check reads is still recorded: %+v", st)
	}
}

// TestBuildMalformedPage: a bad page is reported with its dataset and page
// number, and the other pages and datasets are still used.
func TestBuildMalformedPage(t *testing.T) {
	t.Parallel()
	c := loadTenant(t, "tenant-good")
	users := c.Datasets[capture.KeyUsers]
	users.Pages[0] = []byte(`{"value": [ {"id": "x"`)
	c.Datasets[capture.Key(capture.KeyPricings, subProd)].Pages = [][]byte{[]byte(`{"value": [7, {"name": "Arm", "properties": {"pricingTier": "Standard"}}]}`)}
	s, errs := Build(c)
	msgs := []string{}
	for _, err := range errs {
		msgs = append(msgs, err.Error())
	}
	want := []string{
		"posture: dataset arm/subscriptions/" + subProd + "/pricings page 1: item 0: not a JSON object",
		"posture: dataset graph/users page 1: not a JSON list response: unexpected end of JSON input",
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if len(s.Users) != 3 {
		t.Errorf("page 2's users should remain: %d", len(s.Users))
	}
	if s.Subscriptions[subProd].Pricings["arm"] == nil {
		t.Error("the good item after a bad one was lost")
	}
}

// TestBuildToleratesOddFields: wrong types in one field keep the rest of
// the item; unknown fields are ignored.
func TestBuildToleratesOddFields(t *testing.T) {
	t.Parallel()
	c := &capture.Capture{}
	c.Add(&capture.Dataset{Key: capture.KeyUsers, Status: capture.OK, Pages: [][]byte{[]byte(
		`{"value":[{"id":"U1","userPrincipalName":"a@b.c","userType":null,"accountEnabled":"true","assignedLicenses":{"oops":1},"newField":{"x":[1]}}]}`)}})
	key := capture.Key(capture.KeyComputeUsages, "S1", "WestEurope")
	c.Add(&capture.Dataset{Key: key, Status: capture.OK, Pages: [][]byte{[]byte(
		`{"value":[{"name":{"value":"cores"},"currentValue":"3","limit":1.0E2}]}`)}})
	s, errs := Build(c)
	u := s.Users["u1"]
	if u == nil || u.Type != "member" || !u.Enabled {
		t.Fatalf("user = %+v", u)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "graph/users page 1: item 0") {
		t.Errorf("the odd licence list should be reported once: %v", errs)
	}
	if got := s.Subscriptions["s1"].Usages["westeurope"]; len(got) != 1 || got[0].Current != 3 || got[0].Limit != 100 {
		t.Errorf("usages = %+v", got)
	}
}

// TestSecurityContactShapes covers the three API generations' shapes.
func TestSecurityContactShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       SecurityContact
	}{
		{"2023-12-01-preview", `{"name":"default","properties":{"isEnabled":true,"emails":"a@x.com; b@x.com","notificationsByRole":{"state":"On","roles":["Owner"]},"notificationsSources":[{"sourceType":"Alert","minimalSeverity":"High"}]}}`,
			SecurityContact{Name: "default", Emails: []string{"a@x.com", "b@x.com"}, AlertsOn: true, MinimalSeverity: "High", RolesOn: true, NotifyRoles: []string{"Owner"}}},
		{"2023 with only attack paths", `{"name":"default","properties":{"isEnabled":true,"emails":"a@x.com","notificationsSources":[{"sourceType":"AttackPath","minimalRiskLevel":"Critical"}]}}`,
			SecurityContact{Name: "default", Emails: []string{"a@x.com"}}},
		{"2020-01-01-preview", `{"name":"default","properties":{"emails":"a@x.com","alertNotifications":{"state":"On","minimalSeverity":"Low"},"notificationsByRole":{"state":"Off","roles":["Owner"]}}}`,
			SecurityContact{Name: "default", Emails: []string{"a@x.com"}, AlertsOn: true, MinimalSeverity: "Low", NotifyRoles: []string{"Owner"}}},
		{"2017-08-01-preview", `{"name":"default1","properties":{"email":"a@x.com","phone":"","alertNotifications":"On","alertsToAdmins":"On"}}`,
			SecurityContact{Name: "default1", Emails: []string{"a@x.com"}, AlertsOn: true, RolesOn: true, NotifyRoles: []string{"Owner"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := Build(nil)
			if err := parseSecurityContact(s, []string{"s"}, json.RawMessage(tc.body)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]SecurityContact{tc.want}, s.Subscriptions["s"].SecurityContacts); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSharedAPIExamples parses Microsoft's own ARM examples (MIT, from
// azure-rest-api-specs, in ../shared) through Build; it skips without them.
func TestSharedAPIExamples(t *testing.T) {
	t.Parallel()
	body := func(rel string) []byte {
		raw, err := os.ReadFile(samples.File(t, "api-responses/azure-rest-api-specs/"+rel))
		if err != nil {
			t.Fatal(err)
		}
		var ex struct {
			Responses map[string]struct {
				Body json.RawMessage `json:"body"`
			} `json:"responses"`
		}
		if err := json.Unmarshal(raw, &ex); err != nil {
			t.Fatal(err)
		}
		return ex.Responses["200"].Body
	}
	c := &capture.Capture{}
	c.Add(&capture.Dataset{Key: capture.Key(capture.KeySecurityContacts, "s"), Status: capture.OK,
		Pages: [][]byte{body("security_GetSecurityContactsSubscription_2023-12-01-preview.json")}})
	c.Add(&capture.Dataset{Key: capture.Key(capture.KeyComputeUsages, "s", "eastus"), Status: capture.OK,
		Pages: [][]byte{body("compute_Usage_List_MaximumSet_Gen_2024-07-01.json")}})
	s := build(t, c)
	sub := s.Subscriptions["s"]
	want := SecurityContact{Name: "default", Emails: []string{"john@contoso.com", "Jane@contoso.com"}, AlertsOn: true,
		MinimalSeverity: "Medium", RolesOn: true, NotifyRoles: []string{"Owner", "Admin"}}
	if diff := cmp.Diff([]SecurityContact{want}, sub.SecurityContacts); diff != "" {
		t.Errorf("security contact (-want +got):\n%s", diff)
	}
	if u := sub.Usages["eastus"]; len(u) != 1 || u[0].Current != 17 || u[0].Limit != 19 {
		t.Errorf("usages = %+v", u)
	}
}

// TestAncestryFromTheEntitiesList: a subscription's groups come from its
// own parent chain, or by following parents up the groups listed; a list
// that stops short of the tenant root group leaves the rest unknown.
func TestAncestryFromTheEntitiesList(t *testing.T) {
	t.Parallel()
	s := build(t, loadTenant(t, "tenant-good"))
	root := "cccccccc-3333-4333-8333-333333333333"
	tests := []struct {
		name string
		sub  string
		want Ancestry
	}{
		{"own chain", subProd, Ancestry{Groups: map[string]bool{root: true, "contoso": true, "landing-zones": true}, Complete: true}},
		{"parent only, followed up", subLogging, Ancestry{Groups: map[string]bool{root: true, "contoso": true}, Complete: true}},
		{"not listed", "dddddddd-4444-4444-8444-444444444444", Ancestry{Groups: map[string]bool{}}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, s.Ancestry(tc.sub)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// A parent the list does not hold: what lies above it is unknown.
	delete(s.Entities, mgPrefix+"contoso")
	s.Entities["/subscriptions/"+subProd].Chain = nil
	s.Entities[mgPrefix+"landing-zones"].Chain = nil
	want := Ancestry{Groups: map[string]bool{"landing-zones": true, "contoso": true, root: true}}
	if diff := cmp.Diff(want, s.Ancestry(subProd)); diff != "" {
		t.Errorf("short walk (-want +got):\n%s", diff)
	}
	if under, known := s.Ancestry(subProd).Under("Landing-Zones"); !under || !known {
		t.Errorf("Under(landing-zones) = %v, %v", under, known)
	}
	if under, known := s.Ancestry(subProd).Under("sandbox"); under || known {
		t.Errorf("Under(sandbox) = %v, %v; want unknown", under, known)
	}
	// No hierarchy at all: the subscriptions list still names each one's
	// home tenant, whose root group (named for it) lies above it; an
	// alert there covers it, one on any other group may or may not.
	s.Entities = nil
	if under, known := s.Ancestry(subProd).Under(strings.ToUpper(root)); !under || !known {
		t.Errorf("without the hierarchy, Under(root group) = %v, %v; want above", under, known)
	}
	if under, known := s.Ancestry(subProd).Under("contoso"); under || known {
		t.Errorf("without the hierarchy, Under(contoso) = %v, %v; want unknown", under, known)
	}
}
