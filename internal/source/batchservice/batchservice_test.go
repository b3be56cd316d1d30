package batchservice

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

const (
	account = "/subscriptions/7c2e9a41-5b3d-4f18-9e6a-2d8b1c4f0a37/resourcegroups/rg-render/providers/microsoft.batch/batchaccounts/renderfarm01"
	gpuPool = account + "/pools/gpu-burst"
)

var jsonHint = record.Hint{Format: "json"}

// lines parses each line of a testdata file.
func lines(t testing.TB, name string) []*fastjson.Value {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*fastjson.Value
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		v, err := fastjson.Parse(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func parse(t testing.TB, s string) *fastjson.Value {
	t.Helper()
	v, err := fastjson.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// read detects and decodes one record, failing on anything but events.
func read(t *testing.T, v *fastjson.Value, h record.Hint) []event.Event {
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

// The storage blob's records: the GPU pool's create and the resize that
// sizes it are read as the Activity Log's pool write (its create a
// success naming size and nodes, its resize the request of the nodes it
// adds), the resize complete and the task start are not claimed, the
// pool's scale-in adds nothing, and a nightly autoscaled pool's resize
// counts what it adds.
func TestStorageBlobRecords(t *testing.T) {
	t.Parallel()
	recs := lines(t, "PT1H.json")
	if len(recs) != 6 {
		t.Fatalf("%d records", len(recs))
	}
	for _, i := range []int{2, 3} {
		if shape, ok := Detect(recs[i], jsonHint); ok {
			t.Errorf("record %d (%s) claimed as %s: it asks for no node", i, recs[i].GetStringBytes("operationName"), shape)
		}
	}
	create := read(t, recs[0], jsonHint)
	if len(create) != 1 {
		t.Fatalf("create: %d events", len(create))
	}
	e := create[0]
	want := event.Event{
		Time: time.Date(2026, 3, 14, 2, 11, 7, 441093200, time.UTC), Kind: event.KindActivity, Shape: ShapeDiagnostic,
		Category: "ServiceLog", Operation: "microsoft.batch/batchaccounts/pools/write", Outcome: event.OutcomeSucceeded,
		Status: "PoolCreateEvent", Subscription: "7c2e9a41-5b3d-4f18-9e6a-2d8b1c4f0a37", ResourceID: gpuPool,
		ResourceType: "microsoft.batch/batchaccounts/pools",
	}
	if !e.Time.Equal(want.Time) || e.Kind != want.Kind || e.Shape != want.Shape || e.Category != want.Category ||
		e.Operation != want.Operation || e.Outcome != want.Outcome || e.Status != want.Status ||
		e.Subscription != want.Subscription || e.ResourceID != want.ResourceID || e.ResourceType != want.ResourceType {
		t.Errorf("create read as\n%+v\nwant\n%+v", e, want)
	}
	if e.Tenant != "" || e.Region != "" || e.CorrelationID != "" || e.SourceIP.IsValid() {
		t.Errorf("the log names no tenant, region, correlation or address; read %q %q %q %v", e.Tenant, e.Region, e.CorrelationID, e.SourceIP)
	}
	if p := e.Principal; p.ID != account || p.Type != PrincipalType || p.UPN != "" ||
		p.Name != "unknown caller of Batch account renderfarm01 (its service log names none)" {
		t.Errorf("principal %+v", p)
	}
	if c := e.Compute; c == nil || *c != (event.Compute{Service: "batch", Size: "STANDARD_NC24ADS_A100_V4", Count: 32, LowPri: 24, Target: gpuPool}) {
		t.Errorf("create's compute %+v", c)
	}

	resize := read(t, recs[1], jsonHint)
	if len(resize) != 1 {
		t.Fatalf("resize: %d events", len(resize))
	}
	r := resize[0]
	if r.Outcome != event.OutcomeStarted || r.Status != "PoolResizeStartEvent" || r.ResourceID != gpuPool || r.Principal.ID != account {
		t.Errorf("resize read as %+v", r)
	}
	if c := r.Compute; c == nil || *c != (event.Compute{Service: "batch", Count: 32, LowPri: 24, Target: gpuPool}) {
		t.Errorf("resize's compute %+v: the nodes it adds, no size (the log names none)", c)
	}

	if evs := read(t, recs[4], jsonHint); len(evs) != 0 {
		t.Errorf("a scale-in to zero gave %+v", evs)
	}
	nightly := read(t, recs[5], jsonHint)
	if len(nightly) != 1 || nightly[0].Compute.Count != 10 || nightly[0].Compute.LowPri != 0 || nightly[0].ResourceID != account+"/pools/nightly-cpu" {
		t.Errorf("autoscaled pool from 2 to 12 nodes: %+v", nightly)
	}
}

// An Event Hub message's records and the AzureDiagnostics rows of a
// workspace give the events the storage blob gives, to the millisecond
// the table keeps, with the same id: read from two exports, a record
// counts once.
func TestExportsGiveTheSameEvents(t *testing.T) {
	t.Parallel()
	key := func(e event.Event) string {
		c := e.Compute
		return strings.Join([]string{e.ID, e.Time.Truncate(time.Millisecond).Format(time.RFC3339Nano), e.Shape[:6], e.Operation, e.Outcome.String(), e.Status,
			e.ResourceID, e.Subscription, e.Principal.ID, e.Principal.Name, c.Size, c.Target, strings.Repeat("n", c.Count), strings.Repeat("l", c.LowPri)}, "|")
	}
	var blob []string
	for _, v := range lines(t, "PT1H.json") {
		if _, ok := Detect(v, jsonHint); ok {
			for _, e := range read(t, v, jsonHint) {
				blob = append(blob, key(e))
			}
		}
	}
	if len(blob) != 3 {
		t.Fatalf("%d events from the blob", len(blob))
	}
	hub := parse(t, readFile(t, "eventhub-message.json"))
	var fromHub []string
	for _, v := range hub.GetArray("records") {
		if _, ok := Detect(v, jsonHint); ok {
			for _, e := range read(t, v, jsonHint) {
				fromHub = append(fromHub, key(e))
			}
		}
	}
	var la []string
	for _, v := range parse(t, readFile(t, "azurediagnostics.json")).GetArray() {
		shape, ok := Detect(v, jsonHint)
		if !ok {
			continue
		}
		if shape != ShapeLA {
			t.Fatalf("row read as %s", shape)
		}
		for _, e := range read(t, v, jsonHint) {
			la = append(la, key(e))
		}
	}
	for name, got := range map[string][]string{"event hub": fromHub, "azurediagnostics": la} {
		if strings.Join(got, "\n") != strings.Join(blob, "\n") {
			t.Errorf("%s:\n%s\nblob:\n%s", name, strings.Join(got, "\n"), strings.Join(blob, "\n"))
		}
	}
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A workspace past AzureDiagnostics' 500 columns keeps new ones in
// AdditionalFields; Learn's first examples named the pool poolId and its
// nodes targetDedicated; CSV cells are text.
func TestOtherSpellings(t *testing.T) {
	t.Parallel()
	const common = `"Type":"AzureDiagnostics","TimeGenerated":"2026-03-14T02:11:07.441Z","Category":"ServiceLog","ResourceProvider":"MICROSOFT.BATCH","ResourceId":"` + account + `"`
	cases := []struct {
		name, rec string
		hint      record.Hint
		count     int
		size      string
	}{
		{"AdditionalFields", `{` + common + `,"OperationName":"PoolCreateEvent","id_s":"gpu-burst","AdditionalFields":{"vmSize_s":"Standard_ND96asr_v4","targetDedicatedNodes_d":40,"targetLowPriorityNodes_d":0}}`, jsonHint, 40, "Standard_ND96asr_v4"},
		{"AdditionalFields as text", `{` + common + `,"OperationName":"PoolResizeStartEvent","AdditionalFields":"{\"id_s\":\"gpu-burst\",\"targetDedicatedNodes_d\":40,\"currentDedicatedNodes_d\":4}"}`, jsonHint, 36, ""},
		{"CSV cells", `{` + common + `,"OperationName":"PoolResizeStartEvent","id_s":"gpu-burst","targetDedicatedNodes_d":"40","currentDedicatedNodes_d":"","targetLowPriorityNodes_d":"","currentLowPriorityNodes_d":""}`, record.Hint{Format: "csv", Table: "AzureDiagnostics"}, 40, ""},
		{"2016 names", `{"time":"2016-09-09T22:13:06.573Z","resourceId":"` + account + `","category":"ServiceLog","operationName":"PoolResizeStartEvent","properties":{"poolId":"gpu-burst","currentDedicated":0,"targetDedicated":2}}`, jsonHint, 2, ""},
		{"2018 names", `{"time":"2018-03-05T22:00:00Z","resourceId":"` + account + `","category":"ServiceLog","operationName":"PoolCreateEvent","properties":{"poolId":"gpu-burst","vmSize":"Small","targetDedicatedComputeNodes":2}}`, jsonHint, 2, "Small"},
	}
	for _, tc := range cases {
		evs := read(t, parse(t, tc.rec), tc.hint)
		if len(evs) != 1 || evs[0].ResourceID != gpuPool || evs[0].Compute.Count != tc.count || evs[0].Compute.Size != tc.size {
			t.Errorf("%s: %+v", tc.name, evs)
		}
	}
}

// What is not a Batch pool's create or resize start is left to the other
// families, or to be counted as ignored.
func TestDetectRefuses(t *testing.T) {
	t.Parallel()
	for name, rec := range map[string]string{
		"another service's ServiceLog":    `{"time":"2026-01-01T00:00:00Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.DATALAKESTORE/ACCOUNTS/A","category":"ServiceLog","operationName":"PoolCreateEvent","properties":{}}`,
		"a Batch task event":              `{"time":"2026-01-01T00:00:00Z","resourceId":"` + account + `","category":"ServiceLog","operationName":"TaskCompleteEvent","properties":{"id":"t"}}`,
		"the Activity Log's pool write":   `{"time":"2026-01-01T00:00:00Z","resourceId":"` + gpuPool + `","category":"Administrative","operationName":"MICROSOFT.BATCH/BATCHACCOUNTS/POOLS/WRITE","properties":{}}`,
		"a row of another table":          `{"Type":"AzureActivity","Category":"ServiceLog","OperationName":"PoolCreateEvent","ResourceId":"` + account + `"}`,
		"an AzureDiagnostics Key Vault":   `{"Type":"AzureDiagnostics","Category":"AuditEvent","OperationName":"VaultGet","ResourceProvider":"MICROSOFT.KEYVAULT"}`,
		"a diagnostic without properties": `{"time":"2026-01-01T00:00:00Z","resourceId":"` + account + `","category":"ServiceLog","operationName":"PoolCreateEvent"}`,
	} {
		if shape, ok := Detect(parse(t, rec), jsonHint); ok {
			t.Errorf("%s claimed as %s", name, shape)
		}
	}
}

// A record the reader claims but cannot read says why; none is read
// half.
func TestBadRecords(t *testing.T) {
	t.Parallel()
	head := `{"time":"2026-03-14T02:11:07Z","resourceId":"` + account + `/","category":"ServiceLog","operationName":"PoolResizeStartEvent",`
	for name, tc := range map[string]struct {
		rec  string
		want error
	}{
		"no time":         {`{"resourceId":"` + account + `","category":"ServiceLog","operationName":"PoolCreateEvent","properties":{"id":"p"}}`, record.ErrNoTime},
		"no pool":         {head + `"properties":{"targetDedicatedNodes":4}}`, errNoPool},
		"a pool id path":  {head + `"properties":{"id":"a/../b","targetDedicatedNodes":4}}`, errNoPool},
		"no target":       {head + `"properties":{"id":"p","currentDedicatedNodes":4}}`, errNoTarget},
		"a pool's id":     {`{"time":"2026-03-14T02:11:07Z","resourceId":"` + gpuPool + `","category":"ServiceLog","operationName":"PoolCreateEvent","properties":{"id":"p"}}`, errNoAccount},
		"no subscription": {`{"time":"2026-03-14T02:11:07Z","resourceId":"/providers/microsoft.batch/batchaccounts/a","category":"ServiceLog","operationName":"PoolCreateEvent","properties":{"id":"p"}}`, errNoAccount},
		"properties text": {head + `"properties":"not an object"}`, nil},
		"bad time":        {`{"time":"yesterday","resourceId":"` + account + `","category":"ServiceLog","operationName":"PoolCreateEvent","properties":{"id":"p"}}`, nil},
	} {
		v := parse(t, tc.rec)
		shape, ok := Detect(v, jsonHint)
		if !ok {
			t.Errorf("%s: not claimed", name)
			continue
		}
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err == nil || len(evs) != 0 || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, %d events; want %v", name, err, len(evs), tc.want)
		}
	}
}
