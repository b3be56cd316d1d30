package activitylog

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// psStyle is one way Azure PowerShell's Activity Log reaches a file.
type psStyle int

const (
	ps7       psStyle = iota // PowerShell 7: dates in ISO 8601; Az.Monitor 3.0.0 on: localized strings
	ps51                     // Windows PowerShell 5.1: dates as \/Date(ms)\/
	psLegacy                 // Az.Monitor before 3.0.0: {Value, LocalizedValue} pairs
	psDisplay                // ps7, OperationName a display name and SubStatus its HTTP text, as real events give them
)

var psStyles = map[psStyle]string{ps7: "PowerShell 7", ps51: "Windows PowerShell 5.1", psLegacy: "Az.Monitor 2", psDisplay: "display names"}

// powershellOf writes a REST event as `Get-AzActivityLog | Select-Object *
// | ConvertTo-Json -Depth 10` would, by Az.Monitor's PSEventData
// (OutputClasses/PSEventData.cs, PSEventDataAuthorization.cs,
// PSEventDataHttpRequest.cs, PSDictionaryElement.cs) and ConvertTo-Json's
// rules: .NET property names; Claims and Properties one level down, in
// Content; the LocalizableStrings PSEventData hides as their localized
// text (Az.Monitor 3.0.0 on); Level as its enum's number; ResourceType and
// TenantId null (its constructor does not copy them); DateTime as .NET's
// \/Date(ms)\/ (5.1, JavaScriptSerializer, milliseconds) or ISO 8601 with
// up to seven digits (7, Json.NET).
func powershellOf(t *testing.T, rest map[string]any, style psStyle) []byte {
	t.Helper()
	pair := func(k string) any {
		p, _ := rest[k].(map[string]any)
		if p == nil {
			return nil
		}
		if style == psLegacy {
			return map[string]any{"Value": p["value"], "LocalizedValue": p["localizedValue"]}
		}
		return p["localizedValue"]
	}
	date := func(k string) any {
		s, _ := rest[k].(string)
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil
		}
		if style == ps51 {
			return "/Date(" + strconv.FormatInt(tm.UnixMilli(), 10) + ")/"
		}
		return tm.UTC().Format("2006-01-02T15:04:05.9999999Z07:00")
	}
	levels := map[string]int{"Critical": 0, "Error": 1, "Warning": 2, "Informational": 3, "Verbose": 4}
	ps := map[string]any{
		"Authorization": nil, "HttpRequest": nil,
		"Claims":               map[string]any{"Content": rest["claims"]},
		"Properties":           map[string]any{"Content": rest["properties"]},
		"Level":                levels[textOf(rest["level"])],
		"SubmissionTimestamp":  date("submissionTimestamp"),
		"EventTimestamp":       date("eventTimestamp"),
		"EventName":            pair("eventName"),
		"Category":             pair("category"),
		"ResourceProviderName": pair("resourceProviderName"),
		"OperationName":        pair("operationName"),
		"Status":               pair("status"),
		"SubStatus":            pair("subStatus"),
		"ResourceType":         nil,
		"TenantId":             nil,
	}
	for _, k := range []string{"Caller", "Description", "Id", "EventDataId", "CorrelationId", "ResourceGroupName", "ResourceId", "OperationId", "SubscriptionId"} {
		ps[k] = rest[strings.ToLower(k[:1])+k[1:]]
	}
	if a, ok := rest["authorization"].(map[string]any); ok {
		ps["Authorization"] = map[string]any{"Scope": a["scope"], "Action": a["action"], "Role": a["role"], "Condition": nil}
	}
	if h, ok := rest["httpRequest"].(map[string]any); ok {
		ps["HttpRequest"] = map[string]any{"ClientId": h["clientRequestId"], "Method": h["method"], "Url": h["uri"], "ClientIpAddress": h["clientIpAddress"]}
	}
	if style == psDisplay {
		// The portal's and PowerShell's words for the operation.
		if op := textOf(ps["OperationName"]); isOperation(op) {
			ps["OperationName"] = "Create or Update " + op[strings.LastIndexByte(op, '/')+1:]
		}
		if s := textOf(ps["SubStatus"]); s != "" {
			ps["SubStatus"] = s + " (HTTP Status Code: 201)"
		}
	}
	b, err := json.MarshalIndent(ps, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	if style == ps51 {
		// JavaScriptSerializer escapes the date's slashes.
		b = bytes.ReplaceAll(b, []byte(`"/Date(`), []byte(`"\/Date(`))
		b = bytes.ReplaceAll(b, []byte(`)/"`), []byte(`)\/"`))
	}
	return b
}

