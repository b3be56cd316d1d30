package entra

import (
	"bytes"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
)

// Sign-ins exported from Log Analytics (the portal's export of SigninLogs
// and its sister tables, az monitor log-analytics query) are rows of some
// eighty columns, in any order, whose dynamic columns (Status) are JSON
// written as strings. laReader reads such a row from its text as
// decodeSignInLA and briefSignIn read it after a parse: the columns they
// look up, in Azure's spelling, once each, as strings (the Status column
// a string holding an object, or an object); every other column is only
// walked over. A column the full path would look up in another spelling,
// a name that makes the record another shape (an envelope's, a diagnostic
// record's) or a table other than a sign-in table gives up: the full path
// is always right, this one only when it is sure.

// laReader is one Log Analytics row read by BriefSignIn.
type laReader struct {
	jsonwalk.Walker
	time, created, resultType, ip jsonwalk.Span
	risk, riskState, aadTenant    jsonwalk.Span
	resTenant, tenant, table      jsonwalk.Span
	status                        jsonwalk.Span // a string column: its text, escapes and all
	statusObj                     bool          // an object column: code read into code
	code                          int64
	hasCode                       bool
}

// Columns as laReader sorts them (nameOther, nameRefuse and the names
// shared with signInReader, for slot).
const (
	laTime = iota + nameErrorCode + 1
	laCreated
	laAADTenant
	laTable
	laStatus
)

// laNames are the columns the full path looks up, in Azure's spelling.
var laNames = map[string]int{
	"TimeGenerated": laTime, "CreatedDateTime": laCreated, "ResultType": nameResultType,
	"IPAddress": nameIP, "RiskLevelDuringSignIn": nameRisk, "RiskState": nameRiskState,
	"AADTenantId": laAADTenant, "ResourceTenantId": nameResTenant, "TenantId": nameTenant,
	"Type": laTable, "Status": laStatus,
}

// laRefused are names, in lower case, that give up in any spelling but
// the one laNames has: a column the full path looks up in any case, the
// other forms of Status (read after it), and names that make a record
// something else to the full path (envelopes' members, classify's
// category, the diagnostic shape's, the other table member).
var laRefused = map[string]bool{
	"timegenerated": true, "createddatetime": true, "resulttype": true, "ipaddress": true,
	"risklevelduringsignin": true, "riskstate": true, "aadtenantid": true, "resourcetenantid": true,
	"tenantid": true, "type": true, "status": true, "status_dynamic": true, "status_string": true,
	"records": true, "value": true, "results": true, "responses": true, "tables": true,
	"$table": true, "properties": true, "time": true,
}

// laName sorts a column name.
func laName(key []byte) int {
	if k, ok := laNames[string(key)]; ok {
		return k
	}
	var buf [24]byte
	switch n := jsonwalk.LowerName(key, buf[:]); {
	case n == "" || laRefused[n]:
		return nameRefuse
	case n == "category" && string(key) != "Category":
		return nameRefuse // classify reads "category" before any family
	}
	return nameOther
}

// slot is where a string column goes.
func (r *laReader) slot(kind int) *jsonwalk.Span {
	switch kind {
	case laTime:
		return &r.time
	case laCreated:
		return &r.created
	case nameResultType:
		return &r.resultType
	case nameIP:
		return &r.ip
	case nameRisk:
		return &r.risk
	case nameRiskState:
		return &r.riskState
	case laAADTenant:
		return &r.aadTenant
	case nameResTenant:
		return &r.resTenant
	case nameTenant:
		return &r.tenant
	case laTable:
		return &r.table
	}
	return nil
}

// mayBeLARow reports whether rec may be a sign-in row before any walk:
// every sign-in table's name ends so (SigninLogs, AADServicePrincipalSignInLogs,
// …), and the other rows the brief read meets here are spared the walk.
func mayBeLARow(rec []byte) bool { return bytes.Contains(rec, []byte(`nLogs"`)) }

// column reads one top-level column; -1 gives up.
func (r *laReader) column(key []byte, at int) int {
	switch k := laName(key); k {
	case nameOther:
		return r.SkipValue(at, 1)
	case nameRefuse:
		return -1
	case laStatus:
		if r.status.OK || r.statusObj || at >= len(r.B) {
			return -1
		}
		switch r.B[at] {
		case '"':
			e := r.StrEnd(at + 1)
			if e < 0 {
				return -1
			}
			r.status = jsonwalk.Span{Start: at + 1, End: e, OK: true}
			return e + 1
		case '{':
			r.statusObj = true
			var s signInReader
			s.Walker = r.Walker
			end := s.Members(at+1, s.statusMember)
			r.code, r.hasCode = s.code, s.hasCode
			return end
		}
		return -1 // null or another value: the full path's to judge
	default:
		return r.StrOnce(r.slot(k), at)
	}
}

// briefLA reads a Log Analytics sign-in row (BriefSignIn's contract).
func briefLA(sc *record.Scratch, rec []byte, e *event.Event) (brief, wanted bool) {
	r := laReader{Walker: jsonwalk.New(rec, &sc.Words)}
	end := r.Members(1, r.column)
	if end < 0 || jsonwalk.SkipWS(rec, end) != len(rec) || !isTable(r.table.View(rec)) {
		return false, false
	}
	b := rec
	t, err := record.FirstTime(r.time.View(b), r.created.View(b))
	if err != nil {
		return false, false // the full path's error to report
	}
	var f signInFacts
	if r.statusObj {
		f.code, f.hasCode = r.code, r.hasCode
	} else if r.status.OK {
		var ok bool
		if f.code, f.hasCode, ok = statusText(sc, b[r.status.Start:r.status.End]); !ok {
			return false, false
		}
	}
	if !f.hasCode && r.resultType.OK {
		f.code, f.hasCode = record.IntText(r.resultType.View(b))
	}
	o, status := f.outcome()
	ip := record.IP(r.ip.View(b))
	if sc.Want(signInGlance(o, ip, known(r.risk.View(b), riskValues), known(r.riskState.View(b), stateValues))) {
		return false, true
	}
	tenant := r.aadTenant.View(b)
	if tenant == "" {
		tenant = r.resTenant.View(b)
	}
	if tenant == "" {
		tenant = r.tenant.View(b)
	}
	*e = briefSignInEvent(t, shapeSignInLA, sc.Intern(tenant), status, o)
	return true, false
}

// isTable reports whether t is a sign-in table in Azure's spelling.
func isTable(t string) bool {
	for _, s := range signInTables {
		if t == s.table {
			return true
		}
	}
	return false
}

// statusText reads the error code of a Status column written as a string
// (escaped, as the JSON text holds it), as firstObj and Scratch.Int read
// it: the string unescaped, parsed when it opens an object. ok is false
// for an escape other than \" \\ \/, which this reader leaves to fastjson.
func statusText(sc *record.Scratch, esc []byte) (code int64, has, ok bool) {
	var buf [128]byte
	s := buf[:0]
	for i := 0; i < len(esc); i++ {
		c := esc[i]
		if c == '\\' {
			if i+1 >= len(esc) {
				return 0, false, false
			}
			switch c = esc[i+1]; c {
			case '"', '\\', '/':
				i++
			default:
				return 0, false, false
			}
		}
		s = append(s, c)
	}
	sc.Reset() // the parser below is Scratch's first, as decode's would be
	code, has = sc.Int(sc.ObjectText(s), "errorCode")
	return code, has, true
}
