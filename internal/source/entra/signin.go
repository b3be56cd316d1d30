package entra

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// signInKeys names the fields of a sign-in in one shape's casing: Graph
// objects and diagnostic properties use camelCase, Log Analytics columns
// PascalCase. Exact names are found without the case-insensitive scan.
type signInKeys struct {
	id, userID, upn, userName, userType       string
	appID, appName, ip, clientApp, condAccess string
	interactive, resource, resourceID         string
	riskDuring, riskAgg, riskState, authReq   string
	homeTenant, resTenant, spID, spName       string
	userAgent, correlation                    string
	risk                                      []string // v2 first: v1 is deprecated and misses newer detections
	status, location                          []string // dynamic columns, which CSV exports split into _dynamic and _string
}

var graphSignIn = signInKeys{
	id: "id", userID: "userId", upn: "userPrincipalName", userName: "userDisplayName", userType: "userType",
	appID: "appId", appName: "appDisplayName", ip: "ipAddress", clientApp: "clientAppUsed",
	condAccess: "conditionalAccessStatus", interactive: "isInteractive",
	resource: "resourceDisplayName", resourceID: "resourceId",
	riskDuring: "riskLevelDuringSignIn", riskAgg: "riskLevelAggregated", riskState: "riskState",
	authReq: "authenticationRequirement", homeTenant: "homeTenantId", resTenant: "resourceTenantId",
	spID: "servicePrincipalId", spName: "servicePrincipalName", userAgent: "userAgent", correlation: "correlationId",
	risk:     []string{"riskEventTypes_v2", "riskEventTypes"},
	status:   []string{"status"},
	location: []string{"location"},
}

// laSignIn reads Log Analytics rows. ResourceId there is the tenant's
// "/tenants/…/providers/Microsoft.aadiam", so the resource signed in to is
// ResourceIdentity.
var laSignIn = signInKeys{
	id: "Id", userID: "UserId", upn: "UserPrincipalName", userName: "UserDisplayName", userType: "UserType",
	appID: "AppId", appName: "AppDisplayName", ip: "IPAddress", clientApp: "ClientAppUsed",
	condAccess: "ConditionalAccessStatus", interactive: "IsInteractive",
	resource: "ResourceDisplayName", resourceID: "ResourceIdentity",
	riskDuring: "RiskLevelDuringSignIn", riskAgg: "RiskLevelAggregated", riskState: "RiskState",
	authReq: "AuthenticationRequirement", homeTenant: "HomeTenantId", resTenant: "ResourceTenantId",
	spID: "ServicePrincipalId", spName: "ServicePrincipalName", userAgent: "UserAgent", correlation: "CorrelationId",
	risk:     []string{"RiskEventTypes_V2", "RiskEventTypes", "RiskEventTypes_V2_dynamic", "RiskEventTypes_dynamic"},
	status:   []string{"Status", "Status_dynamic", "Status_string"},
	location: []string{"LocationDetails", "LocationDetails_dynamic", "LocationDetails_string"},
}

// Values repeated on nearly every sign-in, returned as constants.
var (
	riskValues   = []string{"none", "low", "medium", "high", "hidden", "unknownFutureValue"}
	stateValues  = []string{"none", "atRisk", "confirmedSafe", "remediated", "dismissed", "confirmedCompromised"}
	caValues     = []string{"notApplied", "success", "failure"}
	authValues   = []string{"singleFactorAuthentication", "multiFactorAuthentication"}
	clientValues = []string{"Browser", "Mobile Apps and Desktop clients", "Exchange ActiveSync", "Other clients"}
)

// signInFacts are what a sign-in says beyond event.SignIn, kept until the
// category is known: who signed in depends on it.
type signInFacts struct {
	userID, upn, userName, userType, spID, spName string
	reason                                        string
	code                                          int64
	hasCode, hasInteractive                       bool
}

