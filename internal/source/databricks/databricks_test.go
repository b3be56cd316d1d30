package databricks

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

var jsonHint = record.Hint{Format: "json"}

const (
	workspace = "/subscriptions/3f6a1c2d-8b4e-4d7a-9c15-2e8f0a6b4d31/resourcegroups/rg-analytics/providers/microsoft.databricks/workspaces/dbw-analytics-prod"
	sub       = "3f6a1c2d-8b4e-4d7a-9c15-2e8f0a6b4d31"
	clusterID = "1123-021504-x7k2mq9a"
)

// lines reads a JSON lines fixture, one parsed record a line.
func lines(t *testing.T, name string) []*fastjson.Value {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*fastjson.Value
	s := bufio.NewScanner(f)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		v, err := fastjson.ParseBytes(s.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// decodeAll detects and decodes a record, failing the test if it is not
// claimed or not read.
func decodeAll(t *testing.T, v *fastjson.Value, h record.Hint) []event.Event {
	t.Helper()
	shape, ok := Detect(v, h)
	if !ok {
		t.Fatalf("not claimed: %s", record.Clip(v.String(), 200))
	}
	evs, err := Decode(&record.Scratch{}, v, shape, nil)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return evs
}

// compute is what an event's compute says, in one comparable line.
func compute(e event.Event) string {
	c := e.Compute
	if c == nil {
		return "none"
	}
	return strings.Join([]string{c.Service, c.Size, strconv.Itoa(c.Count), strconv.Itoa(c.LowPri), c.Priority, c.Cluster, e.ResourceID}, "|")
}

// The storage account's blob: every record of the clusters category is an
// event of the person who asked; creates, edits and user resizes carry
// the machines they ask for, and nothing else does.
func TestDiagnosticRecords(t *testing.T) {
	t.Parallel()
	recs := lines(t, "insights-logs-clusters-PT1H.json")
	key := sub + "/" + clusterID
	want := []struct {
		op      string
		outcome event.Outcome
		compute []string
	}{
		// 40 A100 workers on Spot (first_on_demand 1 keeps the driver on
		// demand) and a D8ds_v5 driver: two sizes, two events, the most
		// machines first.
		{"microsoft.databricks/clusters/create", event.OutcomeSucceeded, []string{
			"databricks|Standard_NC24ads_A100_v4|40|40|Spot|" + key + "|" + workspace,
			"databricks|Standard_D8ds_v5|1|0||" + key + "|" + workspace}},
		{"microsoft.databricks/clusters/createresult", event.OutcomeSucceeded, []string{"none"}},
		// Autoscale from 8 to 64: the floor and the driver, not the maximum.
		{"microsoft.databricks/clusters/edit", event.OutcomeSucceeded, []string{
			"databricks|Standard_NC24ads_A100_v4|9|0||" + key + "|" + workspace}},
		// A user's resize names no size: 60 workers of the cluster's.
		{"microsoft.databricks/clusters/resize", event.OutcomeSucceeded, []string{
			"databricks||60|0||" + key + "|" + workspace}},
		// The autoscaler's resize is no one's request.
		{"microsoft.databricks/clusters/resize", event.OutcomeSucceeded, []string{"none"}},
		// Refused: still a request for 11 machines, with no cluster made.
		{"microsoft.databricks/clusters/create", event.OutcomeFailed, []string{
			"databricks|Standard_ND96asr_v4|11|0|||" + workspace}},
		{"microsoft.databricks/clusters/delete", event.OutcomeSucceeded, []string{"none"}},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, v := range recs {
		evs := decodeAll(t, v, jsonHint)
		w := want[i]
		if len(evs) != len(w.compute) {
			t.Errorf("record %d (%s): %d events, want %d", i, w.op, len(evs), len(w.compute))
			continue
		}
		for j, e := range evs {
			if e.Kind != event.KindDatabricks || e.Shape != ShapeDiagnostic || event.KindOfShape(e.Shape) != event.KindDatabricks ||
				e.Operation != w.op || e.Outcome != w.outcome || e.Subscription != sub || e.Tenant != "" || e.Loc.Index != j {
				t.Errorf("record %d event %d: %+v", i, j, e)
			}
			if got := compute(e); got != w.compute[j] {
				t.Errorf("record %d (%s) event %d: compute %s, want %s", i, w.op, j, got, w.compute[j])
			}
		}
	}
	create := decodeAll(t, recs[0], jsonHint)[0]
	if create.Principal != (event.Principal{ID: "maria.lopez@contoso.com", UPN: "maria.lopez@contoso.com", Type: "User"}) ||
		create.SourceIP != netip.MustParseAddr("203.0.113.77") || create.ID != "8f3c2a61-5d4e-4b7a-9e0c-1f2d3a4b5c6d" ||
		create.CorrelationID != "ServiceMain-3c7d1e2f0a9b0002" || create.Status != "200" || create.Category != "clusters" ||
		!create.Time.Equal(time.Date(2026, 11, 23, 2, 15, 4, 118e6, time.UTC)) || create.Region != "" {
		t.Errorf("create: %+v", create)
	}
	failed := decodeAll(t, recs[5], jsonHint)[0]
	if failed.Status != "400" || !strings.HasPrefix(failed.StatusMessage, "INVALID_PARAMETER_VALUE: Node type") {
		t.Errorf("refused create: status %q, message %q", failed.Status, failed.StatusMessage)
	}
}

// The Log Analytics rows give what the blob's records give: the
// DatabricksClusters columns as JSON text (a JSON export, the query API)
// or as objects (a dynamic column shown parsed).
func TestLogAnalyticsRowsReadAsTheBlob(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "DatabricksClusters.json"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := fastjson.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	recs := lines(t, "insights-logs-clusters-PT1H.json")
	arr := rows.GetArray()
	if len(arr) != len(recs) {
		t.Fatalf("%d rows, %d records", len(arr), len(recs))
	}
	for i, row := range arr {
		la := decodeAll(t, row, jsonHint)
		diag := decodeAll(t, recs[i], jsonHint)
		if len(la) != len(diag) {
			t.Fatalf("row %d: %d events, the record %d", i, len(la), len(diag))
		}
		for j := range la {
			if la[j].Shape != ShapeLA {
				t.Errorf("row %d: shape %s", i, la[j].Shape)
			}
			la[j].Shape = diag[j].Shape
			if !same(la[j], diag[j]) {
				t.Errorf("row %d event %d:\n%+v\n%+v", i, j, la[j], diag[j])
			}
		}
	}
}

// same compares what the readers give of an event.
func same(a, b event.Event) bool {
	ca, cb := a.Compute, b.Compute
	if (ca == nil) != (cb == nil) || ca != nil && *ca != *cb {
		return false
	}
	a.Compute, b.Compute = nil, nil
	return a.Time.Equal(b.Time) && a.Kind == b.Kind && a.Shape == b.Shape && a.ID == b.ID && a.Operation == b.Operation &&
		a.Outcome == b.Outcome && a.Status == b.Status && a.StatusMessage == b.StatusMessage && a.CorrelationID == b.CorrelationID &&
		a.Principal == b.Principal && a.SourceIP == b.SourceIP && a.ResourceID == b.ResourceID && a.Subscription == b.Subscription &&
		a.Region == b.Region && a.Loc == b.Loc
}

// What a cluster's specification asks for, by the API's rules.
func TestClusterMachines(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, params string
		want         []machines
	}{
		{"fixed size, one node type", `{"node_type_id":"Standard_DS3_v2","num_workers":"4"}`,
			[]machines{{"Standard_DS3_v2", 5, false}}},
		{"numbers as numbers", `{"node_type_id":"Standard_DS3_v2","num_workers":4}`,
			[]machines{{"Standard_DS3_v2", 5, false}}},
		{"single node: the driver only", `{"node_type_id":"Standard_NC24ads_A100_v4","num_workers":"0"}`,
			[]machines{{"Standard_NC24ads_A100_v4", 1, false}}},
		{"autoscale: its floor, not its maximum", `{"node_type_id":"Standard_DS3_v2","num_workers":"99","autoscale":"{\"min_workers\":2,\"max_workers\":50}"}`,
			[]machines{{"Standard_DS3_v2", 3, false}}},
		{"autoscale as an object", `{"node_type_id":"Standard_DS3_v2","autoscale":{"min_workers":2,"max_workers":50}}`,
			[]machines{{"Standard_DS3_v2", 3, false}}},
		{"all Spot: first_on_demand 0 puts the driver there too", `{"node_type_id":"Standard_DS3_v2","num_workers":"3","azure_attributes":"{\"availability\":\"SPOT_AZURE\",\"first_on_demand\":0}"}`,
			[]machines{{"Standard_DS3_v2", 4, true}}},
		{"Spot past the first three", `{"node_type_id":"Standard_DS3_v2","num_workers":"10","azure_attributes":"{\"availability\":\"SPOT_WITH_FALLBACK_AZURE\",\"first_on_demand\":3}"}`,
			[]machines{{"Standard_DS3_v2", 8, true}, {"Standard_DS3_v2", 3, false}}},
		{"Spot with the default first_on_demand: the driver on demand", `{"node_type_id":"Standard_DS3_v2","num_workers":"10","azure_attributes":"{\"availability\":\"SPOT_AZURE\"}"}`,
			[]machines{{"Standard_DS3_v2", 10, true}, {"Standard_DS3_v2", 1, false}}},
		{"first_on_demand past the cluster's size: none on Spot", `{"node_type_id":"Standard_DS3_v2","num_workers":"2","azure_attributes":"{\"availability\":\"SPOT_AZURE\",\"first_on_demand\":5}"}`,
			[]machines{{"Standard_DS3_v2", 3, false}}},
		{"on demand", `{"node_type_id":"Standard_DS3_v2","num_workers":"10","azure_attributes":"{\"availability\":\"ON_DEMAND_AZURE\",\"first_on_demand\":0}"}`,
			[]machines{{"Standard_DS3_v2", 11, false}}},
		{"a GPU driver apart from CPU workers", `{"node_type_id":"Standard_DS3_v2","driver_node_type_id":"Standard_NC24ads_A100_v4","num_workers":"2"}`,
			[]machines{{"Standard_DS3_v2", 2, false}, {"Standard_NC24ads_A100_v4", 1, false}}},
		{"an instance pool: size unknown", `{"instance_pool_id":"1123-020000-pool7-pool-abcdefgh","num_workers":"6"}`,
			[]machines{{"", 7, false}}},
		{"a negative count is none", `{"node_type_id":"Standard_DS3_v2","num_workers":"-40"}`,
			[]machines{{"Standard_DS3_v2", 1, false}}},
		{"no specification", `"cluster"`, nil},
	} {
		v, err := fastjson.Parse(c.params)
		if err != nil {
			t.Fatal(err)
		}
		got := clusterMachines(&record.Scratch{}, v)
		if len(got) != len(c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
			}
		}
	}
}

// Records of other tables and of the workspace's other categories are
// not claimed; a clusters record of another service is not either.
func TestDetect(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rec   string
		table string
		want  string
	}{
		{`{"Type":"DatabricksClusters","TimeGenerated":"2026-01-01T00:00:00Z"}`, "", ShapeLA},
		{`{"TimeGenerated":"2026-01-01T00:00:00Z"}`, "DatabricksClusters", ShapeLA},
		{`{"TableName":"PrimaryResult","TimeGenerated":"2026-01-01T00:00:00Z","Category":"clusters","OperationName":"Microsoft.Databricks/clusters/create","ActionName":"create"}`, "PrimaryResult", ShapeLA},
		{`{"Type":"DatabricksJobs","Category":"jobs","OperationName":"Microsoft.Databricks/jobs/create"}`, "", ""},
		{`{"time":"2026-01-01T00:00:00Z","category":"jobs","operationName":"Microsoft.Databricks/jobs/create","properties":{}}`, "", ""},
		{`{"time":"2026-01-01T00:00:00Z","category":"clusters","operationName":"Microsoft.Databricks/clusters/create","properties":{}}`, "", ShapeDiagnostic},
		{`{"time":"2026-01-01T00:00:00Z","category":"Clusters","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.DATABRICKS/WORKSPACES/W","properties":{}}`, "", ShapeDiagnostic},
		{`{"time":"2026-01-01T00:00:00Z","category":"clusters","operationName":"Microsoft.Kusto/clusters/write","resourceId":"/subscriptions/s/providers/Microsoft.Kusto/clusters/k","properties":{}}`, "", ""},
		{`{"Type":"AzureActivity","Category":"clusters"}`, "", ""},
		{`[1]`, "", ""},
	} {
		v := fastjson.MustParse(c.rec)
		shape, ok := Detect(v, record.Hint{Format: "json", Table: c.table})
		if shape != c.want || ok != (c.want != "") {
			t.Errorf("%s (table %q): %q %v, want %q", c.rec, c.table, shape, ok, c.want)
		}
	}
}

