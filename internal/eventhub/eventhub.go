// Package eventhub reads the Event Hubs a tenant's diagnostic settings
// stream its logs to (Activity Log, Entra ID sign-ins and audits,
// firewall logs: one hub per category, insights-…), through the
// namespace's Kafka endpoint or from any Kafka, into files of JSON lines
// mamori's readers take as any export's: each message, a {"records":[…]}
// envelope, one line. Offsets are committed to the consumer group only
// once the file holding their messages is on disk, so a message is read
// at least once: one read twice (a crash between the write and the
// commit) is counted once by the hunt, as any record read again.
package eventhub

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// DefaultHubs matches the hubs diagnostic settings create when told no
// hub's name: insights-activity-logs, insights-logs-signinlogs, … .
const DefaultHubs = "^insights-"

var defaultHubs = regexp.MustCompile(DefaultHubs)

// reads reports whether a reader of hubs (none: DefaultHubs) reads the
// topic t of a listing.
func reads(hubs []string, t kadm.TopicDetail) bool {
	return t.Err == nil && !t.IsInternal && (len(hubs) > 0 || defaultHubs.MatchString(t.Topic))
}

// Config says where to read and as whom.
type Config struct {
	Brokers []string // host:port each
	// Hubs are the event hubs (topics) to read; none: every hub named
	// as DefaultHubs matches.
	Hubs  []string
	Group string // the Kafka consumer group: its offsets are where a read goes on from
	// Conn signs in with a shared access policy's connection string
	// (SASL PLAIN over TLS, as Event Hubs asks); else Credential, when
	// set, with an Entra ID token for Audience (OAUTHBEARER over TLS);
	// else no sign-in, over TLS when TLS is set (a Kafka of one's own).
	Conn       *Conn
	Credential azcore.TokenCredential
	Audience   string // https://NAMESPACE.servicebus.windows.net
	TLS        bool
	RootCAs    *x509.CertPool // nil: the system's (tests give their own)
}

// Reader reads a consumer group's share of the hubs.
type Reader struct {
	cl       *kgo.Client
	assigned chan struct{} // closed once the group gave this reader its partitions
	once     atomic.Bool
	said     *said
	holding  holding
	hubs     []string // named hubs, or none: DefaultHubs
	group    string
}

// Open connects to the brokers and joins the group. It reads nothing
// yet: Read does.
func Open(cfg Config) (*Reader, error) {
	if len(cfg.Brokers) == 0 || cfg.Group == "" {
		return nil, errors.New("event hub: no namespace or broker, or no consumer group")
	}
	r := &Reader{assigned: make(chan struct{}), said: newSaid(), hubs: cfg.Hubs, group: cfg.Group}
	if cfg.Conn != nil {
		r.said.secret = cfg.Conn.text
	}
	opts := []kgo.Opt{
		kgo.WithLogger(r.said),
		kgo.ConsumerGroup(cfg.Group),
		// A new group starts at the oldest message the hub keeps (its
		// retention, a day to a week): the history the baselines learn.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		// The partitions stay this reader's from a poll until its
		// messages are written and committed.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(func(ctx context.Context, cl *kgo.Client, parts map[string][]int32) {
			r.holding.assigned(ctx, cl, parts)
			// A cooperative rebalance may first give nothing, then
			// the partitions another member let go.
			if len(parts) > 0 && r.once.CompareAndSwap(false, true) {
				close(r.assigned)
			}
		}),
		kgo.OnPartitionsRevoked(r.holding.revoked),
		kgo.OnPartitionsLost(r.holding.revoked),
	}
	if len(cfg.Hubs) == 0 {
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(DefaultHubs))
	} else {
		opts = append(opts, kgo.ConsumeTopics(cfg.Hubs...))
	}
	opts = append(opts, signIn(cfg)...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("event hub: %w", err)
	}
	r.cl = cl
	return r, nil
}

// signIn are the options that reach the brokers and sign in, as cfg
// says.
func signIn(cfg Config) []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(cfg.Brokers...), kgo.ClientID("mamori")}
	switch {
	case cfg.Conn != nil:
		// Event Hubs' Kafka endpoint takes the whole connection string
		// as the password of the user $ConnectionString.
		opts = append(opts, kgo.SASL(plain.Auth{User: "$ConnectionString", Pass: cfg.Conn.text}.AsMechanism()))
		cfg.TLS = true
	case cfg.Credential != nil:
		opts = append(opts, kgo.SASL(oauth.Oauth(func(ctx context.Context) (oauth.Auth, error) {
			tok, err := cfg.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cfg.Audience + "/.default"}})
			if err != nil {
				return oauth.Auth{}, fmt.Errorf("event hub: no Entra ID token for %s: %w", cfg.Audience, err)
			}
			return oauth.Auth{Token: tok.Token}, nil
		})))
		cfg.TLS = true
	}
	if cfg.TLS {
		opts = append(opts, kgo.DialTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs}))
	}
	return opts
}

// Close leaves the group, so that another reader may take its
// partitions at once.
func (r *Reader) Close() { r.cl.Close() }

// Read is what one Read wrote.
type Read struct {
	Messages int   // messages written
	Bytes    int64 // their bytes
	Files    int   // files written
	Empty    int   // messages with no body, passed over
	// Waiting is the messages the partitions held still hold behind
	// those written (a read that stopped at its bytes, or at lim.Join).
	Waiting int64
	// Shared are the hubs of which this reader holds only some
	// partitions: another member of the group reads the others.
	Shared []Share
}

