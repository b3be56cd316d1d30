package entra

import (
	"bytes"
	"net/netip"
	"strconv"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
)

// Sign-in logs delivered by diagnostic settings (a storage account's
// hourly PT1H.json, one record a line) are among a tenant's largest, and
// most sign-ins are of no rule's interest (briefSignIn). BriefSignIn reads
// such a sign-in straight from its text, as network.BriefDNS reads a
// lookup: the members the decision and a brief event need, then a check
// that the rest is JSON fastjson accepts. It takes only records whose
// top-level names are all among those Azure writes, in Azure's spelling,
// and whose properties name what it reads once, in Azure's spelling, as
// strings without escapes (the error code a number): anything else takes
// the full path, which is always right. The source package's differential
// tests compare the two on whole records. Rows exported from Log
// Analytics are read by laReader (briefsignin_la.go).

// BriefSignIn reads one record's text (white space trimmed) as the full
// path (parse, no envelope, classification, Decode with sc.Wants) would
// read it, and reports brief true with e set exactly as that path sets it,
// except Raw, Loc and RawText, which are left zero. It reports brief false,
// e untouched, when the record is to take the full path: the hunt wants it
// (wanted: the full path may then decode it in full without asking again),
// or this reader cannot tell.
func BriefSignIn(sc *record.Scratch, rec []byte, e *event.Event) (brief, wanted bool) {
	if sc.Wants == nil || len(rec) == 0 || rec[0] != '{' {
		return false, false
	}
	if !firstNameKnown(rec) {
		if mayBeLARow(rec) {
			return briefLA(sc, rec, e)
		}
		return false, false
	}
	r := signInReader{Walker: jsonwalk.New(rec, &sc.Words)}
	end := r.Members(1, r.top)
	if end < 0 || jsonwalk.SkipWS(rec, end) != len(rec) || !r.category || !r.props || !r.time.OK {
		return false, false
	}
	return r.decide(sc, e)
}

// firstNameKnown reports whether the record's first member has a name
// the reader knows, before any walk: the other lines a brief read meets
// here (those the Activity Log and DNS readers could not judge) mostly
// give up at their first name, and are spared the line's quote bitmap.
func firstNameKnown(rec []byte) bool {
	i := jsonwalk.SkipWS(rec, 1)
	if i >= len(rec) || rec[i] != '"' {
		return false
	}
	n := bytes.IndexByte(rec[i+1:min(len(rec), i+1+32)], '"')
	return n > 0 && topName(rec[i+1:i+1+n]) != nameRefuse
}

// signInReader is one BriefSignIn: the members it reads, as the full path
// would find them.
type signInReader struct {
	jsonwalk.Walker
	time, tenant, resultType, caller jsonwalk.Span
	ip, risk, riskState, resTenant   jsonwalk.Span
	sp                               jsonwalk.Span // servicePrincipalId
	id                               jsonwalk.Span // the sign-in's id: its key
	code                             int64
	hasCode, status                  bool
	category, props                  bool
}

// Names as signInReader sorts them.
const (
	nameOther  = iota // a name the full path does not look up here: passed over
	nameRefuse        // one it looks up in another spelling, or one this reader does not know: give up
	nameTime
	nameCategory
	nameProps
	nameTenant
	nameResultType
	nameCaller
	nameStatus
	nameIP
	nameRisk
	nameRiskState
	nameResTenant
	nameSP
	nameErrorCode
	nameID
)

// topName sorts a top-level name. Only the names Azure writes on a
// sign-in record are known; any other (an envelope's, a Log Analytics
// column, a case variant) gives up, so the record is classified and
// unwrapped by the full path.
func topName(key []byte) int {
	switch string(key) {
	case "time":
		return nameTime
	case "category":
		return nameCategory
	case "properties":
		return nameProps
	case "tenantId":
		return nameTenant
	case "resultType":
		return nameResultType
	case "callerIpAddress":
		return nameCaller
	case "resourceId", "operationName", "operationVersion", "resultSignature", "resultDescription",
		"durationMs", "correlationId", "identity", "Level", "location":
		return nameOther
	}
	return nameRefuse
}

// propName sorts a name of the properties (a Graph signIn object): the
// names read, in Azure's spelling; a name that folds to one of them in
// another spelling gives up, since the full path's lookups fall back to
// any case.
func propName(key []byte) int {
	switch string(key) {
	case "status":
		return nameStatus
	case "ipAddress":
		return nameIP
	case "riskLevelDuringSignIn":
		return nameRisk
	case "riskState":
		return nameRiskState
	case "resourceTenantId":
		return nameResTenant
	case "servicePrincipalId":
		return nameSP
	case "id":
		return nameID
	}
	var buf [24]byte
	switch jsonwalk.LowerName(key, buf[:]) {
	case "", "status", "ipaddress", "risklevelduringsignin", "riskstate", "resourcetenantid", "serviceprincipalid", "id":
		return nameRefuse // an escape, a byte not ASCII, or a name read here in another spelling
	}
	return nameOther
}

