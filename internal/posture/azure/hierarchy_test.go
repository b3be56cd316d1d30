package azure

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// TestManagementGroupAlertThroughTheSDK reads, through the SDK's fake
// servers, a subscription whose only alert on quota and compute operations
// is scoped to the management group landing-zones, and judges it live and
// from its saved folder. Azure runs the rule on the subscription's events
// only when their resource IDs start with its scope, which a group's ID
// never is: it counted when the entities list placed the subscription under
// landing-zones, and left the check not assessed when the list was refused
// or absent. It now fails the check wherever the subscription lies, naming
// the rule, with or without the list.
func TestManagementGroupAlertThroughTheSDK(t *testing.T) {
	t.Parallel()
	const check = "posture.monitoring.quota_and_compute_alerts"
	const failed = "5 of 5 quota and compute operations raise no alert; 1 alert rule aimed at it from another subscription or a management group sees none of its operations"
	tests := []struct {
		name    string
		under   string // "" refuses the entities list with 403
		older   bool   // drop the entities list before saving, as an older mamori would have
		status  posture.Status
		summary string
		missing []string
	}{
		{"under the alert's group", "landing-zones", false, posture.Fail, failed, nil},
		{"under another group", "sandbox", false, posture.Fail, failed, nil},
		{"entities refused", "", false, posture.Fail, failed, nil},
		{"older saved folder", "landing-zones", true, posture.Fail, failed, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			f.monitor.ActivityLogAlertsServer.NewListBySubscriptionIDPager = func(*armmonitor.ActivityLogAlertsClientListBySubscriptionIDOptions) (resp azfake.PagerResponder[armmonitor.ActivityLogAlertsClientListBySubscriptionIDResponse]) {
				resp.AddPage(200, page[armmonitor.ActivityLogAlertsClientListBySubscriptionIDResponse](t, `{"value":[{"id":"/subscriptions/`+testSub+`/resourceGroups/ops/providers/Microsoft.Insights/activityLogAlerts/lz-admin","name":"lz-admin","type":"Microsoft.Insights/ActivityLogAlerts","location":"Global",
					"properties":{"scopes":["/providers/Microsoft.Management/managementGroups/landing-zones"],"enabled":true,"condition":{"allOf":[{"field":"category","equals":"Administrative"}]},
					"actions":{"actionGroups":[{"actionGroupId":"/subscriptions/`+testSub+`/resourceGroups/ops/providers/microsoft.insights/actionGroups/soc"}]}}}]}`), nil)
				return
			}
			f.mg.EntitiesServer.NewListPager = func(*armmanagementgroups.EntitiesClientListOptions) (resp azfake.PagerResponder[armmanagementgroups.EntitiesClientListResponse]) {
				if tc.under == "" {
					resp.AddResponseError(http.StatusForbidden, "AuthorizationFailed")
					return
				}
				resp.AddPage(200, page[armmanagementgroups.EntitiesClientListResponse](t, entitiesUnder(tc.under)), nil)
				return
			}
			live, _, _ := collectWith(t, f)
			if tc.older {
				delete(live.Datasets, capture.KeyManagementGroupEntities)
			}
			dir := filepath.Join(t.TempDir(), "saved")
			if err := live.Save(dir); err != nil {
				t.Fatal(err)
			}
			saved, err := capture.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []posture.Finding
			for _, c := range []*capture.Capture{live, saved} {
				s, errs := posture.Build(c)
				for _, e := range errs {
					t.Errorf("build: %v", e)
				}
				for _, fd := range posture.Run(s, posture.DefaultConfig()) {
					if fd.Check == check && fd.Scope == "/subscriptions/"+testSub {
						got = append(got, fd)
					}
				}
			}
			if len(got) != 2 {
				t.Fatalf("%d findings for %s, want one live and one saved", len(got), check)
			}
			if d := cmp.Diff(got[0], got[1]); d != "" {
				t.Errorf("the saved folder is judged otherwise (-live +saved):\n%s", d)
			}
			fd := got[0]
			if fd.Status != tc.status || !strings.Contains(fd.Summary, tc.summary) || !slices.Equal(fd.Missing, tc.missing) {
				t.Errorf("got %s %v: %q; want %s %v: %q", fd.Status, fd.Missing, fd.Summary, tc.status, tc.missing, tc.summary)
			}
			if !slices.ContainsFunc(fd.Evidence, func(e posture.Evidence) bool {
				return strings.Contains(e.Detail, "rule lz-admin is scoped to management group landing-zones, but")
			}) {
				t.Errorf("the evidence does not name the group's rule: %v", fd.Evidence)
			}
		})
	}
}

