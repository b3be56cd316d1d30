package securityalert

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

var errNoType = errors.New("security alert without an alert type")

// decodeARM reads an alert as Resource Manager gives it: its facts under
// properties (camelCase), its region in its id
// (…/providers/Microsoft.Security/locations/westeurope/alerts/…).
func decodeARM(sc *record.Scratch, v *fastjson.Value) (event.Event, error) {
	p := sc.Get(v, "properties")
	if p == nil && v.Get("alertType") != nil {
		p = v // az security alert list: flattened
	}
	if p == nil || p.Type() != fastjson.TypeObject {
		return event.Event{}, errors.New("security alert without properties")
	}
	e := newEvent(ShapeARM)
	// The activity's start is the attack's time; the alert is generated
	// and processed later.
	if err := setTime(&e, sc.FirstStr(p, "startTimeUtc", "timeGeneratedUtc", "processingEndTimeUtc")); err != nil {
		return e, err
	}
	a := e.Alert
	a.Type = strings.TrimSpace(sc.Str(p, "alertType"))
	if a.Type == "" {
		return e, errNoType
	}
	a.Name = sc.Str(p, "alertDisplayName")
	a.Severity = sc.Str(p, "severity")
	a.Status = sc.Str(p, "status")
	a.Product = sc.FirstStr(p, "productName", "vendorName")
	a.Component = sc.Str(p, "productComponentName")
	a.Entity = sc.Str(p, "compromisedEntity")
	a.Intent = sc.Str(p, "intent")
	e.ID = alertID(ownAlertID(sc.Str(p, "systemAlertId"), sc.Str(v, "name")))
	id := sc.Str(v, "id")
	// Cut from the lower-cased id itself: lower-casing may change the
	// length of text that is not UTF-8, so its offsets are not the id's.
	if _, after, ok := strings.Cut(strings.ToLower(id), "/locations/"); ok {
		region, _, _ := strings.Cut(after, "/")
		e.Region = record.Region(region)
	}
	// The resource the alert is about: its resource identifiers name it,
	// with its tenant in newer API versions.
	for _, r := range sc.Array(p, "resourceIdentifiers") {
		if rid := sc.Str(r, "azureResourceId"); rid != "" && e.ResourceID == "" {
			e.ResourceID = strings.ToLower(rid)
			e.Tenant = strings.ToLower(sc.Str(r, "azureResourceTenantId"))
		}
	}
	readEntities(sc, sc.Array(p, "entities"), &e)
	finish(&e, id)
	return e, nil
}

// decodeLA reads a SecurityAlert row: PascalCase columns, its entities a
// JSON array held in a string. A portal CSV export names the time
// columns with " [UTC]".
func decodeLA(sc *record.Scratch, v *fastjson.Value) (event.Event, error) {
	e := newEvent(ShapeLA)
	if err := setTime(&e, sc.FirstStr(v, "StartTime", "StartTime [UTC]", "TimeGenerated", "TimeGenerated [UTC]")); err != nil {
		return e, err
	}
	a := e.Alert
	a.Type = strings.TrimSpace(sc.Str(v, "AlertType"))
	if a.Type == "" {
		return e, errNoType
	}
	a.Name = sc.FirstStr(v, "AlertName", "DisplayName")
	a.Severity = sc.Str(v, "AlertSeverity")
	a.Status = sc.Str(v, "Status")
	a.Product = sc.FirstStr(v, "ProductName", "ProviderName", "VendorName")
	a.Component = sc.Str(v, "ProductComponentName")
	a.Entity = sc.Str(v, "CompromisedEntity")
	a.Intent = sc.Str(v, "Tactics")
	// The alert's own id, as Resource Manager and the Activity Log name it,
	// is Defender's "<ticks>_<id>": VendorOriginalId in today's rows,
	// SystemAlertId in older ones (whose ProviderAlertId is the bare id);
	// the same alert from another export is then one.
	e.ID = alertID(ownAlertID(sc.Str(v, "VendorOriginalId"), sc.Str(v, "SystemAlertId")))
	// TenantId is not read: in every Log Analytics table it is the
	// workspace's id, not the Entra tenant's; the alert is placed by the
	// subscription its resource names.
	e.ResourceID = strings.ToLower(sc.Str(v, "ResourceId"))
	readEntities(sc, sc.Array(v, "Entities"), &e)
	finish(&e, "")
	return e, nil
}

