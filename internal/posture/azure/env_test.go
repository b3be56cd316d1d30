package azure

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	authfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	computefake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	mgfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	monitorfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v7"
	networkfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v7/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/quota/armquota"
	quotafake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/quota/armquota/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy"
	policyfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
	subsfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/security/armsecurity"
	securityfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/security/armsecurity/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/subscription/armsubscription"
	subscriptionfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/subscription/armsubscription/fake"
)

// The test tenant.
const (
	testTenant = "84841066-274d-4ec0-a5c1-276be684bdd3"
	testSub    = "00000000-0000-0000-0000-00000000000a"
	// secretToken is what the fake credential hands out; it must never
	// appear in a dataset's error or URL or in a returned error.
	secretToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.SECRET-BEARER-TOKEN.sig"
)

// tokenCred is a credential that needs no Entra ID.
type tokenCred struct{}

func (tokenCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: secretToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fakes holds one SDK fake server per ARM module; a test changes the
// behaviour it needs before env builds the transports.
type fakes struct {
	subs         subsfake.ServerFactory
	subscription subscriptionfake.ServerFactory
	compute      computefake.ServerFactory
	quota        quotafake.ServerFactory
	auth         authfake.ServerFactory
	security     securityfake.ServerFactory
	monitor      monitorfake.ServerFactory
	policy       policyfake.ServerFactory
	network      networkfake.ServerFactory
	mg           mgfake.ServerFactory
	// raw answers the ARM reads no SDK client offers.
	raw http.Handler
	// graph answers Microsoft Graph; its bodies follow the Graph v1.0 docs.
	graph http.Handler
	// intercept, when set, answers the ARM paths it returns true for
	// before any fake sees them (throttling and paging faults).
	intercept func(w http.ResponseWriter, r *http.Request) bool
}

// page decodes a JSON body into an SDK response type, so fixtures are
// written in the API's wire shape rather than as SDK structs.
func page[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("fixture %T: %v", v, err)
	}
	return v
}

