package network

import (
	"net/netip"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
)

// A firewall's DNS log is the largest log of a tenant, and nearly all its
// lookups are of names no rule looks for. BriefDNS reads such a lookup
// straight from its text, as activitylog.BriefLine reads an Activity Log
// line: the members the decision and a brief event need (time, category,
// tenant; the query name, response code, error and client of its
// properties), then a check that the rest is JSON fastjson accepts. It
// takes only the diagnostic form of the structured table, every name of
// interest spelled as Azure writes it, once, its value a string without
// escapes; anything else (a case variant or a duplicate the full path's
// lookups might pick, a legacy msg, an envelope, a Log Analytics row) goes
// the full way, which is always right. The source package's differential
// test and fuzz target compare the two on whole records.

// BriefDNS reads one record's text (white space trimmed) as the full path
// (parse, no envelope, classification, Decode with sc.Wants) would read
// it, and reports brief true with e set exactly as that path sets it,
// except Raw, Loc and RawText, which are left zero. It reports brief false,
// e untouched, when the record is to take the full path: the hunt wants it
// (wanted: the full path may then decode it in full without asking again),
// or this reader cannot tell.
func BriefDNS(sc *record.Scratch, rec []byte, e *event.Event) (brief, wanted bool) {
	if sc.Wants == nil || len(rec) == 0 || rec[0] != '{' {
		return false, false
	}
	w := jsonwalk.New(rec, &sc.Words)
	r, end := readDNS(&w, 0)
	if end < 0 || jsonwalk.SkipWS(rec, end) != len(rec) {
		return false, false
	}
	return r.decide(sc, e)
}

// DNSText is a lookup read from its text by ReadDNSIn, for Decide.
type DNSText struct{ r dnsReader }

// ReadDNSIn reads the record whose brace is at i of a text w walks (an
// element of an Event Hub capture's records) as BriefDNS reads one, and
// returns the position past it, -1 when it is not one this reader takes
// (it may still be valid JSON: w.SkipValue says). Nothing is asked yet:
// the caller checks what surrounds the record first, then Decides.
func ReadDNSIn(w *jsonwalk.Walker, i int) (DNSText, int) {
	if i >= len(w.B) || w.B[i] != '{' {
		return DNSText{}, -1
	}
	r, end := readDNS(w, i)
	return DNSText{r}, end
}

// Decide is BriefDNS's answer for a lookup ReadDNSIn read: brief with e
// set, or wanted, or neither (the full path decides). sc.Wants must be
// set.
func (d *DNSText) Decide(sc *record.Scratch, e *event.Event) (brief, wanted bool) {
	return d.r.decide(sc, e)
}

// readDNS walks the record whose brace is at i and returns what it read
// and the position past it, -1 when it is not one this reader takes.
func readDNS(w *jsonwalk.Walker, i int) (dnsReader, int) {
	r := dnsReader{Walker: *w}
	end := r.Members(i+1, r.top)
	if end < 0 || !r.category || !r.props || !r.query.OK || !r.time.OK || r.query.Start == r.query.End {
		return r, -1 // an empty name is the full path's error
	}
	return r, end
}

// decide asks the hunt whether it wants the lookup and, when not, fills
// e with its brief event.
func (r *dnsReader) decide(sc *record.Scratch, e *event.Event) (brief, wanted bool) {
	b := r.B
	t, err := record.Time(r.time.View(b))
	if err != nil || t.IsZero() {
		return false, false
	}
	code := r.code.View(b)
	g := lookupGlance(dnsOutcome(code, strings.TrimSpace(r.errMsg.View(b)) != ""), addrOf(r.client.View(b)),
		queryName(sc.Lower(strings.TrimSpace(r.query.View(b)))))
	if sc.Want(g) {
		return false, true
	}
	*e = briefLookup(t, sc.Lower(r.tenant.View(b)), sc.Intern(code), g.Outcome)
	// Its key, when the hunt counts it (past a hunt's bound, most it
	// does not), from the lookup as structuredDNS reads it.
	if sc.Keys.Wanted(event.KindDNS, t) {
		d := event.DNS{Query: g.Query, Type: r.qtype.View(b), Client: g.SourceIP, ClientPort: r.port.port(), QueryID: r.qid.port()}
		e.Key = sc.KeyHash.LookupRecordKey(&sc.Key, t, &d)
	}
	return true, false
}

