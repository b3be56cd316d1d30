package activitylog

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/valyala/fastjson"
)

// The decoders read each object of a record in one pass over its members
// rather than by one lookup per field: an absent field costs a lookup a
// scan of the whole object (two, since lookups fall back to ignoring case),
// and the Activity Log's optional fields are mostly absent. Names are
// compared lower-cased, so every casing an export uses matches.

// maxName bounds the member names compared: longer than any name read
// here (the longest, a claim URI, has 67 bytes).
const maxName = 96

// null is fastjson's shared null value: every JSON null parses to this
// one pointer, so nulls are skipped by comparing pointers. Asking each
// member its Type would unescape every string member, read or not.
var null = fastjson.MustParse("null")

// eachMember calls fn with every member of object o whose value is not
// null.
func eachMember(o *fastjson.Value, fn func(name []byte, v *fastjson.Value)) {
	if o == nil || o.Type() != fastjson.TypeObject {
		return
	}
	obj, _ := o.Object()
	obj.Visit(func(k []byte, v *fastjson.Value) {
		if v != null {
			fn(k, v)
		}
	})
}

// lastOfEach calls fn with the members of object o that no later member
// names again, in order, until fn returns false: the entries of a map in
// a caller's text (an Azure ML pipeline's jobs) as Azure reads it. Json.NET
// and System.Text.Json set a dictionary's entries one member at a time,
// so a key written twice keeps its last value; keys, unlike a model's
// property names, are compared exactly (record.Scratch.lastKey).
func lastOfEach(o *fastjson.Value, fn func(name []byte, v *fastjson.Value) bool) {
	obj, err := o.Object()
	if err != nil {
		return
	}
	type member struct {
		name []byte
		v    *fastjson.Value
	}
	var buf [16]member
	all := buf[:0]
	obj.Visit(func(k []byte, v *fastjson.Value) { all = append(all, member{k, v}) })
	// A later member's name is looked for among the few members a real
	// map has; a caller's map of thousands is indexed instead, so that
	// its text costs no more than its length.
	var last map[string]int
	if len(all) > len(buf) {
		last = make(map[string]int, len(all))
		for i, m := range all {
			last[string(m.name)] = i
		}
	}
	for i, m := range all {
		if last != nil && last[string(m.name)] != i ||
			last == nil && slices.ContainsFunc(all[i+1:], func(l member) bool { return bytes.Equal(l.name, m.name) }) {
			continue
		}
		if !fn(m.name, m.v) {
			return
		}
	}
}

// lower copies name lower-cased (ASCII) into buf and returns the copy, for
// a switch on string(lower(…)), which does not allocate. Each scan function
// owns its buffer so that it stays on the stack. A name too long to be one
// of ours comes back empty.
func lower(buf *[maxName]byte, name []byte) []byte {
	if len(name) > maxName {
		return nil
	}
	if len(name) < 8 {
		return lowerBytes(buf, name)
	}
	// Eight bytes at a time, the last word overlapping the one before
	// it: no byte loop for the tail. Most names arrive lower case already
	// (every claim URI does): then the name itself serves.
	var upper uint64
	n := len(name)
	for i := 0; ; i += 8 {
		if i+8 > n {
			i = n - 8
		}
		x := binary.LittleEndian.Uint64(name[i:])
		if x&highBits != 0 {
			return lowerBytes(buf, name) // not ASCII
		}
		u := upperBytes(x)
		upper |= u
		binary.LittleEndian.PutUint64(buf[i:], x|u>>2) // 0x80>>2 is the case bit
		if i+8 == n {
			break
		}
	}
	if upper == 0 {
		return name
	}
	return buf[:n]
}

