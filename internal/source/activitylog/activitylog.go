// Package activitylog reads the Azure Activity Log, subscription and tenant
// level (the "directory activity" of elevate access and subscription moves),
// in the forms tenants export it: diagnostic-settings records (Event
// Hub, storage account PT1H.json), REST API events (`az monitor activity-log
// list`, the portal's JSON download), Log Analytics AzureActivity rows
// (JSON export, `az monitor log-analytics query` output, CSV rows turned
// into objects of strings) and Azure PowerShell's Get-AzActivityLog
// objects written by ConvertTo-Json.
//
// Shapes:
//
//	activity.diagnostic    time, operationName, category, resultType, identity{claims,authorization}
//	activity.rest          eventTimestamp, operationName.value, status.value, httpRequest, claims
//	activity.loganalytics  table AzureActivity: OperationNameValue, ActivityStatusValue, Claims_d…
//	activity.powershell    Get-AzActivityLog's objects through ConvertTo-Json: EventTimestamp, Claims.Content… (powershell.go)
//
// Every shape normalises to the same event: Operation is the ARM operation
// in lower case, Category the Activity Log category (the diagnostic
// record's Write/Delete/Action are the Administrative category, as its
// properties.eventCategory says), and the typed extras (Compute, Extension,
// Quota, Role, TenantChange, PublicAddrs) are read from the request and
// response bodies the same way whatever the shape.
package activitylog

import (
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// Shapes this family reads; the strings are stable (statistics, rules).
const (
	shapeDiag = "activity.diagnostic"
	shapeREST = "activity.rest"
	shapeLA   = "activity.loganalytics"
	// shapePS, "activity.powershell", is in powershell.go.
)

// tableActivity is the Log Analytics table of the Activity Log.
const tableActivity = "AzureActivity"

// queryResult is the table name `az monitor log-analytics query` writes on
// every row: it names the query's result, not the log, so it decides nothing.
const queryResult = "PrimaryResult"

// Activity Log categories as they appear in diagnostic records. The
// Administrative category is written as Write, Delete or Action there (the
// kind of operation), and as Administrative in the REST and Log Analytics
// forms.
const (
	catAdministrative = "Administrative"
	catWrite          = "Write"
	catDelete         = "Delete"
	catAction         = "Action"
	catPolicy         = "Policy"
)

// categories are the Activity Log categories, in the spelling events carry.
var categories = []string{
	catAdministrative, catWrite, catDelete, catAction,
	catPolicy, "Security", "ServiceHealth", "ResourceHealth", "Alert", "Recommendation", "Autoscale",
}

// keys is what Detect learns from one pass over a record's top-level keys.
type keys struct {
	cat, table []byte
	identity   *fastjson.Value // diagnostic identity object
	props      *fastjson.Value // diagnostic properties
	time       bool            // "time": diagnostic
	opOrRes    bool            // operationName or resourceId
	eventTS    bool            // eventTimestamp: REST
	restField  bool            // a REST field beside eventTimestamp
	opValue    bool            // OperationNameValue: Log Analytics
	laStatus   bool            // ActivityStatusValue / ActivityStatus
	laOther    bool            // CategoryValue, Caller, CallerIpAddress, TimeGenerated
	psTS       bool            // EventTimestamp: PowerShell
	psField    bool            // a PSEventData field beside it
}

// Detect reports whether v is an Activity Log record and, if so, its shape.
// A Log Analytics row is known by its table (hint, Type or $table), or when
// the table is unnamed by the columns only AzureActivity has. A REST event
// is known by eventTimestamp, Azure PowerShell's by EventTimestamp (its
// .NET name: Log Analytics has no such column). A diagnostic record is
// known by its category: one of the Activity Log's, or any other category
// when the record carries what only the Activity Log writes
// (identity.claims or .authorization, or properties.eventCategory) -
// resource logs of other services share the diagnostic envelope and must
// not be claimed.
func Detect(v *fastjson.Value, h record.Hint) (shape string, ok bool) {
	o, err := v.Object()
	if err != nil {
		return "", false
	}
	var k keys
	o.Visit(func(name []byte, x *fastjson.Value) {
		switch string(name) {
		case "category":
			k.cat = x.GetStringBytes()
		case "Type", "$table":
			k.table = x.GetStringBytes()
		case "identity":
			k.identity = x
		case "properties":
			k.props = x
		case "time":
			k.time = true
		case "operationName", "resourceId":
			k.opOrRes = true
		case "eventTimestamp":
			k.eventTS = true
		case "eventDataId", "caller", "authorization", "claims", "httpRequest", "submissionTimestamp":
			k.restField = true
		case "OperationNameValue":
			k.opValue = true
		case "ActivityStatusValue", "ActivityStatus":
			k.laStatus = true
		case "CategoryValue", "Caller", "CallerIpAddress", "TimeGenerated":
			k.laOther = true
		case "EventTimestamp":
			k.psTS = true
		case "EventDataId", "CorrelationId", "Authorization", "Claims", "HttpRequest", "SubmissionTimestamp", "OperationName", "ResourceId":
			k.psField = true
		}
	})
	if h.Table != "" && h.Table != queryResult {
		k.table = []byte(h.Table)
	}
	if len(k.table) > 0 && string(k.table) != queryResult {
		if record.EqualFold(k.table, tableActivity) {
			return shapeLA, true
		}
		return "", false // another table: precise, never claimed on columns
	}
	switch {
	case k.opValue || (k.laStatus && k.laOther):
		return shapeLA, true
	case k.eventTS && (k.restField || k.opOrRes):
		return shapeREST, true
	case k.psTS && (k.psField || k.laOther): // laOther: Caller
		return shapePS, true
	case len(k.cat) > 0 && (k.time || k.opOrRes):
		if canonical(k.cat, categories) != "" || activityMarkers(k.identity, k.props) {
			return shapeDiag, true
		}
	}
	return "", false
}

// activityMarkers reports whether a diagnostic record of an unlisted
// category carries fields only the Activity Log writes.
func activityMarkers(identity, props *fastjson.Value) bool {
	if identity != nil && identity.Type() == fastjson.TypeObject &&
		(identity.Get("claims") != nil || identity.Get("authorization") != nil) {
		return true
	}
	return props != nil && props.Type() == fastjson.TypeObject && props.Get("eventCategory") != nil
}

// canonical returns the entry of list equal to b ignoring case, so events
// carry the constant (no copy, Azure's spelling) rather than the record's.
func canonical[T ~string | ~[]byte](b T, list []string) string {
	for _, s := range list {
		if record.EqualFold(b, s) {
			return s
		}
	}
	return ""
}
