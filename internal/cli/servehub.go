package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/mamori-sec/mamori/internal/eventhub"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/report"
)

// serve --eventhub reads the Event Hubs a tenant's diagnostic settings
// stream to (through their Kafka endpoint; --kafka: any Kafka) into
// FOLDER/eventhub/HUB/PARTITION/, where the cycle that follows hunts them
// as any export's files: the live path with no storage account between.

// hubFolder is where serve writes the hubs' messages, under its first
// folder.
const hubFolder = "eventhub"

// hubFlags are serve's options for reading event hubs.
type hubFlags struct {
	eventhub string    // --eventhub: the namespace
	kafka    string    // --kafka: brokers of a Kafka of one's own
	kafkaTLS bool      // --kafka-tls
	names    multiFlag // --eventhub-name: the hubs (topics) read
	group    string    // --eventhub-group: the consumer group
}

func (h *hubFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.eventhub, "eventhub", "", "also read the Event Hubs `namespace` (NAME or NAME.servicebus.windows.net) the tenant's diagnostic settings stream to, through its Kafka endpoint, into FOLDER/eventhub, the first FOLDER's: signed in with the environment's MAMORI_EVENTHUB_CONNECTION_STRING (a listen policy's), else as for posture (Azure Event Hubs Data Receiver)")
	fs.Var(&h.names, "eventhub-name", "with --eventhub or --kafka, the event `hub` (topic) to read; repeatable, or comma-separated (default: every hub named insights-…, those diagnostic settings make, or the connection string's EntityPath)")
	fs.StringVar(&h.group, "eventhub-group", "mamori", "the Kafka consumer `group` whose committed offsets each read goes on from (a new one starts at the oldest message the hubs keep)")
	fs.StringVar(&h.kafka, "kafka", "", "read the hubs from a Kafka of one's own instead (`host:port`[,host:port…]; no sign-in; --kafka-tls for TLS)")
	fs.BoolVar(&h.kafkaTLS, "kafka-tls", false, "with --kafka, connect over TLS")
}

// check checks the flags without connecting to anything.
func (h *hubFlags) check() error {
	switch {
	case h.eventhub != "" && h.kafka != "":
		return errors.New("--eventhub and --kafka: one or the other")
	case h.eventhub == "" && h.kafka == "" && (len(h.names) > 0 || h.kafkaTLS):
		return errors.New("--eventhub-name, --kafka-tls: with --eventhub or --kafka")
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
	return nil
}

// config is the reader's configuration; nil when serve reads no hub.
// The connection string comes from the environment only: a flag's value
// is in every process list.
func (h *hubFlags) config() (*eventhub.Config, error) {
	cfg := &eventhub.Config{Hubs: splitList(h.names), Group: h.group}
	switch {
	case h.kafka != "":
		cfg.Brokers, cfg.TLS = splitList([]string{h.kafka}), h.kafkaTLS
		return cfg, nil
	case h.eventhub == "":
		return nil, nil
	}
	broker, err := eventhub.Broker(h.eventhub)
	if err != nil {
		return nil, fmt.Errorf("--eventhub %q: %w", report.Terminal(h.eventhub), err)
	}
	cfg.Brokers = []string{broker}
	host, _, _ := net.SplitHostPort(broker)
	if s := os.Getenv("MAMORI_EVENTHUB_CONNECTION_STRING"); strings.TrimSpace(s) != "" {
		conn, err := eventhub.ParseConnectionString(s)
		if err != nil {
			return nil, fmt.Errorf("MAMORI_EVENTHUB_CONNECTION_STRING: %w", err)
		}
		if conn.Host != host {
			return nil, fmt.Errorf("MAMORI_EVENTHUB_CONNECTION_STRING is for %s, and --eventhub names %s", conn.Host, host)
		}
		if len(cfg.Hubs) == 0 && conn.Hub != "" {
			cfg.Hubs = []string{conn.Hub}
		}
		cfg.Conn = &conn
		return cfg, nil
	}
	cred, err := azure.NewCredential("")
	if err != nil {
		return nil, err
	}
	cfg.Credential, cfg.Audience = cred, "https://"+host
	return cfg, nil
}

// hubLimits bound each cycle's read (tests shorten them).
var hubLimits = eventhub.Limits{Join: time.Minute, Wait: 2 * time.Second, Bytes: 1 << 30}

// hubReader is serve's reader of event hubs.
type hubReader struct {
	r      *eventhub.Reader
	dir    string // FOLDER/eventhub
	group  string
	shared string // the last read's shares, as said
}

// read writes what waits in the hubs, says on stderr what it read or why
// it could not, and returns what it read and whether it read all it was
// to.
func (h *hubReader) read(ctx context.Context, stderr io.Writer) (eventhub.Read, bool) {
	got, err := h.r.Read(ctx, h.dir, hubLimits)
	if got.Messages > 0 || err == nil {
		fmt.Fprintf(stderr, "mamori serve: event hub: %s new (%s)%s%s\n", plural.Count(got.Messages, "message", "messages"),
			bytesText(got.Bytes), emptySaid(got.Empty), waitingSaid(got.Waiting))
	}
	if s := sharedSaid(got.Shared, h.group); s != h.shared {
		h.shared = s
		if s != "" {
			fmt.Fprintln(stderr, "mamori serve: event hub:", s)
		}
	}
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "mamori serve: event hub:", report.Terminal(strings.TrimPrefix(err.Error(), "event hub: ")))
		return got, false
	}
	return got, true
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

func emptySaid(n int) string {
	if n == 0 {
		return ""
	}
	return ", and " + plural.Count(n, "message", "messages") + " with no body passed over"
}

// openHub opens the reader of the hubs, into the first folder; nil when
// serve reads none.
func openHub(h *hubFlags, folder string) (*hubReader, error) {
	cfg, err := h.config()
	if cfg == nil || err != nil {
		return nil, err
	}
	if st, err := os.Stat(folder); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder to write the hubs' messages into", report.Terminal(folder))
	}
	r, err := eventhub.Open(*cfg)
	if err != nil {
		return nil, err
	}
	return &hubReader{r: r, dir: filepath.Join(folder, hubFolder), group: h.group}, nil
}
