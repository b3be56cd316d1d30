package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// A receiver that acts on what it is told (a SOAR playbook disabling an
// account, a function stopping machines) must know the post is mamori's:
// a webhook's URL leaks into proxies' logs and chat histories. With a
// secret shared with the receiver, every post carries its time and an
// HMAC-SHA256 of that time and its body:
//
//	X-Mamori-Timestamp: 1795972090
//	X-Mamori-Signature: v1=hex(HMAC-SHA256(secret, "1795972090." + body))
//
// The receiver computes the same over the raw body, compares in constant
// time, and refuses a timestamp more than a few minutes old (a replay).
// Each try of a post is signed anew.

// The headers a signed post carries.
const (
	TimestampHeader = "X-Mamori-Timestamp"
	SignatureHeader = "X-Mamori-Signature"
)

// minSecret is the least length of a signing secret.
const minSecret = 16

// Sign makes the notifier sign its webhook posts with secret (an e-mail
// is not signed: its server's TLS and account stand for it). The secret
// is never written in an error.
func (n *Notifier) Sign(secret string) error {
	if !n.Webhook() {
		return errors.New("an e-mail is not signed: a secret is for webhooks")
	}
	if len(secret) < minSecret {
		return errors.New("the signing secret: at least 16 characters (openssl rand -hex 32)")
	}
	n.secret = []byte(secret)
	return nil
}

// Webhook reports whether the notifier posts to a webhook (not e-mail).
func (n *Notifier) Webhook() bool { return n.url != "" }

// Signs reports whether the notifier signs its posts.
func (n *Notifier) Signs() bool { return n.secret != nil }

// sign sets a post's timestamp and signature headers, when the notifier
// has a secret.
func (n *Notifier) sign(h http.Header, body []byte, now time.Time) {
	if n.secret == nil {
		return
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	h.Set(TimestampHeader, ts)
	h.Set(SignatureHeader, "v1="+Signature(n.secret, ts, body))
}

// Signature is the hex HMAC-SHA256 of timestamp "." body under secret: what
// a receiver computes to check a post.
func Signature(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
