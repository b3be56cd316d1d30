// Package batchservice reads Azure Batch's own resource log, the ServiceLog
// category of a Batch account's diagnostic settings: the pools created and
// resized through the Batch service API.
//
// A pool created or resized through the Batch service (data-plane) API,
// https://<account>.<region>.batch.azure.com, with the account's shared key
// (az batch pool create, the Batch SDKs, Batch Explorer) or an Entra token,
// never reaches the Activity Log: only Resource Manager's
// Microsoft.Batch/batchAccounts/pools/write does. A thief holding the
// account's key (its listKeys is the one trace in the Activity Log) can
// create GPU pools no Activity Log rule sees. The Batch service logs them:
// PoolCreateEvent names the pool's size and target nodes, and every resize,
// the one that sizes a new pool and each later one an autoscale formula or
// a caller asks for, starts with a PoolResizeStartEvent naming the current
// and target nodes. Both are read into the compute create the Activity
// Log's pool write gives (operation microsoft.batch/batchaccounts/pools/write,
// compute.service batch), so the compute rules, mass_deployment and the
// incident's cost see them.
//
// The records name no caller, no region and no Entra tenant: see Decode.
// Learn, "Azure Batch monitoring data reference" and "Metrics, alerts, and
// diagnostic logs" (a PoolResizeCompleteEvent record of a PT1H.json blob:
// Tenant, time, resourceId, category ServiceLog, operationName,
// operationVersion, properties), "Pool create event" and "Pool resize
// start event" (the properties); "Supported logs for
// Microsoft.Batch/batchaccounts" (ServiceLog goes to Log Analytics'
// AzureDiagnostics table).
package batchservice

import (
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// The shapes this family reads.
const (
	// ShapeDiagnostic is a diagnostic-settings record: a line of a storage
	// account's PT1H.json blob (insights-logs-servicelog/resourceId=…/
	// BATCHACCOUNTS/<account>/y=…/PT1H.json) or an element of an Event
	// Hub message's records; the event's facts under properties.
	ShapeDiagnostic = "batch.diagnostic"
	// ShapeLA is a row of Log Analytics' AzureDiagnostics table, where a
	// Batch account's ServiceLog goes: the properties flattened into
	// columns named with their type's suffix (id_s, vmSize_s,
	// targetDedicatedNodes_d, enableAutoScale_b), or, past the table's
	// 500 columns, held in AdditionalFields.
	ShapeLA = "batch.loganalytics"
)

// The Batch service log's events that ask for nodes, as operationName
// writes them.
const (
	eventPoolCreate = "PoolCreateEvent"
	eventResize     = "PoolResizeStartEvent"
)

// Category is the diagnostic-settings category of the Batch service log;
// ServiceLogs is the deprecated one Azure Monitor still lists beside it.
const Category = "ServiceLog"

const (
	categoryOld   = "ServiceLogs"
	tableDiag     = "AzureDiagnostics"
	batchAccounts = "/providers/microsoft.batch/batchaccounts/"
)

// Detect reports whether v is a Batch pool's create or resize start, and
// its shape. Only these two ask for machines; the service log's other
// events (task starts and ends, resize completions, deletions, autoscale
// evaluations) are left to be counted as ignored by their category.
func Detect(v *fastjson.Value, h record.Hint) (string, bool) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return "", false
	}
	table := h.Table
	if table == "" {
		table = string(v.GetStringBytes("Type"))
	}
	if table != "" {
		// A Log Analytics row names its table; only AzureDiagnostics
		// holds the Batch service log.
		if !strings.EqualFold(table, tableDiag) {
			return "", false
		}
		if !serviceLog(record.Peek(record.Key(v, "Category"))) || !poolEvent(record.Peek(record.Key(v, "OperationName"))) {
			return "", false
		}
		if !strings.EqualFold(record.Peek(record.Key(v, "ResourceProvider")), "MICROSOFT.BATCH") &&
			!hasBatchAccount(record.Peek(record.Key(v, "ResourceId"))) {
			return "", false
		}
		return ShapeLA, true
	}
	if !serviceLog(string(v.GetStringBytes("category"))) || !poolEvent(string(v.GetStringBytes("operationName"))) ||
		!hasBatchAccount(string(v.GetStringBytes("resourceId"))) || v.Get("properties") == nil {
		return "", false
	}
	return ShapeDiagnostic, true
}

func serviceLog(c string) bool {
	return strings.EqualFold(c, Category) || strings.EqualFold(c, categoryOld)
}

func poolEvent(op string) bool {
	return strings.EqualFold(op, eventPoolCreate) || strings.EqualFold(op, eventResize)
}

// hasBatchAccount reports whether a resource id names a Batch account
// (diagnostic records write it in upper case).
func hasBatchAccount(id string) bool {
	return strings.Contains(strings.ToLower(id), batchAccounts)
}
