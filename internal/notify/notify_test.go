package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/respond"
)

// receiver is a webhook that keeps what it is sent and answers each post
// with the next of codes (200 once they run out).
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	codes  []int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.bodies = append(r.bodies, b)
	if len(r.codes) > 0 {
		w.WriteHeader(r.codes[0])
		r.codes = r.codes[1:]
	}
}

// secretPath is a Slack webhook's path: its token.
const secretPath = "/services/T000/B000/XXXXsecretXXXX"

func serve(t *testing.T, codes ...int) (*receiver, string) {
	t.Helper()
	r := &receiver{codes: codes}
	s := httptest.NewServer(r)
	t.Cleanup(s.Close)
	return r, s.URL + secretPath
}

func notifier(t *testing.T, url string, f Format, min alert.Severity) *Notifier {
	t.Helper()
	n, err := New(url, f, min)
	if err != nil {
		t.Fatal(err)
	}
	n.backoff = time.Millisecond
	return n
}

var t0 = time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)

func alerts() []alert.Alert {
	return []alert.Alert{
		{ID: "a1", Rule: "azure.compute.gpu_created", Severity: alert.Low, Time: t0, Principal: "eve@contoso.com", Summary: "created a GPU VM"},
		{ID: "a2", Rule: "azure.compute.gpu_volume", Severity: alert.High, Time: t0.Add(time.Minute), Incident: "inc-1",
			Principal: "<!channel> \x1b[31m`x`", Summary: "GPUs in bulk on <https://evil.example|click here> & more \u202egpj.exe"},
		{ID: "a3", Rule: "azure.host.miner_process", Severity: alert.Critical, Time: t0.Add(2 * time.Minute), Incident: "inc-1", Summary: "xmrig"},
		{ID: "a4", Rule: "azure.compute.gpu_volume", Severity: alert.High, Time: t0, Summary: "suppressed", Suppressed: &alert.Suppression{ID: "#1", Reason: "planned"}},
	}
}

// A Slack message tells of the alerts at or above the severity, worst
// first, revised ones marked; text an attacker chose can neither mention
// the channel, make a link, close a code span nor move the cursor; links
// are not unfurled; a suppressed alert is not told.
func TestSlackMessage(t *testing.T) {
	t.Parallel()
	r, url := serve(t)
	n := notifier(t, url, Slack, alert.High)
	revised := []alert.Alert{{ID: "a5", Rule: "azure.compute.gpu_created", Severity: alert.High, Time: t0, Revised: true,
		Summary: "asked for probe-0; Azure refused it on quota, no machine ran"}}
	told, err := n.Send(context.Background(), Message{Fresh: alerts(), Revised: revised})
	if err != nil || told != 3 || len(r.bodies) != 1 {
		t.Fatalf("told %d (%v), %d posts; want 3 alerts in one post", told, err, len(r.bodies))
	}
	var raw map[string]any
	if err := json.Unmarshal(r.bodies[0], &raw); err != nil {
		t.Fatal(err)
	}
	text, _ := raw["text"].(string)
	if raw["unfurl_links"] != false || raw["unfurl_media"] != false {
		t.Errorf("links unfurled: %s", r.bodies[0])
	}
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || lines[0] != "*mamori*: 2 new alerts, 1 alert written before revised (a create they reported, Azure refused)" {
		t.Fatalf("message:\n%s", text)
	}
	if !strings.HasPrefix(lines[1], "• *critical* `azure.host.miner_process`") || !strings.Contains(lines[1], "(inc-1)") {
		t.Errorf("worst first: %q", lines[1])
	}
	// Then the two high ones, oldest first.
	if !strings.HasPrefix(lines[2], "• revised: *high* `azure.compute.gpu_created`") {
		t.Errorf("revised: %q", lines[2])
	}
	hostile := lines[3]
	for _, bad := range []string{"<!channel>", "<https:", "\x1b", "\u202e", "`x`"} {
		if strings.Contains(hostile, bad) {
			t.Errorf("hostile text kept %q: %q", bad, hostile)
		}
	}
	for _, want := range []string{"&lt;!channel&gt;", "&lt;https://evil.example|click here&gt; &amp; more", `\x1b[31m'x'`, `\u202e`} {
		if !strings.Contains(hostile, want) {
			t.Errorf("want %q in %q", want, hostile)
		}
	}
}

