package activitylog

import "github.com/valyala/fastjson"

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

// lower copies name lower-cased (ASCII) into buf and returns the copy, for
// a switch on string(lower(…)), which does not allocate. Each scan function
// owns its buffer so that it stays on the stack. A name too long to be one
// of ours comes back empty.
func lower(buf *[maxName]byte, name []byte) []byte {
	if len(name) > maxName {
		return nil
	}
	// Most names arrive lower case already (every claim URI does): then
	// the name itself serves, with no copy.
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

// scanTop reads the top-level members of v.
func scanTop(v *fastjson.Value) (t top) {
	var buf [maxName]byte
	eachMember(v, func(k []byte, x *fastjson.Value) {
		switch string(lower(&buf, k)) {
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

// scanProps reads the properties object.
func scanProps(o *fastjson.Value) (p props) {
	var buf [maxName]byte
	eachMember(o, func(k []byte, x *fastjson.Value) {
		switch string(lower(&buf, k)) {
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
