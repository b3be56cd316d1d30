package notify

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
)

// FuzzMessages: whatever text an attacker puts in an alert, the Slack
// message holds no raw <, > or backtick of it (no mention, no link, no
// escape from a code span), no & but an entity's, and the Teams card's
// runs no control or bidi character; both bodies are valid UTF-8 JSON
// text.
func FuzzMessages(f *testing.F) {
	for _, s := range []string{"<!channel>", "<https://evil.example|click>", "a & b", "`x`", "\x1b[31m", "\u202egpj.exe", "{{DATE(2017-02-14T06:00:00Z)}}", "\xff\xfe", "[a](b)"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, who, summary string) {
		a := []alert.Alert{{ID: "a", Rule: "azure.compute.gpu_volume", Severity: alert.High, Principal: who, Summary: summary, Incident: who}}
		in := []incident.Incident{{ID: "inc-1", Severity: alert.Critical, Title: who + summary}}
		text := slackText(Message{Fresh: a, Incidents: in, Quiet: []QuietLog{{Name: "Azure Activity Log of tenant " + who}}})
		// The rule's name, in its code span, and the incident's id are
		// mamori's; what follows each is the alert's and the incident's.
		for _, ours := range []string{"`azure.compute.gpu_volume`", "incident inc-1: ", "*quiet* Azure Activity Log of tenant "} {
			i := strings.Index(text, ours)
			if i < 0 {
				t.Fatalf("no %q in %q", ours, text)
			}
			rest, _, _ := strings.Cut(text[i+len(ours):], "\n")
			if strings.ContainsAny(rest, "<>`") {
				t.Errorf("raw markup in %q", rest)
			}
			for i := strings.IndexByte(rest, '&'); i >= 0; i = strings.IndexByte(rest, '&') {
				if !strings.HasPrefix(rest[i:], "&amp;") && !strings.HasPrefix(rest[i:], "&lt;") && !strings.HasPrefix(rest[i:], "&gt;") {
					t.Fatalf("a bare & in %q", rest)
				}
				rest = rest[i+1:]
			}
		}
		if n := strings.Count(text, "\n"); n != 3 {
			t.Errorf("%d lines, want the head, the incident, the quiet log and the alert: %q", n+1, text)
		}
		msg := Message{Fresh: a, Incidents: in, Quiet: []QuietLog{{Name: "Azure Activity Log of tenant " + who}}}
		if subject := mailSubject(msg); strings.ContainsAny(subject, "\r\n") {
			t.Errorf("a line break in the subject %q", subject)
		}
		for _, s := range []string{text, teamsEscape(who), teamsEscape(summary), mailText(msg)} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
			for _, r := range s {
				if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029') {
					t.Fatalf("%U kept in %q", r, s)
				}
			}
		}
		if strings.Contains(teamsEscape(who), "{{") {
			t.Errorf("a card function kept: %q", teamsEscape(who))
		}
	})
}

// FuzzParseRoutes: whatever a routes file holds, it is read or refused
// without a panic, an error never quotes a receiver's URL (its token,
// its password), and every route read is for tenants' ids or for every
// other tenant, each tenant once.
func FuzzParseRoutes(f *testing.F) {
	for _, s := range []string{
		"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10 https://hooks.example/SEKRIT format=teams severity=medium\n* smtp://u:SEKRIT@mail.example:587/?from=a@b.example&to=c@d.example",
		"https://hooks.example/SEKRIT 4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10",
		"a,b,* https://hooks.example/SEKRIT colour=SEKRIT",
		"# x\n\n*\thttp://hooks.example/SEKRIT\n* https://x.example/SEKRIT",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		rs, err := ParseRoutes(strings.NewReader(file), "routes", Slack, alert.High)
		if err != nil {
			if strings.Contains(err.Error(), "SEKRIT") {
				t.Fatalf("error quotes a secret: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for i, r := range rs {
			if len(r.Tenants) == 0 && i != len(rs)-1 {
				t.Fatalf("every other tenant's route at %d of %d", i, len(rs))
			}
			for _, tn := range r.Tenants {
				if !tenantID.MatchString(tn) || seen[tn] {
					t.Fatalf("tenant %q (seen %v)", tn, seen[tn])
				}
				seen[tn] = true
			}
		}
	})
}
