package activitylog

import (
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Defender for Cloud writes each alert it raises into the Activity Log
// too, category Security, as an "Activate Alert" operation: a defender
// holding only the Activity Log has Defender's verdict there. The alert's
// display name is the event name, its facts the event's properties
// (Microsoft's alerts schemas page, "Azure Activity Log"; the resource
// logs schema moves them: eventName and eventProperties under properties).
// The record names no alert type, and its resource is the alert, not the
// machine: compromisedEntity names that.
//
// Such a record gives two events: the Activity Log's own, and the alert as
// a security alert (ShapeAlert), which the rules on Defender's alerts
// read whatever export brought it. The alert event names no resource: the
// record's is the alert itself, which no other record names, and the
// machine is known only by its name (compromisedEntity). Its id is the
// alert's name, the last part of the record's resource id
// (…/alerts/2518…_<guid>), which Resource Manager's alert (its name) and a
// SecurityAlert row (VendorOriginalId) carry too: the engine takes the
// same alert from two exports for one (dedupKey), and the rules merge it
// by what every export names (display name, compromised entity,
// subscription).
const opSecurityAlert = "microsoft.security/locations/alerts/activate/action"

// ShapeAlert is the security alert an Activate Alert record holds.
const ShapeAlert = "securityalert.activitylog"

// alertEvent is the security alert of an Activate Alert record that
// names it; e is the record's own event.
func alertEvent(sc *record.Scratch, v *fastjson.Value, shape string, e *event.Event) (event.Event, bool) {
	a := defenderAlert(sc, v, shape)
	if a.Name == "" {
		return event.Event{}, false
	}
	return event.Event{
		Time: e.Time, Kind: event.KindAlert, Shape: ShapeAlert, ID: alertName(e.ResourceID), Tenant: e.Tenant, Subscription: e.Subscription,
		CorrelationID: e.CorrelationID, Operation: strings.ToLower(a.Type), Category: e.Category, Status: e.Status, Outcome: event.OutcomeSucceeded,
		Region: e.Region, Alert: a,
	}, true
}

// alertName is the alert's name in the resource id of its Activate Alert
// record (lower case, as the resource id is), "" when it names none.
func alertName(resourceID string) string {
	_, name, ok := strings.Cut(resourceID, "/alerts/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return ""
	}
	return name
}

// defenderAlert reads the alert of an Activate Alert record of the shape.
func defenderAlert(sc *record.Scratch, v *fastjson.Value, shape string) *event.SecurityAlert {
	var name string
	var facts *fastjson.Value
	switch shape {
	case shapeREST:
		name = sc.FirstStr(v, "eventName/value", "eventName/localizedValue")
		facts = sc.Get(v, "properties")
	case shapePS:
		// EventName is the REST one's localized text, or the pair.
		if name = sc.FirstStr(v, "EventName/Value", "EventName/LocalizedValue"); name == "" {
			if x := sc.Get(v, "EventName"); x != nil && x.Type() == fastjson.TypeString {
				name = record.String(x)
			}
		}
		facts, _ = content(sc, sc.Get(v, "Properties"))
	case shapeDiag:
		name = sc.Str(v, "properties", "eventName")
		facts = sc.Get(v, "properties", "eventProperties")
	case shapeLA:
		props := sc.Get(v, "Properties_d")
		if props == nil {
			props = sc.Get(v, "Properties")
		}
		name = sc.Str(props, "eventName")
		facts = sc.Get(props, "eventProperties")
	}
	if facts == nil && shape != shapeREST && shape != shapePS {
		facts = sc.Get(v, "properties") // older records keep them flat
	}
	a := &event.SecurityAlert{Name: strings.TrimSpace(name), Product: "Microsoft Defender for Cloud"}
	if facts != nil {
		a.Severity = sc.Str(facts, "severity")
		a.Entity = sc.Str(facts, "compromisedEntity")
		a.Intent = sc.Str(facts, "intent")
		a.Type = sc.Str(facts, "alertType")
	}
	return a
}