// lookupGlance is what Wants is asked of a DNS lookup, on either path.
func lookupGlance(o event.Outcome, client netip.Addr, query string) event.Glance {
	return event.Glance{Kind: event.KindDNS, Operation: opDNS, Outcome: o, SourceIP: client, Query: query}
}

// briefLookup is the brief event of a lookup no rule wants, on either
// path: only what a brief event keeps.
func briefLookup(t time.Time, tenant, status string, o event.Outcome) event.Event {
	return event.Event{Time: t, Kind: event.KindDNS, Shape: shapeDNS, Brief: true, Tenant: tenant, Operation: opDNS, Status: status, Outcome: o}
}

// dnsReader is one BriefDNS: the members it reads, as the full path would
// find them.
type dnsReader struct {
	jsonwalk.Walker
	time, tenant                jsonwalk.Span
	query, code, errMsg, client jsonwalk.Span
	qtype                       jsonwalk.Span // QueryType: the key's
	port, qid                   intMember     // SourcePort, QueryId: the key's
	category, props             bool          // the category is the table's, properties read
}

// intMember is an integer member as record.Int reads it (a number,
// truncated, or a string holding one): absent, null or not an integer
// is not ok.
type intMember struct {
	seen bool
	v    int64
	ok   bool
}

// port is the member as portOf reads it: 0 when absent or out of range.
func (n intMember) port() uint16 { return portOf(n.v, n.ok) }

// Top-level and property names as dnsReader sorts them.
const (
	nameOther  = iota // none the full path looks up: passed over
	nameRefuse        // looked up by the full path in this spelling or another: give up
	namePass          // looked up only for the full event: passed over
	nameTime
	nameCategory
	nameProps
	nameTenant
	nameQuery
	nameCode
	nameError
	nameClient
	nameType
	namePort
	nameQID
)

// topName sorts a top-level name. The full path's look-ups fall back to
// names in any case, so a name that folds to one of them but is not its
// exact spelling gives up; so do the names of envelopes (unwrapped by the
// full path) and of other tables.
func topName(key []byte) int {
	switch string(key) { // Azure's spellings first: no lowering
	case "time":
		return nameTime
	case "category":
		return nameCategory
	case "properties":
		return nameProps
	case "tenantId":
		return nameTenant
	case "resourceId", "correlationId":
		return namePass
	case "operationName":
		return nameOther
	}
	var buf [16]byte
	switch jsonwalk.LowerName(key, buf[:]) {
	case "":
		return nameRefuse // an escape or a byte that is not ASCII
	case "time":
		return exactly(key, "time", nameTime)
	case "category":
		return exactly(key, "category", nameCategory)
	case "properties":
		return exactly(key, "properties", nameProps)
	case "tenantid":
		return exactly(key, "tenantId", nameTenant)
	case "resourceid":
		return exactly(key, "resourceId", namePass)
	case "correlationid":
		return exactly(key, "correlationId", namePass)
	case "timegenerated", "type", "_resourceid", "subscriptionid", "_subscriptionid", "$table", "tablename",
		"subtype", "subtype_s", "flowrecords", "flowtype", "flowtype_s", "flowdirection", "flowdirection_s",
		"l4protocol", "l4protocol_s", "records", "value", "results", "responses", "tables":
		return nameRefuse
	}
	return nameOther
}