// Past listed alerts the message counts the rest.
func TestSlackMessageCountsTheRest(t *testing.T) {
	t.Parallel()
	var as []alert.Alert
	for i := range 25 {
		as = append(as, alert.Alert{ID: string(rune('a' + i)), Rule: "r", Severity: alert.High, Time: t0.Add(time.Duration(i) * time.Minute), Summary: strings.Repeat("s", 400)})
	}
	text := slackText(Message{Fresh: as})
	lines := strings.Split(text, "\n")
	if len(lines) != 1+listed+1 || !strings.HasPrefix(lines[len(lines)-1], "… and 15 more") {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
	if strings.Contains(lines[1], strings.Repeat("s", summaryChars+1)) || !strings.HasSuffix(lines[1], "…") {
		t.Errorf("a long summary kept whole: %q", lines[1])
	}
}

// The JSON receiver gets the alerts whole, revised apart; nothing is
// posted when no alert reaches the severity.
func TestJSONBodyAndNothingToTell(t *testing.T) {
	t.Parallel()
	r, url := serve(t)
	n := notifier(t, url, JSON, alert.Critical)
	if told, err := n.Send(context.Background(), Message{Fresh: alerts()[:2]}); told != 0 || err != nil || len(r.bodies) != 0 {
		t.Fatalf("nothing critical: told %d (%v), %d posts", told, err, len(r.bodies))
	}
	if _, err := n.Send(context.Background(), Message{Fresh: alerts()}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Source  string
		Alerts  []alert.Alert
		Revised []alert.Alert
	}
	if err := json.Unmarshal(r.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Source != "mamori" || len(got.Alerts) != 1 || got.Alerts[0].ID != "a3" || got.Revised != nil || strings.Contains(string(r.bodies[0]), "held") {
		t.Errorf("body %s", r.bodies[0])
	}
}

// Alerts an earlier post did not get through are told as such: when
// the first failed post was, in each body.
func TestHeldAlertsSaySince(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 2, 14, 5, 0, 0, time.UTC)
	m := Message{Fresh: alerts()[1:3], Held: 1, HeldSince: since}
	if text := slackText(m); !strings.HasPrefix(text, "*mamori*: 2 new alerts; 1 of them held since 2026-11-02 14:05 UTC, when the webhook did not take them\n") {
		t.Errorf("slack:\n%s", text)
	}
	card, _ := json.Marshal(teamsBody(m))
	if !strings.Contains(string(card), "1 of them held since 2026-11-02 14:05 UTC") {
		t.Errorf("teams: %s", card)
	}
	r, url := serve(t)
	if _, err := notifier(t, url, JSON, alert.High).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Held      int
		HeldSince time.Time `json:"held_since"`
	}
	if err := json.Unmarshal(r.bodies[0], &got); err != nil || got.Held != 1 || !got.HeldSince.Equal(since) {
		t.Errorf("json: %s (%v)", r.bodies[0], err)
	}
}

