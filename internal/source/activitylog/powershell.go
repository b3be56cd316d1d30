package activitylog

import (
	"errors"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// Azure PowerShell's Get-AzActivityLog (Get-AzLog) writes each event as a
// PSEventData (Az.Monitor, OutputClasses/PSEventData.cs), which
// ConvertTo-Json writes with its .NET property names:
//
//	EventTimestamp, SubmissionTimestamp  DateTime: "\/Date(ms)\/" in Windows PowerShell 5.1, ISO 8601 in PowerShell 7
//	Authorization{Scope,Action,Role,Condition}, HttpRequest{ClientId,Method,Url,ClientIpAddress}
//	Claims{Content{…}}, Properties{Content{…}}  the REST claims and properties, one level down
//	OperationName, Category, Status, SubStatus, EventName, ResourceProviderName
//	    strings since Az.Monitor 3.0.0: the REST field's localizedValue ("Create or
//	    Update Virtual Machine", "Created (HTTP Status Code: 201)"); before, {Value, LocalizedValue}
//	Level  a number (EventLevel), a name with -EnumsAsStrings
//	Caller, CorrelationId, Description, EventDataId, Id, OperationId, ResourceGroupName, ResourceId, SubscriptionId
//	ResourceType, TenantId  always null: PSEventData's constructor does not copy them
//
// The record is the REST event read through those names (scanTop folds
// case), so it gives the same event, but for what the export lost: the
// operation is recovered from the authorization's action where
// OperationName holds its display name, and the sub-status from the
// properties' status code where it holds its localized text.
//
// `Get-AzActivityLog | ConvertTo-Json` itself fails in every PowerShell
// ("An item with the same key has already been added. Key:
// Authorization": PSEventData hides properties of its base class, and
// ConvertTo-Json lists both); the export that works goes through
// Select-Object *, which keeps the derived properties.

// shapePS is the Activity Log as Azure PowerShell exports it.
const shapePS = "activity.powershell"

// errDepthCut is what a PowerShell export cut at ConvertTo-Json's depth
// lost. At the default -Depth 2, an array's records keep Claims and
// Properties one level (Content) short: the dictionaries become their type
// name, "System.Collections.Generic.Dictionary`2[System.String,System.String]";
// at -Depth 1 the nested objects become their own text.
const errDepthCut = record.Incomplete("a PowerShell export cut short by ConvertTo-Json's -Depth (2 unless given): " +
	"nested objects (Properties, Claims, …) are written as a type name or as text, " +
	"so the request and response bodies and the caller's token claims are lost; " +
	"export again with: Get-AzActivityLog … | Select-Object * | ConvertTo-Json -Depth 10")

// readPS reads a record as Azure PowerShell writes it. cut reports that
// ConvertTo-Json's depth cut some of its nested objects short.
func readPS(sc *record.Scratch, t *top, f *fields) (cut bool, err error) {
	if f.t, err = eventTime(t.eventTS, t.submissionTS); err != nil {
		return false, err
	}
	var lost [4]bool
	var claims, props *fastjson.Value
	claims, lost[0] = content(sc, t.claims)
	f.claims = scanClaims(claims)
	f.authz, lost[1] = nested(sc, t.authorization)
	f.http, lost[2] = nested(sc, t.httpRequest)
	props, lost[3] = content(sc, t.properties)
	f.propsObj, f.props = props, scanProps(props)
	f.category = enum(value(t.category), categories)
	if f.category == "" {
		f.category = enum(f.props.eventCategory, categories)
	}
	// A Policy record's authorization is the request the policy judged
	// (a VM's write, for an audit of it), not the record's operation.
	authz := f.authz
	if f.category == catPolicy {
		authz = nil
	}
	f.op = psOperation(t.operationName, authz, f.props.message)
	f.status = enum(value(t.status), statuses)
	f.subStatus = sc.Intern(psSubStatus(t.subStatus, f.props.statusCode))
	f.readRESTMembers(t)
	return lost[0] || lost[1] || lost[2] || lost[3], nil
}

// nested returns x as an object; lost reports a value in its place that
// is none (a string that holds no JSON object): what ConvertTo-Json writes
// for an object past its depth.
func nested(sc *record.Scratch, x *fastjson.Value) (o *fastjson.Value, lost bool) {
	if x == nil || x == null {
		return nil, false
	}
	if o = object(sc, x); o == nil || o.Type() != fastjson.TypeObject {
		return nil, true
	}
	return o, false
}

// content returns the dictionary a PSDictionaryElement (Claims,
// Properties) holds in its Content, or x itself when it holds the
// dictionary directly; lost reports one cut short.
func content(sc *record.Scratch, x *fastjson.Value) (o *fastjson.Value, lost bool) {
	if o, lost = nested(sc, x); o == nil {
		return nil, lost
	}
	// The exact name, the only member: a REST dictionary never has it.
	if c := o.Get("Content"); c != nil {
		if obj, _ := o.Object(); obj.Len() == 1 {
			return nested(sc, c)
		}
	}
	return o, false
}

// psOperation is the operation of a PowerShell record: OperationName's
// value, or the text itself when it is an operation. Since Az.Monitor
// 3.0.0 the text is the operation's display name, and the operation is
// the authorization's action (as REST records without operationName give
// it, readREST), else the properties' message, else known from its
// display name when it is one of those whose records carry neither.
func psOperation(x, authz, message *fastjson.Value) string {
	op := strings.TrimSpace(record.Peek(value(x)))
	if isOperation(op) {
		return op
	}
	if a := strings.TrimSpace(str(authz, "action")); a != "" {
		return a
	}
	if m := peek(message); isOperation(m) {
		return m
	}
	if o, ok := displayedOps[op]; ok {
		return o
	}
	return op
}

// displayedOps are the operations whose records name them by display name
// alone (no authorization, no message): Defender for Cloud's Activate
// Alert, which holds a security alert (defender.go), and autoscale's
// actions (autoscaleAction).
var displayedOps = map[string]string{
	"Activate Alert": "Microsoft.Security/locations/alerts/activate/action",
	// Autoscale's records of its own actions carry no authorization
	// either; their display names are Learn's (Microsoft.Insights
	// operations, "Azure permissions for Monitor"), the portal's.
	"Autoscale scale up initiated":            "Microsoft.Insights/AutoscaleSettings/Scaleup/Action",
	"Autoscale scale up completed":            "Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action",
	"Predictive Autoscale scale up initiated": "Microsoft.Insights/AutoscaleSettings/PredictiveScaleup/Action",
	"Predictive Autoscale scale up completed": "Microsoft.Insights/AutoscaleSettings/PredictiveScaleupResult/Action",
	"Autoscale scale down initiated":          "Microsoft.Insights/AutoscaleSettings/Scaledown/Action",
	"Autoscale scale down completed":          "Microsoft.Insights/AutoscaleSettings/ScaledownResult/Action",
}

// isOperation reports whether s reads as an ARM operation
// (Microsoft.Compute/virtualMachines/write), not a display name: one word
// with a slash.
func isOperation(s string) bool {
	return strings.IndexByte(s, '/') > 0 && !strings.ContainsAny(s, " \t")
}

// psSubStatus is the sub-status of a PowerShell record: SubStatus's
// value, or its text. The localized text of an HTTP status ("Created
// (HTTP Status Code: 201)") gives the value REST records carry, which the
// properties' statusCode repeats ("Created").
func psSubStatus(x, statusCode *fastjson.Value) string {
	s := peek(value(x))
	if x == nil || x.Type() != fastjson.TypeString {
		return s
	}
	i := strings.Index(s, "(HTTP Status Code:")
	if i < 0 || !strings.HasSuffix(s, ")") {
		return s
	}
	if c := peek(statusCode); c != "" {
		return c
	}
	return strings.TrimSpace(s[:i])
}

// ErrPowerShellCSV refuses `Get-AzActivityLog | Export-Csv`. Export-Csv
// (unlike ConvertTo-Json, it does not fail on PSEventData) writes each
// nested object as its ToString text, Claims and Properties as lines of
// "name : value", and each DateTime in the exporting machine's culture to
// the second ("3/14/2026 3:09:27 AM", or "14/03/2026 03:09:27"): day and
// month cannot be told apart, the milliseconds that match one event across
// exports are gone, and since Az.Monitor 3.0.0 the operation is only a
// display name, its action inside the Authorization text. Read, most of
// its events would name no operation a rule knows: nothing would alert,
// silently. The file is refused whole, saying which export to make.
var ErrPowerShellCSV = errors.New("a PowerShell Export-Csv of Get-AzActivityLog, not read: it writes Authorization, Claims and Properties " +
	"as text and times in the exporting machine's format, to the second; " +
	"export again with: Get-AzActivityLog … | Select-Object * | ConvertTo-Json -Depth 10")

// IsPowerShellCSV reports whether a CSV header is Export-Csv's of
// PSEventData: its .NET property names, which no other export has
// together (Log Analytics' AzureActivity has no EventTimestamp).
func IsPowerShellCSV(header []string) bool {
	need := map[string]bool{"EventTimestamp": false, "Authorization": false, "Claims": false, "Properties": false, "HttpRequest": false}
	n := 0
	for _, h := range header {
		if seen, ok := need[h]; ok && !seen {
			need[h] = true
			n++
		}
	}
	return n == len(need)
}
