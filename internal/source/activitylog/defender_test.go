package activitylog

import (
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Defender's alerts in the Activity Log: an Activate Alert record gives
// its own event and the alert, in each shape the log is exported in. The
// REST record follows Microsoft's alerts schemas page; the diagnostic and
// Log Analytics ones move eventName and the properties under properties,
// as the resource logs schema maps them.
func TestDefenderAlertsInTheActivityLog(t *testing.T) {
	t.Parallel()
	const id = "2518250008431989649_e7313e05-edf4-466d-adfd-35974921aeff"
	const rid = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/gpu-eastus/providers/Microsoft.Security/locations/eastus/alerts/" + id
	records := map[string]string{
		"rest": `{"channels":"Operation","correlationId":"` + id + `","description":"Analysis of host data on train-0-vmss000003 detected the execution of a process or command normally associated with digital currency mining.",
			"eventDataId":"` + id + `","eventName":{"value":"Digital currency mining related behavior detected","localizedValue":"Digital currency mining related behavior detected"},
			"category":{"value":"Security","localizedValue":"Security"},"eventTimestamp":"2026-03-14T03:09:27.553Z","id":"` + rid + `/events/` + id + `/ticks/639000000000000000",
			"level":"Informational","operationId":"` + id + `","operationName":{"value":"Microsoft.Security/locations/alerts/activate/action","localizedValue":"Activate Alert"},
			"resourceGroupName":"gpu-eastus","resourceProviderName":{"value":"Microsoft.Security","localizedValue":"Microsoft.Security"},
			"resourceType":{"value":"Microsoft.Security/locations/alerts","localizedValue":"Microsoft.Security/locations/alerts"},"resourceId":"` + rid + `",
			"status":{"value":"Active","localizedValue":"Active"},"subStatus":{"value":"","localizedValue":""},"submissionTimestamp":"2026-03-14T03:20:00Z",
			"subscriptionId":"7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6","properties":{"actionTaken":"Detected","resourceType":"Virtual Machine Scale Set","severity":"High",
			"intent":"[\"Execution\"]","compromisedEntity":"train-0-vmss000003","remediationSteps":"[\"Stop the machine\"]","attackedResourceType":"Virtual Machine Scale Set"},"relatedEvents":[]}`,
		"diag": `{"time":"2026-03-14T03:09:27.553Z","resourceId":"` + rid + `","operationName":"Microsoft.Security/locations/alerts/activate/action","category":"Security",
			"resultType":"Active","resultSignature":"","durationMs":"0","callerIpAddress":"","correlationId":"` + id + `","level":"Informational","location":"global",
			"properties":{"eventCategory":"Security","eventName":"Digital currency mining related behavior detected","operationId":"` + id + `",
			"eventProperties":{"severity":"High","compromisedEntity":"train-0-vmss000003","intent":"[\"Execution\"]","resourceType":"Virtual Machine Scale Set"}}}`,
		"la": `{"TenantId":"00000000-0000-4000-8000-00000000a11a","SourceSystem":"Azure","Type":"AzureActivity","TimeGenerated":"2026-03-14T03:09:27.553Z",
			"OperationNameValue":"MICROSOFT.SECURITY/LOCATIONS/ALERTS/ACTIVATE/ACTION","OperationName":"Activate Alert","ActivityStatusValue":"Active",
			"CorrelationId":"` + id + `","EventDataId":"` + id + `","_ResourceId":"` + rid + `","SubscriptionId":"7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6","CategoryValue":"Security","Level":"Informational",
			"Properties_d":{"eventCategory":"Security","eventName":"Digital currency mining related behavior detected","operationId":"` + id + `",
			"eventProperties":{"severity":"High","compromisedEntity":"train-0-vmss000003","intent":"[\"Execution\"]"}}}`,
	}
	for name, rec := range records {
		v := fastjson.MustParse(rec)
		shape, ok := Detect(v, record.Hint{Format: "json"})
		if !ok {
			t.Fatalf("%s: not an Activity Log record", name)
		}
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err != nil || len(evs) != 2 {
			t.Fatalf("%s: %v, %d events; want the record's and the alert", name, err, len(evs))
		}
		own, a := evs[0], evs[1]
		if own.Kind != event.KindActivity || own.Operation != opSecurityAlert || own.Alert != nil {
			t.Errorf("%s: the record's own event: %+v", name, own)
		}
		if a.Kind != event.KindAlert || a.Shape != ShapeAlert || event.KindOfShape(a.Shape) != event.KindAlert || a.ID != id || a.CorrelationID != id ||
			a.Alert.Name != "Digital currency mining related behavior detected" || a.Alert.Severity != "High" ||
			a.Alert.Entity != "train-0-vmss000003" || a.Subscription != "7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6" || !a.Time.Equal(own.Time) || a.Time.IsZero() {
			t.Errorf("%s: the alert: %+v %+v", name, a, a.Alert)
		}
	}
	// An Activate Alert record naming no alert gives its own event only.
	v := fastjson.MustParse(`{"time":"2026-03-14T03:09:27Z","resourceId":"` + rid + `","operationName":"Microsoft.Security/locations/alerts/activate/action","category":"Security","resultType":"Active","properties":{}}`)
	shape, _ := Detect(v, record.Hint{Format: "json"})
	if evs, err := Decode(&record.Scratch{}, v, shape, nil); err != nil || len(evs) != 1 {
		t.Errorf("a record naming no alert: %v, %d events", err, len(evs))
	}
}

// TestAlertName: the alert's id is the last part of its record's resource
// id, as every export of the alert names it; a resource id that does not
// end in an alert gives none (the record is then known as any Activity
// Log event is).
func TestAlertName(t *testing.T) {
	for rid, want := range map[string]string{
		"/subscriptions/s/resourcegroups/g/providers/microsoft.security/locations/eastus/alerts/2518_abc": "2518_abc",
		"/subscriptions/s/providers/microsoft.security/locations/eastus/alerts/2518_abc":                  "2518_abc",
		"/subscriptions/s/providers/microsoft.security/locations/eastus/alerts/":                          "",
		"/subscriptions/s/providers/microsoft.security/locations/eastus/alerts/x/events/y":                "",
		"/subscriptions/s/resourcegroups/g":                                                               "",
		"":                                                                                                "",
	} {
		if got := alertName(rid); got != want {
			t.Errorf("alertName(%q) = %q, want %q", rid, got, want)
		}
	}
}
