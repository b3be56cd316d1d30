package securityalert

import (
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// FuzzDecode: whatever a record holds, Detect and Decode return (no
// panic), and an event they return is a security alert with a type and a
// time. go test -fuzz FuzzDecode ./internal/source/securityalert
func FuzzDecode(f *testing.F) {
	for _, v := range fixture(f, "rest_GetAlertsSubscription_example.json").GetArray("responses", "200", "body", "value") {
		f.Add(string(v.MarshalTo(nil)), false)
	}
	for _, v := range fixture(f, "la_securityalert.json").GetArray() {
		f.Add(string(v.MarshalTo(nil)), false)
		f.Add(string(v.MarshalTo(nil)), true)
	}
	f.Add(`{"Type":"SecurityAlert","AlertType":"x","TimeGenerated":"2026-01-01T00:00:00Z","Entities":"[{\"Type\":\"ip\",\"Address\":5},{\"Type\":\"host\"}]"}`, false)
	f.Add(`{"type":"Microsoft.Security/Locations/alerts","id":"/locations/","properties":{"alertType":"a","startTimeUtc":"2026-01-01T00:00:00Z","resourceIdentifiers":[1,{"azureResourceId":7}],"entities":"[]"}}`, false)
	f.Fuzz(func(t *testing.T, rec string, csv bool) {
		v, err := fastjson.Parse(rec)
		if err != nil {
			return
		}
		h := record.Hint{Format: "json"}
		if csv {
			h = record.Hint{Format: "csv", Table: "SecurityAlert"}
		}
		shape, ok := Detect(v, h)
		if !ok {
			return
		}
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err != nil {
			if len(evs) != 0 {
				t.Fatalf("an error and %d events", len(evs))
			}
			return
		}
		if len(evs) != 1 || evs[0].Alert == nil || evs[0].Alert.Type == "" || evs[0].Time.IsZero() {
			t.Fatalf("events %+v", evs)
		}
	})
}
