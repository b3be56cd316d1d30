package activitylog

import (
	"math/bits"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// checkBrief decodes v in shape twice, in full and with a hunt that wants
// nothing, and fails unless the brief event says exactly what the full one
// says in the fields it fills, the glance the decision was made on agrees
// with the full event, and errors are the same. It reports whether the
// record was read briefly.
func checkBrief(t *testing.T, v *fastjson.Value, shape string) bool {
	t.Helper()
	var full, short record.Scratch
	var g event.Glance
	short.Wants = func(x *event.Glance) bool { g = *x; return false }
	fe, ferr := Decode(&full, v, shape, nil)
	be, berr := Decode(&short, v, shape, nil)
	if (ferr == nil) != (berr == nil) || ferr != nil && ferr.Error() != berr.Error() {
		t.Fatalf("%s: full decode error %v, brief %v", shape, ferr, berr)
	}
	if ferr != nil || len(be) == 0 || !be[0].Brief {
		return false
	}
	f, b := fe[0], be[0]
	if f.Time != b.Time || f.Tenant != b.Tenant || f.Subscription != b.Subscription || f.Operation != b.Operation || f.Status != b.Status ||
		f.Outcome != b.Outcome || f.Shape != b.Shape || f.Kind != b.Kind {
		t.Fatalf("%s: brief event %+v\ndiffers from the full one %+v", shape, b, f)
	}
	// The key, when the record has one (a correlation id): what its
	// other exports' full events give.
	if want := event.RecordKey(&f, new([]byte)); b.Key != want {
		t.Fatalf("%s: brief key %x, the full event's %x", shape, b.Key, want)
	}
	if g.SourceIP != f.SourceIP || g.Operation != f.Operation || g.Outcome != f.Outcome || g.Kind != f.Kind {
		t.Fatalf("%s: glance %+v, full event source %v operation %q outcome %v", shape, g, f.SourceIP, f.Operation, f.Outcome)
	}
	return true
}

func TestBriefAgreesWithFullDecode(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	briefed := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var p fastjson.Parser
		v, err := p.ParseBytes(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		shape, ok := Detect(v, jsonHint)
		if !ok {
			continue
		}
		if checkBrief(t, v, shape) {
			briefed++
		}
	}
	// Public address writes feed enrichment and must never be brief;
	// the rest of the fixtures can be.
	if briefed < len(files)/2 {
		t.Errorf("only %d of %d fixtures read briefly", briefed, len(files))
	}
}

func TestBriefKeepsWhatEnrichmentLearns(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"rest_public_ip_write.json", "rest_public_prefix_write.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var p fastjson.Parser
		v, err := p.ParseBytes(data)
		if err != nil {
			t.Fatal(err)
		}
		if checkBrief(t, v, shapeREST) {
			t.Errorf("%s was read briefly: enrichment would not learn its address", name)
		}
	}
}

