// Package notify tells a team what a service's cycle found, by posting
// to a webhook: a Slack incoming webhook (or any receiver of Slack's
// {"text": …} body: Mattermost, Rocket.Chat), a Microsoft Teams channel's
// Workflows webhook (an Adaptive Card), or a receiver of JSON (a SOAR
// playbook, a function) that takes the alerts whole; or by e-mail, in
// plain text, through an SMTP server (mail.go).
//
// The webhook's URL is a secret (a Slack webhook's path is its token):
// it is never written in an error or a log line. The alerts carry text an
// attacker chose (principal and resource names, command lines): for Slack
// it is escaped as Slack's message format asks (&, <, > as entities, so
// that no name can mention @channel or make a link), control and bidi
// characters made visible as on a terminal, and links are not unfurled;
// for Teams it goes in text runs, which read no Markdown.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/respond"
)

// Format is the body a webhook takes.
type Format string

// The formats.
const (
	Slack Format = "slack" // {"text": …}, Slack's message format
	Teams Format = "teams" // a message holding an Adaptive Card (teams.go)
	JSON  Format = "json"  // {"source": "mamori", "alerts": [...], "revised": [...]}
)

// ParseFormat reads a format's name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case Slack, Teams, JSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (valid: slack, teams, json)", s)
}

// Notifier posts a cycle's alerts at or above a severity.
type Notifier struct {
	url    string // a secret: never in an error
	format Format
	min    alert.Severity
	client *http.Client
	// encode makes a message's body and deliver sends it once (again: a
	// failure that may pass): a webhook's post, or an e-mail (mail.go).
	encode  func(Message) ([]byte, error)
	deliver func(ctx context.Context, body []byte) (again bool, err error)
	// retries and backoff: a post that fails for the network, a 5xx or a
	// 429 is tried again, backoff times its number apart.
	retries int
	backoff time.Duration
	// secret signs each webhook post when set (sign.go).
	secret []byte
}

