package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/report"
)

// A notifier whose URL is smtp:// or smtps:// sends an e-mail instead of
// a post: smtp://[user[:password]@]host[:port]/?from=ADDR&to=ADDR[,ADDR]
// (port 587 by default, STARTTLS when the server offers it, and required
// before a password is sent anywhere but the loopback), or smtps:// for
// TLS from the first byte (port 465). The body is plain text, the same
// digest as the chat messages; text an attacker chose is made visible as
// on a terminal, and the subject cannot carry a header of its own.

// mailer is where and to whom an e-mail notifier sends.
type mailer struct {
	host, addr string // host name (TLS checks it), host:port
	implicit   bool   // smtps: TLS before the greeting
	user, pass string // pass is a secret: never in an error
	from       string
	to         []string
}

// newMailer reads an smtp or smtps URL.
func newMailer(u *url.URL) (*mailer, error) {
	m := &mailer{host: u.Hostname(), implicit: u.Scheme == "smtps"}
	if m.host == "" {
		return nil, errors.New("the e-mail URL names no server")
	}
	port := u.Port()
	if port == "" {
		port = "587"
		if m.implicit {
			port = "465"
		}
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	q := u.Query()
	from, err := mail.ParseAddress(q.Get("from"))
	if err != nil {
		return nil, errors.New("the e-mail URL's from= is not an address")
	}
	m.from = from.Address
	for _, to := range strings.Split(q.Get("to"), ",") {
		a, err := mail.ParseAddress(strings.TrimSpace(to))
		if err != nil {
			return nil, errors.New("the e-mail URL's to= is not a list of addresses")
		}
		m.to = append(m.to, a.Address)
	}
	return m, nil
}

// mailText is the e-mail's body: the digest in plain text.
func mailText(m Message) string {
	d := digestOf(m)
	var b strings.Builder
	b.WriteString(d.head + "\n")
	for i := range d.incidents {
		in := &d.incidents[i]
		fmt.Fprintf(&b, "\n%s %s\n", strings.ToUpper(in.Severity.String()), d.incidentText(in, report.Terminal))
	}
	if d.moreInc > 0 {
		b.WriteString(d.moreIncText() + "\n")
	}
	for _, l := range d.logs {
		fmt.Fprintf(&b, "\n%s: %s\n", strings.ToUpper(l.what), l.text(report.Terminal))
	}
	if len(d.shown) > 0 {
		b.WriteString("\nAlerts, worst first:\n")
	}
	for i := range d.shown {
		a := &d.shown[i]
		rev := ""
		if a.Revised {
			rev = "revised: "
		}
		fmt.Fprintf(&b, "- %s%s %s%s\n", rev, a.Severity, report.Terminal(report.RuleLabel(a)), d.line(a, report.Terminal))
	}
	if d.more > 0 {
		b.WriteString(d.moreText() + "\n")
	}
	return b.String()
}

// mailSubject is the digest's head, and the worst incident's title: made
// one line of visible characters, then encoded for a header.
func mailSubject(m Message) string {
	d := digestOf(m)
	s := d.head
	if len(d.incidents) > 0 {
		s += " — " + d.incidents[0].Severity.String() + ": " + d.incidents[0].Title
	}
	return mime.QEncoding.Encode("utf-8", cut(report.Terminal(s), 200))
}

// mailBody is the whole e-mail, headers and quoted-printable text.
func (ml *mailer) mailBody(m Message, now time.Time) ([]byte, error) {
	id := make([]byte, 12)
	rand.Read(id)
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: mamori <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@mamori>\r\n",
		ml.from, strings.Join(ml.to, ", "), mailSubject(m), now.Format(time.RFC1123Z), hex.EncodeToString(id))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(mailText(m), "\n", "\r\n"))); err != nil {
		return nil, err
	}
	return b.Bytes(), qp.Close()
}

// send delivers one e-mail; again says a failure may pass if tried again
// (the network, the server's 4xx).
func (ml *mailer) send(ctx context.Context, body []byte) (again bool, err error) {
	again, err = ml.deliver(ctx, body)
	if err == nil {
		return false, nil
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		again = te.Code/100 == 4
	}
	msg := err.Error()
	if ml.pass != "" {
		msg = strings.ReplaceAll(msg, ml.pass, "…")
	}
	return again, fmt.Errorf("sending the e-mail: %s", msg)
}

func (ml *mailer) deliver(ctx context.Context, body []byte) (again bool, err error) {
	d := net.Dialer{Timeout: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", ml.addr)
	if err != nil {
		return true, err
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	conn.SetDeadline(deadline)
	tlsConfig := &tls.Config{ServerName: ml.host, MinVersion: tls.VersionTLS12}
	if ml.implicit {
		conn = tls.Client(conn, tlsConfig)
	}
	c, err := smtp.NewClient(conn, ml.host)
	if err != nil {
		return true, err
	}
	defer c.Close()
	if err := c.Hello("mamori"); err != nil {
		return true, err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !ml.implicit {
		if err := c.StartTLS(tlsConfig); err != nil {
			return false, err
		}
	}
	if ml.user != "" {
		// PlainAuth itself refuses to send the password without TLS to
		// anything but the loopback.
		if err := c.Auth(smtp.PlainAuth("", ml.user, ml.pass, ml.host)); err != nil {
			return false, err
		}
	}
	if err := c.Mail(ml.from); err != nil {
		return false, err
	}
	for _, to := range ml.to {
		if err := c.Rcpt(to); err != nil {
			return false, err
		}
	}
	w, err := c.Data()
	if err != nil {
		return false, err
	}
	if _, err := w.Write(body); err != nil {
		return true, err
	}
	if err := w.Close(); err != nil {
		return false, err
	}
	return false, c.Quit()
}