// Limits of one Read.
type Limits struct {
	// Join is how long the first Read waits for the group to give it its
	// partitions, and how long any Read goes on polling while messages
	// wait that no poll brings; Wait, how long each poll waits.
	Join, Wait time.Duration
	// Ask bounds each question to the brokers of offsets and partitions
	// (the client would retry one to a broker gone for long).
	Ask time.Duration
	// Bytes ends a Read once it wrote that many (the rest is read by the
	// next): a hub's backlog is not held in memory or in one cycle.
	Bytes int64
}

// Read writes the messages waiting in this reader's partitions into
// dir/HUB/PARTITION/OFFSET.json (OFFSET the first message's), committing
// each batch once written, until the brokers say none is left behind
// its commits, or lim.Bytes or lim.Join is reached (a hub that never
// stops does not hold the cycle). It returns what it wrote, and the
// first error that stopped it: what it wrote before that is committed
// and kept.
func (r *Reader) Read(ctx context.Context, dir string, lim Limits) (Read, error) {
	if lim.Ask <= 0 {
		lim.Ask = 15 * time.Second
	}
	read, err := r.read(ctx, dir, lim)
	if r.once.Load() && ctx.Err() == nil && err == nil {
		mctx, cancel := context.WithTimeout(ctx, lim.Ask)
		read.Shared, err = r.shares(mctx)
		cancel()
		if err != nil {
			err = fmt.Errorf("event hub: the hubs' partitions: %w%s", err, r.said.lastly())
		}
	}
	return read, r.said.hidden(err)
}

func (r *Reader) read(ctx context.Context, dir string, lim Limits) (Read, error) {
	var read Read
	// A poll may come back empty while messages wait (the first fetch
	// of a partition just given is still on its way), and a hub may
	// never stop: a read ends when the brokers say none is left behind
	// what it committed, or at lim.Join.
	until := time.Now().Add(lim.Join)
	for {
		pctx, cancel := r.pollContext(ctx, lim)
		fs := r.cl.PollRecords(pctx, 10000)
		cancel()
		var failed error
		fs.EachError(func(topic string, p int32, err error) {
			if failed == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				failed = fmt.Errorf("event hub %s, partition %d: %w", topic, p, err)
				if topic == "" { // the client's own, not a partition's
					failed = fmt.Errorf("event hub: %w", err)
				}
			}
		})
		if ctx.Err() != nil {
			failed = ctx.Err()
		}
		n, err := r.write(ctx, dir, fs, &read)
		r.cl.AllowRebalance()
		switch {
		case err != nil:
			return read, err
		case failed != nil:
			return read, failed
		case n == 0 && r.said.wasRefused():
			return read, fmt.Errorf("event hub: the namespace refused the sign-in (%s)", r.said.why())
		case n == 0 && !r.once.Load():
			why := r.said.why()
			if why == "" {
				why = "are the hubs there?"
			}
			return read, fmt.Errorf("event hub: the consumer group gave no partition within %s (%s)", lim.Join, why)
		case n > 0 && (lim.Bytes <= 0 || read.Bytes < lim.Bytes) && time.Now().Before(until):
			continue
		}
		mctx, cancel := context.WithTimeout(ctx, lim.Ask)
		read.Waiting, err = r.behind(mctx)
		cancel()
		switch {
		case err != nil:
			return read, fmt.Errorf("event hub: the hubs' offsets: %w%s", err, r.said.lastly())
		case read.Waiting == 0, n > 0, time.Now().After(until):
			return read, nil // n > 0: at its bytes or its time
		}
	}
}

// pollContext bounds one poll: lim.Wait once the group gave this reader
// its partitions; before that, until it does and lim.Wait more, or
// lim.Join.
func (r *Reader) pollContext(ctx context.Context, lim Limits) (context.Context, context.CancelFunc) {
	if r.once.Load() {
		return context.WithTimeout(ctx, lim.Wait)
	}
	pctx, cancel := context.WithTimeout(ctx, lim.Join)
	go func() {
		select {
		case <-r.assigned:
		case <-r.said.refused: // no retry will pass: the read ends
			cancel()
			return
		case <-pctx.Done():
			return
		}
		select {
		case <-time.After(lim.Wait):
			cancel()
		case <-pctx.Done():
		}
	}()
	return pctx, cancel
}

// write writes each partition's messages of fs into a file, then commits
// their offsets; it returns how many messages fs held.
func (r *Reader) write(ctx context.Context, dir string, fs kgo.Fetches, read *Read) (int, error) {
	var written []*kgo.Record
	var err error
	n := 0
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		n += len(p.Records)
		if err != nil || len(p.Records) == 0 {
			return
		}
		var w partFile
		if w, err = writePartition(dir, p.Topic, p.Partition, p.Records); err != nil {
			return
		}
		read.Messages += w.messages
		read.Bytes += w.bytes
		read.Empty += w.empty
		if w.messages > 0 {
			read.Files++
		}
		written = append(written, p.Records...)
	})
	if len(written) > 0 {
		// Committed even when a later partition failed: those written
		// are on disk.
		if cerr := r.cl.CommitRecords(context.WithoutCancel(ctx), written...); cerr != nil && err == nil {
			err = fmt.Errorf("event hub: the messages were written but their offsets not committed (they will be read again, and counted once): %w", cerr)
		}
	}
	return n, err
}
