package activitylog

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// The records of autoscale's actions used below, in each envelope mamori
// reads, as Learn gives them: the REST event of the Activity Log event
// schema's Autoscale category (counts as strings), a diagnostic setting's
// record and a Log Analytics AzureActivity row, whose eventProperties is
// the JSON text of the REST properties (Autoscale diagnostics' Activity
// logs section, counts as numbers), and Azure PowerShell's object (the
// properties under Content, the operation by its display name).
const (
	asSub     = "/subscriptions/9b4e2c86-1f7a-4d53-8e29-c5a1f3b7d604/resourceGroups/rg-etl"
	asSetting = asSub + "/providers/microsoft.insights/autoscalesettings/etl-autoscale"
	asVMSS    = asSub + "/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-etl"
)

func asREST(op, status, props string) string {
	return `{"caller":"Microsoft.Insights/autoscaleSettings","channels":"Admin, Operation",` +
		`"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/spn":"Microsoft.Insights/autoscaleSettings"},` +
		`"correlationId":"7bb1ae69-98f2-4fd2-b76c-1fdf21211a73","eventDataId":"958ad302-d3e3-44b5-be5f-8d205d415f26",` +
		`"eventName":{"value":"AutoscaleAction","localizedValue":"AutoscaleAction"},"category":{"value":"Autoscale","localizedValue":"Autoscale"},` +
		`"eventTimestamp":"2026-11-23T02:27:52.1097640Z","level":"Informational","resourceId":"` + asSetting + `",` +
		`"operationName":{"value":"` + op + `","localizedValue":"` + op + `"},"properties":` + props + `,` +
		`"status":{"value":"` + status + `","localizedValue":"` + status + `"},"subStatus":{"value":null},"subscriptionId":"9b4e2c86-1f7a-4d53-8e29-c5a1f3b7d604"}`
}

func asProps(target, old, new string) string {
	return `{"Description":"The autoscale engine attempting to scale resource '` + target + `' from ` + old + ` instances count to ` + new + ` instances count.",` +
		`"ResourceName":"` + target + `","OldInstancesCount":"` + old + `","NewInstancesCount":"` + new + `","LastScaleActionTime":"Mon, 23 Nov 2026 02:27:52 GMT"}`
}

