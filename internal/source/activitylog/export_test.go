package activitylog

import (
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// TestExportChanges: a subscription's own diagnostic setting, written or
// deleted, is an Export whose delta says whether the Administrative
// category's export was added (+1) or removed (-1); a resource's setting,
// or a write naming no logs, is none. A subscription created through an
// alias names the directory it is placed in, foreign when not the
// creator's.
func TestExportChanges(t *testing.T) {
	t.Parallel()
	const (
		tenant = "a9d3e5f7-1c2b-4d6e-8f90-1a2b3c4d5e6f"
		subDS  = "/subscriptions/3f6a9c1e-2b7d-4e58-9a03-c1d2e4f5a6b7/providers/microsoft.insights/diagnosticSettings/"
	)
	rec := func(id, op, status, body string) string {
		r := `{"time":"2026-11-21T02:14:07Z","resourceId":"` + id + `","operationName":"` + op + `","category":"Administrative","resultType":"` + status + `",
		"identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"` + tenant + `"}},"properties":{`
		if body != "" {
			r += `"requestbody":` + body
		}
		return r + `}}`
	}
	for _, c := range []struct {
		name, rec string
		want      *event.Export
	}{
		{
			"subscription setting deleted: -1",
			rec(subDS+"toSentinel", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "Start", ""),
			&event.Export{Setting: "tosentinel", Delta: -1},
		},
		{
			"written with the Administrative category enabled: +1",
			rec(subDS+"toLaw", "Microsoft.Insights/diagnosticSettings/write", "Start",
				`"{\"properties\":{\"workspaceId\":\"/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law\",\"logs\":[{\"category\":\"Administrative\",\"enabled\":true},{\"category\":\"Security\",\"enabled\":true}]}}"`),
			&event.Export{Setting: "tolaw", Administrative: true, Delta: 1},
		},
		{
			"rewritten with the Administrative category disabled: -1",
			rec(subDS+"toLaw", "Microsoft.Insights/diagnosticSettings/write", "Start",
				`{"properties":{"logs":[{"category":"administrative","enabled":false},{"category":"Security","enabled":true}]}}`),
			&event.Export{Setting: "tolaw", Delta: -1},
		},
		{
			"rewritten without the category at all: -1",
			rec(subDS+"toLaw", "Microsoft.Insights/diagnosticSettings/write", "Start",
				`{"properties":{"logs":[{"category":"ServiceHealth","enabled":true}]}}`),
			&event.Export{Setting: "tolaw", Delta: -1},
		},
		{
			"the allLogs group: +1",
			rec(subDS+"all", "Microsoft.Insights/diagnosticSettings/write", "Start",
				`{"properties":{"logs":[{"categoryGroup":"allLogs","enabled":true}]}}`),
			&event.Export{Setting: "all", Administrative: true, Delta: 1},
		},
		{
			"a write naming no logs: nothing to read",
			rec(subDS+"toLaw", "Microsoft.Insights/diagnosticSettings/write", "Start",
				`{"properties":{"workspaceId":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law2"}}`),
			nil,
		},
		{
			"a key vault's own setting deleted: not the Activity Log's",
			rec("/subscriptions/3f6a9c1e-2b7d-4e58-9a03-c1d2e4f5a6b7/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1/providers/microsoft.insights/diagnosticSettings/audit",
				"Microsoft.Insights/diagnosticSettings/delete", "Start", ""),
			nil,
		},
		{
			"subscription created in another directory",
			rec("/providers/Microsoft.Subscription/aliases/sub-mine", "Microsoft.Subscription/aliases/write", "Start",
				`{"properties":{"displayName":"mine","workload":"Production","billingScope":"/billingAccounts/1/billingProfiles/2/invoiceSections/3","additionalProperties":{"subscriptionTenantId":"66F0A1B2-3C4D-4E5F-8A9B-0C1D2E3F4A5B","subscriptionOwnerId":"x"}}}`),
			&event.Export{SubscriptionTenant: "66f0a1b2-3c4d-4e5f-8a9b-0c1d2e3f4a5b", Foreign: true},
		},
		{
			"subscription created in the creator's directory",
			rec("/providers/Microsoft.Subscription/aliases/sub-team", "Microsoft.Subscription/aliases/write", "Start",
				`{"properties":{"displayName":"team","additionalProperties":{"subscriptionTenantId":"`+tenant+`"}}}`),
			&event.Export{SubscriptionTenant: tenant},
		},
		{
			"subscription created, no directory named",
			rec("/providers/Microsoft.Subscription/aliases/sub-team", "Microsoft.Subscription/aliases/write", "Success", ""),
			&event.Export{},
		},
	} {
		v := fastjson.MustParse(c.rec)
		shape, ok := Detect(v, record.Hint{Format: "json"})
		if !ok {
			t.Fatalf("%s: not an Activity Log record", c.name)
		}
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v, %d events", c.name, err, len(evs))
		}
		if got := evs[0].Export; (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%s: export %+v, want %+v", c.name, got, c.want)
		}
	}
}