// Bad records: an error that says why, never a panic or a guess.
func TestBadRecords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ rec, want string }{
		{`{"category":"clusters","operationName":"Microsoft.Databricks/clusters/create","properties":{}}`, "no event time"},
		{`{"time":"yesterday","category":"clusters","operationName":"Microsoft.Databricks/clusters/create","properties":{}}`, `bad time "yesterday"`},
		{`{"time":"2026-01-01T00:00:00Z","category":"clusters","operationName":"Microsoft.Databricks/clusters/create","properties":"[]"}`, "without properties"},
	} {
		v := fastjson.MustParse(c.rec)
		shape, ok := Detect(v, jsonHint)
		if !ok {
			t.Errorf("%s: not claimed", c.rec)
			continue
		}
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || len(evs) != 0 {
			t.Errorf("%s: %v, %d events; want an error saying %q", c.rec, err, len(evs), c.want)
		}
	}
}

// A Databricks service principal is named by its application id; a name
// Databricks gives its own acts is a name, no one's id.
func TestPrincipal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		identity string
		want     event.Principal
	}{
		{`"{\"email\":\"Ana@Contoso.com\",\"subjectName\":null}"`, event.Principal{ID: "ana@contoso.com", UPN: "Ana@Contoso.com", Type: "User"}},
		{`{"email":"6F2C1B0A-3D4E-4F5A-8B9C-0D1E2F3A4B5C"}`, event.Principal{ID: "6f2c1b0a-3d4e-4f5a-8b9c-0d1e2f3a4b5c", AppID: "6f2c1b0a-3d4e-4f5a-8b9c-0d1e2f3a4b5c", Type: "ServicePrincipal"}},
		{`"System-User"`, event.Principal{Name: "System-User"}},
		{`null`, event.Principal{}},
	} {
		v := fastjson.MustParse(`{"identity":` + c.identity + `}`)
		if got := principal(&record.Scratch{}, v); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.identity, got, c.want)
		}
	}
}
