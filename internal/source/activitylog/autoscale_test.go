package activitylog

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// TestAutoscaleSettings: an autoscale setting's write is a request for the
// instances Azure keeps on its target whatever the load: the largest
// minimum, or default when larger, of the profiles that can still apply,
// never its maximum; none when disabled; the target's service, nil when
// the target is no compute.
func TestAutoscaleSettings(t *testing.T) {
	t.Parallel()
	const (
		sub     = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-web"
		setting = sub + "/providers/microsoft.insights/autoscalesettings/"
		vmss    = sub + "/providers/Microsoft.Compute/virtualMachineScaleSets/web-vmss"
	)
	lowerVMSS := strings.ToLower(vmss)
	rec := func(status, body string) string {
		return `{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"` + setting + `web-autoscale","operationName":{"value":"microsoft.insights/autoscalesettings/write"},` +
			`"status":{"value":"` + status + `"},"properties":{"requestbody":` + body + `}}`
	}
	profile := func(name, min, def, max, extra string) string {
		return `{\"name\":\"` + name + `\",\"capacity\":{\"minimum\":\"` + min + `\",\"maximum\":\"` + max + `\",\"default\":\"` + def + `\"},\"rules\":[]` + extra + `}`
	}
	setBody := func(target string, enabled string, profiles ...string) string {
		return `"{\"location\":\"eastus\",\"properties\":{\"profiles\":[` + strings.Join(profiles, ",") + `],\"enabled\":` + enabled +
			`,\"targetResourceUri\":\"` + target + `\",\"targetResourceLocation\":\"eastus\"}}"`
	}
	for _, c := range []struct {
		name, rec string
		want      *event.Compute
	}{
		{
			"a stolen account's minimum of 200 on a scale set of one (az monitor autoscale create)",
			rec("Started", setBody(vmss, "true", profile("default", "200", "200", "200", ""))),
			&event.Compute{Service: "vmss", Count: 200, Target: lowerVMSS},
		},
		{
			"an ops team's web tier: minimum 2, maximum 20 under load, counts 2",
			rec("Started", setBody(vmss, "true", profile("cpu", "2", "2", "20", ""))),
			&event.Compute{Service: "vmss", Count: 2, Target: lowerVMSS},
		},
		{
			"a default above the minimum is what a target with no metrics yet runs",
			rec("Started", setBody(vmss, "true", profile("cpu", "1", "60", "100", ""))),
			&event.Compute{Service: "vmss", Count: 60, Target: lowerVMSS},
		},
		{
			"no more than the maximum",
			rec("Started", setBody(vmss, "true", profile("cpu", "1", "60", "40", ""))),
			&event.Compute{Service: "vmss", Count: 40, Target: lowerVMSS},
		},
		{
			"the largest of the profiles that can still apply: last year's sale is over, next week's is not",
			rec("Started", setBody(vmss, "true",
				profile("default", "3", "3", "10", ""),
				profile("black-friday-2025", "150", "150", "300", `,\"fixedDate\":{\"timeZone\":\"Pacific Standard Time\",\"start\":\"2025-11-28T00:00:00\",\"end\":\"2025-11-30T23:59:00\"}`),
				profile("weekday-mornings", "30", "30", "40", `,\"recurrence\":{\"frequency\":\"Week\",\"schedule\":{\"timeZone\":\"UTC\",\"days\":[\"Monday\"],\"hours\":[8],\"minutes\":[0]}}`),
				profile("launch", "80", "80", "120", `,\"fixedDate\":{\"timeZone\":\"UTC\",\"start\":\"2026-03-20T00:00:00Z\",\"end\":\"2026-03-21T00:00:00Z\"}`))),
			&event.Compute{Service: "vmss", Count: 80, Target: lowerVMSS},
		},
		{
			"a disabled setting keeps nothing",
			rec("Started", setBody(vmss, "false", profile("default", "200", "200", "200", ""))),
			&event.Compute{Service: "vmss", Target: lowerVMSS},
		},
		{
			"capacity as numbers, the response's (diagnostic, ARM template)",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + setting + `plan-autoscale","operationName":"MICROSOFT.INSIGHTS/AUTOSCALESETTINGS/WRITE","category":"Write","resultType":"Success",
			"properties":{"responseBody":"{\"properties\":{\"profiles\":[{\"name\":\"p\",\"capacity\":{\"minimum\":45,\"maximum\":60,\"default\":45},\"rules\":[]}],\"enabled\":true,\"targetResourceUri\":\"` + sub + `/providers/Microsoft.Web/serverfarms/asp-api\"}}"}}`,
			&event.Compute{Service: "appservice", Count: 45, Target: strings.ToLower(sub + "/providers/Microsoft.Web/serverfarms/asp-api")},
		},
		{
			"a Service Fabric managed cluster's node type",
			rec("Started", setBody(sub+"/providers/Microsoft.ServiceFabric/managedClusters/sfmc1/nodeTypes/gpu", "true", profile("p", "12", "12", "40", ""))),
			&event.Compute{Service: "sf", Count: 12, Target: strings.ToLower(sub + "/providers/Microsoft.ServiceFabric/managedClusters/sfmc1/nodeTypes/gpu")},
		},
		{
			"an Azure ML online endpoint's deployment (the managed online endpoint's autoscale)",
			rec("Started", setBody(sub+"/providers/Microsoft.MachineLearningServices/workspaces/ws1/onlineEndpoints/chat/deployments/blue", "true", profile("p", "8", "8", "16", ""))),
			&event.Compute{Service: "aml", Count: 8, Target: strings.ToLower(sub + "/providers/Microsoft.MachineLearningServices/workspaces/ws1/onlineEndpoints/chat/deployments/blue")},
		},
		{
			"API Management units are no compute",
			rec("Started", setBody(sub+"/providers/Microsoft.ApiManagement/service/apim1", "true", profile("p", "2", "2", "10", ""))),
			nil,
		},
		{
			"a PATCH of the profiles names no target: counted, service unknown",
			rec("Started", `"{\"properties\":{\"profiles\":[`+profile("default", "120", "120", "120", "")+`]}}"`),
			&event.Compute{Count: 120},
		},
		{
			"no body: nothing known, not judged",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + setting + `web-autoscale","operationName":"microsoft.insights/autoscalesettings/write","category":"Write","resultType":"Start","properties":{}}`,
			&event.Compute{NoBody: true},
		},
	} {
		checkCompute(t, c.name, c.rec, c.want)
	}
}

// TestAutoscaleSettingRegion: a setting's machines run in its target's
// region, which the setting names beside its own.
func TestAutoscaleSettingRegion(t *testing.T) {
	t.Parallel()
	rec := `{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"/subscriptions/s/resourceGroups/rg/providers/microsoft.insights/autoscalesettings/a",` +
		`"operationName":{"value":"microsoft.insights/autoscalesettings/write"},"status":{"value":"Started"},"properties":{"requestbody":` +
		`"{\"location\":\"westeurope\",\"properties\":{\"profiles\":[{\"name\":\"p\",\"capacity\":{\"minimum\":\"5\",\"maximum\":\"5\",\"default\":\"5\"}}],` +
		`\"targetResourceUri\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/v\",\"targetResourceLocation\":\"Brazil South\"}}"}}`
	v := fastjson.MustParse(rec)
	shape, _ := Detect(v, record.Hint{Format: "json"})
	evs, err := Decode(&record.Scratch{}, v, shape, nil)
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v, %d events", err, len(evs))
	}
	if evs[0].Region != "brazilsouth" {
		t.Errorf("region %q, want the target's, brazilsouth", evs[0].Region)
	}
}