// newFakes answers every read of a healthy tenant with one subscription in
// two physical regions; usages in westeurope come in two pages.
func newFakes(t *testing.T) *fakes {
	f := &fakes{}
	f.subs.Server.NewListPager = func(*armsubscriptions.ClientListOptions) (resp azfake.PagerResponder[armsubscriptions.ClientListResponse]) {
		resp.AddPage(200, page[armsubscriptions.ClientListResponse](t, `{"value":[
			{"id":"/subscriptions/`+testSub+`","subscriptionId":"`+testSub+`","tenantId":"`+testTenant+`","displayName":"Production","state":"Enabled"},
			{"id":"/subscriptions/00000000-0000-0000-0000-00000000000d","subscriptionId":"00000000-0000-0000-0000-00000000000d","tenantId":"`+testTenant+`","displayName":"Old","state":"Disabled"}]}`), nil)
		return
	}
	f.subs.Server.NewListLocationsPager = func(sub string, _ *armsubscriptions.ClientListLocationsOptions) (resp azfake.PagerResponder[armsubscriptions.ClientListLocationsResponse]) {
		resp.AddPage(200, page[armsubscriptions.ClientListLocationsResponse](t, `{"value":[
			{"id":"/subscriptions/`+sub+`/locations/westeurope","name":"westeurope","displayName":"West Europe","metadata":{"regionType":"Physical","regionCategory":"Recommended"}},
			{"id":"/subscriptions/`+sub+`/locations/eastus","name":"eastus","displayName":"East US","metadata":{"regionType":"Physical"}},
			{"id":"/subscriptions/`+sub+`/locations/europe","name":"europe","displayName":"Europe","metadata":{"regionType":"Logical"}}]}`), nil)
		return
	}
	f.subscription.PolicyServer.GetPolicyForTenant = func(context.Context, *armsubscription.PolicyClientGetPolicyForTenantOptions) (resp azfake.Responder[armsubscription.PolicyClientGetPolicyForTenantResponse], errResp azfake.ErrorResponder) {
		resp.SetResponse(200, page[armsubscription.PolicyClientGetPolicyForTenantResponse](t, `{"id":"/providers/Microsoft.Subscription/policies/default","name":"default","type":"Microsoft.Subscription/policies",
			"properties":{"policyId":"b1b6f4f0-0000-0000-0000-000000000001","blockSubscriptionsLeavingTenant":true,"blockSubscriptionsIntoTenant":false,"exemptedPrincipals":["e0b4d3a2-0000-0000-0000-000000000002"]}}`), nil)
		return
	}
	f.compute.UsageServer.NewListPager = func(location string, _ *armcompute.UsageClientListOptions) (resp azfake.PagerResponder[armcompute.UsageClientListResponse]) {
		resp.AddPage(200, page[armcompute.UsageClientListResponse](t, `{"value":[
			{"unit":"Count","currentValue":4,"limit":350,"name":{"value":"cores","localizedValue":"Total Regional vCPUs"}}]}`), nil)
		if location == "westeurope" {
			resp.AddPage(200, page[armcompute.UsageClientListResponse](t, `{"value":[
				{"unit":"Count","currentValue":0,"limit":48,"name":{"value":"standardNCASv3_T4Family","localizedValue":"Standard NCASv3_T4 Family vCPUs"}}]}`), nil)
		}
		return
	}
	f.quota.Server.NewListPager = func(scope string, _ *armquota.ClientListOptions) (resp azfake.PagerResponder[armquota.ClientListResponse]) {
		resp.AddPage(200, page[armquota.ClientListResponse](t, `{"value":[{"id":"/`+scope+`/providers/Microsoft.Quota/quotas/standardNCASv3_T4Family","name":"standardNCASv3_T4Family","type":"Microsoft.Quota/Quotas",
			"properties":{"limit":{"limitObjectType":"LimitValue","value":48},"unit":"Count","name":{"value":"standardNCASv3_T4Family","localizedValue":"Standard NCASv3_T4 Family vCPUs"},"isQuotaApplicable":true}}]}`), nil)
		return
	}
	f.auth.RoleAssignmentsServer.NewListForSubscriptionPager = func(*armauthorization.RoleAssignmentsClientListForSubscriptionOptions) (resp azfake.PagerResponder[armauthorization.RoleAssignmentsClientListForSubscriptionResponse]) {
		resp.AddPage(200, page[armauthorization.RoleAssignmentsClientListForSubscriptionResponse](t, `{"value":[{"id":"/subscriptions/`+testSub+`/providers/Microsoft.Authorization/roleAssignments/b0f43c54-e787-4862-89b1-a653fa9cf747","name":"b0f43c54-e787-4862-89b1-a653fa9cf747","type":"Microsoft.Authorization/roleAssignments",
			"properties":{"roleDefinitionId":"/subscriptions/`+testSub+`/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635","principalId":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","principalType":"User","scope":"/subscriptions/`+testSub+`"}}]}`), nil)
		return
	}
	f.auth.RoleDefinitionsServer.NewListPager = func(scope string, _ *armauthorization.RoleDefinitionsClientListOptions) (resp azfake.PagerResponder[armauthorization.RoleDefinitionsClientListResponse]) {
		resp.AddPage(200, page[armauthorization.RoleDefinitionsClientListResponse](t, `{"value":[{"id":"/`+scope+`/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635","name":"8e3af657-a8ff-443c-a75c-2fe8c4bcb635","type":"Microsoft.Authorization/roleDefinitions",
			"properties":{"roleName":"Owner","type":"BuiltInRole","permissions":[{"actions":["*"],"notActions":[]}],"assignableScopes":["/"]}}]}`), nil)
		return
	}
	f.security.ContactsServer.NewListPager = func(*armsecurity.ContactsClientListOptions) (resp azfake.PagerResponder[armsecurity.ContactsClientListResponse]) {
		resp.AddPage(200, page[armsecurity.ContactsClientListResponse](t, `{"value":[{"id":"/subscriptions/`+testSub+`/providers/Microsoft.Security/securityContact/default","name":"default","type":"Microsoft.Security/securityContact",
			"properties":{"notificationsByRole":{"state":"On","roles":["Owner"]},"isEnabled":true,"emails":"secops@contoso.com","notificationsSources":[{"sourceType":"Alert","minimalSeverity":"Medium"}]}}]}`), nil)
		return
	}
	f.security.PricingsServer.List = func(_ context.Context, scope string, _ *armsecurity.PricingsClientListOptions) (resp azfake.Responder[armsecurity.PricingsClientListResponse], errResp azfake.ErrorResponder) {
		resp.SetResponse(200, page[armsecurity.PricingsClientListResponse](t, `{"value":[
			{"id":"/`+scope+`/providers/Microsoft.Security/pricings/VirtualMachines","name":"VirtualMachines","type":"Microsoft.Security/pricings","properties":{"pricingTier":"Standard","subPlan":"P2"}},
			{"id":"/`+scope+`/providers/Microsoft.Security/pricings/Arm","name":"Arm","type":"Microsoft.Security/pricings","properties":{"pricingTier":"Free"}}]}`), nil)
		return
	}
	f.monitor.DiagnosticSettingsServer.NewListPager = func(resourceURI string, _ *armmonitor.DiagnosticSettingsClientListOptions) (resp azfake.PagerResponder[armmonitor.DiagnosticSettingsClientListResponse]) {
		resp.AddPage(200, page[armmonitor.DiagnosticSettingsClientListResponse](t, `{"value":[{"id":"/`+resourceURI+`/providers/microsoft.insights/diagnosticSettings/export","name":"export","type":"Microsoft.Insights/diagnosticSettings",
			"properties":{"workspaceId":"/subscriptions/`+testSub+`/resourceGroups/logs/providers/Microsoft.OperationalInsights/workspaces/central","logs":[{"category":"Administrative","enabled":true}]}}]}`), nil)
		return
	}
	f.monitor.ActivityLogAlertsServer.NewListBySubscriptionIDPager = func(*armmonitor.ActivityLogAlertsClientListBySubscriptionIDOptions) (resp azfake.PagerResponder[armmonitor.ActivityLogAlertsClientListBySubscriptionIDResponse]) {
		resp.AddPage(200, page[armmonitor.ActivityLogAlertsClientListBySubscriptionIDResponse](t, `{"value":[{"id":"/subscriptions/`+testSub+`/resourceGroups/ops/providers/Microsoft.Insights/activityLogAlerts/vm-create","name":"vm-create","type":"Microsoft.Insights/ActivityLogAlerts","location":"Global",
			"properties":{"scopes":["/subscriptions/`+testSub+`"],"enabled":true,"condition":{"allOf":[{"field":"category","equals":"Administrative"},{"field":"operationName","equals":"Microsoft.Compute/virtualMachines/write"}]},"actions":{"actionGroups":[]}}}]}`), nil)
		return
	}
	f.policy.AssignmentsServer.NewListPager = func(*armpolicy.AssignmentsClientListOptions) (resp azfake.PagerResponder[armpolicy.AssignmentsClientListResponse]) {
		resp.AddPage(200, page[armpolicy.AssignmentsClientListResponse](t, `{"value":[{"id":"/subscriptions/`+testSub+`/providers/Microsoft.Authorization/policyAssignments/allowed-skus","name":"allowed-skus","type":"Microsoft.Authorization/policyAssignments",
			"properties":{"displayName":"Allowed virtual machine size SKUs","policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/cccc23c7-8427-4f53-ad12-b6a63eb452b3","enforcementMode":"Default","parameters":{"listOfAllowedSKUs":{"value":["Standard_D2s_v5"]}}}}]}`), nil)
		return
	}
	f.policy.DefinitionsServer.NewListPager = func(*armpolicy.DefinitionsClientListOptions) (resp azfake.PagerResponder[armpolicy.DefinitionsClientListResponse]) {
		resp.AddPage(200, page[armpolicy.DefinitionsClientListResponse](t, `{"value":[{"id":"/providers/Microsoft.Authorization/policyDefinitions/cccc23c7-8427-4f53-ad12-b6a63eb452b3","name":"cccc23c7-8427-4f53-ad12-b6a63eb452b3","type":"Microsoft.Authorization/policyDefinitions",
			"properties":{"displayName":"Allowed virtual machine size SKUs","policyType":"BuiltIn","mode":"Indexed"}}]}`), nil)
		return
	}
	f.policy.SetDefinitionsServer.NewListPager = func(*armpolicy.SetDefinitionsClientListOptions) (resp azfake.PagerResponder[armpolicy.SetDefinitionsClientListResponse]) {
		resp.AddPage(200, page[armpolicy.SetDefinitionsClientListResponse](t, `{"value":[{"id":"/subscriptions/`+testSub+`/providers/Microsoft.Authorization/policySetDefinitions/compute-guardrails","name":"compute-guardrails","type":"Microsoft.Authorization/policySetDefinitions",
			"properties":{"displayName":"Compute guardrails","policyType":"Custom","policyDefinitions":[{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/cccc23c7-8427-4f53-ad12-b6a63eb452b3"}]}}]}`), nil)
		return
	}
	f.network.PublicIPAddressesServer.NewListAllPager = func(*armnetwork.PublicIPAddressesClientListAllOptions) (resp azfake.PagerResponder[armnetwork.PublicIPAddressesClientListAllResponse]) {
		resp.AddPage(200, page[armnetwork.PublicIPAddressesClientListAllResponse](t, `{"value":[
			{"id":"/subscriptions/`+testSub+`/resourceGroups/web/providers/Microsoft.Network/publicIPAddresses/web-ip","name":"web-ip","location":"westeurope","properties":{"ipAddress":"20.50.2.7","publicIPAllocationMethod":"Static","publicIPAddressVersion":"IPv4"}},
			{"id":"/subscriptions/`+testSub+`/resourceGroups/web/providers/Microsoft.Network/publicIPAddresses/v6","name":"v6","location":"westeurope","properties":{"ipAddress":"2603:1020:206::1","publicIPAllocationMethod":"Static","publicIPAddressVersion":"IPv6"}},
			{"id":"/subscriptions/`+testSub+`/resourceGroups/web/providers/Microsoft.Network/publicIPAddresses/idle","name":"idle","location":"westeurope","properties":{"publicIPAllocationMethod":"Dynamic"}}]}`), nil)
		return
	}
	f.network.PublicIPPrefixesServer.NewListAllPager = func(*armnetwork.PublicIPPrefixesClientListAllOptions) (resp azfake.PagerResponder[armnetwork.PublicIPPrefixesClientListAllResponse]) {
		resp.AddPage(200, page[armnetwork.PublicIPPrefixesClientListAllResponse](t, `{"value":[
			{"id":"/subscriptions/`+testSub+`/resourceGroups/web/providers/Microsoft.Network/publicIPPrefixes/egress","name":"egress","location":"westeurope","properties":{"ipPrefix":"20.61.8.16/28","prefixLength":28,"publicIPAddressVersion":"IPv4"}}]}`), nil)
		return
	}
	f.mg.EntitiesServer.NewListPager = func(*armmanagementgroups.EntitiesClientListOptions) (resp azfake.PagerResponder[armmanagementgroups.EntitiesClientListResponse]) {
		resp.AddPage(200, page[armmanagementgroups.EntitiesClientListResponse](t, entitiesUnder("landing-zones")), nil)
		return
	}
	f.raw = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.ToLower(r.URL.Path)
		switch {
		case strings.HasSuffix(p, "/microsoft.aadiam/diagnosticsettings"):
			io.WriteString(w, `{"value":[{"id":"/providers/microsoft.aadiam/diagnosticSettings/entra-to-la","name":"entra-to-la","properties":{"workspaceId":"/subscriptions/`+testSub+`/resourceGroups/logs/providers/Microsoft.OperationalInsights/workspaces/central","logs":[{"category":"SignInLogs","enabled":true},{"category":"AuditLogs","enabled":true}]}}]}`)
		case p == "/providers/microsoft.insights/diagnosticsettings":
			io.WriteString(w, `{"value":[]}`)
		case p == "/providers/microsoft.authorization/roleassignments":
			io.WriteString(w, `{"value":[]}`)
		case strings.HasSuffix(p, "/providers/microsoft.compute/virtualmachines"):
			// The SDK's fake tracks pagers by path, so the plain and
			// statusOnly listings (one path, read at once) would share
			// one; they are served here instead.
			vmList(w, r)
		case strings.HasSuffix(p, "/microsoft.operationalinsights/workspaces"):
			io.WriteString(w, `{"value":[{"id":"/subscriptions/`+testSub+`/resourceGroups/logs/providers/Microsoft.OperationalInsights/workspaces/central","name":"central","location":"westeurope","properties":{"retentionInDays":365,"sku":{"name":"PerGB2018"}}}]}`)
		default:
			w.WriteHeader(404)
			io.WriteString(w, `{"error":{"code":"NotFound","message":"no route in the test"}}`)
		}
	})
	f.graph = graphFixtures(t)
	return f
}

