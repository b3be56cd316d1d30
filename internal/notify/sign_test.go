package notify

import (
	"context"
	"crypto/hmac"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// signedPost is a post as a receiver got it.
type signedPost struct {
	ts, sig string
	body    []byte
}

// verify is what a receiver does: the signature over the timestamp and
// the raw body, in constant time, and a timestamp no older than five
// minutes.
func verify(secret string, p signedPost, now time.Time) bool {
	ts, err := strconv.ParseInt(p.ts, 10, 64)
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false
	}
	return hmac.Equal([]byte(p.sig), []byte("v1="+Signature([]byte(secret), p.ts, p.body)))
}

// Every try of a post is signed over its time and body; a receiver with
// another secret, or a body changed on the way, does not verify; a
// notifier without a secret sends no signature.
func TestSignedPosts(t *testing.T) {
	const secret = "3f1b0c9e7a6d5c4b3a29180706f5e4d3"
	var mu sync.Mutex
	var got []signedPost
	calls := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, signedPost{r.Header.Get(TimestampHeader), r.Header.Get(SignatureHeader), b})
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // tried again
		}
	}))
	defer hook.Close()
	n, err := New(hook.URL+"/hooks/soar", JSON, alert.High)
	if err != nil {
		t.Fatal(err)
	}
	n.backoff = time.Millisecond
	if err := n.Sign(secret); err != nil {
		t.Fatal(err)
	}
	m := Message{Fresh: []alert.Alert{{ID: "a1", Rule: "azure.identity.elevate_access", Severity: alert.High, Summary: "eve elevated access"}}}
	if _, err := n.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if len(got) != 2 {
		t.Fatalf("%d posts, want a 503 then a 200", len(got))
	}
	for i, p := range got {
		if !strings.HasPrefix(p.sig, "v1=") || !verify(secret, p, now) {
			t.Errorf("try %d: signature %q over %q does not verify", i, p.sig, p.ts)
		}
		if verify("another secret, as long as it is", p, now) {
			t.Errorf("try %d verifies under another secret", i)
		}
		tampered := p
		tampered.body = []byte(strings.Replace(string(p.body), "eve", "bob", 1))
		if verify(secret, tampered, now) {
			t.Errorf("try %d: a changed body verifies", i)
		}
		if verify(secret, p, now.Add(10*time.Minute)) {
			t.Errorf("try %d verifies ten minutes on (a replay)", i)
		}
	}
	// Unsigned: no headers.
	mu.Lock()
	got = nil
	mu.Unlock()
	plain, _ := New(hook.URL+"/hooks/soar", JSON, alert.High)
	if _, err := plain.Send(context.Background(), m); err != nil || len(got) != 1 || got[0].ts != "" || got[0].sig != "" {
		t.Errorf("unsigned: %v, %+v", err, got)
	}
	if plain.Sign("short") == nil {
		t.Error("a short secret taken")
	}
	mailer, err := New("smtp://relay.example:25/?from=a@b.example&to=c@d.example", Slack, alert.High)
	if err != nil || mailer.Sign(secret) == nil {
		t.Errorf("an e-mail signed (%v)", err)
	}
}

// A route's secret= signs its posts; the same URL with another secret
// is another receiver.
func TestRouteSecrets(t *testing.T) {
	const a, b = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10", "0badf00d-1234-4abc-8def-00000000cafe"
	rs, err := ParseRoutes(strings.NewReader(a+" https://soar.example/h secret=0123456789abcdef0123\n"+b+" https://soar.example/h\n"), "routes", JSON, alert.High)
	if err != nil || len(rs) != 2 || !rs[0].N.Signs() || rs[1].N.Signs() {
		t.Fatalf("routes %+v (%v)", rs, err)
	}
	for _, line := range []string{a + " https://soar.example/h secret=SEKRIT", a + " smtp://relay.example/?from=a@b.example&to=c@d.example secret=SEKRITSEKRITSEKRIT"} {
		if _, err := ParseRoutes(strings.NewReader(line), "routes", JSON, alert.High); err == nil || strings.Contains(err.Error(), "SEKRIT") {
			t.Errorf("%q: %v", line, err)
		}
	}
}
