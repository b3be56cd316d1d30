package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/mamori-sec/mamori/internal/eventhub"
	"github.com/mamori-sec/mamori/internal/plural"
)

// hubsOf streams a simulated tenant's diagnostic-settings logs as Azure
// does into event hubs: each insights-… folder is a hub, its records sent
// as {"records":[…]} messages of up to 25 over two partitions. It returns
// the hubs, the messages, and a folder holding the same files, for a
// hunt of the same records.
func hubsOf(t *testing.T, sim string) (hubs []string, msgs []*kgo.Record, export string) {
	t.Helper()
	export = t.TempDir()
	entries, err := os.ReadDir(sim)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "insights-") {
			continue
		}
		hub := e.Name()
		hubs = append(hubs, hub)
		var lines []string
		err := filepath.WalkDir(filepath.Join(sim, hub), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(sim, path)
			if err := os.MkdirAll(filepath.Dir(filepath.Join(export, rel)), 0o750); err != nil {
				return err
			}
			lines = append(lines, strings.Split(strings.TrimSpace(string(b)), "\n")...)
			return os.WriteFile(filepath.Join(export, rel), b, 0o640)
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(lines); i += 25 {
			batch := lines[i:min(i+25, len(lines))]
			msgs = append(msgs, &kgo.Record{Topic: hub, Partition: int32(i / 25 % 2), Value: []byte(`{"records":[` + strings.Join(batch, ",") + `]}`)})
		}
	}
	if len(hubs) < 2 || len(msgs) == 0 {
		t.Fatalf("the simulated tenant has hubs %v, %d messages", hubs, len(msgs))
	}
	return hubs, msgs, export
}

