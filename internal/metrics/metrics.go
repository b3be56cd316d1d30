// Package metrics tells an orchestrator or a monitor how a running
// `mamori serve` does: /healthz answers whether its cycles are running
// and succeeding (a liveness or readiness probe, a load balancer's
// check), /metrics counts what they read, found and told, in
// Prometheus' text format (a scrape, or a collector that reads it).
//
// Only counts are exposed: no tenant, principal or file name, which the
// address may be reachable by more people than the alerts are.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// Cycle is what one cycle of serve did, as counted here.
type Cycle struct {
	End     time.Time
	Took    time.Duration
	Err     error // the cycle failed (its store or its hunt): nothing committed
	Records int64 // records read
	Skipped int64 // records that could not be read
	Alerts  []alert.Severity
	Revised int
	// Quiet is how many logs the rules read have not arrived for
	// serve's --quiet, after the cycle; Held how many alerts the store
	// holds for the webhook, which did not take them.
	Quiet, Held int
	// Waiting is how many wait for their incident's next telling
	// (--notify-every).
	Waiting int
	// News is how much news (logs stopped or arriving again, readers
	// failing or reading again) the store holds for receivers that did
	// not take it.
	News int
	// Unsized is how many compute creates the store counts that no
	// record sized (NOT JUDGED: the rules could not weigh them).
	Unsized int64
}

// Service counts a serve's cycles. Safe for concurrent use: the cycles
// write it, the HTTP handlers read it.
type Service struct {
	mu      sync.Mutex
	every   time.Duration
	started time.Time
	version string

	cycles, failed   uint64
	lastEnd, lastOK  time.Time
	lastTook         time.Duration
	lastErr          string
	records, skipped uint64
	alerts           [alert.Critical + 1]uint64
	revised          uint64
	quiet            int
	unsized          int64
	told, notTold    uint64
	held, waiting    int
	news             int
	// serve --fetch's reads of Azure: those every log took whole and
	// the others, and the events they wrote.
	fetchWhole, fetchNot, fetchEvents uint64
	// serve --eventhub's reads: those that read all they were to and
	// the others, and the messages they wrote.
	hubOK, hubFailed, hubMessages uint64
	hubWaiting                    int64
	// readersFailing: serve's readers failing past its --failing.
	readersFailing int
}

// New returns the counts of a serve that looks every every.
func New(every time.Duration, version string, now time.Time) *Service {
	return &Service{every: every, started: now, version: version}
}

// Cycle counts a cycle that ended.
func (s *Service) Cycle(c Cycle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycles++
	s.lastEnd, s.lastTook = c.End, c.Took
	if c.Err != nil {
		s.failed++
		s.lastErr = c.Err.Error()
		return
	}
	s.lastOK, s.lastErr = c.End, ""
	s.records += uint64(max(c.Records, 0))
	s.skipped += uint64(max(c.Skipped, 0))
	for _, sev := range c.Alerts {
		if int(sev) < len(s.alerts) {
			s.alerts[sev]++
		}
	}
	s.revised += uint64(max(c.Revised, 0))
	s.quiet, s.held, s.waiting, s.news, s.unsized = c.Quiet, c.Held, c.Waiting, c.News, c.Unsized
}

// Fetched counts a read of Azure's logs (serve --fetch): whole when every
// log was read, and the events it wrote. A nil Service counts nothing.
func (s *Service) Fetched(events int, whole bool) {
	if s == nil {
		return
	}
	s.reads(&reads{&s.fetchWhole, &s.fetchNot, &s.fetchEvents}, events, whole)
}

// HubRead counts a read of event hubs (serve --eventhub, --kafka): ok
// when it read all it was to, the messages it wrote, and those its
// partitions still hold behind them. A nil Service counts nothing.
func (s *Service) HubRead(messages int, waiting int64, ok bool) {
	if s == nil {
		return
	}
	s.reads(&reads{&s.hubOK, &s.hubFailed, &s.hubMessages}, messages, ok)
	s.mu.Lock()
	s.hubWaiting = waiting
	s.mu.Unlock()
}

// ReadersFailing sets how many of serve's own readers have failed for
// longer than its --failing.
func (s *Service) ReadersFailing(n int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.readersFailing = n
	s.mu.Unlock()
}

// reads are the counters of a kind of read: those that did all they
// were to, the others, and what they wrote.
type reads struct{ ok, not, items *uint64 }

func (s *Service) reads(r *reads, items int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		*r.ok++
	} else {
		*r.not++
	}
	*r.items += uint64(max(items, 0))
}

// Notified counts a post to the webhook, told or not.
func (s *Service) Notified(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.told++
	} else {
		s.notTold++
	}
}

// stale is how long without a cycle ending says serve is stuck: three
// looks, and never less than ten minutes (a cycle over a backlog is
// long).
func (s *Service) stale() time.Duration { return max(3*s.every, 10*time.Minute) }

