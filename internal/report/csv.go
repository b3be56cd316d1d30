package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// csvHeader names the columns. Columns added later come after the
// earlier ones, so that a program reading them by position keeps working.
// The suppressed_ columns are the fields of the JSON formats' "suppressed"
// object, empty for an alert no entry suppressed.
var csvHeader = []string{"id", "time", "severity", "rule", "title", "tenant", "subscription",
	"principal", "ips", "resources", "summary", "tags", "evidence", "hosts", "principal_name",
	"incident", "suppressed_id", "suppressed_reason", "suppressed_owner", "suppressed_expires",
	"suppressed_file", "suppressed_line"}

// writeCSV writes a header and one row per alert. Lists are joined with
// ";" and evidence is written as file:line locations. Every record is one
// line: cell escapes newlines, so grep or tail over the file cannot show
// a line an attacker forged.
func writeCSV(w io.Writer, alerts []alert.Alert) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	row := make([]string, len(csvHeader))
	for i := range alerts {
		a := &alerts[i]
		row = row[:0]
		row = append(row,
			cell(a.ID),
			csvTime(a.Time),
			a.Severity.String(),
			cell(a.Rule),
			cell(a.Title),
			cell(a.Tenant),
			cell(a.Subscription),
			cell(a.Principal),
			list(a.IPs),
			list(a.Resources),
			cell(a.Summary),
			list(a.Tags),
			list(evidenceLocations(a.Evidence)),
			list(a.Hosts),
			cell(a.PrincipalName),
			cell(a.Incident),
		)
		row = appendSuppression(row, a.Suppressed)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// appendSuppression appends the suppressed_ cells: the entry that set the
// alert aside, as the JSON formats give it, or empty cells.
func appendSuppression(row []string, s *alert.Suppression) []string {
	if s == nil {
		return append(row, "", "", "", "", "", "")
	}
	line := ""
	if s.Line > 0 {
		line = strconv.Itoa(s.Line)
	}
	return append(row, cell(s.ID), cell(s.Reason), cell(s.Owner), cell(s.Expires), cell(s.File), line)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// cell makes s safe for a spreadsheet and for `cat alerts.csv`: it is
// escaped as Terminal does (invalid UTF-8 becomes U+FFFD; control and bidi
// characters, newline and tab included, become \x1b, \n, \t, …: a raw ESC
// in a file is a terminal escape the moment someone prints it, a raw
// newline would make a record of two lines, and a raw tab a cell of its
// own in a spreadsheet that splits the file on tabs, where it could start
// with a formula). Then a value a spreadsheet would evaluate as a formula
// (starting with = + - @, per OWASP's CSV injection advice) gets a leading
// single quote, which spreadsheets show as text. So does each part after a
// ';': Excel splits a .csv on ';' in most European locales, where every
// ';' in a value (a command line's, say) starts a cell of its own.
func cell(s string) string {
	s = Terminal(s)
	if !strings.Contains(s, ";") {
		return defuse(s)
	}
	parts := strings.Split(s, ";")
	for i, p := range parts {
		parts[i] = defuse(p)
	}
	return strings.Join(parts, ";")
}

// defuse quotes s when a spreadsheet would read it as a formula. (Tab and
// carriage return, which OWASP lists too, are escaped before this.)
func defuse(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// list joins values with ";", defusing each one: a spreadsheet opened with
// ";" as its separator would otherwise give every element its own cell.
func list(vs []string) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(cell(v))
	}
	return b.String()
}

// evidenceLocations writes where each contributing record is:
// "file:line", "file@offset" for a record without a line (inside one
// large document), with "#index" for the n-th event of a record (a flow
// tuple), or the event id when the file is unknown.
func evidenceLocations(ev []alert.Evidence) []string {
	out := make([]string, 0, len(ev))
	for _, e := range ev {
		out = append(out, location(e))
	}
	return out
}

func location(e alert.Evidence) string {
	loc := e.File
	switch {
	case e.Line > 0:
		loc += ":" + strconv.Itoa(e.Line)
	case e.Offset > 0:
		loc += "@" + strconv.FormatInt(e.Offset, 10)
	}
	if e.Index > 0 {
		loc += "#" + strconv.Itoa(e.Index)
	}
	if e.File == "" && e.EventID != "" {
		loc = e.EventID
	}
	return loc
}
