package activitylog

import (
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// fields is one record read in its shape's own field names, before the
// normalisation every shape shares. op, ip, resID, resType, sub, tenant and
// location may be peek views of the parser's memory: normalise copies or
// interns them, and nothing else may keep them.
type fields struct {
	t                         time.Time
	id, op, category, status  string
	subStatus, ip, caller     string
	corr, resID, resType, sub string
	tenant, location          string
	claims                    claimSet
	authz, http, propsObj     *fastjson.Value
	props                     props
}

// Decode appends the event read from v to out: every Activity Log record is
// one event. A record without a usable time is an error and yields nothing.
func Decode(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return out, fmt.Errorf("record is not an object")
	}
	var f fields
	var err error
	var cut bool
	t := scanTop(v)
	if shape == shapeLA {
		// Read once: the brief read decides on their tenant, the full
		// one keeps them.
		f.claims = scanClaims(object(sc, t.claimsD, t.claims))
	}
	if sc.Wants != nil {
		var e event.Event
		ok, err := readBrief(sc, &t, shape, &f.claims, &e)
		if err != nil {
			return out, err
		}
		if ok {
			return append(out, e), nil
		}
	}
	switch shape {
	case shapeDiag:
		err = readDiag(sc, &t, &f)
	case shapeREST:
		err = readREST(sc, &t, &f)
	case shapeLA:
		err = readLA(sc, &t, &f)
	case shapePS:
		cut, err = readPS(sc, &t, &f)
	default:
		return out, fmt.Errorf("unknown activity shape %q", shape)
	}
	if err != nil {
		return out, err
	}
	out = append(out, event.Event{})
	e := &out[len(out)-1]
	normalise(sc, &f, shape, e)
	if event.IsAutoscaleAction(e.Operation) {
		e.Compute = autoscaleAction(sc, f.propsObj, e)
	}
	if e.Operation == opSecurityAlert {
		if a, ok := alertEvent(sc, v, shape, e); ok {
			out = append(out, a)
		}
	}
	if cut {
		return out, errDepthCut // read for what it holds, told once per file
	}
	return out, nil
}

// eventTime reads the first usable timestamp among xs (record.FirstTime).
func eventTime(xs ...*fastjson.Value) (time.Time, error) {
	// Callers pass at most two values: the texts stay on the stack.
	var buf [2]string
	texts := buf[:0]
	for _, x := range xs {
		texts = append(texts, record.Peek(x)) // parsed, never kept
	}
	return record.FirstTime(texts...)
}

// object returns x as an object, parsing it when a string holds one.
func object(sc *record.Scratch, xs ...*fastjson.Value) *fastjson.Value {
	for _, x := range xs {
		if o := sc.Object(x); o != nil && o.Type() == fastjson.TypeObject {
			return o
		}
	}
	return nil
}

// readProps parses the properties object and reads its members.
func (f *fields) readProps(sc *record.Scratch, xs ...*fastjson.Value) {
	f.propsObj = object(sc, xs...)
	f.props = scanProps(f.propsObj)
}

// readDiag reads a diagnostic-settings record (Event Hub, storage account).
func readDiag(sc *record.Scratch, t *top, f *fields) (err error) {
	if f.t, err = eventTime(t.time); err != nil {
		return err
	}
	identity := object(sc, t.identity)
	f.claims = scanClaims(object(sc, record.Key(identity, "claims")))
	f.authz = object(sc, record.Key(identity, "authorization"))
	f.readProps(sc, t.properties)
	f.op = record.Peek(value(t.operationName))
	f.category = enum(t.category, categories)
	f.status = enum(t.resultType, statuses)
	f.subStatus = sc.Intern(peek(t.resultSignature))
	f.ip = peek(t.callerIP)
	f.corr = text(t.correlationID)
	f.resID = peek(t.resourceID)
	f.tenant = peek(t.tenantID)
	f.location = peek(t.location)
	f.id = text(t.eventDataID, f.props.eventDataID)
	f.caller = text(t.caller, f.props.caller)
	// Write, Delete and Action are how diagnostic records spell the
	// Administrative category; eventCategory names it.
	if c := enum(f.props.eventCategory, categories); c != "" {
		f.category = c
	}
	switch f.category {
	case catWrite, catDelete, catAction:
		f.category = catAdministrative
	}
	return nil
}

// readREST reads a REST API event (az monitor activity-log list, portal).
func readREST(sc *record.Scratch, t *top, f *fields) (err error) {
	if f.t, err = eventTime(t.eventTS, t.submissionTS); err != nil {
		return err
	}
	f.claims = scanClaims(object(sc, t.claims))
	f.authz = object(sc, t.authorization)
	f.http = object(sc, t.httpRequest)
	f.readProps(sc, t.properties)
	f.op = record.Peek(value(t.operationName))
	if f.op == "" {
		f.op = str(f.authz, "action")
	}
	f.category = enum(value(t.category), categories)
	if f.category == "" {
		f.category = enum(f.props.eventCategory, categories)
	}
	f.status = enum(value(t.status), statuses)
	f.subStatus = sc.Intern(peek(value(t.subStatus)))
	f.readRESTMembers(t)
	return nil
}