// A receiver's 5xx is tried again; a 4xx is not; what the error says
// never holds the webhook's URL or its token, also when the receiver is
// gone.
func TestFailuresNeverNameTheWebhook(t *testing.T) {
	t.Parallel()
	r, url := serve(t, http.StatusBadGateway, http.StatusOK)
	n := notifier(t, url, Slack, alert.Low)
	if told, err := n.Send(context.Background(), Message{Fresh: alerts()}); err != nil || told != 3 || len(r.bodies) != 2 {
		t.Errorf("a 502 then a 200: told %d (%v) in %d posts, want 3 in 2", told, err, len(r.bodies))
	}
	r, url = serve(t, http.StatusNotFound)
	n = notifier(t, url, Slack, alert.Low)
	_, err := n.Send(context.Background(), Message{Fresh: alerts()})
	if err == nil || len(r.bodies) != 1 || err.Error() != "the webhook answered 404 Not Found" {
		t.Errorf("a 404: %v after %d posts", err, len(r.bodies))
	}
	s := httptest.NewServer(http.NotFoundHandler())
	gone := s.URL + secretPath
	s.Close()
	n = notifier(t, gone, Slack, alert.Low)
	_, err = n.Send(context.Background(), Message{Fresh: alerts()})
	t.Logf("the receiver gone: %v", err)
	if err == nil || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), gone) {
		t.Errorf("the receiver gone: %v", err)
	}
	for _, bad := range []string{"ftp://example.com/x", "hooks.example.com" + secretPath, "https://", "http://[::1" + secretPath} {
		if _, err := New(bad, Slack, alert.High); err == nil || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "example") {
			t.Errorf("New(%q): %v", bad, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Format{"slack": Slack, " JSON ": JSON, "Teams": Teams} {
		if got, err := ParseFormat(in); got != want || err != nil {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("email"); err == nil {
		t.Error("email accepted")
	}
}

// A Teams message is one Adaptive Card: the counts, then a rich text
// block per alert, worst first, whose runs read no Markdown, so that
// a name written as a link is shown as written; a card's date function
// is spaced out.
func TestTeamsCard(t *testing.T) {
	t.Parallel()
	r, url := serve(t)
	n := notifier(t, url, Teams, alert.High)
	as := alerts()
	as[1].Principal = "[sign in](https://evil.example) {{DATE(2017-02-14T06:00:00Z)}}"
	if _, err := n.Send(context.Background(), Message{Fresh: as}); err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Type        string
		Attachments []struct {
			ContentType string
			Content     struct {
				Type, Version string
				Body          []struct {
					Type, Text string
					Inlines    []struct{ Type, Text, Weight, Color string }
				}
			}
		}
	}
	if err := json.Unmarshal(r.bodies[0], &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Type != "message" || len(msg.Attachments) != 1 || msg.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
		t.Fatalf("not a message holding a card: %s", r.bodies[0])
	}
	card := msg.Attachments[0].Content
	if card.Type != "AdaptiveCard" || len(card.Body) != 3 || card.Body[0].Text != "mamori: 2 new alerts" {
		t.Fatalf("card %s", r.bodies[0])
	}
	worst, hostile := card.Body[1], card.Body[2]
	if worst.Type != "RichTextBlock" || len(worst.Inlines) != 2 || worst.Inlines[0].Text != "critical " || worst.Inlines[0].Color != "Attention" ||
		!strings.HasPrefix(worst.Inlines[1].Text, "azure.host.miner_process: xmrig") {
		t.Errorf("the critical alert first: %+v", worst)
	}
	for _, in := range hostile.Inlines {
		if in.Type != "TextRun" {
			t.Errorf("an alert's text in a %s, which reads Markdown", in.Type)
		}
	}
	text := hostile.Inlines[1].Text
	for _, want := range []string{"[sign in](https://evil.example) { {DATE(", `\u202e`, "(inc-1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("want %q in %q", want, text)
		}
	}
}

// A message leads with the incidents its alerts are in, worst first:
// severity, id, title (made safe: an attacker names principals and
// resources), cost per hour, span and size; the JSON body gives them
// without their timelines.
func TestIncidentsLead(t *testing.T) {
	t.Parallel()
	as := alerts()[1:3]
	incs := []incident.Incident{{ID: "inc-1", Severity: alert.Critical, Title: "Cryptojacking: GPU scale sets (60 instances) by <!channel> `x`",
		Time: t0, LastTime: t0.Add(42 * time.Minute), Timeline: make([]incident.Entry, 47),
		Cost: incident.Cost{USDPerHour: 54.2, Complete: true, Lines: []incident.CostLine{{Size: "Standard_NV36ads_A10_v5", Region: "eastus", Count: 60, Priced: true}}}}}
	for i := range 4 {
		incs = append(incs, incident.Incident{ID: fmt.Sprintf("inc-%d", i+2), Severity: alert.High, Title: "GPU VMs", Time: t0, LastTime: t0.Add(30 * time.Hour), Timeline: make([]incident.Entry, 1)})
	}
	m := Message{Fresh: as, Incidents: incs}
	lines := strings.Split(slackText(m), "\n")
	if lines[0] != "*mamori*: 2 new alerts in 5 incidents" ||
		lines[1] != "*critical* incident inc-1: Cryptojacking: GPU scale sets (60 instances) by &lt;!channel&gt; 'x' — about $54 per hour for 60 instances; 2026-11-02 03:00 → 03:42 UTC, 47 alerts" ||
		lines[3] != "*high* incident inc-3: GPU VMs; 2026-11-02 03:00 → 2026-11-03 09:00 UTC, 1 alert" || lines[4] != "… and 2 more incidents" ||
		!strings.HasPrefix(lines[5], "• *critical* `azure.host.miner_process`") {
		t.Errorf("slack:\n%s", strings.Join(lines, "\n"))
	}
	card, _ := json.Marshal(teamsBody(m))
	if !strings.Contains(string(card), `"text":"incident inc-1: Cryptojacking: GPU scale sets (60 instances) by \u003c!channel\u003e `+"`x`"+` — about $54 per hour`) {
		t.Errorf("teams: %s", card)
	}
	r, url := serve(t)
	if _, err := notifier(t, url, JSON, alert.High).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Incidents []map[string]any
	}
	if err := json.Unmarshal(r.bodies[0], &got); err != nil || len(got.Incidents) != 5 || got.Incidents[0]["alerts"] != 47.0 ||
		got.Incidents[0]["usd_per_hour"] != 54.2 || got.Incidents[0]["timeline"] != nil {
		t.Errorf("json: %s (%v)", r.bodies[0], err)
	}
}

