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
func riskCategory[T string | []byte](b T) string {
	for _, t := range riskTables {
		if record.EqualFold(b, t.table) || record.EqualFold(b, t.category) {
			return t.category
		}
	}
	return ""
}

func decodeRiskGraph(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	// A Graph object has no envelope to take a time from.
	return readRisk(sc, v, nil, "", &graphRiskKeys, shapeRiskGraph, "", out)
}

func decodeRiskDiag(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	p := sc.Get(v, "properties")
	if p == nil || p.Type() != fastjson.TypeObject {
		p = v // a forwarder that flattened the record
	}
	// The envelope's time is when the record was written, after the
	// detection.
	out, err := readRisk(sc, p, v, "time", &graphRiskKeys, shapeRiskDiag, riskCategory(sc.Str(v, "category")), out)
	if err == nil {
		out[len(out)-1].Tenant = diagTenant(sc, v, "")
	}
	return out, err
}

func decodeRiskLA(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	out, err := readRisk(sc, v, v, "TimeGenerated", &laRiskKeys, shapeRiskLA, riskCategory(sc.Str(v, "Type")), out)
	if err == nil {
		out[len(out)-1].Tenant = laTenant(sc, v, "") // TenantId is the workspace's
	}
	return out, err
}

// readRisk appends the event of one detection in r. Its time is the
// risky activity's (a sign-in's, so that it sits before what the attacker
// did after it), else the detection's, as record.FirstTime reads them
// (one that does not read is passed over), else the envelope's envTime
// (env nil: none); with none the record is an error. cat is the
// detection's category, "" to tell it by whom it names.
func readRisk(sc *record.Scratch, r, env *fastjson.Value, envTime string, k *riskKeys, shape, cat string, out []event.Event) ([]event.Event, error) {
	if cat == "" {
		cat = catUserRisk
		if sc.Str(r, k.spID) != "" && sc.Str(r, k.upn) == "" {
			cat = catSPRisk
		}
	}
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
	if e.Time, err = record.FirstTime(sc.Str(r, k.activityTime), detected); err != nil && env != nil {
		e.Time, err = eventTime(sc, env, envTime)
	}
	if err != nil {
		return out, err
	}
	e.ID = sc.Str(r, k.id)
	e.CorrelationID = sc.Str(r, k.correlation)
	e.SourceIP = record.IP(sc.Str(r, k.ip))
	e.Status = rk.State
	e.Operation = event.OpUserRiskDetection
	if loc := firstObj(sc, r, k.location); loc != nil {
		rk.Country = sc.Str(loc, "countryOrRegion")
	}
	rk.UserAgent = infoValue(sc, firstObj(sc, r, k.info), "userAgent")
	if cat == catSPRisk {
		e.Operation = event.OpSPRiskDetection
		e.Principal = event.Principal{ID: sc.Str(r, k.spID), Name: sc.Str(r, k.spName), AppID: sc.Str(r, k.appID), Type: "ServicePrincipal"}
	} else {
		e.Principal = event.Principal{ID: sc.Str(r, k.userID), UPN: sc.Str(r, k.upn), Name: sc.Str(r, k.userName), Type: "User"}
	}
	return append(out, e), nil
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