// readRESTMembers reads the members a REST event and Azure PowerShell's
// object of it name alike, once f.http is read.
func (f *fields) readRESTMembers(t *top) {
	f.ip = record.Peek(record.Key(f.http, "clientIpAddress"))
	f.caller = text(t.caller)
	f.corr = text(t.correlationID)
	f.id = text(t.eventDataID)
	f.resID = peek(t.resourceID)
	f.resType = record.Peek(value(t.resourceType))
	f.sub = peek(t.subscriptionID)
	f.tenant = peek(t.tenantID)
}

// readLA reads a Log Analytics AzureActivity row. The dynamic columns come
// as objects (JSON export) or JSON strings (CSV, az CLI); the compact *_d
// columns are preferred to their pretty-printed twins. TenantId is not
// read: in every Log Analytics table it is the workspace id, not the Entra
// tenant, which comes from the claims or the management-group hierarchy.
func readLA(sc *record.Scratch, t *top, f *fields) (err error) {
	if f.t, err = eventTime(t.timeGenerated, t.eventSubmissionTS); err != nil {
		return err
	}
	// f.claims were read by Decode.
	f.authz = object(sc, t.authorizationD, t.authorization)
	f.http = object(sc, t.httpRequest)
	f.readProps(sc, t.propertiesD, t.properties)
	f.op = peek(t.operationNameValue)
	if f.op == "" {
		f.op = str(f.authz, "action")
	}
	if f.op == "" {
		f.op = peek(t.operationName)
	}
	f.category = enum(t.categoryValue, categories)
	if f.category == "" {
		f.category = enum(t.category, categories)
	}
	if f.category == "" {
		f.category = enum(f.props.eventCategory, categories)
	}
	f.status = enum(t.activityStatusValue, statuses)
	if f.status == "" {
		f.status = enum(t.activityStatus, statuses)
	}
	f.subStatus = sc.Intern(peek(t.activitySubstatusValue, t.activitySubstatus))
	f.ip = peek(t.callerIP)
	if f.ip == "" {
		f.ip = record.Peek(record.Key(f.http, "clientIpAddress"))
	}
	f.caller = text(t.caller, f.props.caller)
	f.corr = text(t.correlationID)
	f.id = text(t.eventDataID, f.props.eventDataID)
	f.resID = peek(t.resourceIDLA, t.resourceID, f.props.entity)
	f.sub = peek(t.subscriptionID, f.props.sub)
	f.resType = peek(t.providerValue) // the namespace: a row without a resource id has no better type
	f.location = peek(t.location)
	// The hierarchy is "{tenant root group}/{management groups…}/{sub}";
	// the root group's id is the tenant id.
	if h, _, _ := strings.Cut(peek(f.props.hierarchy), "/"); record.IsGUID(h) {
		f.tenant = h
	}
	if c := f.claims.tenant(sc); c != "" {
		f.tenant = c
	}
	return nil
}

// normalise fills the event from the fields every shape shares, then the
// typed extras its operation calls for.
func normalise(sc *record.Scratch, f *fields, shape string, e *event.Event) {
	e.Time = f.t
	e.Kind = event.KindActivity
	e.Shape = shape
	e.ID = f.id
	e.Operation = sc.Lower(strings.TrimSpace(f.op))
	e.Category = f.category
	e.Status = f.status
	e.Outcome = outcome(f.status)
	e.SubStatus = f.subStatus
	e.CorrelationID = f.corr
	rawID := f.resID
	if rawID == "" {
		rawID = strings.TrimSpace(record.Peek(record.Key(f.authz, "scope")))
	}
	// Resource ids seldom repeat: copied lower-cased, not cached. Their
	// types do, and are shared.
	e.ResourceID = record.LowerCopy(rawID)
	var tb [128]byte
	if e.ResourceType = sc.InternBytes(appendType(tb[:0], e.ResourceID)); e.ResourceType == "" {
		e.ResourceType = sc.Lower(strings.TrimSpace(f.resType))
	}
	e.Subscription = sc.Lower(f.sub)
	if e.Subscription == "" {
		e.Subscription = record.SubscriptionOf(e.ResourceID)
	}
	e.Tenant = sc.Lower(f.tenant)
	if e.Tenant == "" {
		e.Tenant = f.claims.tenant(sc)
	}
	e.Principal = principal(sc, f.caller, &f.claims, f.authz, e.Tenant)
	if e.SourceIP = record.IP(f.ip); !e.SourceIP.IsValid() {
		// The token's ipaddr claim is where the caller signed in from: the
		// best address left when the record names none.
		e.SourceIP = record.IP(record.Peek(f.claims.ipaddr))
	}
	e.StatusMessage = statusMessage(sc, f.props.statusMessage)
	if e.SubStatus == "" {
		e.SubStatus = sc.Intern(peek(f.props.statusCode))
	}
	b := bodies{sc: sc, respBody: f.props.responseBody, reqBody: f.props.requestBody, message: f.props.message}
	e.Region = sc.Intern(record.Region(f.location))
	// The request body is the caller's text, which may name a member
	// twice: read as Azure acts on it, the last (record.Scratch.lastKey).
	// The response, Azure's own, reads the same either way.
	sc.CallerText(true)
	if e.Region == "" || e.Region == "global" {
		if r := b.location(); r != "" {
			e.Region = r
		}
	}
	extras(&b, rawID, e)
	sc.CallerText(false)
}
