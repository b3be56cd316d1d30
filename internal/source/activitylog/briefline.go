package activitylog

import (
	"net/netip"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
)

// Most lines of a big Activity Log export are read briefly (readBrief),
// and for those the parse into a tree cost more than everything else
// their reading does. BriefLine reads such a line straight from its text:
// the top-level members in order, until the operation, status and source
// address tell whether the hunt wants the record. A wanted record goes
// back to the full path at once, having cost only that prefix. An
// unwanted one is read to its end, checked to be JSON fastjson accepts
// (jsonscan.go; an invalid line goes the full way, so its error is the
// full path's), and its time, tenant and claims are picked as readBrief
// picks them. Whatever the text reader cannot judge exactly as the full
// path would (another shape, an envelope, escapes in a field it reads,
// duplicate names that decide something, a field that is not a plain
// string) also goes back: the full path is always right, this one only
// when it is sure. The source package's differential test and fuzz
// target compare the two on whole lines.

// BriefLine reads one JSON line (white space trimmed) as the full path
// (parse, no envelope, classification as a diagnostic-settings record,
// Decode with sc.Wants) would read it briefly, and reports brief true with
// e set exactly as that path sets it, except Raw, Loc and RawText, which
// are left zero. It reports brief false, e untouched, when the line is to
// take the full path: the hunt wants it, or this reader cannot tell.
// wanted says the hunt wants it (sc.Wants said so): the full path may then
// decode it in full without asking again, since decoding in full is never
// wrong, only slower.
func BriefLine(sc *record.Scratch, line []byte, e *event.Event) (brief, wanted bool) {
	return briefRead(sc, line, e, false)
}

// BriefRecord is BriefLine for a record inside an envelope (an element of
// an Event Hub message's records, its text as the envelope holds it),
// read as the full path reads such a record: without a text of its own,
// so its glance claims nothing of the text (no needles, no quota ruled
// out by it).
func BriefRecord(sc *record.Scratch, rec []byte, e *event.Event) (brief, wanted bool) {
	return briefRead(sc, rec, e, true)
}

func briefRead(sc *record.Scratch, b []byte, e *event.Event, inEnvelope bool) (brief, wanted bool) {
	if sc.Wants == nil || len(b) == 0 || b[0] != '{' {
		return false, false
	}
	r := lineReader{Walker: jsonwalk.New(b, &sc.Words), sc: sc, inEnvelope: inEnvelope}
	return r.read(e), r.wanted
}

// lineReader is one BriefLine: the members of the record that readBrief
// and the classification look at, as the full path would find them.
type lineReader struct {
	jsonwalk.Walker
	sc         *record.Scratch
	inEnvelope bool // the record is an envelope's element: no text of its own
	// scanTop's slots: the first non-null member of each name, any case.
	op, status, ip, tenant, time, resource, corr jsonwalk.Span
	identity                                     bool // the identity slot is filled (and read)
	claims                                       int  // claimsNone, claimsRead, claimsUnknown
	tid, ipaddr                                  claim
	addr                                         netip.Addr // record.IP of the ip slot
	// Detect's view: exact names.
	categories int  // members named category
	categoryOK bool // the first is one of the Activity Log's, as classify looks it up
	timeOrOp   bool // time, operationName or resourceId is present
	// The decision, once made.
	decided   bool
	wanted    bool // decided, and Wants said the hunt wants the record
	operation string
	outcome   event.Outcome
}

// read walks the top-level members, then fills e; false at the first sign
// the line must take the full path.
func (r *lineReader) read(e *event.Event) bool {
	b := r.B
	if i := jsonwalk.SkipWS(b, 1); i < len(b) && b[i] == '}' {
		return false
	}
	end := r.Members(1, func(key []byte, at int) int {
		if r.HasEscape(key) { // an escaped name could spell any of ours
			return -1
		}
		if at = r.member(key, at); at < 0 {
			return -1
		}
		if !r.decided && r.op.OK && r.status.OK && r.ip.OK && (r.addr.IsValid() || r.identity) {
			// Everything the decision reads is final: no later member
			// can change a filled slot.
			if !r.decide() {
				return -1
			}
		}
		return at
	})
	if end < 0 || jsonwalk.SkipWS(b, end) != len(b) {
		return false
	}
	return r.finish(e)
}