// New makes a notifier for rawURL, an http or https URL (an error names
// what is wrong with it, never the URL itself).
func New(rawURL string, format Format, min alert.Severity) (*Notifier, error) {
	n := &Notifier{format: format, min: min, client: &http.Client{Timeout: 15 * time.Second}, retries: 2, backoff: time.Second}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	switch {
	case err != nil:
		return nil, errors.New("the webhook is not a URL")
	case u.Scheme == "smtp" || u.Scheme == "smtps":
		if format != Slack { // the default: an e-mail has no format to choose
			return nil, fmt.Errorf("an e-mail is plain text: --notify-format %s is for webhooks", format)
		}
		ml, err := newMailer(u)
		if err != nil {
			return nil, err
		}
		n.encode = func(m Message) ([]byte, error) { return ml.mailBody(m, time.Now()) }
		n.deliver = ml.send
		return n, nil
	case (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, errors.New("the webhook is not an http or https URL, nor an e-mail server's smtp or smtps URL")
	}
	n.url, n.encode, n.deliver = u.String(), n.body, n.post
	return n, nil
}

// Message is what one post tells: a cycle's new and revised alerts, and
// those earlier posts did not get through (the service holds them).
type Message struct {
	Fresh, Revised []alert.Alert
	// Held counts the alerts of Fresh and Revised an earlier post did not
	// get through; HeldSince is when the first of those posts failed.
	Held      int
	HeldSince time.Time
	// Incidents are those the alerts are in, worst first, as the store
	// groups them (each alert's Incident names one).
	Incidents []incident.Incident
	// Quiet are the logs the rules read that stopped arriving since the
	// cycle before, Back those arriving again: what the service no
	// longer sees is told whatever the alerts' severity.
	Quiet []QuietLog
	Back  []string
	// Failing are serve's own readers (an event hub's namespace, a
	// tenant's fetch) whose reads have failed for longer than its
	// --failing since the cycle before, Mended those of them reading
	// again: the logs they bring stop with no export changed.
	Failing []FailingReader
	Mended  []string
	// Tenants says the service follows several tenants: each incident
	// and alert is told with its tenant's id.
	Tenants bool
	// Test makes the message a test of the webhook (serve --notify-test),
	// sent with nothing else to tell.
	Test bool
	// Formerly are, by incident id, the ids an incident was told under
	// before (an earlier alert joined it, or two became one).
	Formerly map[string][]string
	// Plans are, by incident id, what to do about it (respond.Plan):
	// the JSON format's "response", for a playbook that acts on it.
	Plans map[string][]respond.Step
}

// QuietLog is a log that stopped arriving.
type QuietLog struct {
	Name    string        // as the service names it ("Activity Log of tenant …")
	For     time.Duration // since it last arrived
	Arrived time.Time     // the last cycle that read it
	Last    time.Time     // its latest event; zero when none had a time
}

// FailingReader is one of serve's readers whose reads fail.
type FailingReader struct {
	Name  string    // as the service names it ("event hub contoso-logs.servicebus.windows.net")
	Since time.Time // its first failed read since its last whole one
	Said  string    // its last failure, as it said it
}

// Empty reports whether m has nothing to tell.
func (m *Message) Empty() bool {
	return len(m.Fresh)+len(m.Revised)+len(m.Quiet)+len(m.Back)+len(m.Failing)+len(m.Mended) == 0 && !m.Test
}

// Send posts one message for the alerts of m at or above the notifier's
// severity; nothing when there are none. It reports how many alerts it
// told of.
func (n *Notifier) Send(ctx context.Context, m Message) (int, error) {
	m.Fresh, m.Revised = n.Keep(m.Fresh), n.Keep(m.Revised)
	if m.Empty() {
		return 0, nil
	}
	body, err := n.encode(m)
	if err != nil {
		return 0, err
	}
	for try := 0; ; try++ {
		again, err := n.deliver(ctx, body)
		if err == nil {
			return len(m.Fresh) + len(m.Revised), nil
		}
		if !again || try >= n.retries {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, err
		case <-time.After(time.Duration(try+1) * n.backoff):
		}
	}
}

// Keep returns the alerts the notifier tells of: at or above its
// severity, not suppressed.
func (n *Notifier) Keep(as []alert.Alert) []alert.Alert {
	var out []alert.Alert
	for _, a := range as {
		if a.Severity >= n.min && a.Suppressed == nil {
			out = append(out, a)
		}
	}
	return out
}

func (n *Notifier) body(m Message) ([]byte, error) {
	switch n.format {
	case Teams:
		return json.Marshal(teamsBody(m))
	case JSON:
		var since *time.Time
		if m.Held > 0 {
			since = &m.HeldSince
		}
		return json.Marshal(struct {
			Source    string         `json:"source"`
			Incidents []incidentJSON `json:"incidents,omitempty"`
			Alerts    []alert.Alert  `json:"alerts"`
			Revised   []alert.Alert  `json:"revised,omitempty"`
			Held      int            `json:"held,omitempty"`
			HeldSince *time.Time     `json:"held_since,omitempty"`
			Quiet     []quietJSON    `json:"quiet,omitempty"`
			Back      []string       `json:"back,omitempty"`
			Failing   []failingJSON  `json:"failing,omitempty"`
			Mended    []string       `json:"reading_again,omitempty"`
			Test      bool           `json:"test,omitempty"`
		}{"mamori", incidentsJSON(m.Incidents, m.Formerly, m.Plans), append([]alert.Alert{}, m.Fresh...), m.Revised, m.Held, since, quietsJSON(m.Quiet), m.Back,
			failingsJSON(m.Failing), m.Mended, m.Test})
	}
	return json.Marshal(struct {
		Text        string `json:"text"`
		UnfurlLinks bool   `json:"unfurl_links"`
		UnfurlMedia bool   `json:"unfurl_media"`
	}{Text: slackText(m)})
}

// incidentJSON is an incident as a JSON receiver gets it: what it is and
// costs, not its timeline (each alert names its incident; `mamori alerts
// --format json` gives the whole).
type incidentJSON struct {
	ID         string         `json:"id"`
	Tenant     string         `json:"tenant,omitempty"`
	Severity   alert.Severity `json:"severity"`
	Title      string         `json:"title"`
	Time       time.Time      `json:"time"`
	LastTime   time.Time      `json:"last_time"`
	Alerts     int            `json:"alerts"`
	Stages     []string       `json:"stages,omitempty"`
	Principals []string       `json:"principals,omitempty"`
	Regions    []string       `json:"regions,omitempty"`
	Hosts      []string       `json:"hosts,omitempty"`
	USDPerHour float64        `json:"usd_per_hour,omitempty"`
	Cost       string         `json:"cost,omitempty"`
	Formerly   []string       `json:"formerly,omitempty"`
	Response   []respond.Step `json:"response,omitempty"`
}

func incidentsJSON(incs []incident.Incident, formerly map[string][]string, plans map[string][]respond.Step) []incidentJSON {
	var out []incidentJSON
	for i := range incs {
		in := &incs[i]
		j := incidentJSON{ID: in.ID, Tenant: in.Tenant, Severity: in.Severity, Title: in.Title, Time: in.Time, LastTime: in.LastTime,
			Alerts: len(in.Timeline), Principals: in.Principals, Regions: in.Regions, Hosts: in.Hosts,
			USDPerHour: in.Cost.USDPerHour, Cost: report.CostText(&in.Cost), Formerly: formerly[in.ID], Response: plans[in.ID]}
		for _, s := range in.Stages {
			j.Stages = append(j.Stages, s.Stage)
		}
		out = append(out, j)
	}
	return out
}

// quietJSON is a log that stopped arriving, for a JSON receiver.
type quietJSON struct {
	Log       string     `json:"log"`
	Arrived   time.Time  `json:"last_arrival"`
	LastEvent *time.Time `json:"last_event,omitempty"`
}

func quietsJSON(qs []QuietLog) []quietJSON {
	var out []quietJSON
	for _, q := range qs {
		j := quietJSON{Log: q.Name, Arrived: q.Arrived}
		if !q.Last.IsZero() {
			j.LastEvent = &q.Last
		}
		out = append(out, j)
	}
	return out
}

// failingJSON is a reader whose reads fail, for a JSON receiver.
type failingJSON struct {
	Reader string    `json:"reader"`
	Since  time.Time `json:"failing_since"`
	Said   string    `json:"said"`
}

func failingsJSON(fs []FailingReader) []failingJSON {
	var out []failingJSON
	for _, f := range fs {
		out = append(out, failingJSON{Reader: f.Name, Since: f.Since, Said: f.Said})
	}
	return out
}

// post sends body once; again says a failure may pass if tried again
// (the network, the receiver's 5xx or 429).
func (n *Notifier) post(ctx context.Context, body []byte) (again bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("the webhook's request could not be made")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mamori")
	n.sign(req.Header, body, time.Now())
	resp, err := n.client.Do(req)
	if err != nil {
		// A *url.Error names the URL: only what went wrong is said.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, fmt.Errorf("posting to the webhook: %s", scrub(err.Error(), n.url))
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is reused
	if resp.StatusCode/100 == 2 {
		return false, nil
	}
	again = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	return again, fmt.Errorf("the webhook answered %s", resp.Status)
}

// scrub removes the URL, and its path (the token a Slack webhook holds in
// it), from an error's text, should a transport quote them.
func scrub(s, rawURL string) string {
	s = strings.ReplaceAll(s, rawURL, "the webhook")
	if u, err := url.Parse(rawURL); err == nil && len(u.Path) > 1 {
		s = strings.ReplaceAll(s, u.Path, "/…")
	}
	return s
}