func textOf(x any) string { s, _ := x.(string); return s }

// restRecords are the REST events the PowerShell forms are made from: the
// REST fixtures (one event each) and Defender's Activate Alert
// (testdata/alerts: the record's event and the alert).
func restRecords(t *testing.T) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "rest_*.json"))
	alerts, _ := filepath.Glob(filepath.Join("testdata", "alerts", "rest_*.json")) // two events each
	names = append(names, alerts...)
	if err != nil || len(names) < 11 {
		t.Fatalf("REST fixtures: %v, %d", err, len(names))
	}
	recs := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		recs[filepath.Base(n)] = b
	}
	return recs
}

// decodeOne detects one record as the shape and decodes it.
func decodeOne(t *testing.T, b []byte, shape string) ([]event.Event, error) {
	t.Helper()
	v, err := fastjson.ParseBytes(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if got, ok := Detect(v, jsonHint); !ok || got != shape {
		t.Fatalf("detected %q, %v; want %s", got, ok, shape)
	}
	evs, err := Decode(&record.Scratch{}, v, shape, nil)
	for i := range evs {
		evs[i].Raw = nil
	}
	return evs, err
}

// sameEvents compares the events two shapes give of one record: all but
// the shape.
func sameEvents(t *testing.T, what string, want, got []event.Event, ms bool) {
	t.Helper()
	for i := range want {
		want[i].Shape = ""
		if ms { // 5.1's dates keep milliseconds
			want[i].Time = want[i].Time.Truncate(time.Millisecond)
		}
	}
	for i := range got {
		if got[i].Shape != shapePS && got[i].Shape != ShapeAlert {
			t.Errorf("%s: shape %q", what, got[i].Shape)
		}
		if got[i].Shape == shapePS {
			got[i].Shape = ""
		} else if i < len(want) {
			want[i].Shape = got[i].Shape
		}
	}
	opts := gocmp.Options{cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{}), cmpopts.IgnoreFields(event.Event{}, "Raw", "RawText")}
	if diff := gocmp.Diff(want, got, opts); diff != "" {
		t.Errorf("%s: the PowerShell export's events differ from the REST one's (-REST +PowerShell):\n%s", what, diff)
	}
}

// TestPowerShellExportGivesTheRESTEvents: each REST fixture, written as
// Azure PowerShell writes it in each of its forms, gives the events the
// REST record gives, Defender's alert included; the operation a display
// name hides comes from the authorization, the sub-status from the
// properties.
func TestPowerShellExportGivesTheRESTEvents(t *testing.T) {
	t.Parallel()
	for name, b := range restRecords(t) {
		var rest map[string]any
		if err := json.Unmarshal(b, &rest); err != nil {
			t.Fatal(name, err)
		}
		want, err := decodeOne(t, b, shapeREST)
		if err != nil {
			t.Fatal(name, err)
		}
		for style, label := range psStyles {
			what := name + ", " + label
			got, err := decodeOne(t, powershellOf(t, rest, style), shapePS)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			w := append([]event.Event(nil), want...)
			sameEvents(t, what, w, got, style == ps51)
		}
	}
}

