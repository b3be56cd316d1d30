// Package databricks reads an Azure Databricks workspace's clusters log:
// the diagnostic setting's category clusters, as the storage account's
// PT1H.json blobs and an Event Hub deliver it, and the DatabricksClusters
// table of Log Analytics (JSON, the query API, the portal's CSV).
//
// A cluster's machines are VMs Azure Databricks writes into the
// workspace's managed resource group under its own application's name: in
// the Activity Log a stolen account's 40 GPU workers are 41 VM writes by
// AzureDatabricks, no person named. The clusters log names who asked
// (identity.email), what (node_type_id, num_workers or autoscale,
// azure_attributes) and whether Databricks took the request
// (response.statusCode): its create, edit and resize records become
// compute creates of service databricks, as the Activity Log's writes do.
//
// The shape, from Microsoft Learn (Azure Monitor's table reference
// DatabricksClusters; Azure Databricks' "Diagnostic log reference" and
// "Configure diagnostic log delivery"): a diagnostic record has time,
// resourceId (the workspace), category, operationName
// ("Microsoft.Databricks/clusters/create"), operationVersion, identity
// (a JSON text: {"email":…,"subjectName":…}) and properties with
// actionName, serviceName, logId, requestId, requestParams, response,
// sourceIPAddress, userAgent and sessionId; a Log Analytics row has the
// same facts as PascalCase columns (TimeGenerated, _ResourceId,
// OperationName, Identity, ActionName, LogId, RequestId, RequestParams,
// Response, SourceIPAddress). requestParams is Databricks' own record of
// the request, a map of strings: a nested object (autoscale,
// azure_attributes) is JSON held in a string, as are response.result
// and, in the blobs, requestParams and response themselves; both forms
// are read.
package databricks

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// The shapes this family reads.
const (
	// ShapeDiagnostic is a diagnostic setting's record (a storage
	// account's PT1H.json line, an element of an Event Hub message's
	// records).
	ShapeDiagnostic = "databricks.diagnostic"
	// ShapeLA is a row of the Log Analytics DatabricksClusters table.
	ShapeLA = "databricks.loganalytics"
)

const (
	table    = "DatabricksClusters"
	category = "clusters"
	// opPrefix starts every operationName the workspace's logs write.
	opPrefix = "microsoft.databricks/"
	// workspaces is the resource type every record's resource id names.
	workspaces = "/providers/microsoft.databricks/workspaces/"
	// queryResult is the table name `az monitor log-analytics query`
	// gives every row: the query's result, not the log.
	queryResult = "PrimaryResult"
)

// Detect reports whether v is a record of a workspace's clusters log and,
// if so, its shape. A Log Analytics row is known by its table (Type,
// $table or Hint.Table); a diagnostic record by its category, clusters,
// with an operation or resource of Azure Databricks: other services may
// name a category so. Records of the workspace's other categories (jobs,
// notebook, accounts…) are not read: their tables are counted as ignored.
func Detect(v *fastjson.Value, h record.Hint) (string, bool) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return "", false
	}
	tab := h.Table
	if tab == "" || tab == queryResult {
		tab = record.Peek(record.Key(v, "Type"))
	}
	if tab == "" {
		tab = record.Peek(v.Get("$table"))
	}
	switch {
	case record.EqualFold(tab, table):
		return ShapeLA, true
	case tab != "" && tab != queryResult:
		return "", false // another table: precise, never claimed on columns
	}
	if !record.EqualFold(record.Peek(record.Key(v, "category")), category) || !databricksRecord(v) {
		return "", false
	}
	if v.Get("properties") != nil {
		return ShapeDiagnostic, true
	}
	// A row exported without its Type column.
	if record.Has(v, "ActionName") && (record.Has(v, "TimeGenerated") || record.Has(v, "TimeGenerated [UTC]")) {
		return ShapeLA, true
	}
	return "", false
}

// databricksRecord says v names an operation or a resource of Azure
// Databricks.
func databricksRecord(v *fastjson.Value) bool {
	op := record.Peek(record.Key(v, "operationName"))
	if len(op) >= len(opPrefix) && record.EqualFold(op[:len(opPrefix)], opPrefix) {
		return true
	}
	for _, k := range [...]string{"resourceId", "_ResourceId"} {
		if id := record.Peek(record.Key(v, k)); record.ContainsFold(id, workspaces) {
			return true
		}
	}
	return false
}

