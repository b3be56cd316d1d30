package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/store"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a buffer a running command writes while a test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A running serve with --listen answers /healthz ok once a cycle has
// succeeded, and /metrics counts what that cycle read and found; it
// stops, with the listener, when asked.
func TestServeListens(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errs lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir(), "--every", "1h", // one cycle while the test looks
			"--listen", "127.0.0.1:0", "--dashboard", example}, strings.NewReader(""), &out, &errs)
	}()
	where := regexp.MustCompile(`health on http://(\S+)/healthz, metrics on http://\S+/metrics`)
	get := func(path string) (int, string) {
		m := where.FindStringSubmatch(errs.String())
		if m == nil {
			return 0, ""
		}
		resp, err := http.Get("http://" + m[1] + path)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var health struct{ Status string }
	for deadline := time.Now().Add(time.Minute); health.Status != "ok"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no ok from /healthz: stderr %q", errs.String())
		}
		if code, body := get("/healthz"); code == http.StatusOK {
			json.Unmarshal([]byte(body), &health)
		}
	}
	code, body := get("/metrics")
	value := func(name string) float64 {
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		return -1
	}
	// Every alert written, by severity (none of the example's is
	// suppressed).
	alerts, counted := strings.Count(out.String(), "\n"), 0.0
	for _, sev := range []string{"informational", "low", "medium", "high", "critical"} {
		counted += value(`mamori_alerts_total{severity="` + sev + `"}`)
	}
	if code != http.StatusOK || value(`mamori_cycles_total{result="ok"}`) < 1 || value(`mamori_records_read_total`) <= 0 ||
		value(`mamori_alerts_total{severity="high"}`) < 1 || counted != float64(alerts) ||
		value(`mamori_cycles_total{result="error"}`) != 0 || alerts == 0 {
		t.Errorf("/metrics %d after %d alerts written:\n%s", code, alerts, body)
	}
	// The dashboard (on the loopback: no token asked) shows what was
	// written, as its incidents.
	written := jsonl(t, out.String())
	if code, page := get("/?since=400d"); code != http.StatusOK || len(written) == 0 || !strings.Contains(page, written[0].Incident) {
		t.Errorf("/ %d: the page lacks the incident of the %d alerts written", code, len(written))
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("stopped: exit %d: %s", code, errs.String())
	}
	m := where.FindStringSubmatch(errs.String())
	if c, err := net.DialTimeout("tcp", m[1], time.Second); err == nil {
		c.Close()
		t.Errorf("%s still listening after serve stopped", m[1])
	}
}

// --listen is refused with --once, and on an address already taken; a
// negative --keep-alerts is refused.
func TestServeListenRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	db := filepath.Join(t.TempDir(), "m.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--once", "--listen", "127.0.0.1:0"}, "--listen: not with --once"},
		{[]string{"--once", "--keep-alerts", "-1h"}, "--keep-alerts -1h0m0s: 0 or more"},
		{[]string{"--listen", ln.Addr().String()}, "mamori serve: --listen: listen tcp " + ln.Addr().String()},
		{[]string{"--dashboard"}, "--dashboard: with --listen ADDR"},
		{[]string{"--listen", ":0", "--dashboard"}, "on an address other than the loopback set MAMORI_DASHBOARD_TOKEN"},
	} {
		code, _, errs := run(t, "", append(append([]string{"serve", "--store", db}, tc.args...), example)...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, errs, tc.want)
		}
	}
}

// serve --keep-alerts forgets what no cycle stored or added to for that
// long: after a second's wait, the next cycle that commits leaves only
// its own alerts listed.
func TestServeKeepAlerts(t *testing.T) {
	t.Parallel()
	db, logs := filepath.Join(t.TempDir(), "m.db"), t.TempDir()
	copyTree(t, filepath.Join(example, "insights-activity-logs"), filepath.Join(logs, "activity"))
	args := []string{"serve", "--once", "--store", db, "--data-dir", t.TempDir(), "--keep-alerts", "1s", logs}
	code, out, errs := run(t, "", args...)
	first := jsonl(t, out)
	if code != ExitOK || len(first) == 0 {
		t.Fatalf("first cycle: exit %d, %d alerts (%s)", code, len(first), errs)
	}
	time.Sleep(1100 * time.Millisecond)
	copyTree(t, filepath.Join(example, "firewall"), filepath.Join(logs, "firewall"))
	code, out, errs = run(t, "", args...)
	second := jsonl(t, out)
	_, listed, _ := run(t, "", "alerts", "--store", db, "--format", "jsonl")
	if code != ExitOK || len(second) == 0 || len(jsonl(t, listed)) != len(second) {
		t.Errorf("second cycle: exit %d (%s), %d alerts written, %d listed; want only the second cycle's", code, errs, len(second), len(jsonl(t, listed)))
	}
}

// serve --notify-test posts one test message and exits, with no folder
// to watch; a receiver that refuses it makes the exit 1, its URL unsaid.
func TestServeNotifyTest(t *testing.T) {
	t.Parallel()
	hook, posts := receiver(t, func(n int) int {
		if n == 2 {
			return http.StatusNotFound
		}
		return 0
	})
	url := hook + "/services/T0/B0/sekrit"
	code, _, errs := run(t, "", "serve", "--notify", url, "--notify-test")
	if got := posts(); code != ExitOK || len(got) != 1 || !strings.Contains(got[0], "a test message") || !strings.Contains(errs, "sent") {
		t.Errorf("exit %d (%s), posts %q", code, errs, got)
	}
	code, _, errs = run(t, "", "serve", "--notify", url, "--notify-test")
	if code != ExitError || !strings.Contains(errs, "--notify-test: not told: the webhook answered 404") || strings.Contains(errs, "sekrit") {
		t.Errorf("refused: exit %d, %q", code, errs)
	}
	if code, _, errs := run(t, "", "serve", "--notify-test"); code != ExitUsage || !strings.Contains(errs, "no --notify URL") {
		t.Errorf("no URL: exit %d, %q", code, errs)
	}
}

