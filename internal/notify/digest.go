package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/respond"
)

// TestWords are what a test message says (serve --notify-test).
const TestWords = "a test message: mamori serve's notifications reach here"

// listed is how many alerts a message lists; the rest are counted.
const listed = 10

// listedIncidents is how many incidents a message lists before its
// alerts; the rest are counted.
const listedIncidents = 3

// listedLogs is how many logs that stopped or started arriving a message
// lists; the rest are counted.
const listedLogs = 10

// summaryChars is how many characters of a summary a message keeps.
const summaryChars = 300

// digest is what a message says, whatever its format (Slack, Teams,
// e-mail): a line of counts (mamori's own words), the worst incidents,
// the logs that stopped or started arriving, then the worst alerts.
type digest struct {
	tenants   bool                // name each incident's and alert's tenant (Message.Tenants)
	formerly  map[string][]string // Message.Formerly
	plans     map[string][]respond.Step
	head      string
	incidents []incident.Incident
	moreInc   int
	logs      []logLine
	shown     []alert.Alert
	more      int
}

// logLine is a log that stopped or started arriving: a word of mamori's,
// then its name and times, which esc makes safe (a tenant's or a
// subscription's id is text a record gave).
type logLine struct {
	what string
	text func(esc func(string) string) string
}

// quietText says that a log stopped arriving, and since when, in the words
// of the service's standard error.
func quietText(q QuietLog, esc func(string) string) string {
	return report.QuietText(esc(q.Name), q.For, q.Arrived, q.Last, "2006-01-02 15:04 UTC")
}

func digestOf(m Message) digest {
	var parts []string
	if m.Test {
		parts = append(parts, TestWords)
	}
	if n := len(m.Fresh) + len(m.Revised); n > 0 {
		p := plural.Count(len(m.Fresh), "new alert", "new alerts")
		if len(m.Revised) > 0 {
			p += fmt.Sprintf(", %s written before revised (%s)", plural.Count(len(m.Revised), "alert", "alerts"), alert.RevisedWhy)
		}
		if n := len(m.Incidents); n > 0 {
			p += " in " + plural.Count(n, "incident", "incidents")
		}
		parts = append(parts, p)
	}
	if m.Held > 0 {
		parts = append(parts, fmt.Sprintf("%d of them held since %s, when the webhook did not take them", m.Held, m.HeldSince.UTC().Format("2006-01-02 15:04 UTC")))
	}
	if n := len(m.Quiet); n > 0 {
		parts = append(parts, plural.Count(n, "log", "logs")+" stopped arriving")
	}
	if n := len(m.Back); n > 0 {
		parts = append(parts, plural.Count(n, "log", "logs")+" arriving again")
	}
	if n := len(m.Failing); n > 0 {
		parts = append(parts, plural.Count(n, "reader", "readers")+" failing")
	}
	if n := len(m.Mended); n > 0 {
		parts = append(parts, plural.Count(n, "reader", "readers")+" reading again")
	}
	d := digest{head: "mamori: " + strings.Join(parts, "; "), tenants: m.Tenants, formerly: m.Formerly, plans: m.Plans}
	d.incidents = m.Incidents[:min(len(m.Incidents), listedIncidents)]
	d.moreInc = len(m.Incidents) - len(d.incidents)
	for _, q := range m.Quiet {
		d.logs = append(d.logs, logLine{"quiet", func(esc func(string) string) string { return quietText(q, esc) }})
	}
	for _, name := range m.Back {
		d.logs = append(d.logs, logLine{"arriving again", func(esc func(string) string) string { return esc(name) }})
	}
	for _, f := range m.Failing {
		d.logs = append(d.logs, logLine{"failing", func(esc func(string) string) string {
			return esc(f.Name) + ": its reads have failed since " + f.Since.UTC().Format("2006-01-02 15:04 UTC") + ": " + esc(cut(f.Said, summaryChars))
		}})
	}
	for _, name := range m.Mended {
		d.logs = append(d.logs, logLine{"reading again", func(esc func(string) string) string { return esc(name) }})
	}
	// An export pipeline that broke quiets every tenant's logs at once: a
	// message stays within what Slack and Teams take.
	if n := len(d.logs); n > listedLogs {
		more := n - listedLogs
		d.logs = append(d.logs[:listedLogs], logLine{"…", func(func(string) string) string {
			return fmt.Sprintf("and %d more ('mamori status' lists them)", more)
		}})
	}
	d.shown = slices.Concat(m.Fresh, m.Revised)
	slices.SortStableFunc(d.shown, func(x, y alert.Alert) int {
		return cmp.Or(cmp.Compare(y.Severity, x.Severity), x.Time.Compare(y.Time))
	})
	if len(d.shown) > listed {
		d.shown, d.more = d.shown[:listed], len(d.shown)-listed
	}
	return d
}