// Decode appends the events read from v, a record of the given shape, to
// out: one for every record, and for a cluster's create, edit or resize
// one for each size of machine it asks for (see compute).
func Decode(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	var p *fastjson.Value // where the request's facts are
	var ts string
	switch shape {
	case ShapeDiagnostic:
		p = sc.Object(sc.Get(v, "properties"))
		if p == nil || p.Type() != fastjson.TypeObject {
			return out, fmt.Errorf("databricks: record without properties")
		}
		ts = sc.Str(v, "time")
	case ShapeLA:
		p = v
		ts = sc.FirstStr(v, "TimeGenerated", "TimeGenerated [UTC]")
	default:
		return out, fmt.Errorf("databricks: unknown shape %q", shape)
	}
	if ts == "" {
		return out, record.ErrNoTime
	}
	t, err := record.Time(ts)
	if err != nil {
		return out, fmt.Errorf("databricks: bad time %q", record.Clip(ts, 48))
	}
	e := event.Event{Time: t, Kind: event.KindDatabricks, Shape: shape, Category: category}
	workspace := strings.ToLower(strings.TrimSpace(sc.FirstStr(v, "resourceId", "_ResourceId")))
	e.ResourceID = workspace
	if workspace != "" {
		e.ResourceType = "microsoft.databricks/workspaces"
	}
	e.Subscription, _ = sc.Subscription(workspace)
	if e.Subscription == "" {
		e.Subscription = strings.ToLower(sc.Str(v, "_SubscriptionId"))
	}
	// Resource logs may name their resource's region (location, optional
	// in Azure Monitor's common schema); a Log Analytics row never does.
	// Without it the hunt takes the workspace's, learned from its write
	// (enrich.Enricher.LateRegion), or says the region is unknown.
	e.Region = record.Region(sc.Str(v, "location"))
	action := strings.TrimSpace(sc.Str(p, "actionName"))
	e.Operation = operation(sc.Str(v, "operationName"), sc.Str(p, "serviceName"), action)
	if action == "" {
		action = e.Operation[strings.LastIndexByte(e.Operation, '/')+1:]
	}
	e.ID = strings.TrimSpace(sc.Str(p, "logId"))
	e.CorrelationID = strings.TrimSpace(sc.Str(p, "requestId"))
	e.SourceIP = record.IP(sc.Str(p, "sourceIPAddress"))
	e.Principal = principal(sc, v)
	outcome(sc, p, &e)
	return appendCompute(sc, p, action, e, out), nil
}

// operation is the record's operation in lower case: its operationName,
// else Microsoft.Databricks/<service>/<action>, as Azure writes it.
func operation(op, service, action string) string {
	if op = strings.TrimSpace(op); op != "" {
		return strings.ToLower(op)
	}
	if service = strings.TrimSpace(service); service == "" {
		service = category
	}
	return strings.ToLower(opPrefix + service + "/" + action)
}

// principal is who made the request: identity.email, a user's address,
// or, for a Databricks service principal, its application id (Databricks
// names service principals so). The record holds no Entra object id, so
// the address (or application id), lower case, is the principal's id too:
// the correlations that group by principal.id count each caller apart.
func principal(sc *record.Scratch, v *fastjson.Value) event.Principal {
	var p event.Principal
	id := sc.Get(v, "identity")
	email := sc.Str(id, "email")
	if email == "" && id != nil && id.Type() == fastjson.TypeString && sc.Object(id) == nil {
		email = sc.Str(v, "identity") // an identity written as the bare address
	}
	email = strings.TrimSpace(email)
	switch {
	case strings.IndexByte(email, '@') > 0:
		p.UPN, p.ID, p.Type = email, strings.ToLower(email), "User"
	case record.IsGUID(email):
		p.AppID = strings.ToLower(email)
		p.ID, p.Type = p.AppID, "ServicePrincipal"
	case email != "":
		p.Name = email // a name Databricks gives its own acts
	}
	if p.Name == "" {
		p.Name = strings.TrimSpace(sc.Str(id, "subjectName"))
	}
	return p
}

// outcome reads the response: Databricks took the request when its
// status is 200; anything else is a failure, whose message is kept.
func outcome(sc *record.Scratch, p *fastjson.Value, e *event.Event) {
	code, ok := sc.Int(p, "response", "statusCode")
	if !ok {
		return // no response: the outcome is unknown
	}
	e.Status = fmt.Sprint(code)
	if code == 200 {
		e.Outcome = event.OutcomeSucceeded
		return
	}
	e.Outcome = event.OutcomeFailed
	e.StatusMessage = record.Clip(strings.TrimSpace(sc.Str(p, "response", "errorMessage")), maxMessage)
}

// maxMessage bounds the failure message an event keeps.
const maxMessage = 512
