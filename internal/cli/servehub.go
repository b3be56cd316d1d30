package cli

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/mamori-sec/mamori/internal/eventhub"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/store"
)

// serve --eventhub reads the Event Hubs a tenant's diagnostic settings
// stream to (through their Kafka endpoint; --kafka: any Kafka) into
// FOLDER/eventhub/NAMESPACE/HUB/PARTITION/, where the cycle that follows
// hunts them as any export's files: the live path with no storage account
// between. A service over many tenants reads each one's namespace.

// hubFolder is where serve writes the hubs' messages, under its first
// folder.
const hubFolder = "eventhub"

// hubFlags are serve's options for reading event hubs.
type hubFlags struct {
	eventhubs   multiFlag // --eventhub: namespaces
	connections string    // --eventhub-connections: a file of connection strings
	kafka       string    // --kafka: brokers of a Kafka of one's own
	kafkaTLS    bool      // --kafka-tls
	names       multiFlag // --eventhub-name: the hubs (topics) read
	group       string    // --eventhub-group: the consumer group
	test        bool      // --eventhub-test: say what each namespace holds, and exit
}

func (h *hubFlags) register(fs *flag.FlagSet) {
	fs.Var(&h.eventhubs, "eventhub", "also read the Event Hubs `namespace` (NAME or NAME.servicebus.windows.net; repeatable) the tenant's diagnostic settings stream to, through its Kafka endpoint, into FOLDER/eventhub, the first FOLDER's: signed in with the environment's MAMORI_EVENTHUB_CONNECTION_STRING (a listen policy's), else as for posture (Azure Event Hubs Data Receiver), in the namespace's tenant when written NAME@TENANT_ID (a service's app consented in each customer's tenant)")
	fs.StringVar(&h.connections, "eventhub-connections", "", "also read the namespace of each Event Hubs connection string in this `file` (a line each; # comments): a service over many tenants, each streaming to its own namespace. A secret: chmod 600")
	fs.Var(&h.names, "eventhub-name", "the event `hub` (topic) to read; repeatable, or comma-separated (default: every hub named insights-…, those diagnostic settings make, or a connection string's EntityPath)")
	fs.StringVar(&h.group, "eventhub-group", "mamori", "the Kafka consumer `group` whose committed offsets each read goes on from (a new one starts at the oldest message the hubs keep)")
	fs.StringVar(&h.kafka, "kafka", "", "read the hubs from a Kafka of one's own instead (`host:port`[,host:port…]; no sign-in; --kafka-tls for TLS)")
	fs.BoolVar(&h.kafkaTLS, "kafka-tls", false, "with --kafka, connect over TLS")
	fs.BoolVar(&h.test, "eventhub-test", false, "sign in to each namespace (or --kafka), list the hubs serve would read, the messages each keeps and how many the consumer group has still to read, and exit")
}

// reads reports whether serve reads any hub.
func (h *hubFlags) reads() bool {
	return len(h.eventhubs) > 0 || h.connections != "" || h.kafka != ""
}

