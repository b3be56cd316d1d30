package simulate

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// workspaceID is the Log Analytics workspace the tenant's exports of
// Log Analytics tables come from: every table's TenantId column holds the
// workspace's id, not the Entra tenant's (Azure Monitor's table reference),
// so the readers must not take it for the tenant.
const workspaceID = "00000000-0000-4000-8000-00000000a11a"

// Shapes the Activity Log can be written in: the diagnostic settings'
// storage blobs, the REST API's {"value":[…]} pages (az monitor
// activity-log list, the portal's download), or a Log Analytics AzureActivity
// export. The same activity in each shape must give the same findings.
const (
	ShapeRecords      = "records"
	ShapeREST         = "rest"
	ShapeLogAnalytics = "loganalytics"
)

// ParseShapes reads a list of Activity Log shapes separated by commas ("",
// records by default). Several are the same days in several exports, as an
// incident responder often holds them (a storage account's blobs and a
// workspace's AzureActivity rows): each record is written in each.
func ParseShapes(list string) ([]string, error) {
	if list == "" {
		return []string{ShapeRecords}, nil
	}
	var out []string
	for _, s := range strings.Split(list, ",") {
		switch s = strings.TrimSpace(s); s {
		case ShapeRecords, ShapeREST, ShapeLogAnalytics:
		default:
			return nil, fmt.Errorf("shape must be records, rest or loganalytics (or several, separated by commas), not %q", s)
		}
		if slices.Contains(out, s) {
			return nil, fmt.Errorf("shape %q named twice", s)
		}
		out = append(out, s)
	}
	return out, nil
}

// restStatus and the REST event names map a diagnostic resultType.
var restStatus = map[string]string{"Start": "Started", "Accept": "Accepted", "Success": "Succeeded", "Failure": "Failed"}

// reshape rewrites one diagnostic-settings record in shape. The result is
// deterministic: maps marshal with sorted keys, ids derive from the record.
func reshape(line []byte, shape string) ([]byte, error) {
	var d map[string]any
	if err := json.Unmarshal(line, &d); err != nil {
		return nil, err
	}
	str := func(k string) string { s, _ := d[k].(string); return s }
	identity, _ := d["identity"].(map[string]any)
	claims, _ := identity["claims"].(map[string]any)
	authz, _ := identity["authorization"].(map[string]any)
	props, _ := d["properties"].(map[string]any)
	sum := sha256.Sum256(line)
	eventDataID := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	rid := str("resourceId")
	sub := ""
	if parts := strings.Split(strings.Trim(rid, "/"), "/"); len(parts) > 1 && strings.EqualFold(parts[0], "subscriptions") {
		sub = strings.ToLower(parts[1])
	}
	caller, _ := claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"].(string)
	if caller == "" {
		caller, _ = claims["http://schemas.microsoft.com/identity/claims/objectidentifier"].(string)
	}
	tenant, _ := claims["http://schemas.microsoft.com/identity/claims/tenantid"].(string)
	op, rt := str("operationName"), str("resultType")
	// A Security record (Defender's Activate Alert) names its event and
	// keeps its facts in properties.eventProperties, which the REST API
	// gives as properties; it has no request status.
	category, status := "Administrative", restStatus[rt]
	if c := str("category"); c == "Security" {
		category, status = c, rt
	}
	switch shape {
	case ShapeREST:
		name := "EndRequest"
		if rt == "Start" {
			name = "BeginRequest"
		}
		restProps := props
		if category == "Security" {
			name, _ = props["eventName"].(string)
			restProps, _ = props["eventProperties"].(map[string]any)
		}
		e := map[string]any{
			"authorization": authz, "caller": caller, "claims": claims, "channels": "Operation",
			"correlationId": str("correlationId"), "eventDataId": eventDataID,
			"eventName":      map[string]any{"value": name, "localizedValue": name},
			"category":       map[string]any{"value": category, "localizedValue": category},
			"eventTimestamp": str("time"), "submissionTimestamp": str("time"),
			"httpRequest": map[string]any{"clientRequestId": str("correlationId"), "clientIpAddress": str("callerIpAddress"), "method": "PUT"},
			"id":          rid + "/events/" + eventDataID, "level": "Informational",
			"operationName": map[string]any{"value": op, "localizedValue": op},
			"properties":    restProps, "resourceId": rid,
			"status":         map[string]any{"value": status, "localizedValue": status},
			"subStatus":      map[string]any{"value": "", "localizedValue": ""},
			"subscriptionId": sub, "tenantId": tenant,
		}
		// EventData has no location: the region is only in the bodies.
		return json.Marshal(e)
	case ShapeLogAnalytics:
		// Log Analytics keeps dynamic columns as objects in its JSON export
		// and the workspace's id as TenantId (workspaceID).
		r := map[string]any{
			"TenantId": workspaceID, "SourceSystem": "Azure", "Type": "AzureActivity",
			"TimeGenerated": str("time"), "OperationNameValue": strings.ToUpper(op), "OperationName": op,
			"ActivityStatusValue": rt, "ActivitySubstatusValue": "", "Caller": caller,
			"CallerIpAddress": str("callerIpAddress"), "CorrelationId": str("correlationId"), "EventDataId": eventDataID,
			"Properties_d": props, "Claims_d": claims, "Authorization_d": authz, "_ResourceId": strings.ToLower(rid),
			"SubscriptionId": sub, "CategoryValue": category, "Level": "Informational",
		}
		return json.Marshal(r)
	}
	return line, nil
}
