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
	cols   [laStatus]jsonwalk.Span // the string columns read, by kind
	status jsonwalk.Span           // the Status column's value, of any kind, as written
}

// Columns as laReader sorts them: passed over, given up on, read into
// cols (laTime to laTable), or Status.
const (
	laOther = iota
	laRefuse
	laTime
	laCreated
	laResultType
	laIP
	laRisk
	laRiskState
	laAADTenant
	laResTenant
	laTenantID // known, so that the row is not refused; never the tenant (laTenant)
	laSP
	laTable
	laID
	laStatus
)

// laNames are the columns the full path looks up, in Azure's spelling.
var laNames = map[string]int{
	"TimeGenerated": laTime, "CreatedDateTime": laCreated, "ResultType": laResultType,
	"IPAddress": laIP, "RiskLevelDuringSignIn": laRisk, "RiskState": laRiskState,
	"AADTenantId": laAADTenant, "ResourceTenantId": laResTenant, "TenantId": laTenantID,
	"ServicePrincipalId": laSP, "Type": laTable, "Id": laID, "Status": laStatus,
}

// laRefused are names, in lower case, that give up in any spelling but
// the one laNames has: a column the full path looks up in any case, the
// other forms of Status (read after it), and names that make a record
// something else to the full path (envelopes' members, classify's
// category, the diagnostic shape's, the other table member).
var laRefused = map[string]bool{
	"timegenerated": true, "createddatetime": true, "resulttype": true, "ipaddress": true,
	"risklevelduringsignin": true, "riskstate": true, "aadtenantid": true, "resourcetenantid": true,
	"tenantid": true, "serviceprincipalid": true, "type": true, "id": true, "status": true, "status_dynamic": true, "status_string": true,
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
		return laRefuse
	case n == "category" && string(key) != "Category":
		return laRefuse // classify reads "category" before any family
	}
	return laOther
}

// col is the text of a string column read ("" when absent).
func (r *laReader) col(kind int) string { return r.cols[kind].View(r.B) }

// mayBeLARow reports whether rec may be a sign-in row before any walk:
// every sign-in table's name ends so (SigninLogs, AADServicePrincipalSignInLogs,
// …), and the other rows the brief read meets here are spared the walk.
func mayBeLARow(rec []byte) bool { return bytes.Contains(rec, []byte(`nLogs"`)) }

// column reads one top-level column; -1 gives up.
func (r *laReader) column(key []byte, at int) int {
	switch k := laName(key); k {
	case laOther:
		return r.SkipValue(at, 1)
	case laRefuse:
		return -1
	case laStatus:
		end := r.SkipValue(at, 1)
		if r.status.OK || end < 0 {
			return -1
		}
		r.status = jsonwalk.Span{Start: at, End: end, OK: true}
		return end
	default:
		return r.StrOnce(&r.cols[k], at)
	}
}

// briefLA reads a Log Analytics sign-in row (BriefSignIn's contract).
func briefLA(sc *record.Scratch, rec []byte, e *event.Event) (brief, wanted bool) {
	r := laReader{Walker: jsonwalk.New(rec, &sc.Words)}
	end := r.Members(1, r.column)
	if end < 0 || jsonwalk.SkipWS(rec, end) != len(rec) || !isTable(r.col(laTable)) {
		return false, false
	}
	t, err := record.FirstTime(r.col(laTime), r.col(laCreated))
	if err != nil {
		return false, false // the full path's error to report
	}
	var f signInFacts
	if r.status.OK {
		// As firstObj and Scratch.Int read it, with the same parser: the
		// column's value, an object or a string holding one.
		sc.Reset() // the parser below is Scratch's first, as decode's would be
		v, err := sc.Parse(rec[r.status.Start:r.status.End])
		if err != nil {
			return false, false
		}
		f.code, f.hasCode = sc.Int(sc.Object(v), "errorCode")
	}
	if !f.hasCode && r.cols[laResultType].OK {
		f.code, f.hasCode = record.IntText(r.col(laResultType))
	}
	return briefOrWanted(sc, e, shapeSignInLA, t, f, record.IP(r.col(laIP)), r.col(laRisk), r.col(laRiskState), r.col(laSP), r.col(laID),
		r.col(laAADTenant), r.col(laResTenant)) // not TenantId, the workspace's: laTenant
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