// check checks the flags without reading the connections or connecting.
func (h *hubFlags) check() error {
	switch {
	case h.kafka != "" && (len(h.eventhubs) > 0 || h.connections != ""):
		return errors.New("--eventhub and --kafka: one or the other")
	case !h.reads() && (len(h.names) > 0 || h.kafkaTLS || h.test):
		return errors.New("--eventhub-name, --eventhub-test, --kafka-tls: with --eventhub, --eventhub-connections or --kafka")
	case h.kafkaTLS && h.kafka == "":
		return errors.New("--kafka-tls: with --kafka (--eventhub is always TLS)")
	case h.group == "" || len(h.group) > 255 || strings.IndexFunc(h.group, unicode.IsControl) >= 0:
		return errors.New("--eventhub-group: a consumer group's name (1 to 255 characters)")
	}
	for _, n := range splitList(h.names) {
		if !eventhub.ValidHub(n) {
			return fmt.Errorf("--eventhub-name %q: not an event hub's name (letters, digits, '.', '-', '_')", report.Terminal(n))
		}
	}
	for _, b := range splitList([]string{h.kafka}) {
		if host, port, err := net.SplitHostPort(b); err != nil || host == "" || port == "" {
			return fmt.Errorf("--kafka %q: not host:port", report.Terminal(b))
		}
	}
	for _, v := range splitList(h.eventhubs) {
		ns, tenant, named := namespaceTenant(v)
		if _, err := eventhub.Broker(ns); err != nil {
			return fmt.Errorf("--eventhub %q: %w", report.Terminal(v), err)
		}
		if named && !guid.MatchString(tenant) {
			return fmt.Errorf("--eventhub %q: %q is not a tenant id (NAME@TENANT_ID, the tenant's GUID)", report.Terminal(v), report.Terminal(tenant))
		}
	}
	return nil
}

// namespaceTenant splits --eventhub's NAME@TENANT_ID; named is false,
// and tenant "", for a namespace of the credential's own tenant.
func namespaceTenant(v string) (namespace, tenant string, named bool) {
	return strings.Cut(v, "@")
}

// hubCredential makes the Entra ID credential of a tenant ("": the
// credential's own) for namespaces signed in without a connection string
// (tests stand in one of their own).
var hubCredential = azure.NewCredential

// hubSource is one namespace (or Kafka) to read, and the folder its
// messages go into, under FOLDER/eventhub.
type hubSource struct {
	name string // the namespace's host, or "kafka"
	cfg  eventhub.Config
}

// Seams for the tests, which stand a Kafka cluster of their own in for
// the namespaces: where a namespace's Kafka endpoint is, and the
// authorities trusted for its certificate (nil: the system's).
var (
	hubBroker  = eventhub.Broker
	hubRootCAs *x509.CertPool
)

