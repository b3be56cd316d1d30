package databricks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// FuzzDecode: whatever a record holds, Detect and Decode return (no
// panic); an event they return is a databricks event with a time, whose
// compute, if any, is a cluster's with no negative count and no more
// Spot machines than machines, and an error comes with no event.
// go test -run XXX -fuzz FuzzDecode ./internal/source/databricks
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"insights-logs-clusters-PT1H.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f.Add(l, "")
		}
	}
	b, err := os.ReadFile(filepath.Join("testdata", "DatabricksClusters.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range fastjson.MustParseBytes(b).GetArray() {
		f.Add(string(v.MarshalTo(nil)), "")
		f.Add(string(v.MarshalTo(nil)), "DatabricksClusters")
	}
	f.Add(`{"time":"2026-01-01T00:00:00Z","category":"clusters","operationName":"Microsoft.Databricks/clusters/create","identity":7,"properties":{"requestParams":"{\"num_workers\":\"1e30\",\"autoscale\":\"[1]\",\"azure_attributes\":\"{\\\"availability\\\":\\\"SPOT_AZURE\\\",\\\"first_on_demand\\\":-3}\"}","response":"{\"statusCode\":\"x\",\"result\":\"{\\\"cluster_id\\\":\\\"a/b\\\"}\"}"}}`, "")
	f.Add(`{"Type":"DatabricksClusters","TimeGenerated":"2026-01-01T00:00:00Z","ActionName":"resize","RequestParams":{"cluster_id":"c","num_workers":-1,"cause":"USER_REQUEST"},"Response":{"statusCode":200}}`, "")
	f.Add(`{"time":"2026-01-01T00:00:00Z","category":"clusters","resourceId":"/providers/microsoft.databricks/workspaces/","properties":{"actionName":"edit","requestParams":"{\"driver_node_type_id\":\"\",\"num_workers\":2147483648}"}}`, "")
	f.Fuzz(func(t *testing.T, rec, table string) {
		v, err := fastjson.Parse(rec)
		if err != nil {
			return
		}
		h := record.Hint{Format: "json", Table: table}
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
		if len(evs) == 0 {
			t.Fatal("no event and no error")
		}
		for i, e := range evs {
			if e.Kind != event.KindDatabricks || e.Shape != shape || e.Time.IsZero() || e.Loc.Index != i {
				t.Fatalf("event %d: %+v", i, e)
			}
			if c := e.Compute; c != nil && (c.Service != service || c.Count < 0 || c.LowPri < 0 || c.LowPri > c.Count) {
				t.Fatalf("event %d: compute %+v", i, *c)
			}
		}
	})
}
