package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/alert"
)

// mamori's own outputs end up in the folders it hunts (`mamori hunt ./case
// > ./case/alerts.jsonl`, a --report page saved beside the logs, serve's
// --output). They are counted as ignored under these names, as a table
// mamori does not use is: never as unreadable, never as log records.
const (
	ownAlerts  = "mamori alerts"           // hunt and alerts: jsonl, json, csv, ocsf, table
	ownPosture = "mamori posture findings" // posture: jsonl, json, csv, ocsf
	ownReport  = "mamori report"           // an HTML report (hunt --report, posture --report)
	ownSummary = "mamori hunt summary"     // hunt --summary
	ownStore   = "mamori serve store"      // serve's SQLite store, kept in the folder it watches
)

// The containers of mamori's own text outputs, which are not read further.
const (
	containerOwnHTML         = "mamori-html"
	containerOwnTable        = "mamori-table"
	containerOwnPostureTable = "mamori-posture-table"
	containerOwnStore        = "mamori-store"
)

// ownContainers names what each of those containers is, for the count.
var ownContainers = map[string]string{
	containerOwnHTML:         ownReport,
	containerOwnTable:        ownAlerts,
	containerOwnPostureTable: ownPosture,
	containerOwnStore:        ownStore,
}

// An SQLite database begins with sqliteMagic; the 4 bytes at
// sqliteAppIDAt are its PRAGMA application_id, which a mamori store sets
// to storeAppID (store.ApplicationID: the store's test checks they agree).
var sqliteMagic = []byte("SQLite format 3\x00")

const (
	sqliteAppIDAt = 68
	storeAppID    = 0x6d616d6f
)

// isStore tells a mamori store from the first bytes of a file.
func isStore(head []byte) bool {
	return len(head) >= sqliteAppIDAt+4 && bytes.HasPrefix(head, sqliteMagic) &&
		binary.BigEndian.Uint32(head[sqliteAppIDAt:]) == storeAppID
}

// storeJournals are the files SQLite keeps beside a database while it is
// open (WAL, its shared memory) or writing (a rollback journal), and how
// each begins: a WAL's header (either byte order of its checksums), a
// journal's; the shared memory has no header (nil).
var storeJournals = []struct {
	suffix string
	magic  [][]byte
}{
	{"-wal", [][]byte{{0x37, 0x7f, 0x06, 0x82}, {0x37, 0x7f, 0x06, 0x83}}},
	{"-journal", [][]byte{{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}}},
	{"-shm", nil},
}

// Each format's fields, as internal/report writes them. A record is taken
// for mamori's only when it has every field of its format, with the value
// types mamori writes: no Azure log has this shape.
var (
	// The CSV headers, the columns every row fills first.
	alertCSVHeader = []string{"id", "time", "severity", "rule", "title", "summary", "tenant", "subscription", "principal", "ips", "resources", "tags", "evidence", "hosts",
		"principal_name", "incident", "suppressed_id", "suppressed_reason", "suppressed_owner", "suppressed_expires", "suppressed_file", "suppressed_line"}
	postureCSVHeader = []string{"check", "area", "status", "severity", "scope", "summary", "why", "fix", "scope_name", "evidence", "missing"}
)

// How many columns of each header every row has.
const (
	alertCSVNeed   = 6
	postureCSVNeed = 8
)

// ocsfClass is the OCSF class_uid of each mamori finding kind.
const (
	ocsfDetectionFinding  = 2004 // hunt --format ocsf
	ocsfComplianceFinding = 2003 // posture --format ocsf
)

// ownRecord names the mamori output a record is, or returns "". It is asked
// only of records no family reads.
func ownRecord(v *fastjson.Value) string {
	o, err := v.Object()
	if err != nil {
		return ""
	}
	switch {
	case isAlert(v), isCSVRow(o, alertCSVHeader, alertCSVNeed) && isSeverity(v.Get("severity")):
		return ownAlerts
	case isPostureFinding(v), isCSVRow(o, postureCSVHeader, postureCSVNeed) && isPostureCheck(v.Get("check")):
		return ownPosture
	case isPostureDocument(o):
		return ownPosture
	case isSummary(o):
		return ownSummary
	}
	if p := v.Get("metadata", "product"); p != nil && str(p.Get("name")) == "mamori" && str(p.Get("vendor_name")) == "mamori" {
		switch c := v.Get("class_uid"); {
		case c == nil || c.Type() != fastjson.TypeNumber:
		case c.GetInt() == ocsfDetectionFinding && v.Get("finding_info", "analytic") != nil:
			return ownAlerts
		case c.GetInt() == ocsfComplianceFinding && v.Get("compliance") != nil:
			return ownPosture
		}
	}
	return ""
}