func TestBriefCases(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, shape, rec string
		brief            bool
	}{
		{"diagnostic tenant from the claims, address from ipaddr", shapeDiag,
			`{"time":"2026-03-02T00:00:01Z","operationName":"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION","category":"Action","resultType":"Success","correlationId":"c0",` +
				`"identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"4F1C2B7E-9A3D-4C55-8E21-6B0D7A9C3E10","ipaddr":"20.38.1.1"}}}`, true},
		{"diagnostic tenant field wins", shapeDiag,
			`{"time":"2026-03-02T00:00:01Z","operationName":" Microsoft.Storage/storageAccounts/delete ","tenantId":"T1","resultType":"Failure","callerIpAddress":"198.51.100.7","correlationId":"c0",` +
				`"identity":"{\"claims\":{\"tid\":\"t2\"}}"}`, true},
		{"diagnostic without a time is the same error", shapeDiag,
			`{"operationName":"Microsoft.Storage/storageAccounts/delete","resultType":"Success"}`, false},
		{"REST operation from the authorization is decoded in full", shapeREST,
			`{"eventTimestamp":"2026-03-02T00:00:01Z","authorization":{"action":"Microsoft.Storage/storageAccounts/delete"},"claims":{"tid":"t"}}`, false},
		{"a Service Fabric managed cluster's write is decoded in full: its node types take its region", shapeREST,
			`{"eventTimestamp":"2026-03-02T00:00:01Z","operationName":{"value":"Microsoft.ServiceFabric/managedClusters/write"},"status":{"value":"Succeeded"},` +
				`"httpRequest":{"clientIpAddress":"198.51.100.7"},"claims":{"tid":"T"}}`, false},
		{"REST with http request address", shapeREST,
			`{"eventTimestamp":"2026-03-02T00:00:01Z","operationName":{"value":"Microsoft.Web/sites/restart/action"},"status":{"value":"Succeeded"},"correlationId":"c0",` +
				`"httpRequest":{"clientIpAddress":"2001:db8::1"},"claims":{"tid":"T"}}`, true},
		{"Log Analytics without claims is decoded in full", shapeLA,
			`{"TimeGenerated":"2026-03-02T00:00:01Z","OperationNameValue":"MICROSOFT.WEB/SITES/RESTART/ACTION","ActivityStatusValue":"Success",` +
				`"Properties_d":{"hierarchy":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10/sub"}}`, false},
		{"Log Analytics CSV row with claims as a string", shapeLA,
			`{"TimeGenerated":"2026-03-02T00:00:01Z","OperationNameValue":"MICROSOFT.WEB/SITES/RESTART/ACTION","ActivityStatus":"Failed","SubscriptionId":"S1","CorrelationId":"c0","_ResourceId":"/subscriptions/s1",` +
				`"Claims":"{\"tid\":\"T3\",\"ipaddr\":\"10.0.0.1\"}","HTTPRequest":"{\"clientIpAddress\":\"192.0.2.1\"}"}`, true},
		{"Log Analytics with a correlation id and no resource is decoded in full (the properties may name it, for its key)", shapeLA,
			`{"TimeGenerated":"2026-03-02T00:00:01Z","OperationNameValue":"MICROSOFT.WEB/SITES/RESTART/ACTION","ActivityStatus":"Failed","SubscriptionId":"S1",` +
				`"CorrelationId":"c1","Claims":"{\"tid\":\"T3\",\"ipaddr\":\"10.0.0.1\"}","Properties_d":{"entity":"/subscriptions/s1/resourceGroups/rg"}}`, false},
		{"Log Analytics with a correlation id and its resource", shapeLA,
			`{"TimeGenerated":"2026-03-02T00:00:01Z","OperationNameValue":"MICROSOFT.WEB/SITES/RESTART/ACTION","ActivityStatus":"Failed","SubscriptionId":"S1",` +
				`"CorrelationId":" C1 ","_ResourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG","Claims":"{\"tid\":\"T3\",\"ipaddr\":\"10.0.0.1\"}"}`, true},
		{"diagnostic with a correlation id, its resource the authorization's scope", shapeDiag,
			`{"time":"2026-03-02T00:00:01Z","operationName":"Microsoft.Storage/storageAccounts/delete","tenantId":"T1","resultType":"Success","callerIpAddress":"198.51.100.7",` +
				`"correlationId":"c2","identity":{"authorization":{"scope":"/subscriptions/S1/resourceGroups/RG"}}}`, true},
		// A record without a correlation id is known by its eventDataId
		// (event.RecordKey), which the properties may hold: found by
		// FuzzDecode, the brief key was 0 and the full event's the id's.
		{"Log Analytics without a correlation id is decoded in full (keyed by its eventDataId)", shapeLA,
			`{"TimeGenerated":"2026-03-02T00:00:01Z","OperationNameValue":"MICROSOFT.WEB/SITES/RESTART/ACTION","ActivityStatus":"Failed","SubscriptionId":"S1",` +
				`"EventDataId":"e1","_ResourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG","ClAims":"{\"tid\":\"T3\",\"ipaddr\":\"10.0.0.1\"}"}`, false},
		{"diagnostic without a correlation id is decoded in full (keyed by its eventDataId)", shapeDiag,
			`{"time":"2026-03-02T00:00:01Z","operationName":"Microsoft.Storage/storageAccounts/delete","tenantId":"T1","resultType":"Success","callerIpAddress":"198.51.100.7",` +
				`"resourceId":"/subscriptions/S1/resourceGroups/RG","properties":{"eventDataId":"e2"}}`, false},
		{"Log Analytics without its subscription is decoded in full (the properties may name it)", shapeLA,
			`{"TimeGenerated":"2026-03-02T00:00:01Z","OperationNameValue":"MICROSOFT.WEB/SITES/RESTART/ACTION","ActivityStatus":"Failed",` +
				`"Claims":"{\"tid\":\"T3\",\"ipaddr\":\"10.0.0.1\"}","HTTPRequest":"{\"clientIpAddress\":\"192.0.2.1\"}"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var p fastjson.Parser
			v, err := p.Parse(tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			if got := checkBrief(t, v, tc.shape); got != tc.brief {
				t.Errorf("read briefly: %v, want %v", got, tc.brief)
			}
		})
	}
}

// A brief record's key is made only when the hunt counts it (its time in
// the worker's sample, event.KeyLevels): on both brief paths, none
// otherwise, and the same as with no levels when it does.
func TestBriefKeyOnlyWhenSampled(t *testing.T) {
	t.Parallel()
	line := []byte(`{"time":"2026-03-02T00:00:01.234Z","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG","operationName":"MICROSOFT.STORAGE/STORAGEACCOUNTS/DELETE",` +
		`"category":"Administrative","resultType":"Success","callerIpAddress":"198.51.100.7","correlationId":"c1","tenantId":"T1"}`)
	nothing := func(*event.Glance) bool { return false }
	read := func(levels *event.KeyLevels) (text, tree uint64) {
		sc := record.Scratch{Wants: nothing, Keys: levels}
		var e event.Event
		if brief, _ := BriefLine(&sc, line, &e); !brief {
			t.Fatal("not read briefly from its text")
		}
		var p fastjson.Parser
		v, err := p.ParseBytes(line)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := Decode(&sc, v, shapeDiag, nil)
		if err != nil || len(evs) != 1 || !evs[0].Brief {
			t.Fatalf("not read briefly: %v", err)
		}
		return e.Key, evs[0].Key
	}
	all, allTree := read(nil)
	if all == 0 || allTree != all {
		t.Fatalf("keys with no levels: text %x, tree %x", all, allTree)
	}
	at := time.Date(2026, 3, 2, 0, 0, 1, 234e6, time.UTC)
	tz := bits.TrailingZeros64(event.TimeUnit(event.KindActivity, at))
	var in, out event.KeyLevels
	in[event.KindActivity], out[event.KindActivity] = tz, tz+1
	if text, tree := read(&in); text != all || tree != all {
		t.Errorf("in the sample: text %x, tree %x, want %x", text, tree, all)
	}
	if text, tree := read(&out); text != 0 || tree != 0 {
		t.Errorf("out of the sample: text %x, tree %x, want none", text, tree)
	}
}
