package notify

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/report"
)

// teamsBody is the message for a Microsoft Teams channel's Workflows
// webhook ("When a Teams webhook request is received", then "Post card in
// a chat or channel"): a message holding one Adaptive Card. Its text
// blocks read Markdown, where a name like "[sign in](https://…)" would be
// a link; each alert is therefore a RichTextBlock of TextRuns, which read
// no Markdown, so what an attacker chose is shown as written (control and
// bidi characters made visible, as on a terminal; "{{", which opens a
// card's date function, spaced out).
func teamsBody(m Message) any {
	d := digestOf(m)
	body := []any{map[string]any{"type": "TextBlock", "text": d.head, "weight": "Bolder", "wrap": true}}
	for i := range d.incidents {
		in := &d.incidents[i]
		body = append(body, map[string]any{"type": "RichTextBlock", "inlines": []any{
			map[string]any{"type": "TextRun", "text": in.Severity.String() + " ", "weight": "Bolder", "color": teamsColor(in.Severity)},
			map[string]any{"type": "TextRun", "text": d.incidentText(in, teamsEscape), "weight": "Bolder"},
		}})
	}
	if d.moreInc > 0 {
		body = append(body, map[string]any{"type": "TextBlock", "text": d.moreIncText(), "wrap": true, "isSubtle": true})
	}
	for _, l := range d.logs {
		color := map[string]string{"quiet": "Warning", "arriving again": "Good"}[l.what]
		if color == "" {
			color = "Default"
		}
		body = append(body, map[string]any{"type": "RichTextBlock", "inlines": []any{
			map[string]any{"type": "TextRun", "text": l.what + " ", "weight": "Bolder", "color": color},
			map[string]any{"type": "TextRun", "text": l.text(teamsEscape)},
		}})
	}
	for i := range d.shown {
		a := &d.shown[i]
		sev := a.Severity.String()
		if a.Revised {
			sev = "revised: " + sev
		}
		body = append(body, map[string]any{"type": "RichTextBlock", "inlines": []any{
			map[string]any{"type": "TextRun", "text": sev + " ", "weight": "Bolder", "color": teamsColor(a.Severity)},
			map[string]any{"type": "TextRun", "text": teamsEscape(report.RuleLabel(a)) + d.line(a, teamsEscape)},
		}})
	}
	if d.more > 0 {
		body = append(body, map[string]any{"type": "TextBlock", "text": d.moreText(), "wrap": true, "isSubtle": true})
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content":     map[string]any{"type": "AdaptiveCard", "version": "1.4", "body": body},
		}},
	}
}

// teamsColor is the Adaptive Card colour of a severity.
func teamsColor(s alert.Severity) string {
	switch {
	case s >= alert.High:
		return "Attention"
	case s == alert.Medium:
		return "Warning"
	}
	return "Default"
}

// teamsEscape makes text an attacker chose plain in a text run: no two
// braces left side by side ("{{{" would keep a pair after one pass of
// spacing pairs out).
func teamsEscape(s string) string {
	s = report.Terminal(s)
	if !strings.Contains(s, "{{") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '{' && i > 0 && s[i-1] == '{' {
			b.WriteByte(' ')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
