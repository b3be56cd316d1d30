package eventhub

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// limits are a test's: the fake broker answers at once.
var limits = Limits{Join: 20 * time.Second, Wait: 500 * time.Millisecond, Ask: 3 * time.Second}

// produce sends each message to its hub and partition.
func produce(t *testing.T, brokers []string, msgs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), msgs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func msg(hub string, partition int32, value string) *kgo.Record {
	return &kgo.Record{Topic: hub, Partition: partition, Value: []byte(value)}
}

// written returns the lines of every file under dir, by hub/partition,
// files in the order of their names.
func written(t *testing.T, dir string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") {
			t.Errorf("a partial file left: %s", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(path))
		got[filepath.ToSlash(rel)] = append(got[filepath.ToSlash(rel)], strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Each message is written once, a line each, into its hub's and
// partition's folder; offsets committed are where the group goes on
// from, after a restart too; hubs diagnostic settings did not name are
// not read unless asked for.
func TestReadWritesEachMessageOnce(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(2, "insights-activity-logs", "insights-logs-signinlogs", "billing"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	pretty := "{\n  \"records\": [\n    {\"time\": \"2026-03-02T00:00:01Z\"}\n  ]\n}"
	msgs := []*kgo.Record{
		msg("insights-activity-logs", 0, `{"records":[{"operationName":"a"}]}`),
		msg("insights-activity-logs", 0, pretty),
		msg("insights-activity-logs", 1, "not JSON\nat all"),
		msg("insights-activity-logs", 1, ""),
		msg("insights-logs-signinlogs", 0, `{"records":[{"category":"SignInLogs"}]}`),
		msg("billing", 0, `{"cost":1}`),
	}
	produce(t, brokers, msgs...)
	var bytes int64
	for _, m := range msgs[:5] {
		bytes += int64(len(m.Value))
	}
	dir := t.TempDir()
	r, err := Open(Config{Brokers: brokers, Group: "mamori"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Read(context.Background(), dir, limits)
	if err != nil {
		t.Fatal(err)
	}
	if got.Messages != 4 || got.Bytes != bytes || got.Files != 3 || got.Empty != 1 || got.Waiting != 0 || got.Shared != nil {
		t.Errorf("read %+v", got)
	}
	want := map[string][]string{
		"insights-activity-logs/0":   {`{"records":[{"operationName":"a"}]}`, `{"records":[{"time":"2026-03-02T00:00:01Z"}]}`},
		"insights-activity-logs/1":   {"not JSON at all"},
		"insights-logs-signinlogs/0": {`{"records":[{"category":"SignInLogs"}]}`},
	}
	if w := written(t, dir); !equal(w, want) {
		t.Errorf("wrote %q\nwant %q", w, want)
	}
	// Read again: nothing new, nothing written.
	if got, err := r.Read(context.Background(), dir, limits); err != nil || got.Messages != 0 || got.Files != 0 || got.Empty != 0 {
		t.Errorf("read again: %+v, %v", got, err)
	}
	r.Close()

	// Started again: the group goes on from its committed offsets. Its
	// polls wait so little that the first comes back before the
	// partition's first fetch does: the read goes on while the brokers
	// say a message waits.
	produce(t, brokers, msg("insights-activity-logs", 1, `{"records":[{"n":2}]}`))
	r, err = Open(Config{Brokers: brokers, Group: "mamori"})
	if err != nil {
		t.Fatal(err)
	}
	short := limits
	short.Wait = time.Millisecond
	got, err = r.Read(context.Background(), dir, short)
	r.Close()
	want["insights-activity-logs/1"] = append(want["insights-activity-logs/1"], `{"records":[{"n":2}]}`)
	if w := written(t, dir); err != nil || got.Messages != 1 || !equal(w, want) {
		t.Errorf("started again: %+v, %v, wrote %q", got, err, w)
	}

	// Another group reads it all; named hubs are read, others not.
	other := t.TempDir()
	r, err = Open(Config{Brokers: brokers, Group: "audit", Hubs: []string{"billing"}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Read(context.Background(), other, limits); err != nil || !equal(written(t, other), map[string][]string{"billing/0": {`{"cost":1}`}}) {
		t.Errorf("named hub: %v, %q", err, written(t, other))
	}
}

func equal(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// A read's bytes bound: the rest waits for the next read.
func TestReadStopsAtItsBytes(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(1, "insights-activity-logs"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var msgs []*kgo.Record
	for range 50 {
		msgs = append(msgs, msg("insights-activity-logs", 0, `{"records":[{"operationName":"`+strings.Repeat("x", 100)+`"}]}`))
	}
	produce(t, c.ListenAddrs(), msgs...)
	r, err := Open(Config{Brokers: c.ListenAddrs(), Group: "mamori"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dir := t.TempDir()
	total := 0
	for i := 0; i < 50 && total < 50; i++ {
		lim := limits
		lim.Bytes = 1
		got, err := r.Read(context.Background(), dir, lim)
		if err != nil {
			t.Fatal(err)
		}
		if got.Messages == 0 {
			break
		}
		total += got.Messages
		if got.Waiting != int64(50-total) {
			t.Errorf("after %d messages, %d said waiting", total, got.Waiting)
		}
	}
	lines := written(t, dir)["insights-activity-logs/0"]
	if total != 50 || len(lines) != 50 {
		t.Errorf("read %d messages, wrote %d lines", total, len(lines))
	}
}

// Two serves in one group each hold some of a hub's partitions: each
// says so, as each hunts only its share.
func TestReadSaysTheHubsItShares(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(2, "insights-activity-logs"), kfake.SeedTopics(1, "insights-logs-auditlogs"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	produce(t, c.ListenAddrs(), msg("insights-activity-logs", 0, `{"records":[]}`), msg("insights-activity-logs", 1, `{"records":[]}`))
	a, err := Open(Config{Brokers: c.ListenAddrs(), Group: "mamori"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got, err := a.Read(context.Background(), t.TempDir(), limits)
	if err != nil || got.Messages != 2 || got.Shared != nil {
		t.Fatalf("alone: %+v, %v", got, err)
	}
	b, err := Open(Config{Brokers: c.ListenAddrs(), Group: "mamori"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// a lets the group rebalance between its reads; b waits for its share.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 40; i++ {
			if got, _ := a.Read(context.Background(), t.TempDir(), limits); got.Shared != nil {
				return
			}
		}
	}()
	got, err = b.Read(context.Background(), t.TempDir(), limits)
	<-done
	if err != nil || len(got.Shared) == 0 {
		t.Fatalf("the second member: %+v, %v", got, err)
	}
	// Three partitions between two members: every one held by one of
	// them, each member holding some.
	ga, err := a.Read(context.Background(), t.TempDir(), limits)
	if err != nil || len(ga.Shared) == 0 {
		t.Fatalf("a says it holds every partition: %+v, %v", ga, err)
	}
	for hub, of := range map[string]int{"insights-activity-logs": 2, "insights-logs-auditlogs": 1} {
		if n := heldOf(ga.Shared, hub, of) + heldOf(got.Shared, hub, of); n != of {
			t.Errorf("%s: a and b hold %d of its %d partitions (a %+v, b %+v)", hub, n, of, ga.Shared, got.Shared)
		}
	}
}

// heldOf is how many of a hub's of partitions a reader holds, as its
// shares say.
func heldOf(shares []Share, hub string, of int) int {
	for _, sh := range shares {
		if sh.Hub == hub {
			if sh.Of != of {
				return -1
			}
			return sh.Held
		}
	}
	return of
}

// A hub that never stops does not hold a read past its time: what came
// is written and committed, what keeps coming waits for the next read.
func TestReadEndsWhileMessagesKeepComing(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(1, "insights-activity-logs"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { // a message every 50 ms until the test ends
		defer close(done)
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
		if err != nil {
			return
		}
		defer cl.Close()
		for ctx.Err() == nil {
			cl.ProduceSync(ctx, msg("insights-activity-logs", 0, `{"records":[]}`))
			time.Sleep(50 * time.Millisecond)
		}
	}()
	defer func() { stop(); <-done }()
	r, err := Open(Config{Brokers: c.ListenAddrs(), Group: "mamori"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	lim := limits
	lim.Join, lim.Wait = 3*time.Second, 300*time.Millisecond
	start := time.Now()
	got, err := r.Read(context.Background(), t.TempDir(), lim)
	if took := time.Since(start); err != nil || got.Messages == 0 || took > 3*lim.Join {
		t.Errorf("read %+v, %v, in %v", got, err, took)
	}
}

// A namespace's connection string signs in over TLS as Event Hubs asks
// (user $ConnectionString, the string as the password); a wrong one is
// refused, and no error quotes it.
func TestConnectionStringSignsIn(t *testing.T) {
	const good = "Endpoint=sb://contoso-logs.servicebus.windows.net/;SharedAccessKeyName=mamori-listen;SharedAccessKey=c2VjcmV0LWtleS1vZi10aGUtdGVzdA=="
	c, pool := namespaceCluster(t, good)
	// The fake broker's own producer signs in as its superuser.
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DialTLSConfig(&tls.Config{RootCAs: pool}),
		kgo.SASL(plainAuth("$ConnectionString", good)))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(), msg("insights-activity-logs", 0, `{"records":[]}`)).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()

	conn, err := ParseConnectionString(good)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(Config{Brokers: c.ListenAddrs(), Group: "mamori", Conn: &conn, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Read(context.Background(), t.TempDir(), limits)
	r.Close()
	if err != nil || got.Messages != 1 {
		t.Fatalf("signed in: %+v, %v", got, err)
	}

	const key = "d3Jvbmcta2V5LXdyb25nLWtleQ=="
	bad, err := ParseConnectionString(strings.Replace(good, "c2VjcmV0LWtleS1vZi10aGUtdGVzdA==", key, 1))
	if err != nil {
		t.Fatal(err)
	}
	r, err = Open(Config{Brokers: c.ListenAddrs(), Group: "mamori", Conn: &bad, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	lim := limits
	lim.Join = 3 * time.Second
	got, err = r.Read(context.Background(), t.TempDir(), lim)
	if err == nil || got.Messages != 0 || strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "SharedAccessKey=") {
		t.Errorf("a wrong key: %+v, %v", got, err)
	}
	t.Logf("a wrong key: %v", err)
	if s := bad.String(); strings.Contains(s, key) || !strings.Contains(s, "contoso-logs.servicebus.windows.net") {
		t.Errorf("String: %q", s)
	}
}

// namespaceCluster is a broker as an Event Hubs namespace is one: TLS,
// and SASL PLAIN with the connection string conn (user
// $ConnectionString), one hub of one partition; and a pool that trusts
// its certificate. It is closed when the test ends.
func namespaceCluster(t *testing.T, conn string) (*kfake.Cluster, *x509.CertPool) {
	t.Helper()
	cert, pool := selfSigned(t)
	c, err := kfake.NewCluster(kfake.SeedTopics(1, "insights-activity-logs"), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "$ConnectionString", conn),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, pool
}

// selfSigned is a certificate for the loopback and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kafka.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k, Leaf: leaf}, pool
}

func plainAuth(user, pass string) sasl.Mechanism {
	return plain.Auth{User: user, Pass: pass}.AsMechanism()
}