// serve --kafka reads a tenant's logs from its event hubs (a Kafka
// cluster in the test, as Event Hubs' Kafka endpoint speaks) and finds
// in them what a hunt of the same records as files finds; started again,
// the consumer group's offsets say nothing is new.
func TestServeReadsEventHubs(t *testing.T) {
	sim := t.TempDir()
	if code, _, errs := run(t, "", "simulate", "--out", sim, "--seed", "11", "--days", "5", "--shape", "records", "--scenario", "gpu-scaleset-chain"); code != ExitOK {
		t.Fatalf("simulate: exit %d: %s", code, errs)
	}
	hubs, msgs, export := hubsOf(t, sim)
	c, err := kfake.NewCluster(kfake.SeedTopics(2, hubs...))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchMaxBytes(16<<20))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(), msgs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	was := hubLimits
	hubLimits = eventhub.Limits{Join: 20 * time.Second, Wait: time.Second, Ask: 5 * time.Second, Bytes: 1 << 30}
	t.Cleanup(func() { hubLimits = was })

	// --eventhub-test: the hubs, what each keeps, none read yet.
	kafka := strings.Join(c.ListenAddrs(), ",")
	code, out, errs := run(t, "", "serve", "--kafka", kafka, "--eventhub-test")
	kept := map[string]int{}
	for _, m := range msgs {
		kept[m.Topic]++
	}
	for hub, n := range kept {
		if line := fmt.Sprintf("  %s: 2 partitions, %s kept, the group mamori has read none: all to read\n", hub, plural.Count(n, "message", "messages")); code != ExitOK || !strings.Contains(out, line) {
			t.Errorf("--eventhub-test: exit %d, no %q in\n%s%s", code, line, out, errs)
		}
	}
	db, data, folder := filepath.Join(t.TempDir(), "m.db"), t.TempDir(), t.TempDir()
	args := []string{"serve", "--once", "--store", db, "--data-dir", data, "--kafka", kafka, folder}
	code, out, errs = run(t, "", args...)
	if code != ExitOK || !strings.Contains(errs, "mamori serve: event hub: "+strconv.Itoa(len(msgs))+" messages new") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	_, hout, _ := run(t, "", "hunt", "--format", "jsonl", "--data-dir", data, export)
	ids := func(s string) []string { return ruleIDs(t, s) }
	got, want := ids(out), ids(hout)
	t.Logf("%d messages, %d alerts; stderr:\n%s", len(msgs), len(got), errs)
	if len(want) == 0 || !slices.Equal(got, want) || !strings.Contains(strings.Join(got, "\n"), "azure.compute.gpu_created") {
		t.Errorf("serve read from the hubs\n%s\nthe hunt of the files\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	code, out, errs = run(t, "", args...)
	if code != ExitOK || out != "" || !strings.Contains(errs, "event hub: 0 messages new") || !strings.Contains(errs, "nothing new") {
		t.Errorf("started again: exit %d, %d alerts, stderr:\n%s", code, len(jsonl(t, out)), errs)
	}
	if code, out, _ := run(t, "", "serve", "--kafka", kafka, "--eventhub-test"); code != ExitOK || strings.Count(out, ", 0 not yet read by the group mamori\n") != len(kept) {
		t.Errorf("--eventhub-test once read: exit %d\n%s", code, out)
	}
	if code, out, _ := run(t, "", "serve", "--kafka", kafka, "--eventhub-test", "--eventhub-name", "insights-logs-nothere"); code != ExitError || !strings.Contains(out, "cannot be read:") {
		t.Errorf("--eventhub-test of a hub not there: exit %d\n%s", code, out)
	}
	// --keep-written removes the messages' files read whole (not those
	// a window still reads again), and what they held stays in the store.
	files := func() (n int) {
		filepath.WalkDir(filepath.Join(folder, "eventhub"), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	before := files()
	time.Sleep(1100 * time.Millisecond)
	code, out, errs = run(t, "", append([]string{"serve", "--keep-written", "1s"}, args[1:]...)...)
	if after := files(); code != ExitOK || out != "" || after >= before || !strings.Contains(errs, fmt.Sprintf("removed %d files", before-after)) {
		t.Errorf("--keep-written: exit %d, %d files then %d, stderr:\n%s", code, before, after, errs)
	}
	t.Logf("--keep-written: %d files then %d: %s", before, files(), errs)
	if code, out, _ := run(t, "", "alerts", "--store", db, "--format", "jsonl"); code != ExitOK || !slices.Equal(ids(out), want) {
		t.Errorf("the store after the files went: exit %d, %d alerts", code, len(jsonl(t, out)))
	}
}

// The flags are checked before anything connects, and the connection
// string, a secret, is never printed.
func TestServeHubFlags(t *testing.T) {
	const key = "c2VjcmV0LWtleS1vZi10aGUtdGVzdA=="
	folder := t.TempDir()
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--eventhub", "contoso-logs", "--kafka", "127.0.0.1:9092"}, "", "one or the other"},
		{[]string{"--eventhub-name", "insights-activity-logs"}, "", "with --eventhub, --eventhub-connections or --kafka"},
		{[]string{"--eventhub", "contoso-logs", "--kafka-tls"}, "", "--kafka-tls: with --kafka"},
		{[]string{"--kafka", "nowhere"}, "", "not host:port"},
		{[]string{"--kafka", "127.0.0.1:9092", "--eventhub-name", "../etc"}, "", "not an event hub's name"},
		{[]string{"--kafka", "127.0.0.1:9092", "--eventhub-group", ""}, "", "--eventhub-group"},
		{[]string{"--eventhub", "contoso logs"}, "", "not an Event Hubs namespace"},
		{[]string{"--eventhub", "contoso-logs@contoso"}, "", `"contoso" is not a tenant id`},
		{[]string{"--eventhub", "contoso-logs@"}, "", `"" is not a tenant id`},
		{[]string{"--eventhub", "contoso-logs"}, "Endpoint=sb://contoso-logs.servicebus.windows.net/;SharedAccessKeyName=listen", "no SharedAccessKeyName and SharedAccessKey"},
		{[]string{"--eventhub", "fabrikam-logs"}, "Endpoint=sb://contoso-logs.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=" + key, "is for contoso-logs.servicebus.windows.net, and --eventhub names fabrikam-logs.servicebus.windows.net"},
	} {
		t.Setenv("MAMORI_EVENTHUB_CONNECTION_STRING", c.env)
		code, _, errs := run(t, "", append(append([]string{"serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir()}, c.args...), folder)...)
		if code != ExitUsage || !strings.Contains(errs, c.want) || strings.Contains(errs, key) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, errs, c.want)
		}
	}
}

// Namespaces signed in with Entra ID each take the credential of their
// tenant (NAME@TENANT_ID), one credential a tenant, the credential's own
// for those that name none; a namespace with a connection string takes
// none.
func TestEventHubTenants(t *testing.T) {
	const t1, t2 = "72f9acbf-0000-4c1e-9e5a-0a1b2c3d4e5f", "0badf00d-1234-4abc-8def-00000000cafe"
	made := map[string]azcore.TokenCredential{}
	was := hubCredential
	hubCredential = func(tenant string) (azcore.TokenCredential, error) {
		if made[tenant] != nil {
			t.Errorf("a second credential for tenant %q", tenant)
		}
		made[tenant] = &tenantCred{tenant: tenant}
		return made[tenant], nil
	}
	t.Cleanup(func() { hubCredential = was })
	t.Setenv("MAMORI_EVENTHUB_CONNECTION_STRING", "Endpoint=sb://woodgrove-logs.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=a2V5")
	h := hubFlags{group: "mamori", eventhubs: multiFlag{"contoso-logs@" + strings.ToUpper(t1) + ",fabrikam-logs.servicebus.windows.net@" + t2, "tailspin-logs", "adatum-logs@" + t1, "woodgrove-logs"}}
	if err := h.check(); err != nil {
		t.Fatal(err)
	}
	srcs, err := h.sources(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"contoso-logs.servicebus.windows.net": t1, "fabrikam-logs.servicebus.windows.net": t2, "tailspin-logs.servicebus.windows.net": "", "adatum-logs.servicebus.windows.net": t1}
	for _, s := range srcs {
		if s.name == "woodgrove-logs.servicebus.windows.net" {
			if s.cfg.Credential != nil || s.cfg.Conn == nil {
				t.Errorf("woodgrove, with its connection string: %+v", s.cfg)
			}
			continue
		}
		tenant, ok := want[s.name]
		c, _ := s.cfg.Credential.(*tenantCred)
		if !ok || c == nil || c.tenant != tenant || s.cfg.Audience != "https://"+s.name {
			t.Errorf("%s: credential %+v, audience %s; want tenant %q", s.name, c, s.cfg.Audience, tenant)
		}
		delete(want, s.name)
	}
	if len(want) > 0 || len(made) != 3 {
		t.Errorf("namespaces not read: %v; credentials made for %d tenants, want 3", want, len(made))
	}
}

// tenantCred is a credential that only says its tenant.
type tenantCred struct{ tenant string }

func (c *tenantCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("no token here")
}

// What a read says of the hubs it holds in part and of its lag.
func TestHubSaid(t *testing.T) {
	got := sharedSaid([]eventhub.Share{{Hub: "insights-activity-logs", Held: 1, Of: 4}, {Hub: "insights-\x1b[2Jlogs", Held: 0, Of: 1}}, "mamori")
	want := "this serve holds 1 of the 4 partitions of insights-activity-logs, 0 of the 1 partitions of insights-\\x1b[2Jlogs: another member of the consumer group mamori reads the rest"
	if !strings.HasPrefix(got, want) || sharedSaid(nil, "mamori") != "" {
		t.Errorf("%q", got)
	}
	if waitingSaid(0) != "" || waitingSaid(1200) != ", 1200 still waiting in the hubs (read by the next cycles)" {
		t.Errorf("%q", waitingSaid(1200))
	}
}

// A service over many tenants reads each one's namespace, signed in with
// its own connection string from a file, into a folder of its own, and
// finds each tenant's attack as a hunt of its records as files does.
func TestServeReadsEachNamespace(t *testing.T) {
	srv := httptest.NewTLSServer(nil) // its certificate, for the loopback
	cert, pool := srv.TLS.Certificates[0], x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	srv.Close()
	namespaces := map[string]string{}
	var exports, lines []string
	for i, ns := range []string{"contoso-logs", "fabrikam-logs"} {
		sim := t.TempDir()
		if code, _, errs := run(t, "", "simulate", "--out", sim, "--seed", strconv.Itoa(21+i), "--days", "4", "--shape", "records", "--scenario", "gpu-scaleset-chain"); code != ExitOK {
			t.Fatalf("simulate: exit %d: %s", code, errs)
		}
		hubs, msgs, export := hubsOf(t, sim)
		conn := "Endpoint=sb://" + ns + ".servicebus.windows.net/;SharedAccessKeyName=mamori;SharedAccessKey=a2V5LW9m" + ns
		c, err := kfake.NewCluster(kfake.SeedTopics(2, hubs...), kfake.EnableSASL(), kfake.Superuser("PLAIN", "$ConnectionString", conn),
			kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchMaxBytes(16<<20),
			kgo.DialTLSConfig(&tls.Config{RootCAs: pool}), kgo.SASL(plain.Auth{User: "$ConnectionString", Pass: conn}.AsMechanism()))
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(context.Background(), msgs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
		cl.Close()
		namespaces[ns+".servicebus.windows.net"] = c.ListenAddrs()[0]
		exports, lines = append(exports, export), append(lines, conn)
	}
	wasBroker, wasCAs, wasLimits := hubBroker, hubRootCAs, hubLimits
	hubBroker = func(host string) (string, error) { return namespaces[host], nil }
	hubRootCAs, hubLimits = pool, eventhub.Limits{Join: 20 * time.Second, Wait: time.Second, Ask: 5 * time.Second, Bytes: 1 << 30}
	t.Cleanup(func() { hubBroker, hubRootCAs, hubLimits = wasBroker, wasCAs, wasLimits })

	conns := filepath.Join(t.TempDir(), "connections")
	if err := os.WriteFile(conns, []byte("# each customer's listen policy\n"+lines[0]+"\n\n"+lines[1]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, data, folder := filepath.Join(t.TempDir(), "m.db"), t.TempDir(), t.TempDir()
	code, out, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, "--eventhub-connections", conns, folder)
	if code != ExitOK || strings.Contains(errs, "SharedAccessKey") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	for host := range namespaces {
		if !strings.Contains(errs, "mamori serve: event hub "+host+": ") {
			t.Errorf("no read of %s said:\n%s", host, errs)
		}
		if _, err := os.Stat(filepath.Join(folder, "eventhub", host, "insights-activity-logs")); err != nil {
			t.Errorf("%s's folder: %v", host, err)
		}
	}
	_, hout, _ := run(t, "", append([]string{"hunt", "--format", "jsonl", "--data-dir", data}, exports...)...)
	got, want := ruleIDs(t, out), ruleIDs(t, hout)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("serve read from the namespaces\n%s\nthe hunt of the files\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	tenants := map[string]bool{}
	for _, a := range jsonl(t, out) {
		tenants[a.Tenant] = true
	}
	if len(tenants) != 2 {
		t.Errorf("alerts of %d tenants, want 2", len(tenants))
	}

	// mamori status lists each namespace's reads; a key rotated under
	// one is failing the cycle it fails, and exits 3 past --failing; a
	// namespace serve no longer reads is forgotten. (A refused sign-in
	// ends its read at the Join limit: shortened here.)
	status := func(args ...string) (int, string) {
		code, out, errs := run(t, "", append([]string{"status", "--store", db}, args...)...)
		if strings.Contains(out+errs, "a2V5") {
			t.Errorf("status quotes a key:\n%s%s", out, errs)
		}
		return code, out
	}
	if code, out := status("--format", "json"); code != ExitOK || strings.Count(out, `"kind": "eventhub"`) != 2 || strings.Contains(out, "failing_since") {
		t.Errorf("status after reading both: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(conns, []byte(strings.Replace(lines[1], "a2V5", "d3Jvbmc", 1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hubLimits.Join = 3 * time.Second
	if code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, "--eventhub-connections", conns, folder); code != ExitOK ||
		!strings.Contains(errs, "mamori serve: event hub: the consumer group gave no partition") || strings.Contains(errs, "d3Jvbmc") {
		t.Fatalf("a rotated key: exit %d, stderr:\n%s", code, errs)
	}
	if code, out := status(); code != ExitOK || !strings.Contains(out, "event hub fabrikam-logs.servicebus.windows.net: ") || !strings.Contains(out, "; failing since ") ||
		strings.Contains(out, "FAILING") || strings.Contains(out, "contoso") {
		t.Errorf("failing within --failing: exit %d\n%s", code, out)
	}
	code, out = status("--failing", "1ms")
	if code != ExitFindings || !strings.Contains(out, "FAILING: ") || !strings.Contains(out, "\n  event hub fabrikam-logs.servicebus.windows.net: failing since ") {
		t.Errorf("failing past --failing: exit %d\n%s", code, out)
	}

	// The file's errors name its line and never its text.
	for _, c := range []struct{ text, want string }{
		{"# none\n", "no connection string in it"},
		{lines[0] + "\nEndpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=a\n", "line 2: the Event Hubs connection string has no SharedAccessKeyName and SharedAccessKey"},
		{lines[0] + "\n# the same again\n\n" + lines[0] + "\n", "line 4: a second connection string for contoso-logs.servicebus.windows.net"},
	} {
		if err := os.WriteFile(conns, []byte(c.text), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, "--eventhub-connections", conns, folder)
		if code != ExitUsage || !strings.Contains(errs, c.want) || strings.Contains(errs, "a2V5") {
			t.Errorf("%q: exit %d, %q", c.text, code, errs)
		}
	}
	os.Chmod(conns, 0o644)
	if _, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, "--eventhub-connections", conns, folder); !strings.Contains(errs, "others may read it (mode -rw-r--r--)") {
		t.Errorf("a file others may read: %q", errs)
	}
}

// ruleIDs are the alerts' rules and ids, sorted.
func ruleIDs(t *testing.T, s string) (out []string) {
	for _, a := range jsonl(t, s) {
		out = append(out, a.Rule+" "+a.ID)
	}
	slices.Sort(out)
	return out
}
