package batchservice

import (
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// FuzzDecode: whatever a record holds, Detect and Decode return (no
// panic); an event they return is a Batch pool's compute create with a
// time, its account as principal and a count no resize makes negative.
// nice go test -run XXX -fuzz FuzzDecode -fuzztime 20s ./internal/source/batchservice
func FuzzDecode(f *testing.F) {
	for _, v := range lines(f, "PT1H.json") {
		f.Add(string(v.MarshalTo(nil)), false)
	}
	for _, v := range parse(f, readFile(f, "azurediagnostics.json")).GetArray() {
		f.Add(string(v.MarshalTo(nil)), false)
		f.Add(string(v.MarshalTo(nil)), true)
	}
	f.Add(`{"Type":"AzureDiagnostics","Category":"ServiceLog","OperationName":"PoolResizeStartEvent","ResourceId":"/subscriptions/s/providers/microsoft.batch/batchaccounts/a","TimeGenerated":"2026-01-01T00:00:00Z","AdditionalFields":"{\"id_s\":7,\"targetDedicatedNodes_d\":-1e300}"}`, false)
	f.Add(`{"time":"2026-01-01T00:00:00Z","resourceId":"/SUBSCRIPTIONS/S/PROVIDERS/MICROSOFT.BATCH/BATCHACCOUNTS/A//","category":"servicelogs","operationName":"poolcreateevent","properties":{"id":" ","targetDedicatedNodes":"9223372036854775807","targetLowPriorityNodes":9223372036854775807}}`, false)
	f.Fuzz(func(t *testing.T, rec string, csv bool) {
		v, err := fastjson.Parse(rec)
		if err != nil {
			return
		}
		h := record.Hint{Format: "json"}
		if csv {
			h = record.Hint{Format: "csv", Table: "AzureDiagnostics"}
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
		for _, e := range evs {
			c := e.Compute
			if e.Kind != event.KindActivity || e.Time.IsZero() || c == nil || c.Service != "batch" || c.Count < 0 || c.LowPri < 0 ||
				c.LowPri > c.Count || c.Target != e.ResourceID || e.Principal.ID == "" || e.Subscription == "" {
				t.Fatalf("event %+v compute %+v", e, c)
			}
		}
	})
}
