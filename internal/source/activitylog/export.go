package activitylog

import (
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Changes to what the Activity Log export sees. An attacker who deletes a
// subscription's diagnostic setting, or rewrites it without the
// Administrative category, mines in a subscription whose compute creates
// reach no export from then on; one who creates a subscription mines
// where no setting exists yet (unless a management-group policy deploys
// one). The record of the change is the last one the export may hold.
const (
	opDiagWrite  = "microsoft.insights/diagnosticsettings/write"
	opDiagDelete = "microsoft.insights/diagnosticsettings/delete"
	opAlias      = "microsoft.subscription/aliases/write"
)

// diagSettingsPath is what follows /subscriptions/{id} in the resource id
// of a subscription's own diagnostic setting (REST: Subscription
// Diagnostic Settings, /subscriptions/{subscriptionId}/providers/
// Microsoft.Insights/diagnosticSettings/{name}). A resource's setting
// (a key vault's, a cluster's) sits under the resource and says nothing of
// the Activity Log.
const diagSettingsPath = "/providers/microsoft.insights/diagnosticsettings/"

// subscriptionSetting returns the name of the subscription-scope
// diagnostic setting id names (lower case, as events carry it), "" for any
// other resource.
func subscriptionSetting(id string) string {
	rest, ok := strings.CutPrefix(strings.TrimRight(id, "/"), "/subscriptions/")
	if !ok {
		return ""
	}
	i := strings.IndexByte(rest, '/')
	if i <= 0 {
		return ""
	}
	name, ok := strings.CutPrefix(rest[i:], diagSettingsPath)
	if !ok || name == "" || strings.Contains(name, "/") {
		return ""
	}
	return name
}

// diagSetting reads a subscription diagnostic setting's write or delete
// (REST spec Microsoft.Insights subscriptionDiagnosticsSettings_API,
// 2021-05-01-preview: properties.logs[] of {category, enabled}; the
// subscription's categories are Administrative, Security, ServiceHealth,
// Alert, Recommendation, Policy, Autoscale and ResourceHealth). A delete
// removes whatever it exported: -1, the Administrative category assumed.
// A write whose body names its logs exports the Administrative category
// when an element naming it (or the allLogs group) is enabled: +1, else -1
// (stripping the category from a setting and making a new setting without
// it look alike: the record has no earlier state). A write whose body says
// nothing of its logs (none, or a PATCH of its destination) is no change
// to read: nil.
func diagSetting(b *bodies, e *event.Event) *event.Export {
	name := subscriptionSetting(e.ResourceID)
	if name == "" {
		return nil
	}
	if e.Operation == opDiagDelete {
		return &event.Export{Setting: name, Delta: -1}
	}
	logs, found := b.logs()
	if !found {
		return nil
	}
	x := &event.Export{Setting: name, Delta: -1}
	for _, l := range logs {
		if on, _ := b.sc.Bool(l, "enabled"); !on {
			continue
		}
		if record.EqualFold(b.sc.Str(l, "category"), "Administrative") || record.EqualFold(b.sc.Str(l, "categoryGroup"), "allLogs") {
			x.Administrative, x.Delta = true, 1
			break
		}
	}
	return x
}

// logs returns the properties.logs of the first body that has them (an
// empty list is a setting that exports no logs), and whether one did.
func (b *bodies) logs() ([]*fastjson.Value, bool) {
	for _, body := range b.list() {
		if b.sc.Get(body, "properties", "logs") != nil {
			return b.sc.Array(body, "properties", "logs"), true
		}
	}
	return nil, false
}

// subscriptionAlias reads the creation of a subscription through an
// alias (REST: Alias - Create, PUT /providers/Microsoft.Subscription/
// aliases/{aliasName}, 2021-10-01: properties.additionalProperties.
// subscriptionTenantId, the directory the subscription is placed in,
// which may be another tenant's). Foreign when that directory is named
// and is not the creator's: the subscription, billed to the victim's
// billing scope, is then administered from a directory the victim does
// not see.
func subscriptionAlias(b *bodies, e *event.Event) *event.Export {
	x := &event.Export{}
	x.SubscriptionTenant = strings.ToLower(strings.TrimSpace(b.first("properties", "additionalProperties", "subscriptionTenantId")))
	x.Foreign = x.SubscriptionTenant != "" && e.Tenant != "" && !strings.EqualFold(x.SubscriptionTenant, e.Tenant)
	return x
}