// propName sorts a name of the properties as topName does.
func propName(key []byte) int {
	switch string(key) { // the table's columns as Azure writes them: no lowering
	case "QueryName":
		return nameQuery
	case "ResponseCode":
		return nameCode
	case "ErrorMessage":
		return nameError
	case "SourceIp":
		return nameClient
	case "QueryType":
		return nameType
	case "SourcePort":
		return namePort
	case "QueryId":
		return nameQID
	case "DnssecOkBit", "EDNS0BufferSize", "ErrorNumber", "Protocol", "QueryClass",
		"RequestDurationSecs", "RequestSize", "ResponseFlags", "ResponseSize":
		return nameOther
	}
	var buf [16]byte
	switch jsonwalk.LowerName(key, buf[:]) {
	case "":
		return nameRefuse
	case "queryname":
		return exactly(key, "QueryName", nameQuery)
	case "responsecode":
		return exactly(key, "ResponseCode", nameCode)
	case "errormessage":
		return exactly(key, "ErrorMessage", nameError)
	case "sourceip":
		return exactly(key, "SourceIp", nameClient)
	case "querytype":
		return exactly(key, "QueryType", nameType)
	case "sourceport":
		return exactly(key, "SourcePort", namePort)
	case "queryid":
		return exactly(key, "QueryId", nameQID)
	case "msg", "msg_s": // the legacy form
		return nameRefuse
	}
	return nameOther
}

func exactly(key []byte, spelling string, kind int) int {
	if string(key) != spelling {
		return nameRefuse
	}
	return kind
}

// slot is where a member of the kind read goes; nil for the kinds not
// read into one.
func (r *dnsReader) slot(kind int) *jsonwalk.Span {
	switch kind {
	case nameTime:
		return &r.time
	case nameTenant:
		return &r.tenant
	case nameQuery:
		return &r.query
	case nameCode:
		return &r.code
	case nameError:
		return &r.errMsg
	case nameClient:
		return &r.client
	case nameType:
		return &r.qtype
	}
	return nil
}

// top reads one top-level member; -1 gives up.
func (r *dnsReader) top(key []byte, at int) int {
	switch k := topName(key); k {
	case nameOther, namePass:
		return r.SkipValue(at, 1)
	case nameRefuse:
		return -1
	case nameCategory:
		var c jsonwalk.Span
		if r.category {
			return -1
		}
		if at = r.StrOnce(&c, at); at < 0 || c.View(r.B) != catDNS {
			return -1
		}
		r.category = true
		return at
	case nameProps:
		// An object (a JSON string of one the full path parses, and this
		// reader does not).
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
func (r *dnsReader) prop(key []byte, at int) int {
	switch k := propName(key); k {
	case nameOther, namePass:
		return r.SkipValue(at, 2)
	case nameRefuse:
		return -1
	case namePort:
		return r.intOnce(&r.port, at)
	case nameQID:
		return r.intOnce(&r.qid, at)
	default:
		return r.StrOnce(r.slot(k), at)
	}
}

// intOnce reads an integer member once, as record.Int reads it: a
// number (truncated: 53.0 is 53), a string holding one, null for none;
// -1 gives up on anything else, or on the member named twice.
func (r *dnsReader) intOnce(n *intMember, at int) int {
	b := r.B
	if n.seen || at >= len(b) {
		return -1
	}
	n.seen = true
	switch c := b[at]; {
	case c == 'n':
		return jsonwalk.Literal(b, at, "null")
	case c == '"':
		var s jsonwalk.Span
		end := r.StrOnce(&s, at)
		if end >= 0 {
			n.v, n.ok = record.IntText(s.View(b))
		}
		return end
	case c == '-' || '0' <= c && c <= '9':
		end := r.SkipValue(at, 2)
		if end >= 0 {
			n.v, n.ok = numberInt(b[at:end])
		}
		return end
	}
	return -1
}

// numberInt is a JSON number's integer as record.Int reads it (fastjson's
// Int64, else its Float64 truncated): digits alone without an allocation,
// the rest by strconv.
func numberInt(b []byte) (int64, bool) {
	if len(b) > 0 && len(b) <= 18 {
		var v int64
		i := 0
		if b[0] == '-' {
			i = 1
		}
		for j := i; j < len(b) && '0' <= b[j] && b[j] <= '9'; j++ {
			v = v*10 + int64(b[j]-'0')
			if j == len(b)-1 && j >= i {
				if i == 1 {
					v = -v
				}
				return v, true
			}
		}
	}
	return record.IntText(string(b))
}