// isAlert: an alert.Alert as jsonl, json and `mamori alerts` write it.
func isAlert(v *fastjson.Value) bool {
	for _, k := range [...]string{"id", "rule", "title", "time", "summary"} {
		if x := v.Get(k); x == nil || x.Type() != fastjson.TypeString {
			return false
		}
	}
	ev, count := v.Get("evidence"), v.Get("count")
	return isSeverity(v.Get("severity")) &&
		ev != nil && ev.Type() == fastjson.TypeArray && count != nil && count.Type() == fastjson.TypeNumber
}

// isPostureFinding: a posture.Finding as posture's jsonl writes it.
func isPostureFinding(v *fastjson.Value) bool {
	for _, k := range [...]string{"area", "title", "severity", "scope", "summary", "why", "fix"} {
		if x := v.Get(k); x == nil || x.Type() != fastjson.TypeString {
			return false
		}
	}
	switch str(v.Get("status")) {
	case "pass", "fail", "not_assessed":
		return isPostureCheck(v.Get("check"))
	}
	return false
}

// isPostureDocument: posture's --format json, {"scores":[…],"findings":[…]}.
func isPostureDocument(o *fastjson.Object) bool {
	if o.Len() != 2 {
		return false
	}
	scores, findings := o.Get("scores"), o.Get("findings")
	if scores == nil || scores.Type() != fastjson.TypeArray || findings == nil || findings.Type() != fastjson.TypeArray {
		return false
	}
	for _, f := range findings.GetArray() {
		if !isPostureFinding(f) {
			return false
		}
	}
	return true
}

// isSummary: hunt's --summary document (report.Summary), known by its
// lists.
func isSummary(o *fastjson.Object) bool {
	for _, k := range [...]string{"logs_read", "not_seen", "incidents_before_log", "incidents_after_log"} {
		if x := o.Get(k); x == nil || x.Type() != fastjson.TypeArray {
			return false
		}
	}
	return true
}

// isCSVRow: a row of a CSV whose header is exactly h. Every cell is a
// string; the CSV reader leaves empty cells out, so the fields of need
// must be there and no field may be outside h.
func isCSVRow(o *fastjson.Object, h []string, need int) bool {
	n := 0
	ok := true
	o.Visit(func(k []byte, x *fastjson.Value) {
		i := slices.Index(h, string(k))
		switch {
		case i < 0 || x.Type() != fastjson.TypeString:
			ok = false
		case i < need:
			n++
		}
	})
	return ok && n == need
}

// isCSVHeader: the columns of a CSV whose header is h, as isCSVRow asks
// of its rows.
func isCSVHeader(cols, h []string, need int) bool {
	n := 0
	for _, c := range cols {
		i := slices.Index(h, c)
		if i < 0 {
			return false
		}
		if i < need {
			n++
		}
	}
	return n == need
}

func isSeverity(v *fastjson.Value) bool {
	s := str(v)
	_, ok := alert.ParseSeverity(s)
	return ok && s == strings.ToLower(s) // as written, not as a person might
}

func isPostureCheck(v *fastjson.Value) bool {
	return strings.HasPrefix(str(v), "posture.")
}

func str(v *fastjson.Value) string {
	if v == nil || v.Type() != fastjson.TypeString {
		return ""
	}
	return string(v.GetStringBytes())
}

