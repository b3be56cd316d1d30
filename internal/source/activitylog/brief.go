package activitylog

import (
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Most of an Activity Log is deployments, reads, deletes and actions no
// rule looks at. When the hunt says what it can use (Scratch.Wants), such
// a record is read only for what every record still gives the hunt: its
// time (a record without one is an error either way), its tenant (when
// the tenant's logs begin) and the operation, status and source address
// the decision was made on. Properties, bodies, the authorization and the
// resource id are not read, nor is the event enriched or evaluated.

// learned are the operations always decoded in full: those enrichment
// learns from (the tenant's own public addresses; a Batch account's, an
// AKS cluster's or a Service Fabric managed cluster's region, which its
// pools' and node types' records do not say; the instances autoscale's
// actions leave on a target, which a setting's write is then weighed
// against), or a later alert could differ, and Defender's Activate Alert, whose record holds a security
// alert of its own (alertEvent) that the rules on alerts read.
func learned(op string) bool {
	return op == opPublicIP || op == opPublicPrefix || op == opBatchAccount || op == opAKS || op == opSFCluster || op == opSecurityAlert ||
		event.IsAutoscaleAction(op)
}

// readBrief fills e briefly and reports true when nothing in the hunt can
// use the record; it reports false, leaving e alone, when the record must
// be decoded in full (or a field the decision needs cannot be read
// cheaply). The fields it sets are computed exactly as the full decode
// computes them (readDiag, readREST, readLA, then normalise). la holds the
// claims of a Log Analytics row, which Decode reads for both.
func readBrief(sc *record.Scratch, t *top, shape string, la *claimSet, e *event.Event) (bool, error) {
	var g event.Glance
	var rawOp, status, ip string
	var claims *claimSet
	var cs claimSet
	switch shape {
	case shapeDiag:
		rawOp, status, ip = record.Peek(value(t.operationName)), enum(t.resultType, statuses), peek(t.callerIP)
	case shapeREST:
		rawOp, status = record.Peek(value(t.operationName)), enum(value(t.status), statuses)
		ip = record.Peek(record.Key(object(sc, t.httpRequest), "clientIpAddress"))
	case shapeLA:
		rawOp, status, ip = peek(t.operationNameValue), enum(t.activityStatusValue, statuses), peek(t.callerIP)
		if status == "" {
			status = enum(t.activityStatus, statuses)
		}
		if ip == "" {
			ip = record.Peek(record.Key(object(sc, t.httpRequest), "clientIpAddress"))
		}
		// The claims' tenant wins over the management-group hierarchy,
		// which is in the properties: without it, decode in full.
		claims = la
		if claims.tenant(sc) == "" {
			return false, nil
		}
	default:
		return false, nil
	}
	// An operation the record does not name directly comes from the
	// authorization object: left to the full decode.
	op := strings.TrimSpace(rawOp)
	if op == "" {
		return false, nil
	}
	g.Kind, g.Operation, g.Outcome = event.KindActivity, sc.Lower(op), outcome(status)
	if learned(g.Operation) {
		return false, nil
	}
	// As in normalise: the token's ipaddr claim when the record names no
	// address. The claims are read only then, or for the tenant below.
	if g.SourceIP = record.IP(ip); !g.SourceIP.IsValid() {
		if claims == nil {
			cs, claims = briefClaims(sc, t, shape), &cs
		}
		g.SourceIP = record.IP(record.Peek(claims.ipaddr))
	}
	// Without the record's own text (inside an envelope) nothing is
	// claimed of its quota.
	if sc.Text != nil {
		g.Text = asWritten(sc.Text)
	}
	glanceQuota(&g)
	if sc.Want(g) {
		return false, nil
	}
	var err error
	switch shape {
	case shapeDiag:
		e.Time, err = eventTime(t.time)
	case shapeREST:
		e.Time, err = eventTime(t.eventTS, t.submissionTS)
	case shapeLA:
		e.Time, err = eventTime(t.timeGenerated, t.eventSubmissionTS)
	}
	if err != nil {
		return false, err
	}
	// Diagnostic and REST records name their tenant, or the claims do.
	if shape != shapeLA {
		e.Tenant = sc.Lower(peek(t.tenantID))
	}
	if e.Tenant == "" {
		if claims == nil {
			cs, claims = briefClaims(sc, t, shape), &cs
		}
		e.Tenant = claims.tenant(sc)
	}
	sub, ok := briefSubscription(sc, t, shape)
	if !ok {
		return false, nil
	}
	// Its key (its correlation id's, with its resource), when the hunt
	// counts it (past a hunt's bound, most it does not). A record without
	// a correlation id is known by its eventDataId instead
	// (event.RecordKey), which a diagnostic or Log Analytics record may
	// hold in its properties, unread here: decoded in full, or the two
	// paths would count it differently. Azure writes a correlation id in
	// every record (Learn's Activity Log event schema), so this costs
	// nothing on real logs.
	corr := peek(t.correlationID)
	if corr == "" {
		return false, nil
	}
	res, ok := briefResource(sc, t, shape)
	if !ok {
		return false, nil
	}
	var key uint64
	if sc.Keys.Wanted(event.KindActivity, e.Time) {
		key = sc.KeyHash.ActivityRecordKey(&sc.Key, e.Time, g.Operation, g.Outcome, status, corr, res)
	}
	e.Kind, e.Shape, e.Brief = event.KindActivity, shape, true
	e.Operation, e.Status, e.Outcome, e.Subscription, e.Key = g.Operation, status, g.Outcome, sub, key
	return true, nil
}

// briefResource is the resource id normalise gives the record (before
// its lower case), for its key: its own, else its authorization's scope.
// It reports false where the brief read does not look (a Log Analytics
// row's properties, which name it when its columns do not).
func briefResource(sc *record.Scratch, t *top, shape string) (string, bool) {
	if shape == shapeLA {
		id := peek(t.resourceIDLA, t.resourceID)
		return id, id != ""
	}
	if id := peek(t.resourceID); id != "" {
		return id, true
	}
	authz := object(sc, t.authorization)
	if shape == shapeDiag {
		authz = object(sc, record.Key(object(sc, t.identity), "authorization"))
	}
	return strings.TrimSpace(record.Peek(record.Key(authz, "scope"))), true
}

// briefSubscription is the subscription normalise gives the record: its
// own (REST, Log Analytics), else the one in its resource id, else in its
// authorization's scope. It reports false where the brief read does not
// look (a Log Analytics row's properties) or for text that is not plain
// ASCII, whose case the two paths might fold apart. serve follows each
// subscription's Activity Log by it: diagnostic settings are made per
// subscription, and one can stop while the others go on.
func briefSubscription(sc *record.Scratch, t *top, shape string) (string, bool) {
	switch shape {
	case shapeREST, shapeLA:
		if own := peek(t.subscriptionID); own != "" {
			return sc.LowerASCII(own)
		}
		if shape == shapeLA {
			return "", false
		}
	}
	id := peek(t.resourceID)
	if id == "" {
		authz := object(sc, t.authorization)
		if shape == shapeDiag {
			authz = object(sc, record.Key(object(sc, t.identity), "authorization"))
		}
		id = strings.TrimSpace(record.Peek(record.Key(authz, "scope")))
	}
	return sc.Subscription(id)
}

// briefClaims reads the claims of a diagnostic or REST record where the
// full decode finds them. Only the tenant and address claims are read:
// the other members are passed over by their length, which none of the
// names of these two shares.
func briefClaims(sc *record.Scratch, t *top, shape string) (c claimSet) {
	o := object(sc, t.claims)
	if shape == shapeDiag {
		o = object(sc, record.Key(object(sc, t.identity), "claims"))
	}
	var buf [maxName]byte
	eachMember(o, func(k []byte, x *fastjson.Value) {
		switch len(k) {
		case len(claimTID), len(claimTenantURI), len(claimIPAddr):
		default:
			return
		}
		// As scanClaims reads them: any case, the first of each.
		switch string(lower(&buf, k)) {
		case claimTenantURI, claimTID:
			set(&c.tid, x)
		case claimIPAddr:
			set(&c.ipaddr, x)
		}
	})
	return c
}

// The claims briefClaims reads, as scanClaims names them.
const (
	claimTenantURI = "http://schemas.microsoft.com/identity/claims/tenantid"
	claimTID       = "tid"
	claimIPAddr    = "ipaddr"
)
