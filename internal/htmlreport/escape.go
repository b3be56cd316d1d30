package htmlreport

import (
	"html/template"

	"github.com/mamori-sec/mamori/internal/report"
)

// clean makes attacker-chosen text readable and unambiguous before any
// escaping for HTML: control characters, NUL and the bidi overrides of
// Trojan Source become visible escapes (report.Terminal), so a resource
// name cannot reorder or hide what a defender reads. html/template then
// escapes the result for its context.
func clean(s string) string { return report.Terminal(s) }

// svgText is clean and then HTML-escaped: the only way a label reaches the
// SVG markup, which is built as text outside html/template's escaper.
func svgText(s string) string { return template.HTMLEscapeString(clean(s)) }

// cleanAll is clean over a list.
func cleanAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = clean(x)
	}
	return out
}