// An incident with a plan (respond.Plan) is told with what to do: its
// steps' titles in the text formats, the whole plan in JSON.
func TestIncidentsSayWhatToDo(t *testing.T) {
	t.Parallel()
	in := incident.Incident{ID: "inc-1", Severity: alert.Critical, Title: "Cryptojacking", Time: t0, LastTime: t0, Timeline: make([]incident.Entry, 2)}
	plan := []respond.Step{{Action: "evidence", Title: "Keep the evidence before changing anything", Commands: []string{"mamori fetch --out e --since 90d"}},
		{Action: "accounts", Title: "Cut off 1 account the attack used", Targets: []string{"<!channel>@contoso.example"}, Commands: []string{"az ad user update --id '<!channel>@contoso.example' --account-enabled false"}},
		{Action: "compute", Title: "Stop the compute it ran (60 instances)", Commands: []string{"az vmss deallocate --ids /s/x"}},
		{Action: "posture", Title: "Close what let it in", Commands: []string{"mamori posture"}}}
	m := Message{Fresh: alerts()[2:3], Incidents: []incident.Incident{in}, Plans: map[string][]respond.Step{"inc-1": plan}}
	lines := strings.Split(slackText(m), "\n")
	if want := "*critical* incident inc-1: Cryptojacking; 2026-11-02 03:00 → 03:00 UTC, 2 alerts. To do: cut off 1 account the attack used; stop the compute it ran (60 instances) ('mamori alerts --store FILE' gives the commands)"; lines[1] != want {
		t.Errorf("slack:\n%s\nwant\n%s", lines[1], want)
	}
	r, url := serve(t)
	if _, err := notifier(t, url, JSON, alert.High).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Incidents []struct{ Response []respond.Step }
	}
	if err := json.Unmarshal(r.bodies[0], &got); err != nil || len(got.Incidents) != 1 || !reflect.DeepEqual(got.Incidents[0].Response, plan) {
		t.Errorf("json: %s (%v)", r.bodies[0], err)
	}
}

// Logs that stopped or started arriving are told whatever the alerts'
// severity, with nothing else to tell too: in each body.
func TestLogsThatStoppedAreTold(t *testing.T) {
	t.Parallel()
	last := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
	m := Message{Fresh: alerts()[:1], Quiet: []QuietLog{{Name: "Entra ID sign-in logs", For: 30 * time.Hour, Arrived: last.Add(time.Hour), Last: last}},
		Back: []string{"Azure Activity Log of tenant t1"}}
	if text := slackText(m); text != "*mamori*: 1 new alert; 1 log stopped arriving; 1 log arriving again\n"+
		"*quiet* Entra ID sign-in logs: nothing new for 30 hours (last arrival 2026-11-02 02:00 UTC, latest event 2026-11-02 01:00 UTC): the rules that read it see nothing new\n"+
		"*arriving again* Azure Activity Log of tenant t1\n"+
		"• *low* `azure.compute.gpu_created` eve@contoso.com: created a GPU VM" {
		t.Errorf("slack:\n%s", text)
	}
	card, _ := json.Marshal(teamsBody(m))
	if !strings.Contains(string(card), `"text":"Entra ID sign-in logs: nothing new for 30 hours`) {
		t.Errorf("teams: %s", card)
	}
	r, url := serve(t)
	// The low alert is below the notifier's severity: the logs alone.
	if told, err := notifier(t, url, JSON, alert.High).Send(context.Background(), m); told != 0 || err != nil || len(r.bodies) != 1 {
		t.Fatalf("told %d (%v), %d posts; want the logs posted", told, err, len(r.bodies))
	}
	if !strings.Contains(string(r.bodies[0]), `"alerts":[]`) {
		t.Errorf("no alerts not an empty list: %s", r.bodies[0])
	}
	var got struct {
		Alerts []alert.Alert
		Quiet  []struct {
			Log       string
			LastEvent time.Time `json:"last_event"`
		}
		Back []string
	}
	if err := json.Unmarshal(r.bodies[0], &got); err != nil || len(got.Alerts) != 0 || len(got.Quiet) != 1 || got.Quiet[0].Log != "Entra ID sign-in logs" ||
		!got.Quiet[0].LastEvent.Equal(last) || len(got.Back) != 1 {
		t.Errorf("json: %s (%v)", r.bodies[0], err)
	}
}

