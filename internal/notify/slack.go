package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
)

// slackLines is how many alerts a message lists; the rest are counted.
const slackLines = 10

// slackSummary is how many characters of a summary a line keeps.
const slackSummary = 300

// slackText is the message: a line of counts, then the worst alerts
// first, each with its severity, rule, principal, summary and incident.
func slackText(fresh, revised []alert.Alert) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*mamori*: %s", plural.Count(len(fresh), "new alert", "new alerts"))
	if len(revised) > 0 {
		fmt.Fprintf(&b, ", %s written before revised (a create they reported, Azure refused)", plural.Count(len(revised), "alert", "alerts"))
	}
	all := slices.Concat(fresh, revised)
	slices.SortStableFunc(all, func(x, y alert.Alert) int {
		return cmp.Or(cmp.Compare(y.Severity, x.Severity), x.Time.Compare(y.Time))
	})
	for i, a := range all {
		if i == slackLines {
			fmt.Fprintf(&b, "\n… and %d more ('mamori alerts --store FILE' lists them)", len(all)-slackLines)
			break
		}
		b.WriteString("\n• ")
		if a.Revised {
			b.WriteString("revised: ")
		}
		fmt.Fprintf(&b, "*%s* `%s`", a.Severity, escape(report.RuleLabel(&a)))
		if who := cmp.Or(a.PrincipalName, a.Principal); who != "" {
			fmt.Fprintf(&b, " %s", escape(who))
		}
		fmt.Fprintf(&b, ": %s", escape(cut(a.Summary, slackSummary)))
		if a.Incident != "" {
			fmt.Fprintf(&b, " (%s)", escape(a.Incident))
		}
	}
	return b.String()
}

// escape makes text an attacker chose safe in a Slack message: control
// and bidi characters visible (report.Terminal), then &, < and > as the
// entities Slack asks for, so that "<!channel>" or "<https://…|click>"
// in a resource's name is shown, not acted on. Backticks become quotes:
// a name cannot close the code span its rule is shown in.
func escape(s string) string {
	s = report.Terminal(s)
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "'").Replace(s)
}

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
