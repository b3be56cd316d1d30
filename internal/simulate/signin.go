package simulate

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// signin describes one interactive sign-in.
type signin struct {
	UPN, OID, IP    string
	App, AppID      string
	MFA             bool
	Fail            int    // an Entra error code; 0 is success
	Risk, RiskState string // RiskLevelDuringSignIn and RiskState
	RiskEvents      string // RiskEventTypes_V2 of a risky sign-in; "" for an attacker's (attackerRiskEvents)
	Guest           bool
	Country         string
}

// attackerRiskEvents is what ID Protection finds in an attacker's sign-in
// from an address it has not seen the user at.
const attackerRiskEvents = `["anonymizedIPAddress","unfamiliarFeatures"]`

// signIn writes a sign-in row the way the Log Analytics portal exports it
// (an array of SigninLogs rows, one file a day).
func (g *gen) signIn(at time.Time, s signin) {
	req, risk, state := "singleFactorAuthentication", "none", "none"
	if s.MFA {
		req = "multiFactorAuthentication"
	}
	if s.Risk != "" {
		risk, state = s.Risk, s.RiskState
	}
	ut, country := "Member", s.Country
	if s.Guest {
		ut = "Guest"
	}
	if country == "" {
		country = "NL"
	}
	status := map[string]any{"errorCode": s.Fail}
	if s.Fail != 0 {
		status["failureReason"] = "Invalid username or password or Invalid on-premise username or password."
	}
	row := map[string]any{
		"TenantId": workspaceID, "TimeGenerated": at.UTC().Format("2006-01-02T15:04:05.000Z"), "Type": "SigninLogs", "Category": "SignInLogs",
		"Id": guid(g.r), "CorrelationId": guid(g.r), "UserPrincipalName": s.UPN, "UserId": s.OID, "UserDisplayName": s.UPN,
		"AppDisplayName": s.App, "AppId": s.AppID, "IPAddress": s.IP, "ResultType": strconv.Itoa(s.Fail),
		"ResultDescription":         map[bool]string{true: "", false: "Invalid username or password"}[s.Fail == 0],
		"AuthenticationRequirement": req, "RiskLevelDuringSignIn": risk, "RiskLevelAggregated": risk, "RiskState": state,
		"ResourceDisplayName": resourceOf(s.AppID), "Status": string(marshal(status)),
		"Location": country, "HomeTenantId": g.t.ID, "ResourceTenantId": g.t.ID, "UserType": ut,
		"ClientAppUsed": "Browser", "IsInteractive": true, "ConditionalAccessStatus": "success",
	}
	if s.Risk != "" && s.Risk != "none" {
		row["RiskEventTypes_V2"] = cmp.Or(s.RiskEvents, attackerRiskEvents)
	}
	g.signInRow(at, "SigninLogs", row)
	g.noteSignIn(at, s, row)
}

// resourceOf is the resource an application signs in to.
func resourceOf(appID string) string {
	switch appID {
	case appTeams:
		return "Microsoft Teams Services"
	case appOffice:
		return "Office 365 Exchange Online"
	}
	return "Windows Azure Service Management API"
}

// benignSignIns writes an hour's sign-ins: people at the office, with MFA,
// and the odd mistyped password.
func (g *gen) benignSignIns(h time.Time, work bool) {
	n := g.r.IntN(2 * g.scale)
	if work {
		n = 4*g.scale + g.r.IntN(6*g.scale)
	}
	apps := []struct{ name, id string }{{"Azure Portal", appPortal}, {"Microsoft Azure CLI", appCLI}, {"Microsoft Teams", appTeams}, {"Office 365", appOffice}, {"Microsoft Azure PowerShell", appPS}}
	for range n {
		p := pick(g.r, g.t.People)
		a := pick(g.r, apps)
		s := signin{UPN: p.UPN, OID: p.OID, IP: g.t.office(g.r), App: a.name, AppID: a.id, MFA: true}
		if g.r.IntN(25) == 0 {
			s.Fail, s.MFA = 50126, false
		}
		g.signIn(h.Add(g.jitter(time.Hour)), s)
	}
}

// audit writes an Entra audit record as diagnostic settings deliver it.
func (g *gen) audit(at time.Time, by person, ip, activity, category, opType, service string, target person, details []any) {
	corr := guid(g.r)
	r := map[string]any{
		"time": stamp(at), "resourceId": "/tenants/" + g.t.ID + "/providers/Microsoft.aadiam", "operationName": activity,
		"operationVersion": "1.0", "category": "AuditLogs", "tenantId": g.t.ID, "resultSignature": "None", "durationMs": 0,
		"callerIpAddress": ip, "correlationId": corr, "level": "Informational",
		"properties": map[string]any{
			"id": "Directory_" + corr[:8], "category": category, "correlationId": corr, "result": "success", "resultReason": "",
			"activityDisplayName": activity, "activityDateTime": at.UTC().Format("2006-01-02T15:04:05.0000000+00:00"),
			"loggedByService": service, "operationType": opType,
			"initiatedBy":       map[string]any{"user": map[string]any{"id": by.OID, "displayName": nil, "userPrincipalName": by.UPN, "ipAddress": ip, "roles": []any{}}},
			"targetResources":   []any{map[string]any{"id": target.OID, "displayName": nil, "type": "User", "userPrincipalName": target.UPN, "modifiedProperties": []any{}}},
			"additionalDetails": details,
		},
	}
	if details == nil {
		r["properties"].(map[string]any)["additionalDetails"] = []any{}
	}
	p := "insights-logs-auditlogs/tenantId=" + g.t.ID + "/" + hourPath(at) + "/PT1H.json"
	g.add(p, kindLines, at, marshal(r))
}