// TestEntitiesLaterPagesArePosts: a hierarchy of two pages, the test
// subscription and its group on the second, as the SDK's fake server holds
// them. The service refuses the next link asked with GET (405, as
// Azure/azure-sdk-for-go#19222 reports): the SDK's pager asked it so, and
// the list ended partial with the subscription unplaced. Each page is now a
// POST with the previous page's $skiptoken.
func TestEntitiesLaterPagesArePosts(t *testing.T) {
	t.Parallel()
	const token = "eyJuZXh0IjoyfQ=="
	mg := "/providers/Microsoft.Management/managementGroups/"
	entity := func(id, typ, name, parent string, chain ...string) string {
		c, _ := json.Marshal(chain)
		return `{"id":"` + id + `","type":"` + typ + `","name":"` + name + `","properties":{"tenantId":"` + testTenant + `",` +
			`"parent":{"id":"` + mg + parent + `"},"permissions":"view","inheritedPermissions":"view","parentNameChain":` + string(c) + `}}`
	}
	first := `{"value":[{"id":"` + mg + testTenant + `","type":"Microsoft.Management/managementGroups","name":"` + testTenant + `",
		"properties":{"tenantId":"` + testTenant + `","permissions":"view","inheritedPermissions":"view","parentNameChain":[]}}],"count":3,
		"nextLink":"https://management.azure.com/providers/Microsoft.Management/getEntities?api-version=2021-04-01&$skiptoken=` + url.QueryEscape(token) + `"}`
	second := `{"value":[` + entity(mg+"landing-zones", "Microsoft.Management/managementGroups", "landing-zones", testTenant, testTenant) + `,` +
		entity("/subscriptions/"+testSub, "/subscriptions", testSub, "landing-zones", testTenant, "landing-zones") + `],"count":3}`

	f := newFakes(t)
	var asked []*armmanagementgroups.EntitiesClientListOptions
	var mu sync.Mutex
	f.mg.EntitiesServer.NewListPager = func(o *armmanagementgroups.EntitiesClientListOptions) (resp azfake.PagerResponder[armmanagementgroups.EntitiesClientListResponse]) {
		mu.Lock()
		asked = append(asked, o)
		mu.Unlock()
		// One page per call: the fake keeps a lone page's nextLink as given.
		if o != nil && o.Skiptoken != nil && *o.Skiptoken == token {
			resp.AddPage(200, page[armmanagementgroups.EntitiesClientListResponse](t, second), nil)
		} else {
			resp.AddPage(200, page[armmanagementgroups.EntitiesClientListResponse](t, first), nil)
		}
		return
	}
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.EqualFold(r.URL.Path, "/providers/Microsoft.Management/getEntities") || r.Method == http.MethodPost {
			return false
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		io.WriteString(w, `{"Message":"The requested resource does not support http method '`+r.Method+`'."}`)
		return true
	}
	c, _, _ := collectWith(t, f)
	ds := c.Datasets[capture.KeyManagementGroupEntities]
	if ds.Status != capture.OK || len(ds.Pages) != 2 {
		t.Fatalf("entities: %s with %d pages (%q); want both pages read", ds.Status, len(ds.Pages), ds.Error)
	}
	if strings.Contains(ds.URL, token) || strings.Contains(ds.URL, "skiptoken") {
		t.Errorf("dataset URL %q keeps the paging token", ds.URL)
	}
	mu.Lock()
	if len(asked) != 2 || asked[1] == nil || asked[1].CacheControl == nil || *asked[1].CacheControl != "no-cache" {
		t.Errorf("the second page was not asked with the first's options and the token: %+v", asked)
	}
	mu.Unlock()
	s, errs := posture.Build(c)
	for _, e := range errs {
		t.Errorf("build: %v", e)
	}
	if a := s.Ancestry(testSub); !a.Complete || !a.Groups["landing-zones"] {
		t.Errorf("the subscription on the second page is not placed: %+v", a)
	}
}

// TestSkipToken: a next link's $skiptoken, whatever its case, is what the
// next page is asked with; a link without one stops the list with an
// error that does not repeat the link.
func TestSkipToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		link, want, err string
	}{
		{"https://management.azure.com/providers/Microsoft.Management/getEntities?api-version=2021-04-01&%24skiptoken=abc%2B%3D", "abc+=", ""},
		{"https://management.azure.com/providers/Microsoft.Management/getEntities?$skipToken=xyz&api-version=2021-04-01", "xyz", ""},
		{"https://management.azure.com/providers/Microsoft.Management/getEntities?api-version=2021-04-01&$skip=100", "", "carries no $skiptoken"},
		{"https://management.azure.com/%zz?$skiptoken=secret", "", "not a URL"},
	}
	for _, tc := range tests {
		got, err := skipToken(tc.link)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%s: %q, %v; want %q", tc.link, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "secret")):
			t.Errorf("%s: error %v; want one saying %q without the link", tc.link, err, tc.err)
		}
	}
}