// vmList answers Virtual Machines - List All in the REST spec's shapes
// (VirtualMachine; with statusOnly=true its VirtualMachineInstanceView):
// the plain list in one page gives the sizes, the statusOnly list in two
// pages (a nextLink, as ARM pages) the power states.
func vmList(w http.ResponseWriter, r *http.Request) {
	id := "/subscriptions/" + testSub + "/resourceGroups/ml/providers/Microsoft.Compute/virtualMachines/"
	if r.URL.Query().Get("statusOnly") != "true" {
		io.WriteString(w, `{"value":[
			{"id":"`+id+`train-a100","name":"train-a100","type":"Microsoft.Compute/virtualMachines","location":"eastus","properties":{"vmId":"0f5e2a3b-0000-0000-0000-000000000001","hardwareProfile":{"vmSize":"Standard_ND96asr_v4"},"provisioningState":"Succeeded"}},
			{"id":"`+id+`jumpbox","name":"jumpbox","type":"Microsoft.Compute/virtualMachines","location":"eastus","properties":{"vmId":"0f5e2a3b-0000-0000-0000-000000000002","hardwareProfile":{"vmSize":"Standard_B2s"},"provisioningState":"Succeeded"}}]}`)
		return
	}
	if r.URL.Query().Get("$skiptoken") == "" {
		next := "https://" + r.Host + r.URL.Path + "?api-version=2024-11-01&statusOnly=true&$skiptoken=2"
		io.WriteString(w, `{"value":[
			{"id":"`+id+`train-a100","name":"train-a100","type":"Microsoft.Compute/virtualMachines","location":"eastus","properties":{"instanceView":{"computerName":"train-a100","osName":"ubuntu","osVersion":"22.04","statuses":[
				{"code":"ProvisioningState/succeeded","level":"Info","displayStatus":"Provisioning succeeded","time":"2026-11-20T08:00:00Z"},
				{"code":"PowerState/deallocated","level":"Info","displayStatus":"VM deallocated"}]}}}],"nextLink":"`+next+`"}`)
		return
	}
	io.WriteString(w, `{"value":[
		{"id":"`+id+`jumpbox","name":"jumpbox","type":"Microsoft.Compute/virtualMachines","location":"eastus","properties":{"instanceView":{"statuses":[
			{"code":"ProvisioningState/succeeded","level":"Info","displayStatus":"Provisioning succeeded"},
			{"code":"PowerState/running","level":"Info","displayStatus":"VM running"}]}}}]}`)
}

