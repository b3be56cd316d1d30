// Package entra reads Microsoft Entra ID logs: sign-ins (interactive and
// non-interactive users, service principals, managed identities, AD FS) and
// the directory audit log, in the three forms tenants export them: Microsoft
// Graph objects (v1.0 and beta), diagnostic-settings records (storage
// account, Event Hub) and Log Analytics rows (JSON export, az CLI output, CSV
// rows turned into objects of strings).
//
// Shapes:
//
//	signin.graph         Graph signIn
//	signin.diagnostic    categories SignInLogs, NonInteractiveUserSignInLogs,
//	                     ServicePrincipalSignInLogs, MicrosoftServicePrincipalSignInLogs,
//	                     ManagedIdentitySignInLogs, ADFSSignInLogs
//	signin.loganalytics  tables SigninLogs, AADNonInteractiveUserSignInLogs,
//	                     AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs,
//	                     ADFSSignInLogs
//	audit.graph          Graph directoryAudit
//	audit.diagnostic     category AuditLogs (and AzureRBACRoleManagementElevateAccess)
//	audit.loganalytics   table AuditLogs
//	risk.graph           Graph riskDetection, servicePrincipalRiskDetection
//	risk.diagnostic      categories UserRiskEvents, ServicePrincipalRiskEvents
//	risk.loganalytics    tables AADUserRiskEvents, AADServicePrincipalRiskEvents
//
// Every sign-in has Operation "sign-in activity"; an audit event's Operation
// is its activity display name in lower case. Category is the sign-in
// category (tables are mapped to the diagnostic category name) or the audit
// category, so one rule matches every export of the same log. A risk
// detection's Operation is "user risk detection" or "service principal
// risk detection", its Category the diagnostic one (risk.go).
package entra