// Top-level member names, as topKey sorts them.
const (
	topOther    = iota
	topRefused  // another shape's or an envelope's: the full path decides
	topCategory // category (exact: classify and Detect)
	topTime     // time, any case
	topOp       // operationName, any case
	topStatus   // resultType, any case
	topIP       // callerIpAddress, any case
	topTenant   // tenantId, any case
	topIdentity // identity, any case
	topResource // resourceId, any case (the subscription; exact: a Detect marker)
	topCorr     // correlationId, any case (the record's key)
)

// topKey sorts a top-level name; exact is true for the spellings Detect
// looks for (time, operationName, resourceId).
func topKey(k []byte) (kind int, exact bool) {
	// The spellings of a diagnostic setting's export first: one compare
	// of a constant each, where EqualFold goes byte by byte.
	switch string(k) {
	case "time":
		return topTime, true
	case "resourceId":
		return topResource, true
	case "operationName":
		return topOp, true
	case "category":
		return topCategory, false
	case "resultType":
		return topStatus, false
	case "callerIpAddress":
		return topIP, false
	case "correlationId":
		return topCorr, false
	case "identity":
		return topIdentity, false
	case "resultSignature", "durationMs", "level", "location", "properties", "resultDescription":
		return topOther, false
	}
	switch len(k) {
	case 4:
		if string(k) == "Type" {
			return topRefused, false
		}
		if record.EqualFold(k, "time") {
			return topTime, string(k) == "time"
		}
	case 5:
		if string(k) == "value" || string(k) == "Value" {
			return topRefused, false
		}
	case 6:
		if string(k) == "$table" || string(k) == "tables" {
			return topRefused, false
		}
	case 7:
		switch string(k) {
		case "records", "Records", "results", "Results":
			return topRefused, false
		}
	case 8:
		if string(k) == "category" {
			return topCategory, false
		}
		if record.EqualFold(k, "tenantid") {
			return topTenant, false
		}
		if record.EqualFold(k, "identity") {
			return topIdentity, false
		}
	case 9:
		if string(k) == "responses" {
			return topRefused, false
		}
	case 10:
		if record.EqualFold(k, "resulttype") {
			return topStatus, false
		}
		if record.EqualFold(k, "resourceid") {
			return topResource, string(k) == "resourceId"
		}
	case 13:
		if record.EqualFold(k, "operationname") {
			return topOp, string(k) == "operationName"
		}
		if record.EqualFold(k, "correlationid") {
			return topCorr, false
		}
	case 14:
		if string(k) == "ActivityStatus" || string(k) == "eventTimestamp" {
			return topRefused, false
		}
	case 15:
		if record.EqualFold(k, "calleripaddress") {
			return topIP, false
		}
	case 18:
		if string(k) == "OperationNameValue" {
			return topRefused, false
		}
	case 19:
		if string(k) == "ActivityStatusValue" {
			return topRefused, false
		}
	}
	return topOther, false
}

// member reads the value at i of the top-level member named key and
// returns the position past it, or -1 to give up.
func (r *lineReader) member(key []byte, i int) int {
	b := r.B
	kind, exact := topKey(key)
	if exact {
		r.timeOrOp = true
	}
	switch kind {
	case topRefused:
		return -1
	case topCategory:
		// classify looks up the first, Detect reads the last: one only.
		if r.categories++; r.categories > 1 || i >= len(b) || b[i] != '"' {
			return -1
		}
		e := r.StrEnd(i + 1)
		if e < 0 || !IsCategory(b[i+1:e]) {
			return -1
		}
		r.categoryOK = true
		return e + 1
	case topTime:
		return r.slot(&r.time, i)
	case topOp:
		return r.slot(&r.op, i)
	case topStatus:
		return r.slot(&r.status, i)
	case topTenant:
		return r.slot(&r.tenant, i)
	case topIP:
		filled := r.ip.OK
		if i = r.slot(&r.ip, i); i >= 0 && !filled && r.ip.OK {
			r.addr = record.IP(r.ip.View(b))
		}
		return i
	case topIdentity:
		return r.identityValue(i)
	case topResource:
		return r.slot(&r.resource, i)
	case topCorr:
		return r.slot(&r.corr, i)
	}
	return r.SkipValue(i, 1)
}