// entitiesUnder is the entities list of a tenant whose root group holds
// two groups, landing-zones and sandbox, with the test subscription under
// group, in the shape of the Management Groups REST reference.
func entitiesUnder(group string) string {
	const mg = "/providers/Microsoft.Management/managementGroups/"
	entity := func(id, typ, name, parent string, chain ...string) string {
		p := ""
		if parent != "" {
			p = `"parent":{"id":"` + mg + parent + `"},`
		}
		c, _ := json.Marshal(append([]string{}, chain...))
		return `{"id":"` + id + `","type":"` + typ + `","name":"` + name + `","properties":{"tenantId":"` + testTenant + `",` + p +
			`"permissions":"view","inheritedPermissions":"view","parentNameChain":` + string(c) + `}}`
	}
	return `{"value":[` + strings.Join([]string{
		entity(mg+testTenant, "Microsoft.Management/managementGroups", testTenant, ""),
		entity(mg+"landing-zones", "Microsoft.Management/managementGroups", "landing-zones", testTenant, testTenant),
		entity(mg+"sandbox", "Microsoft.Management/managementGroups", "sandbox", testTenant, testTenant),
		entity("/subscriptions/"+testSub, "/subscriptions", testSub, group, testTenant, group),
	}, ",") + `],"count":4}`
}