// readSignIn fills e from the sign-in fields of r, named by k.
func readSignIn(sc *record.Scratch, r *fastjson.Value, k *signInKeys, e *event.Event) signInFacts {
	s := &event.SignIn{
		AppID:               sc.Str(r, k.appID),
		AppName:             sc.Str(r, k.appName),
		Resource:            sc.Str(r, k.resource),
		ResourceID:          sc.Str(r, k.resourceID),
		RiskLevel:           enum(sc.Get(r, k.riskDuring), riskValues),
		RiskLevelAggregated: enum(sc.Get(r, k.riskAgg), riskValues),
		RiskState:           enum(sc.Get(r, k.riskState), stateValues),
		AuthRequirement:     enum(sc.Get(r, k.authReq), authValues),
		ConditionalAccess:   enum(sc.Get(r, k.condAccess), caValues),
		ClientApp:           enum(sc.Get(r, k.clientApp), clientValues),
		UserAgent:           sc.Str(r, k.userAgent),
		HomeTenantID:        sc.Str(r, k.homeTenant),
		ResourceTenantID:    sc.Str(r, k.resTenant),
	}
	e.SignIn = s
	e.ID = sc.Str(r, k.id)
	e.CorrelationID = sc.Str(r, k.correlation)
	e.SourceIP = record.IP(sc.Str(r, k.ip))
	for _, rk := range k.risk {
		if a := sc.Array(r, rk); len(a) > 0 {
			s.RiskEventTypes = make([]string, 0, len(a))
			for _, t := range a {
				if t := record.String(t); t != "" {
					s.RiskEventTypes = append(s.RiskEventTypes, t)
				}
			}
			break
		}
	}
	if loc := firstObj(sc, r, k.location); loc != nil {
		s.Country = sc.Str(loc, "countryOrRegion")
	}
	f := signInFacts{
		userID: sc.Str(r, k.userID), upn: sc.Str(r, k.upn), userName: sc.Str(r, k.userName),
		userType: sc.Str(r, k.userType), spID: sc.Str(r, k.spID), spName: sc.Str(r, k.spName),
	}
	s.Interactive, f.hasInteractive = sc.Bool(r, k.interactive)
	if st := firstObj(sc, r, k.status); st != nil {
		f.code, f.hasCode = sc.Int(st, "errorCode")
		f.reason = sc.Str(st, "failureReason")
	}
	return f
}

// finish sets the outcome and the principal once the category and tenant
// are known. Error code 0 is success; every other code is a failure,
// interrupts (50140 "keep me signed in", 50074 MFA required) included.
func finish(e *event.Event, f *signInFacts) {
	s := e.SignIn
	s.FailureReason = f.reason
	e.Outcome, e.Status = f.outcome()
	if f.hasCode {
		s.ErrorCode = int(f.code)
		if f.code != 0 {
			e.StatusMessage = strings.TrimSpace(f.reason)
		}
	}
	switch s.Category {
	case catSP, catMicrosoftSP, catMI:
		e.Principal = event.Principal{ID: f.spID, Name: f.spName, AppID: s.AppID, Type: "ServicePrincipal"}
		if e.Principal.Name == "" {
			e.Principal.Name = s.AppName
		}
		if s.Category == catMI {
			e.Principal.Type = "ManagedIdentity"
		}
	default:
		e.Principal = event.Principal{ID: f.userID, UPN: f.upn, Name: f.userName, Type: "User"}
		if strings.EqualFold(f.userType, "guest") {
			e.Principal.Type = "Guest"
		}
	}
	// A guest or a multi-tenant app signs in from its home tenant.
	if h := s.HomeTenantID; h != "" && e.Tenant != "" && !strings.EqualFold(h, e.Tenant) {
		e.Principal.TenantID = h
	}
}

// outcome is the sign-in's outcome and status from its error code.
func (f *signInFacts) outcome() (event.Outcome, string) {
	switch {
	case !f.hasCode:
		return event.OutcomeUnknown, ""
	case f.code == 0:
		return event.OutcomeSucceeded, "0"
	}
	return event.OutcomeFailed, strconv.FormatInt(f.code, 10)
}