// moreText is the line that counts the alerts not listed.
func (d digest) moreText() string {
	return fmt.Sprintf("… and %d more ('mamori alerts --store FILE' lists them)", d.more)
}

// incidentText is an incident's words after its severity: its id, title,
// cost per hour, span and size (the title names principals and
// resources an attacker may have chosen, made safe by esc).
func (d digest) incidentText(in *incident.Incident, esc func(string) string) string {
	t := "incident " + esc(in.ID)
	if was := d.formerly[in.ID]; len(was) > 0 {
		t += " (formerly " + esc(strings.Join(was, ", ")) + ")"
	}
	if d.tenants && in.Tenant != "" {
		t += " in tenant " + esc(in.Tenant)
	}
	t += ": " + esc(cut(in.Title, summaryChars))
	if c := report.CostText(&in.Cost); c != "" {
		t += " — " + c
	}
	last := in.LastTime.UTC().Format("15:04")
	if !sameDay(in.Time, in.LastTime) {
		last = in.LastTime.UTC().Format("2006-01-02 15:04")
	}
	t += fmt.Sprintf("; %s → %s UTC, %s", in.Time.UTC().Format("2006-01-02 15:04"), last, plural.Count(len(in.Timeline), "alert", "alerts"))
	return t + toDo(d.plans[in.ID], esc)
}

// toDo says what its plan asks for, in its steps' titles (the commands
// are the JSON format's, and 'mamori alerts' prints them); the steps
// every plan has (keep the evidence, close what let it in) go unsaid.
func toDo(steps []respond.Step, esc func(string) string) string {
	var say []string
	for _, s := range steps {
		if s.Action != "evidence" && s.Action != "posture" {
			say = append(say, strings.ToLower(s.Title[:1])+s.Title[1:])
		}
	}
	if len(say) == 0 {
		return ""
	}
	return ". To do: " + esc(strings.Join(say, "; ")) + " ('mamori alerts --store FILE' gives the commands)"
}

func sameDay(a, b time.Time) bool {
	return a.UTC().Format(time.DateOnly) == b.UTC().Format(time.DateOnly)
}

// moreIncText is the line that counts the incidents not listed.
func (d digest) moreIncText() string {
	if d.moreInc == 1 {
		return "… and 1 more incident"
	}
	return fmt.Sprintf("… and %d more incidents", d.moreInc)
}

// line is one alert's words after its rule: principal, summary,
// incident, each an attacker may have chosen, made safe by esc.
func (d digest) line(a *alert.Alert, esc func(string) string) string {
	var b strings.Builder
	// A summary that names its principal first is not preceded by it.
	if who := cmp.Or(a.PrincipalName, a.Principal); who != "" && !strings.HasPrefix(a.Summary, who) {
		b.WriteString(" " + esc(who))
	}
	b.WriteString(": " + esc(cut(a.Summary, summaryChars)))
	var where []string
	if a.Incident != "" {
		where = append(where, esc(a.Incident))
	}
	if d.tenants && a.Tenant != "" {
		where = append(where, "tenant "+esc(a.Tenant))
	}
	if len(where) > 0 {
		b.WriteString(" (" + strings.Join(where, ", ") + ")")
	}
	return b.String()
}

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