// graphFixtures serves testdata/graph: one page per resource, two for
// users (the first's next link holds {{base}}, the server's own URL).
func graphFixtures(t *testing.T) http.Handler {
	files := map[string]string{
		"/v1.0/organization":   "organization.json",
		"/v1.0/subscribedSkus": "subscribedSkus.json",
		"/v1.0/reports/authenticationMethods/userRegistrationDetails": "userRegistrationDetails.json",
		"/v1.0/roleManagement/directory/roleDefinitions":              "roleDefinitions.json",
		"/v1.0/roleManagement/directory/roleAssignments":              "roleAssignments.json",
		"/v1.0/roleManagement/directory/roleEligibilitySchedules":     "roleEligibilitySchedules.json",
		"/v1.0/identity/conditionalAccess/policies":                   "conditionalAccessPolicies.json",
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := files[r.URL.Path]
		if r.URL.Path == "/v1.0/users" {
			name = "users-1.json"
			if r.URL.Query().Get("$skiptoken") != "" {
				name = "users-2.json"
			}
		}
		if name == "" {
			w.WriteHeader(404)
			io.WriteString(w, `{"error":{"code":"Request_ResourceNotFound","message":"no route in the test"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
		w.Write(graphFile(t, name, "https://"+r.Host))
	})
}

// graphFile reads a Graph fixture with {{base}} set to the server's URL.
func graphFile(t *testing.T, name, base string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "graph", name))
	if err != nil {
		t.Error(err)
	}
	return []byte(strings.ReplaceAll(string(b), "{{base}}", base))
}

// served is one response the fakes sent, as the client received it.
type served struct {
	url    string
	status int
	body   []byte
}

// router sends each request to the fake that owns its path, as the real
// ARM front door would, and keeps a copy of every response.
type router struct {
	t         *testing.T
	graphHost string
	graph     *http.Client
	routes    []route
	raw       http.Handler
	intercept func(w http.ResponseWriter, r *http.Request) bool

	mu  sync.Mutex
	log []served
}

type route struct {
	match func(path string) bool
	tr    policy.Transporter
}

// Do implements policy.Transporter.
func (rt *router) Do(req *http.Request) (*http.Response, error) {
	var resp *http.Response
	var err error
	switch p := strings.ToLower(req.URL.Path); {
	case req.URL.Host == rt.graphHost:
		resp, err = rt.graph.Do(req)
	case rt.intercept != nil && rt.serveIntercept(req, &resp):
	default:
		var tr policy.Transporter
		for _, r := range rt.routes {
			if r.match(p) {
				tr = r.tr
				break
			}
		}
		if tr == nil {
			rec := httptest.NewRecorder()
			rt.raw.ServeHTTP(rec, req)
			resp = rec.Result()
			resp.Request = req
		} else {
			resp, err = tr.Do(req)
		}
	}
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	rt.mu.Lock()
	rt.log = append(rt.log, served{url: req.URL.String(), status: resp.StatusCode, body: body})
	rt.mu.Unlock()
	return resp, nil
}

// serveIntercept lets the test's intercept answer req, if it wants to.
func (rt *router) serveIntercept(req *http.Request, resp **http.Response) bool {
	rec := httptest.NewRecorder()
	if !rt.intercept(rec, req) {
		return false
	}
	*resp = rec.Result()
	(*resp).Request = req
	return true
}

// responses returns a copy of what was served so far.
func (rt *router) responses() []served {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]served(nil), rt.log...)
}

// env starts the Graph server and wires the fakes into Options.
func env(t *testing.T, f *fakes) (Options, *router) {
	t.Helper()
	ts := httptest.NewUnstartedServer(f.graph)
	// Handshakes cut short by a cancelled test are expected, not news.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	has := func(s ...string) func(string) bool {
		return func(p string) bool {
			for _, x := range s {
				if !strings.Contains(p, x) {
					return false
				}
			}
			return true
		}
	}
	onSub := func(s string) func(string) bool {
		return func(p string) bool { return strings.HasPrefix(p, "/subscriptions/") && strings.Contains(p, s) }
	}
	rt := &router{
		t:         t,
		graphHost: strings.TrimPrefix(ts.URL, "https://"),
		graph:     ts.Client(),
		raw:       f.raw,
		intercept: f.intercept,
		routes: []route{
			{has("/providers/microsoft.compute/locations/", "/usages"), computefake.NewServerFactoryTransport(&f.compute)},
			{has("/providers/microsoft.quota/"), quotafake.NewServerFactoryTransport(&f.quota)},
			{onSub("/providers/microsoft.authorization/role"), authfake.NewServerFactoryTransport(&f.auth)},
			{has("/providers/microsoft.authorization/policy"), policyfake.NewServerFactoryTransport(&f.policy)},
			{has("/providers/microsoft.security/"), securityfake.NewServerFactoryTransport(&f.security)},
			{onSub("/providers/microsoft.insights/"), monitorfake.NewServerFactoryTransport(&f.monitor)},
			{func(p string) bool { return strings.HasPrefix(p, "/providers/microsoft.insights/eventtypes/") }, monitorfake.NewServerFactoryTransport(&f.monitor)},
			{has("/providers/microsoft.network/"), networkfake.NewServerFactoryTransport(&f.network)},
			{has("/providers/microsoft.subscription/"), subscriptionfake.NewServerFactoryTransport(&f.subscription)},
			{has("/providers/microsoft.management/"), mgfake.NewServerFactoryTransport(&f.mg)},
			{func(p string) bool {
				return p == "/subscriptions" || strings.HasSuffix(p, "/locations") && strings.Count(p, "/") == 3
			}, subsfake.NewServerFactoryTransport(&f.subs)},
		},
	}
	opts := Options{
		TenantID:      testTenant,
		Credential:    tokenCred{},
		ARMEndpoint:   "https://management.azure.com",
		GraphEndpoint: ts.URL,
		Transport:     rt,
		ARMRate:       1e6, ARMBurst: 1e6, GraphRate: 1e6, GraphBurst: 1e6,
		MaxRetries: 3, MaxWait: time.Millisecond, BaseDelay: time.Millisecond,
	}
	return opts, rt
}
