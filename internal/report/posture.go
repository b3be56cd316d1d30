package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture"
)

// WritePosture writes posture findings in format f, in the order given (the
// checks order them by what to fix first), with the per-area scores where
// the format has room for them (table and JSON).
func WritePosture(w io.Writer, f Format, findings []posture.Finding, scores []posture.AreaScore, opts Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch f {
	case Table:
		err = writePostureTable(bw, findings, scores, opts)
	case JSONL:
		err = writeJSONL(bw, findings)
	case JSON:
		err = writePostureJSON(bw, findings, scores)
	case CSV:
		err = writePostureCSV(bw, findings)
	case OCSF:
		err = writePostureOCSF(bw, findings, opts.Product, opts.Collected)
	default:
		return fmt.Errorf("unknown format %q (valid: %s)", string(f), formatNames())
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// writePostureJSON writes {"scores": [...], "findings": [...]}; empty
// lists are [], never null.
func writePostureJSON(w io.Writer, findings []posture.Finding, scores []posture.AreaScore) error {
	doc := struct {
		Scores   []posture.AreaScore `json:"scores"`
		Findings []posture.Finding   `json:"findings"`
	}{scores, findings}
	if doc.Scores == nil {
		doc.Scores = []posture.AreaScore{}
	}
	if doc.Findings == nil {
		doc.Findings = []posture.Finding{}
	}
	return encodeJSON(w, doc, "  ")
}

// writePostureCSV writes one row per finding; evidence and missing
// permissions are ";"-joined, every cell defused as for alerts.
func writePostureCSV(w io.Writer, findings []posture.Finding) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"check", "area", "status", "severity", "scope", "scope_name", "summary", "evidence", "missing", "why", "fix"})
	for _, f := range findings {
		ev := make([]string, len(f.Evidence))
		for i, e := range f.Evidence {
			ev[i] = e.Text()
		}
		_ = cw.Write([]string{cell(f.Check), cell(f.Area), string(f.Status), cell(f.Severity), cell(f.Scope), cell(f.ScopeName),
			cell(f.Summary), list(ev), list(f.Missing), cell(f.Why), cell(f.Fix)})
	}
	cw.Flush()
	return cw.Error()
}

// postureMark is the status column's word; colour, when on, is the SGR.
var postureMark = map[posture.Status]struct{ text, sgr string }{
	posture.Fail:        {"FAIL", "1;31"},
	posture.NotAssessed: {"NOT ASSESSED", "33"},
	posture.Pass:        {"pass", "32"},
}

// postureEvidenceShown caps the evidence lines under a failed finding in
// the table; JSON and CSV carry all of it.
const postureEvidenceShown = 5

// writePostureTable writes the area scores on one line, then each finding:
// a line with status, severity, check and scope, and under a failure or a
// check not assessed its summary, evidence, fix or missing permissions
// (a pass is one line). Every value passes through Terminal: user and resource
// names are chosen by whoever created them.
func writePostureTable(w io.Writer, findings []posture.Finding, scores []posture.AreaScore, opts Options) error {
	width := opts.Width
	if width <= 0 {
		width = 120
	}
	var b strings.Builder
	if len(scores) > 0 {
		b.WriteString("Scores:")
		for _, s := range scores {
			if s.Score < 0 {
				fmt.Fprintf(&b, "  %s -", s.Area)
			} else {
				fmt.Fprintf(&b, "  %s %d", s.Area, s.Score)
			}
		}
		b.WriteString("\n\n")
	}
	for _, f := range findings {
		m := postureMark[f.Status]
		status := pad(m.text, 12)
		if opts.Color && m.sgr != "" {
			status = "\x1b[" + m.sgr + "m" + status + "\x1b[0m"
		}
		scope := f.Scope
		if f.ScopeName != "" {
			scope = f.ScopeName
		} else if id, ok := strings.CutPrefix(scope, "/subscriptions/"); ok {
			scope = shortSubscription(id)
		}
		head := fmt.Sprintf("%s  %s  %s", pad(f.Severity, 8), pad(Terminal(f.Check), 44), Terminal(scope))
		indent := strings.Repeat(" ", 14)
		if f.Status == posture.Pass {
			// A pass is one line: the summary goes after it when it fits.
			b.WriteString(status + "  " + cut(head+"  "+Terminal(f.Summary), max(width-14, 20)) + "\n")
			continue
		}
		b.WriteString(status + "  " + cut(head, max(width-14, 20)) + "\n")
		for _, line := range wrap(Terminal(f.Summary), max(width-len(indent), 40)) {
			b.WriteString(indent + line + "\n")
		}
		for i, e := range f.Evidence {
			if i == postureEvidenceShown {
				fmt.Fprintf(&b, "%s… and %d more (--format json lists them all)\n", indent, len(f.Evidence)-i)
				break
			}
			b.WriteString(indent + "- " + cut(Terminal(e.Text()), max(width-16, 20)) + "\n")
		}
		if len(f.Missing) > 0 {
			b.WriteString(indent + "missing permission: " + Terminal(strings.Join(f.Missing, ", ")) + "\n")
		}
		if f.Status == posture.Fail && f.Fix != "" {
			for i, line := range wrap("fix: "+Terminal(f.Fix), max(width-len(indent), 40)) {
				if i > 0 {
					line = "     " + line // under the text after "fix: "
				}
				b.WriteString(indent + line + "\n")
			}
		}
	}
	b.WriteString(postureCounts(findings) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// postureCounts is the closing line: how many checks failed, passed and
// could not be assessed.
func postureCounts(findings []posture.Finding) string {
	n := map[posture.Status]int{}
	for _, f := range findings {
		n[f.Status]++
	}
	return fmt.Sprintf("%s: %d failed, %d not assessed, %d passed", plural.Count(len(findings), "finding", "findings"), n[posture.Fail], n[posture.NotAssessed], n[posture.Pass])
}

// pad fits s into exactly w cells: cut with an ellipsis, or filled with
// spaces.
func pad(s string, w int) string {
	s = fit(s, w)
	return s + strings.Repeat(" ", max(0, w-cellWidth(s)))
}

// wrap breaks s at spaces into lines of at most w cells (a word longer
// than w gets a line of its own), so a long fix stays readable in a
// terminal.
func wrap(s string, w int) []string {
	var lines []string
	var cur strings.Builder
	used := 0
	for _, word := range strings.Fields(s) {
		ww := cellWidth(word)
		if used > 0 && used+1+ww > w {
			lines = append(lines, cur.String())
			cur.Reset()
			used = 0
		}
		if used > 0 {
			cur.WriteByte(' ')
			used++
		}
		cur.WriteString(word)
		used += ww
	}
	if used > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
