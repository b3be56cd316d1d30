package notify

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/notify/smtptest"
)

// An e-mail notifier sends one plain-text message to every address,
// authenticated with the URL's user and password; the subject leads with
// the worst incident, and no text an attacker chose can add a header or
// hide in control characters.
func TestMail(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewServer(t, "")
	n, err := New(fmt.Sprintf("smtp://soc:s3cr%%40t@%s/?from=mamori@contoso.example&to=soc@contoso.example,%%20oncall@contoso.example", srv.Addr), Slack, alert.High)
	if err != nil {
		t.Fatal(err)
	}
	as := alerts()
	in := []incident.Incident{{ID: "inc-1", Severity: alert.Critical, Title: "Cryptojacking by evil\r\nBcc: everyone@contoso.example", Time: t0, LastTime: t0.Add(time.Hour), Timeline: make([]incident.Entry, 3)}}
	told, err := n.Send(context.Background(), Message{Fresh: as, Incidents: in})
	if err != nil || told != 2 {
		t.Fatalf("told %d: %v", told, err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("%d mails", len(got))
	}
	r := got[0]
	if r.From != "mamori@contoso.example" || strings.Join(r.To, " ") != "soc@contoso.example oncall@contoso.example" || r.Auth != "soc\x00s3cr@t" {
		t.Errorf("envelope %q → %q, auth %q", r.From, r.To, r.Auth)
	}
	msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(r.Data)))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" || len(msg.Header["Subject"]) != 1 {
		t.Errorf("a header added by the title: %v", msg.Header)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != `mamori: 2 new alerts in 1 incident — critical: Cryptojacking by evil\r\nBcc: everyone@contoso.example` {
		t.Errorf("subject %q (%v)", subject, err)
	}
	if msg.Header.Get("Content-Type") != "text/plain; charset=utf-8" || msg.Header.Get("From") != "mamori <mamori@contoso.example>" {
		t.Errorf("headers %v", msg.Header)
	}
	// The body, decoded as a mail reader decodes it.
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	for _, want := range []string{
		"mamori: 2 new alerts in 1 incident\n\nCRITICAL incident inc-1: Cryptojacking by evil\\r\\nBcc: everyone@contoso.example; 2026-11-02 03:00 → 04:00 UTC, 3 alerts\n",
		"\nAlerts, worst first:\n- critical azure.host.miner_process: xmrig (inc-1)\n",
		`GPUs in bulk on <https://evil.example|click here> & more \u202egpj.exe`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("want %q in:\n%s", want, text)
		}
	}
	if strings.ContainsAny(text, "\x1b\u202e") {
		t.Errorf("a control character kept:\n%q", text)
	}
}

// A server's 4xx is tried again, its 5xx is not; neither error holds the
// password.
func TestMailRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reject string
		tries  int
	}{{"451 4.3.0 try later", 3}, {"550 5.7.1 relaying denied", 1}} {
		srv := smtptest.NewServer(t, tc.reject)
		n, err := New("smtp://soc:sekrit@"+srv.Addr+"/?from=mamori@contoso.example&to=soc@contoso.example", Slack, alert.High)
		if err != nil {
			t.Fatal(err)
		}
		n.backoff = time.Millisecond
		_, err = n.Send(context.Background(), Message{Fresh: alerts()})
		tries := srv.Sessions()
		if err == nil || !strings.Contains(err.Error(), tc.reject[4:]) || strings.Contains(err.Error(), "sekrit") || tries != tc.tries {
			t.Errorf("%s: %v after %d tries, want %d", tc.reject, err, tries, tc.tries)
		}
	}
	for _, bad := range []string{"smtp://mail.example/?to=soc@contoso.example", "smtp://mail.example/?from=mamori@contoso.example&to=nobody", "smtp:///?from=a@b.example&to=c@d.example"} {
		if _, err := New(bad, Slack, alert.High); err == nil {
			t.Errorf("%s taken", bad)
		}
	}
	if _, err := New("smtps://mail.example/?from=mamori@contoso.example&to=soc@contoso.example", JSON, alert.High); err == nil || strings.Contains(err.Error(), "mail.example") {
		t.Errorf("an e-mail in JSON: %v", err)
	}
}