// Health is what /healthz answers.
type Health struct {
	Status    string     `json:"status"` // starting, ok, failing, stalled
	LastCycle *time.Time `json:"last_cycle,omitempty"`
	LastOK    *time.Time `json:"last_ok,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// Health says whether serve's cycles run and succeed, at now: failing
// when the last cycle failed, stalled when none ended for stale, starting
// before the first ends.
func (s *Service) Health(now time.Time) (Health, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var h Health
	if !s.lastEnd.IsZero() {
		h.LastCycle = &s.lastEnd
	}
	if !s.lastOK.IsZero() {
		h.LastOK = &s.lastOK
	}
	since := s.started
	if !s.lastEnd.IsZero() {
		since = s.lastEnd
	}
	switch {
	case now.Sub(since) > s.stale():
		h.Status, h.Error = "stalled", fmt.Sprintf("no cycle ended for %s", now.Sub(since).Round(time.Second))
	case s.lastEnd.IsZero():
		h.Status = "starting"
	case s.lastErr != "":
		h.Status, h.Error = "failing", s.lastErr
	default:
		h.Status = "ok"
	}
	return h, h.Status == "ok" || h.Status == "starting"
}

// Handler serves /healthz and /metrics.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h, ok := s.Health(time.Now())
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(h)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.write(w)
	})
	return mux
}

// write writes the counts in Prometheus' text exposition format.
func (s *Service) write(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	metric := func(name, kind, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	}
	// one is a metric of one value (a number: %v writes a float as %g).
	one := func(name, kind, help string, v any) {
		metric(name, kind, help)
		fmt.Fprintf(w, "%s %v\n", name, v)
	}
	metric("mamori_build_info", "gauge", "The mamori serving, by version.")
	fmt.Fprintf(w, "mamori_build_info{version=%q} 1\n", s.version)
	metric("mamori_cycles_total", "counter", "Cycles ended, by result (an error commits nothing: the next cycle reads the same input again).")
	fmt.Fprintf(w, "mamori_cycles_total{result=\"ok\"} %d\nmamori_cycles_total{result=\"error\"} %d\n", s.cycles-s.failed, s.failed)
	one("mamori_last_cycle_seconds", "gauge", "How long the last cycle took.", s.lastTook.Seconds())
	one("mamori_last_success_timestamp_seconds", "gauge", "When the last cycle that succeeded ended (Unix time; 0 before one did).", unix(s.lastOK))
	one("mamori_records_read_total", "counter", "Records read by the cycles that succeeded.", s.records)
	one("mamori_records_unreadable_total", "counter", "Records the cycles that succeeded could not read (serve's standard error says where).", s.skipped)
	metric("mamori_alerts_total", "counter", "Alerts new to the store, by severity.")
	for sev := alert.Informational; sev <= alert.Critical; sev++ {
		fmt.Fprintf(w, "mamori_alerts_total{severity=%q} %d\n", sev.String(), s.alerts[sev])
	}
	one("mamori_alerts_revised_total", "counter", "Alerts written again, revised (a create they reported, Azure refused).", s.revised)
	one("mamori_logs_quiet", "gauge", "Logs the rules read that have not arrived for serve's --quiet: what the service does not see.", s.quiet)
	one("mamori_compute_unsized", "gauge", "Compute creates the store counts that no record sized: the rules could not weigh them ('mamori status' says which export names them).", s.unsized)
	metric("mamori_notify_posts_total", "counter", "Posts to --notify's and --notify-routes' receivers, by result.")
	fmt.Fprintf(w, "mamori_notify_posts_total{result=\"ok\"} %d\nmamori_notify_posts_total{result=\"error\"} %d\n", s.told, s.notTold)
	one("mamori_notify_held", "gauge", "Alerts the store holds for the receivers, which did not take them.", s.held)
	one("mamori_notify_waiting", "gauge", "Alerts waiting for their incident's next telling (--notify-every).", s.waiting)
	one("mamori_notify_news_held", "gauge", "News (a log stopped or arriving again, a reader failing or reading again) the store holds for the receivers, which did not take it.", s.news)
	metric("mamori_fetch_reads_total", "counter", "Reads of the tenants' logs from Azure (--fetch), by result: every log read whole, or not (read again from the same start).")
	fmt.Fprintf(w, "mamori_fetch_reads_total{result=\"whole\"} %d\nmamori_fetch_reads_total{result=\"not_whole\"} %d\n", s.fetchWhole, s.fetchNot)
	one("mamori_fetch_events_total", "counter", "Events the reads of Azure's logs (--fetch) wrote, each once.", s.fetchEvents)
	metric("mamori_eventhub_reads_total", "counter", "Reads of the event hubs (--eventhub, --kafka), by result: all read that was to be, or failed (read again by the next).")
	fmt.Fprintf(w, "mamori_eventhub_reads_total{result=\"ok\"} %d\nmamori_eventhub_reads_total{result=\"failed\"} %d\n", s.hubOK, s.hubFailed)
	one("mamori_eventhub_messages_total", "counter", "Messages the reads of the event hubs wrote, each committed once written.", s.hubMessages)
	one("mamori_eventhub_waiting", "gauge", "Messages the partitions this serve holds still held behind those the last read wrote (its lag).", s.hubWaiting)
	one("mamori_readers_failing", "gauge", "Readers of serve's own (an event hub's namespace, a tenant's --fetch) whose reads have failed for longer than --failing.", s.readersFailing)
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
