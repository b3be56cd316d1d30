// Package securityalert decodes the alerts other products raised into
// events of kind securityalert: Microsoft Defender for Cloud's (its plans
// for servers, containers, App Service and Resource Manager raise
// "Digital currency mining related behavior detected" and the like), as
// the alerts REST API returns them and continuous export writes them, and
// every row of the Log Analytics SecurityAlert table (Defender for
// Cloud's, Sentinel's and other products'), exported as JSON or CSV.
//
// An alert names the resource it is about (a VM, a scale set, an App
// Service): that resource ties it to the Activity Log's creates in an
// incident, and its account and address entities to who acted.
package securityalert

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// The shapes this family reads.
const (
	// ShapeARM is an alert as Azure Resource Manager gives it
	// (Microsoft.Security/locations/alerts: id, name, type, properties),
	// one element of a REST list's value, or as the Azure CLI prints it
	// (the same facts flattened beside the id).
	ShapeARM = "securityalert.arm"
	// ShapeLA is a row of the Log Analytics SecurityAlert table (a JSON
	// export, the query API's rows, or a CSV row).
	ShapeLA = "securityalert.loganalytics"
)

const (
	armType = "Microsoft.Security/Locations/alerts"
	table   = "SecurityAlert"
)

// Detect reports whether v is a security alert and, if so, its shape. An
// ARM alert is known by its type; a Log Analytics row by its table (the
// Type column or Hint.Table), or, in an export that names none, by the
// columns only that table has together (SystemAlertId, AlertType and a
// display name).
func Detect(v *fastjson.Value, h record.Hint) (string, bool) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return "", false
	}
	if t := v.GetStringBytes("type"); len(t) > 0 {
		// The REST API nests the facts under properties; the Azure CLI
		// (az security alert list) prints them flattened beside the id.
		if bytes.EqualFold(t, []byte(armType)) && (v.Get("properties") != nil || v.Get("alertType") != nil) {
			return ShapeARM, true
		}
	}
	tab := h.Table
	if tab == "" {
		tab = string(v.GetStringBytes("Type"))
	}
	switch {
	case strings.EqualFold(tab, table):
		return ShapeLA, true
	case tab != "":
		return "", false
	}
	if record.Has(v, "SystemAlertId") && record.Has(v, "AlertType") && (record.Has(v, "AlertName") || record.Has(v, "DisplayName")) {
		return ShapeLA, true
	}
	return "", false
}

// Decode appends the alert event read from v, a record of the given shape,
// to out.
func Decode(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	var e event.Event
	var err error
	switch shape {
	case ShapeARM:
		e, err = decodeARM(sc, v)
	case ShapeLA:
		e, err = decodeLA(sc, v)
	default:
		return out, fmt.Errorf("securityalert: unknown shape %q", shape)
	}
	if err != nil {
		return out, err
	}
	return append(out, e), nil
}

// newEvent starts an alert event of a shape.
func newEvent(shape string) event.Event {
	return event.Event{Kind: event.KindAlert, Shape: shape, Outcome: event.OutcomeSucceeded, Alert: &event.SecurityAlert{}}
}