// briefSignIn asks the hunt, before the rest of a sign-in is read,
// whether anything it runs could use it, from what the sign-in rules test
// first (the outcome, the address, the risk during the sign-in and the
// user's risk state), each read as readSignIn, fallbackCode and finish
// read it. A tenant's sign-in logs are among its largest, and most
// sign-ins succeed from ordinary addresses at no risk: for those it
// reports brief, with the outcome and status their brief event keeps
// (briefSignInEvent; the caller knows its time, shape and tenant). top is
// the record, r where its sign-in fields
// are (a diagnostic record's properties); codeKey and ipKey name top's
// fallbacks for the error code and the address, "" for none.
func briefSignIn(sc *record.Scratch, top, r *fastjson.Value, k *signInKeys, codeKey, ipKey string) (o event.Outcome, status string, brief bool) {
	if sc.Wants == nil {
		return o, "", false
	}
	var f signInFacts
	if st := firstObj(sc, r, k.status); st != nil {
		f.code, f.hasCode = sc.Int(st, "errorCode")
	}
	if codeKey != "" && !f.hasCode {
		f.code, f.hasCode = sc.Int(top, codeKey)
	}
	o, status = f.outcome()
	ip := record.IP(record.Peek(sc.Get(r, k.ip)))
	if !ip.IsValid() && ipKey != "" {
		ip = record.IP(record.Peek(sc.Get(top, ipKey)))
	}
	return o, status, !sc.Want(signInGlance(o, ip, enum(sc.Get(r, k.riskDuring), riskValues), enum(sc.Get(r, k.riskState), stateValues), sc.Str(r, k.spID)))
}

// signInGlance is what Wants is asked of a sign-in, on either path.
func signInGlance(o event.Outcome, ip netip.Addr, risk, state, sp string) event.Glance {
	return event.Glance{Kind: event.KindSignIn, Operation: opSignIn, Outcome: o, SourceIP: ip, RiskLevel: risk, RiskState: state, ServicePrincipal: sp}
}

// briefSignInEvent is the brief event of a sign-in no rule wants, on
// either path: only what a brief event keeps, its key made of its id (a
// view of the record: only hashed).
func briefSignInEvent(sc *record.Scratch, t time.Time, shape, tenant, status string, o event.Outcome, id string) event.Event {
	return event.Event{Time: t, Kind: event.KindSignIn, Shape: shape, Brief: true, Tenant: tenant, Operation: opSignIn, Status: status, Outcome: o,
		Key: sc.KeyHash.IDRecordKey(&sc.Key, sc.Keys, event.KindSignIn, id)}
}

// fallbackCode reads the error code from a resultType column when the
// status object is absent (service principal and managed identity tables
// have none) or has no code.
func fallbackCode(sc *record.Scratch, v *fastjson.Value, f *signInFacts, codeKey, reasonKey string) {
	if !f.hasCode {
		f.code, f.hasCode = sc.Int(v, codeKey)
	}
	if f.reason == "" && f.hasCode && f.code != 0 {
		f.reason = sc.Str(v, reasonKey)
	}
}

// decodeSignInGraph reads a Graph signIn object.
func decodeSignInGraph(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	t, err := eventTime(sc, v, "createdDateTime")
	if err != nil {
		return out, err
	}
	if o, status, ok := briefSignIn(sc, v, v, &graphSignIn, "", ""); ok {
		return append(out, briefSignInEvent(sc, t, shapeSignInGraph, sc.Str(v, graphSignIn.resTenant), status, o, record.Peek(sc.Get(v, graphSignIn.id)))), nil
	}
	e := event.Event{Time: t, Kind: event.KindSignIn, Shape: shapeSignInGraph, Operation: opSignIn}
	f := readSignIn(sc, v, &graphSignIn, &e)
	e.SignIn.Category = graphCategory(sc, v, e.SignIn, &f)
	e.Category = e.SignIn.Category
	e.Tenant = e.SignIn.ResourceTenantID
	finish(&e, &f)
	return append(out, e), nil
}

// graphCategory names the log a Graph sign-in would be in. Beta objects say
// it (signInEventTypes); v1.0 objects are told apart by who signed in.
func graphCategory(sc *record.Scratch, v *fastjson.Value, s *event.SignIn, f *signInFacts) string {
	for _, t := range sc.Array(v, "signInEventTypes") {
		b := t.GetStringBytes()
		switch {
		case record.EqualFold(b, "interactiveUser"):
			return catSignIn
		case record.EqualFold(b, "nonInteractiveUser"):
			return catNonInteractive
		case record.EqualFold(b, "servicePrincipal"):
			return catSP
		case record.EqualFold(b, "managedIdentity"):
			return catMI
		}
	}
	if x := sc.Get(v, "managedServiceIdentity", "msiType"); x != nil {
		if b := x.GetStringBytes(); record.EqualFold(b, "systemAssigned") || record.EqualFold(b, "userAssigned") {
			return catMI
		}
	}
	switch {
	case f.spID != "" && f.userID == "" && f.upn == "":
		return catSP
	case f.hasInteractive && !s.Interactive:
		return catNonInteractive
	}
	return catSignIn
}