// slot is where a string member of the kind read goes; nil for the kinds
// not read into one.
func (r *signInReader) slot(kind int) *jsonwalk.Span {
	switch kind {
	case nameTime:
		return &r.time
	case nameTenant:
		return &r.tenant
	case nameResultType:
		return &r.resultType
	case nameCaller:
		return &r.caller
	case nameIP:
		return &r.ip
	case nameRisk:
		return &r.risk
	case nameRiskState:
		return &r.riskState
	case nameResTenant:
		return &r.resTenant
	case nameSP:
		return &r.sp
	case nameID:
		return &r.id
	}
	return nil
}

// top reads one top-level member; -1 gives up.
func (r *signInReader) top(key []byte, at int) int {
	switch k := topName(key); k {
	case nameOther:
		return r.SkipValue(at, 1)
	case nameRefuse:
		return -1
	case nameCategory:
		var c jsonwalk.Span
		if r.category {
			return -1
		}
		// Azure's spelling: the category the full path sends to this
		// family before any other looks at the record.
		if at = r.StrOnce(&c, at); at < 0 || !isSignInCategory(c.View(r.B)) {
			return -1
		}
		r.category = true
		return at
	case nameProps:
		if r.props || at >= len(r.B) || r.B[at] != '{' {
			return -1
		}
		r.props = true
		return r.Members(at+1, r.prop)
	default:
		return r.StrOnce(r.slot(k), at)
	}
}

// prop reads one member of the properties; -1 gives up.
func (r *signInReader) prop(key []byte, at int) int {
	switch k := propName(key); k {
	case nameOther:
		return r.SkipValue(at, 2)
	case nameRefuse:
		return -1
	case nameStatus:
		if r.status || at >= len(r.B) || r.B[at] != '{' {
			return -1 // a second status, or one the full path would parse from a string
		}
		r.status = true
		return r.Members(at+1, r.statusMember)
	default:
		return r.StrOnce(r.slot(k), at)
	}
}

// statusMember reads one member of the status object: its error code,
// an integer, is what decides the outcome.
func (r *signInReader) statusMember(key []byte, at int) int {
	if string(key) != "errorCode" {
		var buf [16]byte
		if n := jsonwalk.LowerName(key, buf[:]); n == "" || n == "errorcode" {
			return -1 // an escape, a byte not ASCII, or the code in another spelling
		}
		return r.SkipValue(at, 3)
	}
	end := r.SkipValue(at, 3)
	if r.hasCode || end < 0 {
		return -1
	}
	n, err := strconv.ParseInt(string(r.B[at:end]), 10, 64)
	if err != nil {
		return -1 // a fraction, an exponent, a string: the full path's to read
	}
	r.code, r.hasCode = n, true
	return end
}

// isSignInCategory reports whether c is a sign-in category in Azure's
// spelling.
func isSignInCategory(c string) bool {
	for _, s := range signInCategories {
		if c == s {
			return true
		}
	}
	return false
}

// decide asks the hunt whether it wants the sign-in and, when not, fills
// e with its brief event, as decodeSignInDiag and briefSignIn would.
func (r *signInReader) decide(sc *record.Scratch, e *event.Event) (brief, wanted bool) {
	b := r.B
	t, err := record.Time(r.time.View(b))
	if err != nil || t.IsZero() {
		return false, false // the full path looks for the Graph object's time
	}
	f := signInFacts{code: r.code, hasCode: r.hasCode}
	if !f.hasCode && r.resultType.OK {
		n, err := strconv.ParseInt(r.resultType.View(b), 10, 64)
		if err != nil {
			return false, false
		}
		f.code, f.hasCode = n, true
	}
	ip := record.IP(r.ip.View(b))
	if !ip.IsValid() {
		ip = record.IP(r.caller.View(b))
	}
	return briefOrWanted(sc, e, shapeSignInDiag, t, f, ip, r.risk.View(b), r.riskState.View(b), r.sp.View(b), r.id.View(b), r.tenant.View(b), r.resTenant.View(b))
}

// briefOrWanted asks the hunt about a sign-in of facts f from ip, with its
// risk texts and service principal id, and, when it is not wanted, fills e with its brief event of
// shape at t and sign-in id, as briefSignIn and the decoders do; the tenant is the first
// of tenants not empty.
func briefOrWanted(sc *record.Scratch, e *event.Event, shape string, t time.Time, f signInFacts, ip netip.Addr, risk, state, sp, id string, tenants ...string) (brief, wanted bool) {
	o, status := f.outcome()
	if sc.Want(signInGlance(o, ip, known(risk, riskValues), known(state, stateValues), sp)) {
		return false, true
	}
	tenant := ""
	for _, tenant = range tenants {
		if tenant != "" {
			break
		}
	}
	*e = briefSignInEvent(sc, t, shape, sc.Intern(tenant), status, o, id)
	return true, false
}

// known returns s as the matching constant of list when it is one (as
// enum does), else s itself: a view of the record, which the glance
// holds only while it is asked about.
func known(s string, list []string) string {
	for _, k := range list {
		if s == k {
			return k
		}
	}
	return s
}