// TestPowerShellSubStatus: the localized text of an HTTP status gives the
// value REST records carry, which the properties' statusCode repeats
// ("No Content (HTTP Status Code: 204)" is "NoContent"), else the words
// before it; any other text, or the pair of older modules, is kept.
func TestPowerShellSubStatus(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ subStatus, props, want string }{
		{`"No Content (HTTP Status Code: 204)"`, `{"statusCode":"NoContent"}`, "NoContent"},
		{`"Created (HTTP Status Code: 201)"`, `{}`, "Created"},
		{`"Bad Request(HTTP Status Code: 400)"`, `null`, "Bad Request"},
		{`"Conflict"`, `{"statusCode":"Conflict"}`, "Conflict"},
		{`{"Value":"Created","LocalizedValue":"Created (HTTP Status Code: 201)"}`, `{"statusCode":"OK"}`, "Created"},
		{`""`, `{"statusCode":"Accepted"}`, "Accepted"}, // as REST: the status code when it names none
	} {
		rec := `{"EventTimestamp":"2026-03-14T03:09:27.553Z","OperationName":"Microsoft.Compute/virtualMachines/write","SubStatus":` + c.subStatus +
			`,"Properties":{"Content":` + c.props + `}}`
		evs, err := decodeOne(t, []byte(rec), shapePS)
		if err != nil || len(evs) != 1 || evs[0].SubStatus != c.want {
			t.Errorf("SubStatus %s, properties %s: %v, %+v; want %q", c.subStatus, c.props, err, evs, c.want)
		}
	}
}

// TestPowerShellPolicyRecordIsNotTheRequestItJudged: a Policy record's
// authorization is "the action and scope of the request that triggered
// evaluation" (Learn, Activity Log schema, Policy category): an audit of a
// VM's write holds Microsoft.Compute/virtualMachines/write there. Where
// OperationName is a display name the operation must not be taken from
// it, or a policy's audit reads as a second VM create with no body.
func TestPowerShellPolicyRecordIsNotTheRequestItJudged(t *testing.T) {
	t.Parallel()
	const vm = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm1"
	rest := map[string]any{
		"authorization":       map[string]any{"action": "Microsoft.Compute/virtualMachines/write", "scope": vm},
		"caller":              "a@contoso.example",
		"category":            map[string]any{"value": "Policy", "localizedValue": "Policy"},
		"correlationId":       "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
		"eventDataId":         "5c4b3a29-1807-4f6e-9d5c-4b3a29180706",
		"eventName":           map[string]any{"value": "EndRequest", "localizedValue": "End request"},
		"eventTimestamp":      "2026-03-14T03:09:27.5530000Z",
		"submissionTimestamp": "2026-03-14T03:10:02.1000000Z",
		"level":               "Warning",
		"operationName":       map[string]any{"value": "Microsoft.Authorization/policies/audit/action", "localizedValue": "'audit' Policy action."},
		"properties":          map[string]any{"isComplianceCheck": "False", "resourceLocation": "eastus", "hierarchy": "", "policies": `[{"policyDefinitionEffect":"audit"}]`},
		"resourceId":          vm,
		"status":              map[string]any{"value": "Succeeded", "localizedValue": "Succeeded"},
		"subscriptionId":      "7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6",
	}
	b, err := json.Marshal(rest)
	if err != nil {
		t.Fatal(err)
	}
	want, err := decodeOne(t, b, shapeREST)
	if err != nil || len(want) != 1 || want[0].Operation != "microsoft.authorization/policies/audit/action" {
		t.Fatalf("the REST record: %v, %+v", err, want)
	}
	for _, style := range []psStyle{ps7, ps51} { // OperationName the localized text
		got, err := decodeOne(t, powershellOf(t, rest, style), shapePS)
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %v, %+v", psStyles[style], err, got)
		}
		if e := got[0]; e.Operation == "microsoft.compute/virtualmachines/write" || e.Compute != nil || e.Category != "Policy" {
			t.Errorf("%s: operation %q, compute %+v; want the policy's record, no VM create", psStyles[style], e.Operation, e.Compute)
		}
	}
}

// dictionaryType is what ConvertTo-Json writes for a Dictionary<string,
// string> past its depth: LanguagePrimitives' text for it, the type name
// (a dictionary is not enumerated into text).
const dictionaryType = "System.Collections.Generic.Dictionary`2[System.String,System.String]"