// IsCategory reports whether c is one of the Activity Log's categories
// exactly as written, which classify sends straight to this family (its
// byCategory) and Detect then takes as a diagnostic record: a record of it
// may be one BriefLine or BriefRecord reads.
func IsCategory(c []byte) bool {
	for _, s := range categories {
		if string(c) == s {
			return true
		}
	}
	return false
}

// slot fills t with the string at i unless a member filled it before; a
// null leaves it for a later spelling, as scanTop's set does. Any other
// value (a number Peek would render, an object) gives up.
func (r *lineReader) slot(t *jsonwalk.Span, i int) int {
	b := r.B
	if t.OK {
		return r.SkipValue(i, 1)
	}
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case 'n':
		return jsonwalk.Literal(b, i, "null")
	case '"':
		e := r.StrEnd(i + 1)
		if e < 0 || r.HasEscape(b[i+1:e]) {
			return -1
		}
		*t = jsonwalk.Span{Start: i + 1, End: e, OK: true}
		return e + 1
	}
	return -1
}

// decide makes readBrief's decision on the operation, outcome and source
// address: true when the record is read briefly.
func (r *lineReader) decide() bool {
	r.decided = true
	op := strings.TrimSpace(r.op.View(r.B))
	if op == "" { // from the authorization: the full path's
		return false
	}
	g := event.Glance{Kind: event.KindActivity, Operation: r.sc.Lower(op), Outcome: outcome(r.status.View(r.B))}
	if learned(g.Operation) {
		return false
	}
	if g.SourceIP = r.addr; !g.SourceIP.IsValid() {
		a, ok := r.claimText(&r.ipaddr)
		if !ok {
			return false
		}
		g.SourceIP = record.IP(a)
	}
	if !r.inEnvelope && !r.BackslashBefore('u', '/') {
		g.Text = r.B // asWritten's answer, from the walk's bitmaps
	}
	glanceQuota(&g)
	if r.sc.Want(g) {
		r.wanted = true
		return false
	}
	r.operation, r.outcome = g.Operation, g.Outcome
	return true
}

// finish checks the record is what classify takes for a diagnostic
// Activity Log record and fills e as readBrief does.
func (r *lineReader) finish(e *event.Event) bool {
	if r.categories != 1 || !r.categoryOK || !r.timeOrOp {
		return false
	}
	if !r.decided && !r.decide() {
		return false
	}
	if !r.time.OK { // no time: the full path's error
		return false
	}
	t, err := record.FirstTime(r.time.View(r.B))
	if err != nil {
		return false
	}
	tenant := r.sc.Lower(strings.TrimSpace(r.tenant.View(r.B)))
	if tenant == "" {
		s, ok := r.claimText(&r.tid)
		if !ok {
			return false
		}
		tenant = r.sc.Lower(strings.TrimSpace(s))
	}
	// The subscription, as briefSubscription finds it in a diagnostic
	// record: in its resource id (none: the authorization's scope, the
	// full path's).
	id := strings.TrimSpace(r.resource.View(r.B))
	if id == "" {
		return false
	}
	sub, ok := r.sc.Subscription(id)
	if !ok {
		return false
	}
	// As enum: the constant when the status is a usual one, else a copy.
	st := r.status.View(r.B)
	status := canonical(st, statuses)
	if status == "" {
		status = strings.Clone(strings.TrimSpace(st))
	}
	// Its key, when the hunt counts it (past a hunt's bound, most it
	// does not): lowering and hashing the ids is most of what it costs.
	// Without a correlation id the record is known by its eventDataId,
	// which may be in its properties, unread here: the full path's, as
	// readBrief decides.
	corr := strings.TrimSpace(r.corr.View(r.B))
	if corr == "" {
		return false
	}
	*e = event.Event{
		Time: t, Kind: event.KindActivity, Shape: shapeDiag, Brief: true,
		Tenant: tenant, Subscription: sub, Operation: r.operation, Status: status, Outcome: r.outcome,
	}
	if r.sc.Keys.Wanted(event.KindActivity, t) {
		e.Key = r.sc.KeyHash.ActivityRecordKey(&r.sc.Key, t, r.operation, r.outcome, status, corr, id)
	}
	return true
}