// The dashboard draws the store's incidents as 'mamori alerts --report'
// does, for every tenant or one, asks for the token when it has one, and
// sends its page with headers that keep it out of caches and frames.
func TestDashboard(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "m.db")
	if code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", t.TempDir(), example); code != ExitOK {
		t.Fatalf("serve: exit %d: %s", code, errs)
	}
	_, listed, _ := run(t, "", "alerts", "--store", db, "--format", "jsonl")
	as := jsonl(t, listed)
	if len(as) == 0 {
		t.Fatal("no alerts stored")
	}
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set, code := loadRules("test", nil, false, io.Discard, io.Discard)
	if set == nil {
		t.Fatalf("rules: exit %d", code)
	}
	var errs strings.Builder
	d := &dashboard{st: st, set: set, iopts: incident.Options{}, token: "0123456789abcdef0123", stderr: &errs}
	get := func(target string, auth func(r *http.Request)) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", target, nil)
		if auth != nil {
			auth(r)
		}
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		return w
	}
	basic := func(r *http.Request) { r.SetBasicAuth("soc", d.token) }
	for name, auth := range map[string]func(*http.Request){
		"none":         nil,
		"wrong":        func(r *http.Request) { r.SetBasicAuth("soc", "0123456789abcdef0124") },
		"short bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer 0123") },
	} {
		if w := get("/", auth); w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") || strings.Contains(w.Body.String(), as[0].ID) {
			t.Errorf("%s: %d %q", name, w.Code, w.Body.String())
		}
	}
	// The example's events are of March: a week shows none, 400 days all.
	if w := get("/", basic); w.Code != http.StatusOK || strings.Contains(w.Body.String(), as[0].Incident) {
		t.Errorf("the last week: %d, holds %s", w.Code, as[0].Incident)
	}
	w := get("/?since=400d", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+d.token) })
	page := w.Body.String()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("400 days: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	for _, a := range as {
		if !strings.Contains(page, a.Incident) {
			t.Errorf("the page lacks incident %s (alert %s)", a.Incident, a.ID)
		}
	}
	if !strings.Contains(page, `<meta http-equiv="refresh" content="60">`) {
		t.Error("the page does not reload itself each minute")
	}
	// The attack comes with what to do about it.
	if !strings.Contains(page, "<strong>What to do</strong>") || !strings.Contains(page, "az role assignment delete --ids ") {
		t.Error("the page does not say what to do about the attack")
	}
	if w := get("/?since=400d&refresh=0", basic); w.Code != http.StatusOK || strings.Contains(w.Body.String(), `http-equiv="refresh"`) {
		t.Errorf("refresh=0: %d, reloads", w.Code)
	}
	for _, h := range []string{"Cache-Control", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} {
		if w.Header().Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if w := get("/?since=400d&tenant="+as[0].Tenant, basic); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), as[0].Incident) || !strings.Contains(w.Body.String(), "tenant "+as[0].Tenant) {
		t.Errorf("one tenant: %d", w.Code)
	}
	for target, want := range map[string]int{"/?tenant=11111111-2222-4333-8444-555555555555": http.StatusNotFound, "/?since=soon": http.StatusBadRequest, "/?since=-1h": http.StatusBadRequest, "/?refresh=-5": http.StatusBadRequest} {
		if w := get(target, basic); w.Code != want {
			t.Errorf("%s: %d, want %d", target, w.Code, want)
		}
	}
	if errs.Len() != 0 {
		t.Errorf("stderr %q", errs.String())
	}
	if strings.Contains(page, `id="stopped"`) {
		t.Error("the page says something stopped")
	}
	// A reader failing for longer than serve's --failing leads the page.
	if err := st.NoteRead(t.Context(), store.ReadNoted{Kind: store.ReaderEventHub, Source: "contoso-logs.servicebus.windows.net",
		At: time.Now().Add(-3 * time.Hour), Said: "the brokers refused the sign-in <b>"}); err != nil {
		t.Fatal(err)
	}
	d.failing = time.Hour
	if page := get("/", basic).Body.String(); !strings.Contains(page, `id="stopped"`) ||
		!strings.Contains(page, "failing: event hub contoso-logs.servicebus.windows.net: its reads have failed since ") || !strings.Contains(page, "sign-in &lt;b&gt;") {
		t.Errorf("the page does not lead with the failing reader:\n%s", page)
	}
	// Where it may be served without a token.
	for addr, ok := range map[string]bool{"127.0.0.1:9464": true, "[::1]:9464": true, "localhost:9464": true, ":9464": false, "0.0.0.0:9464": false, "10.0.0.4:9464": false} {
		if err := dashboardToken(addr, ""); (err == nil) != ok {
			t.Errorf("%s without a token: %v", addr, err)
		}
	}
	if dashboardToken(":9464", "short") == nil || dashboardToken(":9464", d.token) != nil {
		t.Error("a short token taken, or a long one refused")
	}
}