// sources are the namespaces to read, each signed in with its connection
// string (the environment's, the file's) or else with Entra ID. The
// connection strings come from the environment and a file only: a
// flag's value is in every process list.
func (h *hubFlags) sources(stderr io.Writer) ([]hubSource, error) {
	if h.kafka != "" {
		return []hubSource{{name: "kafka", cfg: eventhub.Config{Brokers: splitList([]string{h.kafka}), TLS: h.kafkaTLS, Hubs: splitList(h.names), Group: h.group}}}, nil
	}
	conns := map[string]eventhub.Conn{} // by namespace host
	var order []string
	add := func(c eventhub.Conn, from string) error {
		if _, dup := conns[c.Host]; dup {
			return fmt.Errorf("%s: a second connection string for %s", from, c.Host)
		}
		conns[c.Host] = c
		order = append(order, c.Host)
		return nil
	}
	if s := os.Getenv("MAMORI_EVENTHUB_CONNECTION_STRING"); strings.TrimSpace(s) != "" && len(h.eventhubs) > 0 {
		c, err := eventhub.ParseConnectionString(s)
		if err != nil {
			return nil, fmt.Errorf("MAMORI_EVENTHUB_CONNECTION_STRING: %w", err)
		}
		if !slices.ContainsFunc(splitList(h.eventhubs), func(ns string) bool { return namespaceHost(ns) == c.Host }) {
			return nil, fmt.Errorf("MAMORI_EVENTHUB_CONNECTION_STRING is for %s, and --eventhub names %s", c.Host, strings.Join(hostsOf(h.eventhubs), ", "))
		}
		if err := add(c, "MAMORI_EVENTHUB_CONNECTION_STRING"); err != nil {
			return nil, err
		}
	}
	if h.connections != "" {
		cs, lines, err := readConnections(h.connections, stderr)
		if err != nil {
			return nil, err
		}
		for i, c := range cs {
			if err := add(c, fmt.Sprintf("--eventhub-connections %s, line %d", report.Terminal(h.connections), lines[i])); err != nil {
				return nil, err
			}
		}
	}
	var out []hubSource
	source := func(host, namespace string, cfg eventhub.Config) error {
		broker, err := hubBroker(namespace)
		if err != nil {
			return fmt.Errorf("event hub %s: %w", host, err)
		}
		cfg.Brokers, cfg.Group, cfg.RootCAs = []string{broker}, h.group, hubRootCAs
		out = append(out, hubSource{name: host, cfg: cfg})
		return nil
	}
	for _, host := range order {
		c := conns[host]
		hubs := splitList(h.names)
		if len(hubs) == 0 && c.Hub != "" {
			hubs = []string{c.Hub}
		}
		if err := source(host, host, eventhub.Config{Conn: &c, Hubs: hubs}); err != nil {
			return nil, err
		}
	}
	creds := map[string]azcore.TokenCredential{} // by tenant: tokens are a tenant's
	seen := map[string]bool{}
	for _, v := range splitList(h.eventhubs) {
		ns, tenant, _ := namespaceTenant(v)
		tenant = strings.ToLower(tenant)
		host := namespaceHost(ns)
		if _, ok := conns[host]; ok || seen[host] {
			continue // signed in with its connection string, or named twice
		}
		seen[host] = true
		cred := creds[tenant]
		if cred == nil {
			var err error
			if cred, err = hubCredential(tenant); err != nil {
				return nil, err
			}
			creds[tenant] = cred
		}
		// The namespace as given: a port it names is kept.
		if err := source(host, ns, eventhub.Config{Credential: cred, Audience: "https://" + host, Hubs: splitList(h.names)}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// namespaceHost is the host of a namespace as --eventhub names it
// (NAME@TENANT_ID's too).
func namespaceHost(v string) string {
	ns, _, _ := namespaceTenant(v)
	b, err := eventhub.Broker(ns)
	if err != nil {
		return ""
	}
	host, _, _ := net.SplitHostPort(b)
	return host
}

func hostsOf(namespaces []string) (out []string) {
	for _, ns := range splitList(namespaces) {
		if h := namespaceHost(ns); h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// readConnections reads a file of connection strings, a line each, and
// the line of each; its errors name the line, never its text (a line is
// a secret).
func readConnections(path string, stderr io.Writer) (conns []eventhub.Conn, lines []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--eventhub-connections: %w", err)
	}
	defer f.Close()
	secretsReadable("--eventhub-connections", path, "the namespaces' keys", stderr)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c, err := eventhub.ParseConnectionString(line)
		if err != nil {
			return nil, nil, fmt.Errorf("--eventhub-connections %s, line %d: %w", report.Terminal(path), n, err)
		}
		conns, lines = append(conns, c), append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("--eventhub-connections %s: %w", report.Terminal(path), err)
	}
	if len(conns) == 0 {
		return nil, nil, fmt.Errorf("--eventhub-connections %s: no connection string in it", report.Terminal(path))
	}
	return conns, lines, nil
}

// hubLimits bound each cycle's read (tests shorten them).
var hubLimits = eventhub.Limits{Join: time.Minute, Wait: 2 * time.Second, Ask: 15 * time.Second, Bytes: 1 << 30}

// hubReader is serve's reader of one namespace's hubs.
type hubReader struct {
	r      *eventhub.Reader
	dir    string // FOLDER/eventhub/NAMESPACE
	group  string
	source string // the namespace (or "kafka"), as the store keeps its reads
	prefix string // how its lines start on standard error
	shared string // the last read's shares, as said
}

// read writes what waits in the hubs, says on stderr what it read or why
// it could not, and returns what it read and, for the store, how the read
// went.
func (h *hubReader) read(ctx context.Context, stderr io.Writer) (eventhub.Read, store.ReadNoted) {
	got, err := h.r.Read(ctx, h.dir, hubLimits)
	if got.Messages > 0 || err == nil {
		fmt.Fprintf(stderr, "%s %s new (%s)%s%s\n", h.prefix, plural.Count(got.Messages, "message", "messages"),
			bytesText(got.Bytes), emptySaid(got.Empty), waitingSaid(got.Waiting))
	}
	if s := sharedSaid(got.Shared, h.group); s != h.shared {
		h.shared = s
		if s != "" {
			fmt.Fprintln(stderr, h.prefix, s)
		}
	}
	noted := store.ReadNoted{Kind: store.ReaderEventHub, Source: h.source, At: time.Now(), Whole: true, Items: int64(got.Messages), Waiting: got.Waiting}
	if err != nil && ctx.Err() == nil {
		noted.Whole, noted.Said = false, strings.TrimPrefix(err.Error(), "event hub: ")
		fmt.Fprintln(stderr, h.prefix, report.Terminal(noted.Said))
	}
	return got, noted
}

func emptySaid(n int) string {
	if n == 0 {
		return ""
	}
	return ", and " + plural.Count(n, "message", "messages") + " with no body passed over"
}

func waitingSaid(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d still waiting in the hubs (read by the next cycles)", n)
}

// sharedSaid says which hubs this serve holds only part of: the group's
// other members hunt the rest, and an attack split between them is seen
// whole by none.
func sharedSaid(shares []eventhub.Share, group string) string {
	if len(shares) == 0 {
		return ""
	}
	var parts []string
	for _, sh := range shares {
		parts = append(parts, fmt.Sprintf("%d of the %d partitions of %s", sh.Held, sh.Of, report.Terminal(sh.Hub)))
	}
	return fmt.Sprintf("this serve holds %s: another member of the consumer group %s reads the rest, and hunts it apart from this one (run one serve a group)",
		strings.Join(parts, ", "), report.Terminal(group))
}

// hubReaders are serve's readers of event hubs, one a namespace.
type hubReaders []*hubReader

// openHubs opens a reader of each namespace, into the first folder; none
// when serve reads no hub.
func openHubs(h *hubFlags, folder string, stderr io.Writer) (hubReaders, error) {
	if !h.reads() {
		return nil, nil
	}
	if st, err := os.Stat(folder); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder to write the hubs' messages into", report.Terminal(folder))
	}
	srcs, err := h.sources(stderr)
	if err != nil {
		return nil, err
	}
	var rs hubReaders
	for _, s := range srcs {
		r, err := eventhub.Open(s.cfg)
		if err != nil {
			rs.close()
			return nil, err
		}
		prefix := "mamori serve: event hub:"
		if len(srcs) > 1 {
			prefix = "mamori serve: event hub " + s.name + ":"
		}
		rs = append(rs, &hubReader{r: r, dir: filepath.Join(folder, hubFolder, s.name), group: h.group, source: s.name, prefix: prefix})
	}
	return rs, nil
}

// read reads every namespace, several at once (readersAtOnce: a
// namespace that refuses its sign-in or does not answer holds its read
// until Limits.Join, and would hold every namespace after it), notes each
// read (note), and returns what they read together, and whether each read
// all it was to.
func (rs hubReaders) read(ctx context.Context, stderr io.Writer, note func(store.ReadNoted)) (messages int, waiting int64, ok bool) {
	type result struct {
		got   eventhub.Read
		noted store.ReadNoted
	}
	ok = true
	readAtOnce(len(rs), stderr, func(i int, out io.Writer) result {
		got, noted := rs[i].read(ctx, out)
		return result{got, noted}
	}, func(r result) {
		note(r.noted)
		messages, waiting, ok = messages+r.got.Messages, waiting+r.got.Waiting, ok && r.noted.Whole
	})
	return messages, waiting, ok
}

func (rs hubReaders) close() {
	for _, h := range rs {
		h.r.Close()
	}
}
