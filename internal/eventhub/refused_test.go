package eventhub

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A namespace that refuses the sign-in (a key rotated: Event Hubs answers
// SASL_AUTHENTICATION_FAILED, as Kafka does) ends the read at once, saying
// so in the broker's words, rather than waiting the join limit out.
func TestReadEndsAtARefusedSignIn(t *testing.T) {
	const conn = "Endpoint=sb://contoso-logs.servicebus.windows.net/;SharedAccessKeyName=mamori-listen;SharedAccessKey=c2VjcmV0LWtleS1vZi10aGUtdGVzdA=="
	c, pool := namespaceCluster(t, conn)
	c.ControlKey(kmsg.SASLAuthenticate.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := req.(*kmsg.SASLAuthenticateRequest).ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		msg := "Invalid SAS token: the key was regenerated"
		resp.ErrorMessage = &msg
		return resp, nil, true
	})
	cs, err := ParseConnectionString(conn)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(Config{Brokers: c.ListenAddrs(), Group: "mamori", Conn: &cs, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The join limit is longer than the test may take: only the refusal
	// ends the read before the context does.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lim := limits
	lim.Join = time.Hour
	got, err := r.Read(ctx, t.TempDir(), lim)
	if err == nil || ctx.Err() != nil || got.Messages != 0 || !strings.Contains(err.Error(), "refused the sign-in") ||
		!strings.Contains(err.Error(), "Invalid SAS token") || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Fatalf("a refused sign-in: %+v, %v (context: %v)", got, err, ctx.Err())
	}
	t.Logf("a refused sign-in: %v", err)
}