// cutAtDepth writes a PowerShell record as ConvertTo-Json does with a
// -Depth too small for it, the record an element of the array the
// pipeline's objects make: at -Depth 2 (the default) Claims' and
// Properties' Content are past it; at -Depth 1 the nested objects are,
// and each is its ToString: PSDictionaryElement's and the others' lines of
// "name : value".
func cutAtDepth(t *testing.T, b []byte, depth int) []byte {
	t.Helper()
	var ps map[string]any
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Claims", "Properties"} {
		ps[k] = map[string]any{"Content": dictionaryType}
		if depth == 1 {
			ps[k] = "\r\naud            : https://management.core.windows.net/"
		}
	}
	if depth == 1 {
		ps["Authorization"] = "\r\nScope     : /subscriptions/x\r\nAction    : Microsoft.Compute/virtualMachines/write\r\nRole      : \r\nCondition : "
		ps["HttpRequest"] = "\r\nClientId        : x\r\nMethod          : PUT\r\nUrl             : \r\nClientIpAddress : 203.0.113.7"
	}
	out, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPowerShellExportCutByDepth: a record whose nested objects
// ConvertTo-Json's depth cut short is read for what it holds (its time,
// operation, status, resource, and at -Depth 2 its address and action),
// and the decoder says what was lost (errDepthCut, told once per file):
// never read as if whole. A whole record, or one whose dictionaries are
// empty (null), says nothing.
func TestPowerShellExportCutByDepth(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "rest_vmss_extension_amd_request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rest map[string]any
	if err := json.Unmarshal(b, &rest); err != nil {
		t.Fatal(err)
	}
	whole := powershellOf(t, rest, psDisplay)
	if _, err := decodeOne(t, whole, shapePS); err != nil {
		t.Fatalf("a whole record: %v", err)
	}
	for depth, ip := range map[int]string{2: "203.0.113.7", 1: ""} {
		evs, err := decodeOne(t, cutAtDepth(t, whole, depth), shapePS)
		if err != errDepthCut || len(evs) != 1 {
			t.Fatalf("-Depth %d: %v, %d events; want %v and the event", depth, err, len(evs), errDepthCut)
		}
		e := evs[0]
		if e.Time.IsZero() || e.Status != "Started" || e.ResourceID == "" || e.CorrelationID == "" || e.Principal.ID == "" {
			t.Errorf("-Depth %d: %+v", depth, e)
		}
		if got := e.SourceIP.String(); ip != "" && got != ip {
			t.Errorf("-Depth %d: address %s, want %s (HttpRequest is whole)", depth, got, ip)
		}
		if depth == 2 && e.Operation != "microsoft.compute/virtualmachinescalesets/extensions/write" {
			t.Errorf("-Depth 2: operation %q, want the authorization's action", e.Operation)
		}
	}
	// A PSDictionaryElement of no dictionary (an event without claims)
	// holds null: nothing was cut.
	var ps map[string]any
	if err := json.Unmarshal(whole, &ps); err != nil {
		t.Fatal(err)
	}
	ps["Claims"] = map[string]any{"Content": nil}
	empty, _ := json.Marshal(ps)
	if _, err := decodeOne(t, empty, shapePS); err != nil {
		t.Errorf("Claims of no dictionary: %v", err)
	}
}

// TestPowerShellExportOfTheSharedSamples is the REST comparison on the
// shared corpus's REST events (Microsoft's specification example and
// Learn's administrative event).
func TestPowerShellExportOfTheSharedSamples(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rel  string
		path []string
	}{
		{"samples/azure-rest-api-specs/monitor_GetActivityLogsFiltered.json", []string{"responses", "200", "body", "value"}},
		{"samples/learn-docs/activitylog_rest_administrative_event.json", nil},
	} {
		var p fastjson.Parser
		for i, v := range parseFile(t, &p, c.rel, c.path...) {
			b := v.MarshalTo(nil)
			var rest map[string]any
			if err := json.Unmarshal(b, &rest); err != nil {
				t.Fatal(err)
			}
			want, err := decodeOne(t, b, shapeREST)
			if err != nil {
				t.Fatal(c.rel, err)
			}
			for style, label := range psStyles {
				got, err := decodeOne(t, powershellOf(t, rest, style), shapePS)
				if err != nil {
					t.Errorf("%s %d, %s: %v", c.rel, i, label, err)
					continue
				}
				sameEvents(t, c.rel+", "+label, append([]event.Event(nil), want...), got, style == ps51)
			}
		}
	}
}
