package azure

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
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
// from its saved folder: it counts when the entities list places the
// subscription under landing-zones, not when under sandbox (it counted for
// any group), and when the list is refused or absent from an older saved
// folder the check says it cannot tell.
func TestManagementGroupAlertThroughTheSDK(t *testing.T) {
	t.Parallel()
	const check = "posture.monitoring.quota_and_compute_alerts"
	perm := capture.Permission(capture.KeyManagementGroupEntities)
	tests := []struct {
		name    string
		under   string // "" refuses the entities list with 403
		older   bool   // drop the entities list before saving, as an older mamori would have
		status  posture.Status
		summary string
		missing []string
	}{
		{"under the alert's group", "landing-zones", false, posture.Pass, "all 5", nil},
		{"under another group", "sandbox", false, posture.Fail, "5 of 5 quota and compute operations raise no alert", nil},
		{"entities refused", "", false, posture.NotAssessed, "are unknown: missing permission " + perm, []string{perm}},
		{"older saved folder", "landing-zones", true, posture.NotAssessed, capture.KeyManagementGroupEntities + ": not collected", nil},
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
		})
	}
}
