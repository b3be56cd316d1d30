package report

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/record"
)

// Table columns, in print order.
const (
	colTime = iota
	colSeverity
	colRule
	colPrincipal
	colSub
	colSummary
	numCols
)

var tableHeader = [numCols]string{"TIME (UTC)", "SEVERITY", "RULE", "PRINCIPAL", "SUB", "SUMMARY"}

const (
	tableSep     = "  "
	defaultWidth = 120
)

// shrinkSteps say how columns give way when the table is wider than the
// terminal: each step narrows one column to a width (if it is wider), in
// turn, until the table fits. The summary says most, so it keeps the most
// room longest: at 120 columns it keeps about 37, the rule name 28 (its
// start is what a defender searches for) and the principal 10 (the
// incident's "who" line names it in full); time and severity never
// shrink.
var shrinkSteps = [...]struct{ col, width int }{
	{colSummary, 60},
	{colPrincipal, 24},
	{colSummary, 40},
	{colPrincipal, 16},
	{colRule, 28},
	{colPrincipal, 10},
	{colSummary, 24},
	{colSummary, 12},
	{colRule, 12},
}

// severityColor is the SGR sequence for each severity, most alarming red.
var severityColor = [...]string{
	alert.Informational: "\x1b[2m",
	alert.Low:           "\x1b[36m",
	alert.Medium:        "\x1b[33m",
	alert.High:          "\x1b[31m",
	alert.Critical:      "\x1b[1;31m",
}

const (
	sgrReset = "\x1b[0m"
	sgrBold  = "\x1b[1m"
)

func writeTable(w io.Writer, alerts []alert.Alert, opts Options) error {
	if len(alerts) == 0 {
		_, err := io.WriteString(w, "no alerts\n")
		return err
	}
	rows := make([][numCols]string, len(alerts))
	for i := range alerts {
		rows[i] = tableRow(&alerts[i])
	}
	widths := columnWidths(rows, opts.Width)

	var b strings.Builder
	writeRow(&b, tableHeader, widths, opts.Color, sgrBold, true)
	for i, r := range rows {
		sev := alerts[i].Severity
		if int(sev) >= len(severityColor) {
			sev = alert.Informational
		}
		writeRow(&b, r, widths, opts.Color, severityColor[sev], false)
		if b.Len() > 32<<10 { // stream large tables
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	b.WriteString(countLine(alerts))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// tableRow renders an alert's cells, escaped for the terminal.
func tableRow(a *alert.Alert) [numCols]string {
	var r [numCols]string
	r[colTime] = "-"
	if !a.Time.IsZero() {
		r[colTime] = a.Time.UTC().Format(time.DateTime)
	}
	r[colSeverity] = severityText(a.Severity)
	r[colRule] = orDash(Terminal(RuleLabel(a)))
	r[colPrincipal] = orDash(Terminal(cmp.Or(a.PrincipalName, a.Principal))) // a service principal by its name when read
	r[colSub] = orDash(Terminal(shortSubscription(a.Subscription)))
	r[colSummary] = orDash(Terminal(summaryAfter(a.Summary, a.Principal, a.PrincipalName)))
	if a.Suppressed != nil {
		r[colSummary] = "[suppressed: " + Terminal(a.Suppressed.ID) + "] " + r[colSummary]
	}
	if a.Revised {
		r[colSummary] = "[revised] " + r[colSummary]
	}
	return r
}

// RuleLabel is how a page for people (the table, the HTML report) names
// an alert's rule: its name, or, for a rule named only by its id
// (SigmaHQ's have no name), its title. The formats for programs keep the
// id.
func RuleLabel(a *alert.Alert) string {
	if a.Title != "" && record.IsGUID(a.Rule) {
		return a.Title
	}
	return a.Rule
}

// summaryAfter is an alert's summary without the principal it begins
// with, which the table shows in its own column: in a narrow terminal the
// summary's room goes to what was done. A principal named by object id
// whose name the hunt read begins it as "<id> (<name>)" (hunt.Name writes
// the name after the id); the column shows the name, so both go, or the
// summary would begin with a dangling "(<name>)".
func summaryAfter(summary, principal, name string) string {
	if principal == "" {
		return summary
	}
	leads := []string{principal}
	if name != "" {
		leads = []string{principal + " (" + name + ")", principal}
	}
	for _, lead := range leads {
		for _, sep := range [...]string{" ", ": "} {
			if rest, ok := strings.CutPrefix(summary, lead+sep); ok && rest != "" {
				return rest
			}
		}
	}
	return summary
}

func severityText(s alert.Severity) string {
	if s == alert.Informational || s > alert.Critical {
		return "info" // "informational" would widen the column for the rarest level
	}
	return s.String()
}

// shortSubscription keeps the first block of a subscription GUID, like a
// short commit hash: enough to tell a tenant's subscriptions apart.
func shortSubscription(s string) string {
	if len(s) == 36 && s[8] == '-' && s[13] == '-' {
		return s[:8]
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// columnWidths sizes each column to its widest cell, then narrows columns
// by shrinkSteps until the table fits width cells.
func columnWidths(rows [][numCols]string, width int) [numCols]int {
	if width <= 0 {
		width = defaultWidth
	}
	var ws [numCols]int
	for c := range numCols {
		ws[c] = cellWidth(tableHeader[c])
	}
	for _, r := range rows {
		for c := range numCols {
			ws[c] = max(ws[c], cellWidth(r[c]))
		}
	}
	total := func() int {
		t := len(tableSep) * (numCols - 1)
		for _, w := range ws {
			t += w
		}
		return t
	}
	for _, s := range shrinkSteps {
		over := total() - width
		if over <= 0 {
			break
		}
		if ws[s.col] > s.width {
			ws[s.col] = max(s.width, ws[s.col]-over)
		}
	}
	return ws
}

// writeRow writes one line; color, when on, wraps the severity cell (or
// the whole header line) in the given SGR sequence.
func writeRow(b *strings.Builder, r [numCols]string, ws [numCols]int, color bool, sgr string, header bool) {
	if color && header {
		b.WriteString(sgr)
	}
	for c := range numCols {
		if c > 0 {
			b.WriteString(tableSep)
		}
		last := c == numCols-1
		var cell string
		if c == colRule && !header {
			cell = fitLeft(r[c], ws[c]) // a dotted rule name says most at its end
		} else {
			cell = fit(r[c], ws[c])
		}
		if color && !header && c == colSeverity {
			b.WriteString(sgr)
			b.WriteString(cell)
			b.WriteString(sgrReset)
		} else {
			b.WriteString(cell)
		}
		if !last {
			b.WriteString(strings.Repeat(" ", max(0, ws[c]-cellWidth(cell))))
		}
	}
	if color && header {
		b.WriteString(sgrReset)
	}
	b.WriteByte('\n')
}

// countLine says how many alerts there are, by severity, worst first:
// "3 alerts (1 critical, 2 high)".
func countLine(alerts []alert.Alert) string {
	var n [alert.Critical + 1]int
	for _, a := range alerts {
		s := a.Severity
		if s > alert.Critical {
			s = alert.Informational
		}
		n[s]++
	}
	var parts []string
	for s := alert.Critical; ; s-- {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
		if s == alert.Informational {
			break
		}
	}
	line := fmt.Sprintf("%s (%s)", plural.Count(len(alerts), "alert", "alerts"), strings.Join(parts, ", "))
	sup := 0
	for _, a := range alerts {
		if a.Suppressed != nil {
			sup++
		}
	}
	if sup > 0 {
		line += fmt.Sprintf(", %d of them suppressed", sup)
	}
	return line
}