import (
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// Shapes this family reads; the strings are stable (statistics, rules).
const (
	shapeSignInGraph = "signin.graph"
	shapeSignInDiag  = "signin.diagnostic"
	shapeSignInLA    = "signin.loganalytics"
	shapeAuditGraph  = "audit.graph"
	shapeAuditDiag   = "audit.diagnostic"
	shapeAuditLA     = "audit.loganalytics"
)

// opSignIn is the Operation of every sign-in event, as Azure names it.
const opSignIn = "sign-in activity"

// Diagnostic categories, as Azure spells them.
const (
	catSignIn         = "SignInLogs"
	catNonInteractive = "NonInteractiveUserSignInLogs"
	catSP             = "ServicePrincipalSignInLogs"
	catMicrosoftSP    = "MicrosoftServicePrincipalSignInLogs"
	catMI             = "ManagedIdentitySignInLogs"
	catADFS           = "ADFSSignInLogs"
	catAudit          = "AuditLogs"
	catElevate        = "AzureRBACRoleManagementElevateAccess"
	catRoles          = "RoleManagement"
)

// signInCategories are the diagnostic categories of sign-in logs.
var signInCategories = []string{catSignIn, catNonInteractive, catSP, catMicrosoftSP, catMI, catADFS}

// signInTables maps each Log Analytics sign-in table to the diagnostic
// category that feeds it.
var signInTables = []struct{ table, category string }{
	{"SigninLogs", catSignIn},
	{"AADNonInteractiveUserSignInLogs", catNonInteractive},
	{"AADServicePrincipalSignInLogs", catSP},
	{"AADManagedIdentitySignInLogs", catMI},
	{"ADFSSignInLogs", catADFS},
}

// tableAudit is the Log Analytics table of the directory audit log.
const tableAudit = "AuditLogs"

// queryResult is the table name `az monitor log-analytics query` writes on
// every row: it names the query's result, not the log, so it decides nothing.
const queryResult = "PrimaryResult"

// topKeys is what Detect learns from one pass over a record's top-level keys.
type topKeys struct {
	cat, table   []byte
	props        bool // a properties object: the diagnostic shape
	diagTime     bool // "time": the diagnostic shape without properties
	la           bool // a Log Analytics column (TimeGenerated, OperationName, ResultType, Type)
	created      bool // createdDateTime: sign-in
	signInStatus bool // status or conditionalAccessStatus: Graph signIn
	signInWho    bool // appId, userPrincipalName, ipAddress or servicePrincipalId
	activity     bool // activityDisplayName: audit
	initiatedBy  bool // initiatedBy: audit
	targets      bool // targetResources: audit
	riskType     bool // riskEventType: a risk detection
	detected     bool // detectedDateTime: a risk detection
}

// Detect reports whether v is an Entra sign-in or audit record and, if so,
// its shape. It reads the top-level keys once; the table (hint or Type) and
// the diagnostic category decide first, distinctive columns otherwise.
func Detect(v *fastjson.Value, h record.Hint) (shape string, ok bool) {
	o, err := v.Object()
	if err != nil {
		return "", false
	}
	var k topKeys
	o.Visit(func(name []byte, x *fastjson.Value) {
		switch string(name) {
		case "category", "Category":
			k.cat = x.GetStringBytes()
		case "Type", "$table":
			k.table = x.GetStringBytes()
			k.la = true
		case "properties", "Properties":
			k.props = x.Type() == fastjson.TypeObject
		case "time":
			k.diagTime = true
		case "TimeGenerated", "OperationName", "ResultType":
			k.la = true
		case "createdDateTime", "CreatedDateTime":
			k.created = true
		case "status", "Status", "conditionalAccessStatus", "ConditionalAccessStatus":
			k.signInStatus = true
		case "appId", "AppId", "userPrincipalName", "UserPrincipalName",
			"ipAddress", "IPAddress", "servicePrincipalId", "ServicePrincipalId":
			k.signInWho = true
		case "activityDisplayName", "ActivityDisplayName":
			k.activity = true
		case "initiatedBy", "InitiatedBy":
			k.initiatedBy = true
		case "targetResources", "TargetResources":
			k.targets = true
		case "riskEventType", "RiskEventType":
			k.riskType = true
		case "detectedDateTime", "DetectedDateTime":
			k.detected = true
		}
	})
	if h.Table != "" && h.Table != queryResult {
		k.table = []byte(h.Table)
	}
	if len(k.table) > 0 && string(k.table) != queryResult {
		if tableCategory(k.table) != "" {
			return shapeSignInLA, true
		}
		if record.EqualFold(k.table, tableAudit) {
			return shapeAuditLA, true
		}
		if riskCategory(k.table) != "" {
			return shapeRiskLA, true
		}
		if k.la && k.activity && k.initiatedBy && k.targets {
			// Hunting queries that project a target's type into Type
			// (OTRF's exports do) leave every audit column in place.
			return shapeAuditLA, true
		}
		return "", false // another table: precise, never claimed on columns
	}
	if len(k.cat) > 0 && (k.props || (k.diagTime && !k.la)) {
		switch {
		case canonical(k.cat, signInCategories) != "":
			return shapeSignInDiag, true
		case record.EqualFold(k.cat, catAudit), record.EqualFold(k.cat, catElevate):
			return shapeAuditDiag, true
		case riskCategory(k.cat) != "":
			return shapeRiskDiag, true
		}
		if k.props {
			return "", false // a diagnostic record of another family
		}
	}
	switch {
	case k.activity && (k.initiatedBy || k.targets):
		if k.la {
			return shapeAuditLA, true
		}
		return shapeAuditGraph, true
	case k.la && canonical(k.cat, signInCategories) != "":
		// A Log Analytics row that lost its Type column: its Category
		// column still names the sign-in log.
		return shapeSignInLA, true
	case k.created && k.signInStatus && k.signInWho && !k.la && len(k.cat) == 0:
		return shapeSignInGraph, true
	case k.riskType && k.detected && len(k.cat) == 0:
		// A Log Analytics row that lost its Type column keeps its
		// TimeGenerated and OperationName.
		if k.la {
			return shapeRiskLA, true
		}
		return shapeRiskGraph, true
	}
	return "", false
}

// tableCategory returns the sign-in category a Log Analytics table holds,
// "" when the table is not a sign-in table.
func tableCategory(t []byte) string {
	for _, s := range signInTables {
		if record.EqualFold(t, s.table) {
			return s.category
		}
	}
	return ""
}

// canonical returns the entry of list equal to b ignoring case, so events
// carry the constant (no copy, Azure's spelling) rather than the record's.
func canonical(b []byte, list []string) string {
	for _, s := range list {
		if record.EqualFold(b, s) {
			return s
		}
	}
	return ""
}
