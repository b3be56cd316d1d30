package notify

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/report"
)

// slackText is the Slack message: the counts in bold, then a bullet for
// each alert listed, its severity in bold and its rule as code.
func slackText(m Message) string {
	d := digestOf(m)
	var b strings.Builder
	b.WriteString("*mamori*" + strings.TrimPrefix(d.head, "mamori"))
	for i := range d.incidents {
		in := &d.incidents[i]
		fmt.Fprintf(&b, "\n*%s* %s", in.Severity, d.incidentText(in, slackEscape))
	}
	if d.moreInc > 0 {
		b.WriteString("\n" + d.moreIncText())
	}
	for _, l := range d.logs {
		fmt.Fprintf(&b, "\n*%s* %s", l.what, l.text(slackEscape))
	}
	for i := range d.shown {
		a := &d.shown[i]
		b.WriteString("\n• ")
		if a.Revised {
			b.WriteString("revised: ")
		}
		fmt.Fprintf(&b, "*%s* `%s`%s", a.Severity, slackEscape(report.RuleLabel(a)), d.line(a, slackEscape))
	}
	if d.more > 0 {
		b.WriteString("\n" + d.moreText())
	}
	return b.String()
}

// slackEscape makes text an attacker chose safe in a Slack message:
// control and bidi characters visible (report.Terminal), then &, < and >
// as the entities Slack asks for, so that "<!channel>" or
// "<https://…|click>" in a resource's name is shown, not acted on.
// Backticks become quotes: a name cannot close the code span its rule is
// shown in.
func slackEscape(s string) string {
	s = report.Terminal(s)
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "'").Replace(s)
}