// decodeSignInDiag reads a diagnostic-settings sign-in record: the Graph
// fields under properties, the envelope's time, tenant, caller address and
// result beside them.
func decodeSignInDiag(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	p, t, err := diagRecord(sc, v, "createdDateTime")
	if err != nil {
		return out, err
	}
	if o, status, ok := briefSignIn(sc, v, p, &graphSignIn, "resultType", "callerIpAddress"); ok {
		return append(out, briefSignInEvent(sc, t, shapeSignInDiag, diagTenant(sc, v, sc.Str(p, graphSignIn.resTenant)), status, o, record.Peek(sc.Get(p, graphSignIn.id)))), nil
	}
	e := event.Event{Time: t, Kind: event.KindSignIn, Shape: shapeSignInDiag, Operation: opSignIn}
	f := readSignIn(sc, p, &graphSignIn, &e)
	if x := sc.Get(v, "category"); x != nil {
		e.SignIn.Category = canonical(x.GetStringBytes(), signInCategories)
	}
	e.Category = e.SignIn.Category
	e.Tenant = diagTenant(sc, v, e.SignIn.ResourceTenantID)
	if c := sc.Str(v, "correlationId"); c != "" {
		e.CorrelationID = c // the envelope's, as for every diagnostic record
	}
	if !e.SourceIP.IsValid() {
		e.SourceIP = record.IP(sc.Str(v, "callerIpAddress"))
	}
	if e.SignIn.Country == "" {
		e.SignIn.Country = countryCode(sc, v, "location")
	}
	fallbackCode(sc, v, &f, "resultType", "resultDescription")
	finish(&e, &f)
	return append(out, e), nil
}

// decodeSignInLA reads a Log Analytics sign-in row.
func decodeSignInLA(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	t, err := eventTime(sc, v, "TimeGenerated", "CreatedDateTime")
	if err != nil {
		return out, err
	}
	if o, status, ok := briefSignIn(sc, v, v, &laSignIn, "ResultType", ""); ok {
		return append(out, briefSignInEvent(sc, t, shapeSignInLA, laTenant(sc, v, sc.Str(v, laSignIn.resTenant)), status, o, record.Peek(sc.Get(v, laSignIn.id)))), nil
	}
	e := event.Event{Time: t, Kind: event.KindSignIn, Shape: shapeSignInLA, Operation: opSignIn}
	f := readSignIn(sc, v, &laSignIn, &e)
	if x := sc.Get(v, "Type"); x != nil {
		e.SignIn.Category = tableCategory(x.GetStringBytes())
	}
	if x := sc.Get(v, "Category"); e.SignIn.Category == "" && x != nil {
		e.SignIn.Category = canonical(x.GetStringBytes(), signInCategories)
	}
	e.Category = e.SignIn.Category
	e.Tenant = laTenant(sc, v, e.SignIn.ResourceTenantID)
	if e.SignIn.Country == "" {
		e.SignIn.Country = countryCode(sc, v, "Location")
	}
	fallbackCode(sc, v, &f, "ResultType", "ResultDescription")
	finish(&e, &f)
	return append(out, e), nil
}

// diagTenant is a diagnostic sign-in's tenant: the envelope's, else the
// tenant signed in to (resTenant).
func diagTenant(sc *record.Scratch, v *fastjson.Value, resTenant string) string {
	if t := sc.Str(v, "tenantId"); t != "" {
		return t
	}
	return resTenant
}

// laTenant is a Log Analytics sign-in's tenant: AADTenantId, where the
// table has it, else the tenant signed in to (resTenant), else none.
// TenantId is never it: in every Log Analytics table it is the workspace's
// id, and AADServicePrincipalSignInLogs, which has neither of the others,
// would have put a service principal's sign-ins in a tenant of their own
// (the workspace), apart from what it did; with none, the hunt places
// them as other logs that name no tenant.
func laTenant(sc *record.Scratch, v *fastjson.Value, resTenant string) string {
	if t := sc.Str(v, "AADTenantId"); t != "" {
		return t
	}
	return resTenant
}

// countryCode reads the two-letter country a record's location column
// holds, ignoring a location object (that one is read as LocationDetails).
func countryCode(sc *record.Scratch, v *fastjson.Value, key string) string {
	x := sc.Get(v, key)
	if x == nil || x.Type() != fastjson.TypeString {
		return ""
	}
	return record.String(x)
}
