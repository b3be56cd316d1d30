package entra

import (
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// auditKeys names the fields of a directory audit record in one shape's
// casing. The objects inside initiatedBy and targetResources are camelCase
// in every shape.
type auditKeys struct {
	id, activity, category, correlation, service, result, reason string
	initiatedBy, targets                                         []string
}

var graphAudit = auditKeys{
	id: "id", activity: "activityDisplayName", category: "category", correlation: "correlationId",
	service: "loggedByService", result: "result", reason: "resultReason",
	initiatedBy: []string{"initiatedBy"}, targets: []string{"targetResources"},
}

var laAudit = auditKeys{
	id: "Id", activity: "ActivityDisplayName", category: "Category", correlation: "CorrelationId",
	service: "LoggedByService", result: "Result", reason: "ResultReason",
	initiatedBy: []string{"InitiatedBy", "InitiatedBy_dynamic", "InitiatedBy_string"},
	targets:     []string{"TargetResources", "TargetResources_dynamic", "TargetResources_string"},
}

// resultValues are the documented audit results, returned as constants.
var resultValues = []string{"success", "failure", "timeout", "unknownFutureValue"}

// Elevate access grants User Access Administrator at the root scope; the
// audit record names the role only in its activity text.
const (
	roleUAA      = "User Access Administrator"
	roleUAAID    = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	elevatedVerb = "elevated their access"
)

// principalTypes are the target types that can hold a role.
var principalTypes = []string{"User", "ServicePrincipal", "Group"}

// readAudit fills e from the audit fields of r, named by k.
func readAudit(sc *record.Scratch, r *fastjson.Value, k *auditKeys, e *event.Event) {
	a := &event.Audit{
		Activity: strings.TrimSpace(sc.Str(r, k.activity)),
		Category: sc.Str(r, k.category),
		Service:  sc.Str(r, k.service),
		Result:   enum(sc.Get(r, k.result), resultValues),
	}
	e.Audit = a
	e.ID = sc.Str(r, k.id)
	e.CorrelationID = sc.Str(r, k.correlation)
	e.Operation = lowerTrim(a.Activity)
	e.Category = a.Category
	e.Status = a.Result
	switch {
	case strings.EqualFold(a.Result, "success"):
		e.Outcome = event.OutcomeSucceeded
	case strings.EqualFold(a.Result, "failure"), strings.EqualFold(a.Result, "timeout"):
		e.Outcome = event.OutcomeFailed
		e.StatusMessage = strings.TrimSpace(sc.Str(r, k.reason))
	}
	readInitiator(sc, firstObj(sc, r, k.initiatedBy), e)

	var role *event.RoleAssignment
	if a.Category == catRoles {
		role = &event.RoleAssignment{}
	}
	if ts := firstObj(sc, r, k.targets); ts != nil && ts.Type() == fastjson.TypeArray {
		arr, _ := ts.Array()
		if len(arr) > 0 {
			a.Targets = make([]event.Target, 0, len(arr))
		}
		for _, t := range arr {
			tg := event.Target{ID: sc.Str(t, "id"), Name: sc.Str(t, "displayName"), Type: sc.Str(t, "type")}
			if tg.Name == "" {
				tg.Name = sc.Str(t, "userPrincipalName")
			}
			a.Targets = append(a.Targets, tg)
			if role != nil {
				roleTarget(sc, t, tg, role)
			}
		}
	}
	if role != nil && (role.RoleName != "" || role.RoleDefinitionID != "") {
		e.Role = role
	}
}

// elevateRole records the grant an elevate-access record stands for, so
// that rules on role assignments see it like an ARM role assignment. The
// removal of the elevation is not a grant and gets no role.
func elevateRole(e *event.Event) {
	if e.Role == nil && strings.EqualFold(e.Audit.Category, catElevate) && strings.Contains(e.Operation, elevatedVerb) {
		e.Role = &event.RoleAssignment{
			RoleDefinitionID: roleUAAID, RoleName: roleUAA, Scope: "/",
			PrincipalID: e.Principal.ID, PrincipalType: e.Principal.Type,
		}
	}
}

// readInitiator sets the principal (a user or an app) and the source
// address from initiatedBy.
func readInitiator(sc *record.Scratch, ib *fastjson.Value, e *event.Event) {
	if u := sc.Get(ib, "user"); u != nil {
		p := event.Principal{
			ID: sc.Str(u, "id"), UPN: sc.Str(u, "userPrincipalName"),
			Name: sc.Str(u, "displayName"), Type: "User",
		}
		if !p.Empty() {
			e.Principal = p
			e.SourceIP = record.IP(sc.Str(u, "ipAddress"))
			return
		}
	}
	if app := sc.Get(ib, "app"); app != nil {
		p := event.Principal{
			ID: sc.Str(app, "servicePrincipalId"), AppID: sc.Str(app, "appId"),
			Name: sc.Str(app, "displayName"), Type: "ServicePrincipal",
		}
		if p.Name == "" {
			p.Name = sc.Str(app, "servicePrincipalName")
		}
		if !p.Empty() {
			e.Principal = p
		}
	}
}

// roleTarget reads what a role-management target says of the role: a
// target of type Role names it (PIM records), a user, group or service
// principal target holds it and carries Role.DisplayName and
// Role.TemplateId among its modified properties ("Add member to role").
func roleTarget(sc *record.Scratch, t *fastjson.Value, tg event.Target, r *event.RoleAssignment) {
	if strings.EqualFold(tg.Type, "Role") {
		if r.RoleName == "" {
			r.RoleName = tg.Name
		}
		if r.RoleDefinitionID == "" {
			r.RoleDefinitionID = strings.ToLower(tg.ID)
		}
		return
	}
	if r.PrincipalID != "" || canonical([]byte(tg.Type), principalTypes) == "" {
		return
	}
	r.PrincipalID, r.PrincipalType = tg.ID, tg.Type
	for _, m := range sc.Array(t, "modifiedProperties") {
		name := sc.Get(m, "displayName")
		if name == nil {
			continue
		}
		switch b := name.GetStringBytes(); {
		case record.EqualFold(b, "Role.DisplayName"):
			r.RoleName = unquote(sc.Str(m, "newValue"))
		case record.EqualFold(b, "Role.TemplateId"):
			r.RoleDefinitionID = strings.ToLower(unquote(sc.Str(m, "newValue")))
		}
	}
}

// unquote strips the JSON quotes Entra writes around modified values
// ("\"Global Administrator\"").
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// decodeAuditGraph reads a Graph directoryAudit object.
func decodeAuditGraph(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	t, err := eventTime(sc, v, "activityDateTime")
	if err != nil {
		return out, err
	}
	e := event.Event{Time: t, Kind: event.KindAudit, Shape: shapeAuditGraph}
	readAudit(sc, v, &graphAudit, &e)
	elevateRole(&e)
	return append(out, e), nil
}

// decodeAuditDiag reads a diagnostic-settings audit record: the Graph
// fields under properties, time, tenant and operation name beside them.
func decodeAuditDiag(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	p, t, err := diagRecord(sc, v, "activityDateTime")
	if err != nil {
		return out, err
	}
	e := event.Event{Time: t, Kind: event.KindAudit, Shape: shapeAuditDiag}
	readAudit(sc, p, &graphAudit, &e)
	if e.Audit.Category == "" {
		// Some forwarders put the audit category at the top level.
		if x := sc.Get(v, "category"); x != nil && record.EqualFold(x.GetStringBytes(), catElevate) {
			e.Audit.Category, e.Category = catElevate, catElevate
		}
	}
	if e.Operation == "" {
		e.Operation = lowerTrim(sc.Str(v, "operationName"))
	}
	e.Tenant = sc.Str(v, "tenantId")
	if c := sc.Str(v, "correlationId"); c != "" {
		e.CorrelationID = c
	}
	if !e.SourceIP.IsValid() {
		e.SourceIP = record.IP(sc.Str(v, "callerIpAddress"))
	}
	elevateRole(&e)
	return append(out, e), nil
}

// decodeAuditLA reads a Log Analytics AuditLogs row.
func decodeAuditLA(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	t, err := eventTime(sc, v, "TimeGenerated", "ActivityDateTime")
	if err != nil {
		return out, err
	}
	e := event.Event{Time: t, Kind: event.KindAudit, Shape: shapeAuditLA}
	readAudit(sc, v, &laAudit, &e)
	if e.Operation == "" {
		e.Operation = lowerTrim(sc.Str(v, "OperationName"))
	}
	e.Tenant = sc.Str(v, "AADTenantId") // TenantId is the workspace's (laTenant)
	elevateRole(&e)
	return append(out, e), nil
}