// ownAlertID picks of an alert's two ids the one in Defender's own form
// (digits, an underscore, the rest), else the first given, else the
// second: a SecurityAlert row's VendorOriginalId and SystemAlertId,
// Resource Manager's systemAlertId and name.
func ownAlertID(first, second string) string {
	for _, id := range []string{first, second} {
		if ticksForm(id) {
			return id
		}
	}
	return cmp.Or(first, second)
}

// ticksForm says id is "<digits>_<more>", as Defender names its alerts.
func ticksForm(id string) bool {
	ticks, rest, ok := strings.Cut(strings.TrimSpace(id), "_")
	if !ok || ticks == "" || rest == "" {
		return false
	}
	for _, c := range ticks {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// alertID is an alert's id as every export gives it: the Activity Log
// writes it in its resource id, upper-cased in diagnostic records.
func alertID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// setTime sets the event's time from the first time column found.
func setTime(e *event.Event, ts string) error {
	if ts == "" {
		return record.ErrNoTime
	}
	t, err := record.Time(ts)
	if err != nil {
		return fmt.Errorf("bad alert time %q", record.Clip(ts, 48))
	}
	e.Time = t
	return nil
}

// readEntities reads what an alert's entities say (Resource Manager's
// camelCase and the table's PascalCase alike): the hosts and addresses it
// names, the Entra account behind it, and, when no resource identifier
// did, the resource it is about.
func readEntities(sc *record.Scratch, ents []*fastjson.Value, e *event.Event) {
	a := e.Alert
	for _, en := range ents {
		switch strings.ToLower(sc.Str(en, "type")) {
		case "host":
			if h := strings.ToLower(strings.TrimSpace(sc.FirstStr(en, "hostName", "netBiosName"))); h != "" {
				a.Hosts = appendNew(a.Hosts, h)
			}
			if e.ResourceID == "" {
				e.ResourceID = strings.ToLower(sc.Str(en, "azureID"))
			}
		case "ip":
			if ip := record.IP(sc.Str(en, "address")); ip.IsValid() {
				a.Addresses = appendNew(a.Addresses, ip.String())
				if !e.SourceIP.IsValid() {
					e.SourceIP = ip
				}
			}
		case "account":
			// An Entra account (Resource Manager and Entra alerts): the
			// principal. A local account (a VM's root) is not one.
			// Its name is the UPN's first half (upnSuffix the other):
			// kept as written, since a rule may look for it in the text.
			if oid := sc.Str(en, "aadUserId"); oid != "" && e.Principal.ID == "" {
				e.Principal.ID = strings.ToLower(oid)
				e.Principal.Name = sc.Str(en, "name")
			}
		case "azure-resource":
			if e.ResourceID == "" {
				e.ResourceID = strings.ToLower(sc.Str(en, "resourceId"))
			}
		}
	}
}

// finish derives what the alert's resource implies.
func finish(e *event.Event, id string) {
	e.Operation = strings.ToLower(e.Alert.Type)
	e.Status = e.Alert.Status
	e.Category = table
	if e.Subscription = record.SubscriptionOf(e.ResourceID); e.Subscription == "" {
		e.Subscription = record.SubscriptionOf(id)
	}
	e.Subscription = strings.ToLower(e.Subscription)
	if e.Alert.Entity == "" && len(e.Alert.Hosts) > 0 {
		e.Alert.Entity = e.Alert.Hosts[0]
	}
}

func appendNew(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}