// TestAutoscaleActions: a completed scale-out's record counts the
// instances it gave its target, New less Old, in every envelope; its
// start, a scale-in, a failure and a target that is no compute count
// none; the counts are kept for what the hunt learns of the target.
func TestAutoscaleActions(t *testing.T) {
	t.Parallel()
	vmss := strings.ToLower(asVMSS)
	eventProps := `{\"Description\":\"The autoscale engine attempting to scale resource '` + asVMSS + `' from 21 instances count to 41 instances count.\",` +
		`\"ResourceName\":\"` + asVMSS + `\",\"OldInstancesCount\":21,\"NewInstancesCount\":41,` +
		`\"ActiveAutoscaleProfile\":{\"Name\":\"cpu\",\"Capacity\":{\"Minimum\":\"1\",\"Maximum\":\"200\",\"Default\":\"1\"}},\"LastScaleActionTime\":\"Mon, 23 Nov 2026 02:32:52 GMT\"}`
	for _, c := range []struct {
		name, rec string
		want      *event.Compute
	}{
		{
			"a scale-out completed (REST, az monitor activity-log list)",
			asREST("Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action", "Succeeded", asProps(asVMSS, "1", "21")),
			&event.Compute{Service: "vmss", Target: vmss, Old: 1, New: 21, Count: 20},
		},
		{
			"its start names the same counts and counts none",
			asREST("Microsoft.Insights/AutoscaleSettings/Scaleup/Action", "Started", asProps(asVMSS, "1", "21")),
			&event.Compute{Service: "vmss", Target: vmss, Old: 1, New: 21},
		},
		{
			"a predictive scale-out completed",
			asREST("Microsoft.Insights/AutoscaleSettings/PredictiveScaleupResult/Action", "Succeeded", asProps(asVMSS, "4", "10")),
			&event.Compute{Service: "vmss", Target: vmss, Old: 4, New: 10, Count: 6},
		},
		{
			"a scale-out that failed gave nothing",
			asREST("Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action", "Failed", asProps(asVMSS, "1", "200")),
			&event.Compute{Service: "vmss", Target: vmss, Old: 1, New: 200},
		},
		{
			"a scale-in completed: the target's count, no growth",
			asREST("Microsoft.Insights/AutoscaleSettings/ScaledownResult/Action", "Succeeded", asProps(asVMSS, "6", "3")),
			&event.Compute{Service: "vmss", Target: vmss, Old: 6, New: 3},
		},
		{
			"an App Service plan's workers, names in the common alert schema's case",
			asREST("Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action", "Succeeded",
				`{"resourceName":"`+asSub+`/providers/Microsoft.Web/serverFarms/asp-shop","oldInstancesCount":"2","newInstancesCount":"5"}`),
			&event.Compute{Service: "appservice", Target: strings.ToLower(asSub + "/providers/Microsoft.Web/serverFarms/asp-shop"), Old: 2, New: 5, Count: 3},
		},
		{
			"API Management's units are no compute",
			asREST("Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action", "Succeeded", asProps(asSub+"/providers/Microsoft.ApiManagement/service/apim", "1", "4")),
			nil,
		},
		{
			"the counts alone (GetOperationStatusResult): counted, the target left to the setting's write",
			asREST("Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action", "Succeeded", `{"OldInstancesCount":3,"NewInstancesCount":9}`),
			&event.Compute{Old: 3, New: 9, Count: 6},
		},
		{
			"no counts: unknown, not none",
			asREST("Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action", "Succeeded", `{"ResourceName":"`+asVMSS+`"}`),
			&event.Compute{Service: "vmss", Target: vmss, NoBody: true},
		},
		{
			"a diagnostic setting's record: eventProperties the JSON text of the REST properties",
			`{"time":"2026-11-23T02:32:52.4417820Z","resourceId":"` + strings.ToUpper(asSetting) + `","operationName":"MICROSOFT.INSIGHTS/AUTOSCALESETTINGS/SCALEUPRESULT/ACTION",` +
				`"category":"Autoscale","resultType":"Succeeded","correlationId":"c2b7d0a4-5e61-4f3b-9a8c-7d6e5f4a3b21","level":"Information","location":"eastus2",` +
				`"identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/spn":"Microsoft.Insights/autoscaleSettings"}},` +
				`"properties":{"eventCategory":"Autoscale","eventName":"AutoscaleAction","operationId":"c2b7d0a4-5e61-4f3b-9a8c-7d6e5f4a3b21","eventProperties":"` + eventProps + `"}}`,
			&event.Compute{Service: "vmss", Target: vmss, Old: 21, New: 41, Count: 20},
		},
		{
			"a Log Analytics AzureActivity row (JSON export): Properties_d.eventProperties",
			`{"TenantId":"00000000-0000-4000-8000-00000000a11a","SourceSystem":"Azure","Type":"AzureActivity","TimeGenerated":"2026-11-23T02:32:52.4417820Z",` +
				`"OperationNameValue":"MICROSOFT.INSIGHTS/AUTOSCALESETTINGS/SCALEUPRESULT/ACTION","CategoryValue":"Autoscale","ActivityStatusValue":"Succeeded",` +
				`"Caller":"Microsoft.Insights/autoscaleSettings","CorrelationId":"c2b7d0a4-5e61-4f3b-9a8c-7d6e5f4a3b21","_ResourceId":"` + asSetting + `",` +
				`"SubscriptionId":"9b4e2c86-1f7a-4d53-8e29-c5a1f3b7d604","Properties_d":{"eventCategory":"Autoscale","eventName":"AutoscaleAction",` +
				`"operationId":"c2b7d0a4-5e61-4f3b-9a8c-7d6e5f4a3b21","eventProperties":"` + eventProps + `","activityStatusValue":"Succeeded"}}`,
			&event.Compute{Service: "vmss", Target: vmss, Old: 21, New: 41, Count: 20},
		},
		{
			"Azure PowerShell (Az.Monitor 3): the display name, the properties under Content",
			`{"EventTimestamp":"2026-11-23T02:32:52.4417820Z","SubmissionTimestamp":"2026-11-23T02:33:01.1Z","OperationName":"Autoscale scale up completed",` +
				`"Category":"Autoscale","Status":"Succeeded","EventName":"AutoscaleAction","Caller":"Microsoft.Insights/autoscaleSettings",` +
				`"CorrelationId":"c2b7d0a4-5e61-4f3b-9a8c-7d6e5f4a3b21","ResourceId":"` + asSetting + `","SubscriptionId":"9b4e2c86-1f7a-4d53-8e29-c5a1f3b7d604",` +
				`"Authorization":null,"HttpRequest":null,"Claims":{"Content":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/spn":"Microsoft.Insights/autoscaleSettings"}},` +
				`"Properties":{"Content":` + asProps(asVMSS, "21", "41") + `}}`,
			&event.Compute{Service: "vmss", Target: vmss, Old: 21, New: 41, Count: 20},
		},
	} {
		checkCompute(t, c.name, c.rec, c.want)
	}
}