// benignAudit writes the directory's everyday changes.
func (g *gen) benignAudit(h time.Time, work bool) {
	if !work || g.r.IntN(2) == 0 {
		return
	}
	for range 1 + g.r.IntN(2*g.scale) {
		by, target := g.t.People[g.t.Admin], pick(g.r, g.t.People)
		switch g.r.IntN(3) {
		case 0:
			g.audit(h.Add(g.jitter(time.Hour)), by, g.t.office(g.r), "Update user", "UserManagement", "Update", "Core Directory", target, nil)
		case 1:
			g.audit(h.Add(g.jitter(time.Hour)), by, g.t.office(g.r), "Add member to group", "GroupManagement", "Assign", "Core Directory", target, nil)
		default:
			g.audit(h.Add(g.jitter(time.Hour)), target, g.t.office(g.r), "Reset password (self-service)", "UserManagement", "Update", "Self-service Password Management", target, nil)
		}
	}
}

// spSignIn writes a service principal's client-credential sign-in as a
// Log Analytics AADServicePrincipalSignInLogs row (one file a day).
func (g *gen) spSignIn(at time.Time, a app, ip, country string) {
	loc := string(marshal(map[string]any{"countryOrRegion": country}))
	row := map[string]any{
		"TenantId": workspaceID, "TimeGenerated": at.UTC().Format("2006-01-02T15:04:05.000Z"), "Type": "AADServicePrincipalSignInLogs",
		"Category": "ServicePrincipalSignInLogs", "Id": guid(g.r), "CorrelationId": guid(g.r),
		"AppId": a.AppID, "ServicePrincipalId": a.OID, "ServicePrincipalName": a.Name, "IPAddress": ip,
		"ResultType": "0", "ResultDescription": "", "ResourceDisplayName": "Windows Azure Service Management API",
		"ResourceIdentity": "797f4846-ba00-4fd7-ba43-dac1f8f63013", "ClientCredentialType": "clientSecret",
		"ServicePrincipalCredentialKeyId": guid(g.r), "ConditionalAccessStatus": "notApplied",
		"Location": country, "LocationDetails": loc, "Status": `{"errorCode":0}`,
	}
	g.signInRow(at, "AADServicePrincipalSignInLogs", row)
	g.noteSPSignIn(at, a, ip, country, row)
}

// signInRow writes a sign-in, given as its Log Analytics row of table, in
// the tenant's sign-in shape: the row in a day's export, or the record
// diagnostic settings deliver to the category's hourly blob, its
// properties the Graph signIn object (camelCase, dynamic columns as the
// objects and arrays they hold).
func (g *gen) signInRow(at time.Time, table string, row map[string]any) {
	if g.opt.SignInShape != ShapeRecords {
		g.add("signins/"+table+"_"+at.Format("2006-01-02")+".json", kindArray, at, marshal(row))
		return
	}
	props := map[string]any{"createdDateTime": at.UTC().Format("2006-01-02T15:04:05.0000000Z")}
	for k, v := range row {
		switch k {
		case "TenantId", "TimeGenerated", "Type", "Category", "ResultType", "ResultDescription", "Location":
		case "Status", "LocationDetails", "RiskEventTypes_V2":
			var x any
			if err := json.Unmarshal([]byte(v.(string)), &x); err != nil {
				panic(err) // built by this package
			}
			props[graphName[k]] = x
		default:
			if n, ok := graphName[k]; ok {
				props[n] = v
			} else {
				props[strings.ToLower(k[:1])+k[1:]] = v
			}
		}
	}
	if _, ok := props["location"]; !ok {
		props["location"] = map[string]any{"countryOrRegion": row["Location"]}
	}
	cat := row["Category"].(string)
	code, _ := strconv.Atoi(row["ResultType"].(string))
	r := map[string]any{
		"time": stamp(at), "resourceId": "/tenants/" + g.t.ID + "/providers/Microsoft.aadiam", "operationName": "Sign-in activity",
		"operationVersion": "1.0", "category": cat, "tenantId": g.t.ID, "resultType": strconv.Itoa(code), "resultSignature": "None",
		"resultDescription": row["ResultDescription"], "durationMs": 0, "callerIpAddress": row["IPAddress"],
		"correlationId": row["CorrelationId"], "identity": row["UserDisplayName"], "Level": 4, "location": row["Location"],
		"properties": props,
	}
	if r["identity"] == nil {
		r["identity"] = row["ServicePrincipalName"]
	}
	g.add("insights-logs-"+strings.ToLower(cat)+"/tenantId="+g.t.ID+"/"+hourPath(at)+"/PT1H.json", kindLines, at, marshal(r))
}

// graphName is the Graph signIn property of a Log Analytics column whose
// name is not the property's with its first letter lowered.
var graphName = map[string]string{
	"IPAddress": "ipAddress", "ResourceIdentity": "resourceId", "Status": "status",
	"LocationDetails": "location", "RiskEventTypes_V2": "riskEventTypes_v2",
}