// A reader of serve's own that fails is told in every format, with what
// it said (escaped: a broker's words), and again once it reads again.
func TestReadersFailingAreTold(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
	m := Message{Failing: []FailingReader{{Name: "event hub contoso-logs.servicebus.windows.net", Since: since, Said: "the brokers refused the sign-in <@here> *now*"}},
		Mended: []string{"fetch of tenant t1"}}
	if text := slackText(m); text != "*mamori*: 1 reader failing; 1 reader reading again\n"+
		"*failing* event hub contoso-logs.servicebus.windows.net: its reads have failed since 2026-11-02 01:00 UTC: the brokers refused the sign-in &lt;@here&gt; *now*\n"+
		"*reading again* fetch of tenant t1" {
		t.Errorf("slack:\n%s", text)
	}
	if text := mailText(m); !strings.Contains(text, "event hub contoso-logs.servicebus.windows.net: its reads have failed since 2026-11-02 01:00 UTC") {
		t.Errorf("mail:\n%s", text)
	}
	if card, _ := json.Marshal(teamsBody(m)); !strings.Contains(string(card), "its reads have failed since") || strings.Contains(string(card), "<@here>") {
		t.Errorf("teams: %s", card)
	}
	r, url := serve(t)
	if told, err := notifier(t, url, JSON, alert.High).Send(context.Background(), m); told != 0 || err != nil || len(r.bodies) != 1 {
		t.Fatalf("told %d (%v), %d posts; want the readers posted", told, err, len(r.bodies))
	}
	var got struct {
		Failing []struct {
			Reader string
			Since  time.Time `json:"failing_since"`
			Said   string
		}
		Mended []string `json:"reading_again"`
	}
	if err := json.Unmarshal(r.bodies[0], &got); err != nil || len(got.Failing) != 1 || !got.Failing[0].Since.Equal(since) ||
		got.Failing[0].Said != m.Failing[0].Said || len(got.Mended) != 1 {
		t.Errorf("json: %s (%v)", r.bodies[0], err)
	}
}

// A test message says it is one, in every format, with nothing else.
func TestTestMessage(t *testing.T) {
	t.Parallel()
	m := Message{Test: true}
	if text := slackText(m); text != "*mamori*: "+TestWords {
		t.Errorf("slack %q", text)
	}
	if card, _ := json.Marshal(teamsBody(m)); !strings.Contains(string(card), TestWords) {
		t.Errorf("teams %s", card)
	}
	r, url := serve(t)
	if told, err := notifier(t, url, JSON, alert.Critical).Send(context.Background(), m); told != 0 || err != nil || len(r.bodies) != 1 ||
		!strings.Contains(string(r.bodies[0]), `"test":true`) || !strings.Contains(string(r.bodies[0]), `"alerts":[]`) {
		t.Errorf("json: told %d (%v), %q", told, err, r.bodies)
	}
	if s := mailSubject(m); s != "mamori: "+TestWords {
		t.Errorf("subject %q", s)
	}
}

// Past ten logs that stopped arriving, a message counts the rest.
func TestManyQuietLogsCounted(t *testing.T) {
	t.Parallel()
	var m Message
	for i := range 25 {
		m.Quiet = append(m.Quiet, QuietLog{Name: fmt.Sprintf("Azure Activity Log of tenant t%02d", i), For: 30 * time.Hour})
	}
	lines := strings.Split(slackText(m), "\n")
	if len(lines) != 1+listedLogs+1 || lines[0] != "*mamori*: 25 logs stopped arriving" || lines[len(lines)-1] != "*…* and 15 more ('mamori status' lists them)" {
		t.Errorf("%d lines:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

// An incident told before under other ids says so, in each body.
func TestFormerIDs(t *testing.T) {
	t.Parallel()
	m := Message{Fresh: alerts()[2:3], Incidents: []incident.Incident{{ID: "inc-b", Severity: alert.Critical, Title: "Cryptojacking", Time: t0, LastTime: t0}},
		Formerly: map[string][]string{"inc-b": {"inc-a"}}}
	if text := slackText(m); !strings.Contains(text, "\n*critical* incident inc-b (formerly inc-a): Cryptojacking") {
		t.Errorf("slack:\n%s", text)
	}
	if !strings.Contains(mailText(m), "CRITICAL incident inc-b (formerly inc-a): ") {
		t.Errorf("mail:\n%s", mailText(m))
	}
	r, url := serve(t)
	if _, err := notifier(t, url, JSON, alert.High).Send(context.Background(), m); err != nil || !strings.Contains(string(r.bodies[0]), `"formerly":["inc-a"]`) {
		t.Errorf("json: %v %s", err, r.bodies)
	}
}