// TestAutoscaleActionsAreReadInFull: a hunt that wants none of autoscale's
// records still decodes them in full: what they say of the target's
// instances is learned whether or not a rule reads them.
func TestAutoscaleActionsAreReadInFull(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"Scaleup", "ScaleupResult", "Scaledown", "ScaledownResult", "PredictiveScaleup", "PredictiveScaleupResult"} {
		rec := asREST("Microsoft.Insights/AutoscaleSettings/"+op+"/Action", "Succeeded", asProps(asVMSS, "6", "3"))
		v := fastjson.MustParse(rec)
		sc := record.Scratch{Wants: func(*event.Glance) bool { return false }}
		evs, err := Decode(&sc, v, shapeREST, nil)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v, %d events", op, err, len(evs))
		}
		if evs[0].Brief || evs[0].Compute == nil || evs[0].Compute.New != 3 {
			t.Errorf("%s: read briefly or without its counts: brief %v, compute %+v", op, evs[0].Brief, evs[0].Compute)
		}
	}
}

// TestAutoscaleActionsPrincipal: autoscale's records are the autoscale
// service's in every envelope, a diagnostic record's too, whose claims
// name it only by its spn.
func TestAutoscaleActionsPrincipal(t *testing.T) {
	t.Parallel()
	for _, rec := range []string{
		asREST("Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action", "Succeeded", asProps(asVMSS, "1", "21")),
		`{"time":"2026-11-23T02:32:52.4417820Z","resourceId":"` + asSetting + `","operationName":"MICROSOFT.INSIGHTS/AUTOSCALESETTINGS/SCALEUPRESULT/ACTION",` +
			`"category":"Autoscale","resultType":"Succeeded","correlationId":"c2b7d0a4-5e61-4f3b-9a8c-7d6e5f4a3b21",` +
			`"identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/spn":"Microsoft.Insights/autoscaleSettings"}},` +
			`"properties":{"eventCategory":"Autoscale","eventName":"AutoscaleAction","eventProperties":{"OldInstancesCount":1,"NewInstancesCount":21}}}`,
	} {
		v := fastjson.MustParse(rec)
		shape, _ := Detect(v, record.Hint{Format: "json"})
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v, %d events", shape, err, len(evs))
		}
		if p := evs[0].Principal; p != (event.Principal{Name: "Microsoft.Insights/autoscaleSettings"}) {
			t.Errorf("%s: principal %+v, want the autoscale service", shape, p)
		}
	}
}
