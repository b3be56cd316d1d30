package metrics

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// Health is starting until the first cycle ends, ok while the last one
// succeeded, failing when it did not (with its error), and stalled when
// none ended for three looks (ten minutes at least).
func TestHealth(t *testing.T) {
	t.Parallel()
	s := New(time.Minute, "test", t0)
	for _, step := range []struct {
		cycle  *Cycle
		at     time.Duration
		status string
		ok     bool
	}{
		{nil, time.Minute, "starting", true},
		{nil, 11 * time.Minute, "stalled", false}, // the first cycle never ended
		{&Cycle{End: t0.Add(12 * time.Minute)}, 12 * time.Minute, "ok", true},
		{&Cycle{End: t0.Add(13 * time.Minute), Err: errors.New("store m.db: disk I/O error")}, 13 * time.Minute, "failing", false},
		{&Cycle{End: t0.Add(14 * time.Minute)}, 14 * time.Minute, "ok", true},
		{nil, 24*time.Minute + time.Second, "stalled", false},
	} {
		if step.cycle != nil {
			s.Cycle(*step.cycle)
		}
		h, ok := s.Health(t0.Add(step.at))
		if h.Status != step.status || ok != step.ok {
			t.Errorf("at %s: %+v, ok %v; want %s, %v", step.at, h, ok, step.status, step.ok)
		}
		if h.Status == "failing" && h.Error != "store m.db: disk I/O error" {
			t.Errorf("failing without its error: %+v", h)
		}
	}
	if h, _ := s.Health(t0.Add(14 * time.Minute)); h.LastOK == nil || !h.LastOK.Equal(t0.Add(14*time.Minute)) {
		t.Errorf("last ok %v", h.LastOK)
	}
}

// sample is one line of Prometheus' text format: a name, labels and a
// number.
var sample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (\S+)$`)

// scrape reads /metrics, checking each line is Prometheus' text format
// (a family's HELP and TYPE before its samples, each sample a number),
// and returns the samples by name and labels.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	out := map[string]float64{}
	typed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(rec.Body.String(), "\n"), "\n") {
		if f := strings.Fields(line); len(f) >= 4 && f[0] == "#" && f[1] == "TYPE" {
			typed[f[2]] = true
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sample.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil || !typed[m[1]] {
			t.Fatalf("%q: value %v, typed %v", line, err, typed[m[1]])
		}
		out[m[1]+m[2]] = v
	}
	return out
}

// The counts add up over cycles; a failed cycle counts as one and adds
// nothing else; gauges hold the last cycle's.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := New(time.Minute, "v1.2.3", t0)
	h := s.Handler()
	s.Cycle(Cycle{End: t0, Took: 1500 * time.Millisecond, Records: 100, Skipped: 2, Alerts: []alert.Severity{alert.High, alert.Critical, alert.High}, Quiet: 1})
	s.Cycle(Cycle{End: t0.Add(time.Minute), Err: errors.New("hunt: cancelled"), Records: 50})
	s.Notified(false)
	s.Cycle(Cycle{End: t0.Add(2 * time.Minute), Took: 200 * time.Millisecond, Records: 10, Alerts: []alert.Severity{alert.Low}, Revised: 1, Held: 2, Waiting: 3, News: 5, Unsized: 4})
	s.Notified(true)
	s.Fetched(7, true)
	s.Fetched(2, false)
	(*Service)(nil).Fetched(5, true) // a serve without --listen counts nothing
	s.HubRead(4, 9, true)
	s.HubRead(1, 7, false)
	s.HubRead(0, 3, true)
	(*Service)(nil).HubRead(5, 1, true)
	s.ReadersFailing(2)
	s.ReadersFailing(1)
	(*Service)(nil).ReadersFailing(5)
	got := scrape(t, h)
	want := map[string]float64{
		`mamori_build_info{version="v1.2.3"}`:           1,
		`mamori_cycles_total{result="ok"}`:              2,
		`mamori_cycles_total{result="error"}`:           1,
		`mamori_last_cycle_seconds`:                     0.2,
		`mamori_last_success_timestamp_seconds`:         float64(t0.Add(2 * time.Minute).Unix()),
		`mamori_records_read_total`:                     110,
		`mamori_records_unreadable_total`:               2,
		`mamori_alerts_total{severity="critical"}`:      1,
		`mamori_alerts_total{severity="high"}`:          2,
		`mamori_alerts_total{severity="low"}`:           1,
		`mamori_alerts_total{severity="informational"}`: 0,
		`mamori_alerts_revised_total`:                   1,
		`mamori_logs_quiet`:                             0,
		`mamori_notify_posts_total{result="ok"}`:        1,
		`mamori_notify_posts_total{result="error"}`:     1,
		`mamori_notify_held`:                            2,
		`mamori_notify_waiting`:                         3,
		`mamori_notify_news_held`:                       5,
		`mamori_fetch_reads_total{result="whole"}`:      1,
		`mamori_fetch_reads_total{result="not_whole"}`:  1,
		`mamori_fetch_events_total`:                     9,
		`mamori_eventhub_reads_total{result="ok"}`:      2,
		`mamori_eventhub_reads_total{result="failed"}`:  1,
		`mamori_eventhub_messages_total`:                5,
		`mamori_eventhub_waiting`:                       3,
		`mamori_compute_unsized`:                        4,
		`mamori_readers_failing`:                        1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	body, _ := io.ReadAll(rec.Body)
	var hz Health
	if err := json.Unmarshal(body, &hz); err != nil || rec.Code != http.StatusServiceUnavailable || hz.Status != "stalled" {
		// t0 is long past: no cycle ended for ten minutes.
		t.Errorf("/healthz: %d %s (%v)", rec.Code, body, err)
	}
}