// ownText names the container of mamori's own text outputs from the first
// bytes of a file (white space dropped), or returns "": its HTML report,
// whose generator is mamori, and the table `mamori hunt` and `mamori
// alerts` print, which begins with an incident, the alerts' header or "no
// alerts", and the table `mamori posture` prints, which begins with the
// areas' scores.
func ownText(t []byte) string {
	const doctype = "<!doctype html>"
	if len(t) >= len(doctype) && strings.EqualFold(string(t[:len(doctype)]), doctype) {
		if bytes.Contains(t[:min(len(t), 2048)], []byte(`<meta name="generator" content="mamori`)) {
			return containerOwnHTML
		}
		return ""
	}
	first, _, _ := bytes.Cut(t, []byte("\n"))
	first = bytes.TrimRight(first, "\r")
	switch {
	case string(first) == "no alerts":
		return containerOwnTable
	case bytes.HasPrefix(first, []byte("INCIDENT inc-")):
		return containerOwnTable
	case bytes.HasPrefix(first, []byte("TIME (UTC) ")) && bytes.Contains(first, []byte(" SEVERITY ")) && bytes.Contains(first, []byte(" RULE ")):
		return containerOwnTable
	case isScoresLine(first):
		return containerOwnPostureTable
	}
	return ""
}

// isScoresLine: "Scores:  identity 0  rbac -  …", an area and its score
// (or - when not assessed) after another.
func isScoresLine(l []byte) bool {
	rest, ok := bytes.CutPrefix(l, []byte("Scores:"))
	f := strings.Fields(string(rest))
	if !ok || len(f) == 0 || len(f)%2 != 0 {
		return false
	}
	for i := 1; i < len(f); i += 2 {
		if _, err := strconv.ParseUint(f[i], 10, 8); err != nil && f[i] != "-" {
			return false
		}
	}
	return true
}

// maxOwnDocument is the largest JSON document IsOwnOutput parses whole (a
// json alerts array, a summary), or JSON lines file whose every line it
// reads: beyond it a file of lines is judged by its first and last.
const maxOwnDocument = 16 << 20

// IsOwnOutput reports whether the file at path holds nothing but one of
// mamori's own outputs (or nothing at all), so that a command may write
// over it: an output flag naming a log being hunted must not destroy the
// evidence, but a second run's --output in the folder it hunts may replace
// the first run's.
func IsOwnOutput(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return false, err
	}
	whole := n < len(head)
	t := bytes.TrimLeft(bytes.TrimPrefix(head[:n], utf8BOM), " \t\r\n")
	switch {
	case len(t) == 0 && whole:
		return true, nil
	case len(t) == 0:
		return false, nil
	case ownText(t) != "":
		return true, nil
	case t[0] != '{' && t[0] != '[':
		// A CSV of alerts or findings: its header.
		first, _, _ := bytes.Cut(t, []byte("\n"))
		first = bytes.TrimRight(first, "\r")
		cols := strings.Split(string(first), ",")
		return isCSVHeader(cols, alertCSVHeader, alertCSVNeed) || isCSVHeader(cols, postureCSVHeader, postureCSVNeed), nil
	}
	var p fastjson.Parser
	if line, _, _ := bytes.Cut(t, []byte("\n")); t[0] == '{' {
		if v, err := p.ParseBytes(line); err == nil {
			if ownRecord(v) == "" {
				return false, nil
			}
			return ownLines(f, &p) // JSON lines: every one says
		}
	}
	// One document over several lines: a json array of alerts or
	// findings, a summary, posture's json.
	st, err := f.Stat()
	if err != nil || st.Size() > maxOwnDocument {
		return false, err
	}
	all, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	v, err := p.ParseBytes(bytes.TrimPrefix(all, utf8BOM))
	if err != nil {
		return false, nil
	}
	if arr, err := v.Array(); err == nil {
		return len(arr) == 0 || ownRecord(arr[0]) != "", nil
	}
	return ownRecord(v) != "", nil
}

// ownLines reports whether every line of JSON lines file f (or, past
// maxOwnDocument, its last line: a service's alerts file grows for
// months) is a record of mamori's: a log appended to a file of alerts is
// not mamori's to write over.
func ownLines(f *os.File, p *fastjson.Parser) (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	from := int64(0)
	if st.Size() > maxOwnDocument {
		from = st.Size() - sniffSize // the last line, unless longer
	}
	b := make([]byte, st.Size()-from)
	if _, err := f.ReadAt(b, from); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	lines := bytes.Split(bytes.TrimRight(b, " \t\r\n"), []byte("\n"))
	if from > 0 {
		lines = lines[len(lines)-1:]
	}
	for _, l := range lines {
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		v, err := p.ParseBytes(l)
		if err != nil || ownRecord(v) == "" {
			return false, nil
		}
	}
	return true, nil
}