// lowerBytes is lower for short and non-ASCII names, a byte at a time.
func lowerBytes(buf *[maxName]byte, name []byte) []byte {
	i := 0
	for i < len(name) && (name[i] < 'A' || name[i] > 'Z') {
		i++
	}
	if i == len(name) {
		return name
	}
	n := copy(buf[:], name)
	for ; i < n; i++ {
		if c := buf[i]; 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return buf[:n]
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// upperBytes has the high bit set in each byte of x that is in A-Z, for a
// word of eight ASCII bytes: adding 0x80-'A' sets a byte's high bit from
// 'A' up, adding 0x80-'Z'-1 from past 'Z', and ASCII bytes cannot carry
// into their neighbours.
func upperBytes(x uint64) uint64 {
	return (x + lowBits*(0x80-'A')) &^ (x + lowBits*(0x80-'Z'-1)) & highBits
}

// names is the set of member names one scan reads, by length and last
// letter: a member whose name no listed name resembles that way is passed
// over without being lowered or compared. Most members of a record are not
// read (a token carries twenty-odd claims, six of them used), and their
// long URI names made the lowering the scans' largest cost.
type names [maxName + 1]uint64 // by length: bit n set when a name ends in a byte b with fold(b) == n

// fold maps a name's last byte to a bit: ASCII letters of either case to
// the same one.
func fold(b byte) uint { return uint(b|0x20) & 63 }

// namesOf builds the set from the names a scan's switch lists.
func namesOf(list ...string) *names {
	var n names
	for _, s := range list {
		n[len(s)] |= 1 << fold(s[len(s)-1])
	}
	return &n
}

// lower returns name lower-cased for the scan's switch, or nil when no
// name of the set can be it.
func (n *names) lower(buf *[maxName]byte, name []byte) []byte {
	if len(name) == 0 || len(name) > maxName || n[len(name)]&(1<<fold(name[len(name)-1])) == 0 {
		return nil
	}
	return lower(buf, name)
}

// set stores v in slot unless an earlier member already filled it: of two
// spellings of a field in one object, the first wins.
func set(slot **fastjson.Value, v *fastjson.Value) {
	if *slot == nil {
		*slot = v
	}
}

// top holds the top-level members of a record, for all three shapes (each
// shape reads its own).
type top struct {
	// diagnostic
	time, resourceID, operationName, category, resultType, resultSignature *fastjson.Value
	callerIP, correlationID, identity, location, properties, tenantID      *fastjson.Value
	eventDataID, caller                                                    *fastjson.Value
	// REST
	eventTS, submissionTS, claims, authorization, httpRequest *fastjson.Value
	status, subStatus, resourceType, subscriptionID           *fastjson.Value
	// Log Analytics (names that differ from the above only in case share
	// their slot: Caller, CorrelationId, EventDataId, ResourceId, Location,
	// SubscriptionId, Category, OperationName, Properties, Claims, Authorization)
	timeGenerated, eventSubmissionTS, claimsD, authorizationD, propertiesD *fastjson.Value
	operationNameValue, categoryValue, activityStatusValue, activityStatus *fastjson.Value
	activitySubstatusValue, activitySubstatus, resourceIDLA, providerValue *fastjson.Value
}

// topList names the top-level members scanTop reads: the cases of its
// switch, which only members of topNames reach.
var topList = []string{
	"time", "resourceid", "operationname", "category", "resulttype", "resultsignature",
	"calleripaddress", "correlationid", "identity", "location", "properties", "tenantid",
	"eventdataid", "caller", "eventtimestamp", "submissiontimestamp", "claims", "authorization",
	"httprequest", "status", "substatus", "resourcetype", "subscriptionid", "timegenerated",
	"eventsubmissiontimestamp", "claims_d", "authorization_d", "properties_d",
	"operationnamevalue", "categoryvalue", "activitystatusvalue", "activitystatus",
	"activitysubstatusvalue", "activitysubstatus", "_resourceid", "resourceprovidervalue",
}

// topNames is the set scanTop passes members through.
var topNames = namesOf(topList...)

// scanTop reads the top-level members of v.
func scanTop(v *fastjson.Value) (t top) {
	var buf [maxName]byte
	eachMember(v, func(k []byte, x *fastjson.Value) {
		switch string(topNames.lower(&buf, k)) {
		case "time":
			set(&t.time, x)
		case "resourceid":
			set(&t.resourceID, x)
		case "operationname":
			set(&t.operationName, x)
		case "category":
			set(&t.category, x)
		case "resulttype":
			set(&t.resultType, x)
		case "resultsignature":
			set(&t.resultSignature, x)
		case "calleripaddress":
			set(&t.callerIP, x)
		case "correlationid":
			set(&t.correlationID, x)
		case "identity":
			set(&t.identity, x)
		case "location":
			set(&t.location, x)
		case "properties":
			set(&t.properties, x)
		case "tenantid":
			set(&t.tenantID, x)
		case "eventdataid":
			set(&t.eventDataID, x)
		case "caller":
			set(&t.caller, x)
		case "eventtimestamp":
			set(&t.eventTS, x)
		case "submissiontimestamp":
			set(&t.submissionTS, x)
		case "claims":
			set(&t.claims, x)
		case "authorization":
			set(&t.authorization, x)
		case "httprequest":
			set(&t.httpRequest, x)
		case "status":
			set(&t.status, x)
		case "substatus":
			set(&t.subStatus, x)
		case "resourcetype":
			set(&t.resourceType, x)
		case "subscriptionid":
			set(&t.subscriptionID, x)
		case "timegenerated":
			set(&t.timeGenerated, x)
		case "eventsubmissiontimestamp":
			set(&t.eventSubmissionTS, x)
		case "claims_d":
			set(&t.claimsD, x)
		case "authorization_d":
			set(&t.authorizationD, x)
		case "properties_d":
			set(&t.propertiesD, x)
		case "operationnamevalue":
			set(&t.operationNameValue, x)
		case "categoryvalue":
			set(&t.categoryValue, x)
		case "activitystatusvalue":
			set(&t.activityStatusValue, x)
		case "activitystatus":
			set(&t.activityStatus, x)
		case "activitysubstatusvalue":
			set(&t.activitySubstatusValue, x)
		case "activitysubstatus":
			set(&t.activitySubstatus, x)
		case "_resourceid":
			set(&t.resourceIDLA, x)
		case "resourceprovidervalue":
			set(&t.providerValue, x)
		}
	})
	return t
}

// props holds the members of the properties object the decoders read.
type props struct {
	eventDataID, caller, eventCategory, statusMessage, statusCode *fastjson.Value
	responseBody, requestBody, message, entity, hierarchy, sub    *fastjson.Value
}

// propList names the members of properties scanProps reads: the cases of
// its switch, which only members of propNames reach.
var propList = []string{
	"eventdataid", "caller", "eventcategory", "statusmessage", "statuscode", "responsebody",
	"requestbody", "message", "entity", "hierarchy", "subscriptionid",
}

// propNames is the set scanProps passes members through.
var propNames = namesOf(propList...)

// scanProps reads the properties object.
func scanProps(o *fastjson.Value) (p props) {
	var buf [maxName]byte
	eachMember(o, func(k []byte, x *fastjson.Value) {
		switch string(propNames.lower(&buf, k)) {
		case "eventdataid":
			set(&p.eventDataID, x)
		case "caller":
			set(&p.caller, x)
		case "eventcategory":
			set(&p.eventCategory, x)
		case "statusmessage":
			set(&p.statusMessage, x)
		case "statuscode":
			set(&p.statusCode, x)
		case "responsebody":
			set(&p.responseBody, x)
		case "requestbody":
			set(&p.requestBody, x)
		case "message":
			set(&p.message, x)
		case "entity":
			set(&p.entity, x)
		case "hierarchy":
			set(&p.hierarchy, x)
		case "subscriptionid":
			set(&p.sub, x)
		}
	})
	return p
}
