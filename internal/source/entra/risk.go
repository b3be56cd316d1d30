package entra

import (
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Entra ID Protection's risk detections: what Microsoft found risky about
// a user's sign-in or account (leaked credentials, an anomalous token, an
// unfamiliar sign-in) or a service principal's. An account taken over
// without MFA often shows here first, and an offline detection, found
// hours after a sign-in the sign-in log rated harmless, shows it only
// here. The same riskDetection object comes in three forms: Graph's
// (identityProtection/riskDetections, servicePrincipalRiskDetections),
// the diagnostic setting's (categories UserRiskEvents and
// ServicePrincipalRiskEvents, the object under properties; a live capture
// wrote the envelope's time as "7/18/2026 2:03:03 PM", which
// record.FirstTime reads) and Log Analytics' (AADUserRiskEvents,
// AADServicePrincipalRiskEvents, PascalCase columns).

const (
	shapeRiskGraph = "risk.graph"
	shapeRiskDiag  = "risk.diagnostic"
	shapeRiskLA    = "risk.loganalytics"
)

const (
	catUserRisk = "UserRiskEvents"
	catSPRisk   = "ServicePrincipalRiskEvents"
	// Operations, as the diagnostic records name them, lower case; Graph's
	// objects name none and take their kind's.
	opUserRisk = event.OpUserRiskDetection
	opSPRisk   = event.OpSPRiskDetection
)

// riskTables maps each Log Analytics table to its diagnostic category.
var riskTables = []struct{ table, category string }{
	{"AADUserRiskEvents", catUserRisk},
	{"AADServicePrincipalRiskEvents", catSPRisk},
}

// riskKeys names a detection's fields in one shape's casing.
type riskKeys struct {
	id, eventType, eventTypeOld, state, level, detail, timing, activity, source string
	request, correlation, ip, activityTime, detected, updated                   string
	userID, upn, userName, spID, spName, appID, tokenIssuer                     string
	location, info                                                              []string
}

var graphRiskKeys = riskKeys{
	id: "id", eventType: "riskEventType", eventTypeOld: "riskType", state: "riskState", level: "riskLevel",
	detail: "riskDetail", timing: "detectionTimingType", activity: "activity", source: "source",
	request: "requestId", correlation: "correlationId", ip: "ipAddress",
	activityTime: "activityDateTime", detected: "detectedDateTime", updated: "lastUpdatedDateTime",
	userID: "userId", upn: "userPrincipalName", userName: "userDisplayName",
	spID: "servicePrincipalId", spName: "servicePrincipalDisplayName", appID: "appId", tokenIssuer: "tokenIssuerType",
	location: []string{"location"}, info: []string{"additionalInfo"},
}

var laRiskKeys = riskKeys{
	id: "Id", eventType: "RiskEventType", eventTypeOld: "RiskType", state: "RiskState", level: "RiskLevel",
	detail: "RiskDetail", timing: "DetectionTimingType", activity: "Activity", source: "Source",
	request: "RequestId", correlation: "CorrelationId", ip: "IpAddress",
	activityTime: "ActivityDateTime", detected: "DetectedDateTime", updated: "LastUpdatedDateTime",
	userID: "UserId", upn: "UserPrincipalName", userName: "UserDisplayName",
	spID: "ServicePrincipalId", spName: "ServicePrincipalDisplayName", appID: "AppId", tokenIssuer: "TokenIssuerType",
	location: []string{"Location", "Location_dynamic", "Location_string"},
	info:     []string{"AdditionalInfo", "AdditionalInfo_dynamic", "AdditionalInfo_string"},
}

// Values every detection repeats, returned as constants.
var (
	timingValues   = []string{"realtime", "nearRealtime", "offline", "notDefined"}
	activityValues = []string{"signin", "user", "servicePrincipal"}
)

// riskCategory returns the diagnostic category of a risk detection
// category or table as Azure spells it, "" for another.
func riskCategory(b []byte) string {
	for _, t := range riskTables {
		if record.EqualFold(b, t.table) || record.EqualFold(b, t.category) {
			return t.category
		}
	}
	return ""
}

func decodeRiskGraph(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	cat := catUserRisk
	if sc.Str(v, graphRiskKeys.spID) != "" && sc.Str(v, graphRiskKeys.upn) == "" {
		cat = catSPRisk
	}
	e, err := readRisk(sc, v, &graphRiskKeys, shapeRiskGraph, cat)
	if err != nil { // a Graph object has no envelope to take a time from
		return out, err
	}
	return append(out, e), nil
}

func decodeRiskDiag(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	p := sc.Get(v, "properties")
	if p == nil || p.Type() != fastjson.TypeObject {
		p = v // a forwarder that flattened the record
	}
	e, err := readRisk(sc, p, &graphRiskKeys, shapeRiskDiag, riskCategory([]byte(sc.Str(v, "category"))))
	if err != nil {
		// No time in the object: the envelope's (when the record was
		// written, after the detection).
		if e.Time, err = eventTime(sc, v, "time"); err != nil {
			return out, err
		}
	}
	e.Tenant = diagTenant(sc, v, "")
	return append(out, e), nil
}

func decodeRiskLA(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	cat := riskCategory([]byte(sc.Str(v, "Type")))
	if cat == "" {
		cat = catUserRisk
		if sc.Str(v, laRiskKeys.spID) != "" && sc.Str(v, laRiskKeys.upn) == "" {
			cat = catSPRisk
		}
	}
	e, err := readRisk(sc, v, &laRiskKeys, shapeRiskLA, cat)
	if err != nil {
		if e.Time, err = eventTime(sc, v, "TimeGenerated"); err != nil {
			return out, err
		}
	}
	e.Tenant = laTenant(sc, v, "") // TenantId is the workspace's
	return append(out, e), nil
}

// readRisk reads one detection. Its time is the risky activity's (a
// sign-in's, so that it sits before what the attacker did after it),
// else the detection's, as record.FirstTime reads them (one that does not
// read is passed over); when neither reads, the error says so and the
// event is whole but for its time, which the shape's caller may take
// from its envelope.
func readRisk(sc *record.Scratch, r *fastjson.Value, k *riskKeys, shape, cat string) (event.Event, error) {
	rk := &event.Risk{
		EventType: sc.Str(r, k.eventType),
		Level:     enum(sc.Get(r, k.level), riskValues),
		State:     enum(sc.Get(r, k.state), stateValues),
		Detail:    sc.Str(r, k.detail),
		Timing:    enum(sc.Get(r, k.timing), timingValues),
		Activity:  enum(sc.Get(r, k.activity), activityValues),
		Source:    sc.Str(r, k.source),
		RequestID: sc.Str(r, k.request),
	}
	if rk.EventType == "" {
		rk.EventType = sc.Str(r, k.eventTypeOld) // the deprecated name, alone in older exports
	}
	detected := sc.Str(r, k.detected)
	rk.Detected, _ = record.FirstTime(detected)
	rk.Updated, _ = record.FirstTime(sc.Str(r, k.updated))
	e := event.Event{Kind: event.KindRisk, Shape: shape, Category: cat, Risk: rk}
	var err error
	e.Time, err = record.FirstTime(sc.Str(r, k.activityTime), detected)
	e.ID = sc.Str(r, k.id)
	e.CorrelationID = sc.Str(r, k.correlation)
	e.SourceIP = record.IP(sc.Str(r, k.ip))
	e.Status = rk.State
	e.Operation = opUserRisk
	if loc := firstObj(sc, r, k.location); loc != nil {
		rk.Country = sc.Str(loc, "countryOrRegion")
	}
	rk.UserAgent = infoValue(sc, firstObj(sc, r, k.info), "userAgent")
	if cat == catSPRisk {
		e.Operation = opSPRisk
		e.Principal = event.Principal{ID: sc.Str(r, k.spID), Name: sc.Str(r, k.spName), AppID: sc.Str(r, k.appID), Type: "ServicePrincipal"}
	} else {
		e.Principal = event.Principal{ID: sc.Str(r, k.userID), UPN: sc.Str(r, k.upn), Name: sc.Str(r, k.userName), Type: "User"}
	}
	return e, err
}

// infoValue reads one entry of additionalInfo, an array of {"Key": …,
// "Value": …} pairs (a JSON string in every export).
func infoValue(sc *record.Scratch, info *fastjson.Value, key string) string {
	if info == nil || info.Type() != fastjson.TypeArray {
		return ""
	}
	for _, kv := range info.GetArray() {
		if record.EqualFold(kv.GetStringBytes("Key"), key) {
			return record.String(kv.Get("Value"))
		}
	}
	return ""
}
