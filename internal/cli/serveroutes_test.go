package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/notify"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/store"
)

// routedPost is a JSON receiver's post, as far as routing tests read it.
type routedPost struct {
	Alerts    []alert.Alert
	Incidents []struct{ ID, Tenant string }
	Held      int
	Test      bool
}

func routedPosts(t *testing.T, bodies []string) []routedPost {
	t.Helper()
	out := make([]routedPost, len(bodies))
	for i, b := range bodies {
		if err := json.Unmarshal([]byte(b), &out[i]); err != nil {
			t.Fatalf("post %d: %v: %s", i, err, b)
		}
	}
	return out
}

// writeRoutes writes a routes file, readable by its owner only.
func writeRoutes(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "routes")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A service over several tenants tells each tenant's attack to that
// tenant's receiver only; a receiver that refused is sent its own held
// alerts by the next cycle, and the other is not told them again.
func TestServeRoutesEachTenant(t *testing.T) {
	t.Parallel()
	dirs, tenants := attackedTenants(t, "3", "4")
	hookA, postsA := receiver(t, nil)
	hookB, postsB := receiver(t, func(n int) int {
		if n == 1 {
			return http.StatusForbidden
		}
		return 0
	})
	routes := writeRoutes(t,
		"# each customer's channel",
		strings.ToUpper(tenants[0])+"  "+hookA+"/services/T0/B0/sekritA  format=json",
		tenants[1]+"  "+hookB+"/services/T0/B0/sekritB  format=json  severity=medium",
	)
	db := filepath.Join(t.TempDir(), "m.db")
	args := append([]string{"serve", "--once", "--store", db, "--data-dir", t.TempDir(), "--notify-routes", routes}, dirs...)
	code, out, errs := run(t, "", args...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// What each receiver should be told: its tenant's alerts at or above
	// its severity.
	want := map[string]int{}
	for _, a := range jsonl(t, out) {
		min := alert.High
		if a.Tenant == tenants[1] {
			min = alert.Medium
		}
		if a.Severity >= min && a.Suppressed == nil {
			want[a.Tenant]++
		}
	}
	if want[tenants[0]] == 0 || want[tenants[1]] <= want[tenants[0]] {
		t.Fatalf("alerts to tell by tenant %v: want some for each, more at medium", want)
	}
	a, b := routedPosts(t, postsA()), routedPosts(t, postsB())
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("%d posts to A's receiver, %d to B's; want one each", len(a), len(b))
	}
	for i, p := range []routedPost{a[0], b[0]} {
		if len(p.Alerts) != want[tenants[i]] || len(p.Incidents) == 0 {
			t.Errorf("tenant %s's receiver: %d alerts, %d incidents; want %d alerts", tenants[i], len(p.Alerts), len(p.Incidents), want[tenants[i]])
		}
		for _, al := range p.Alerts {
			if al.Tenant != tenants[i] {
				t.Errorf("tenant %s's receiver told %s of tenant %s", tenants[i], al.ID, al.Tenant)
			}
		}
		for _, in := range p.Incidents {
			if in.Tenant != tenants[i] {
				t.Errorf("tenant %s's receiver told incident %s of tenant %s", tenants[i], in.ID, in.Tenant)
			}
		}
	}
	held := fmt.Sprintf("mamori serve: notify: not told (the receiver of tenant %s): the webhook answered 403 Forbidden; %d alerts held for the next cycle", tenants[1], want[tenants[1]])
	if !strings.Contains(errs, held) || strings.Contains(errs, "sekrit") {
		t.Errorf("stderr %q\nwant %q, and no URL", errs, held)
	}
	// The next cycle, with nothing new: B's receiver gets B's held
	// alerts, A's nothing.
	if code, _, errs := run(t, "", args...); code != ExitOK {
		t.Fatalf("second cycle: exit %d: %s", code, errs)
	}
	a, b = routedPosts(t, postsA()), routedPosts(t, postsB())
	if len(a) != 1 || len(b) != 2 || b[1].Held != want[tenants[1]] || len(b[1].Alerts) != want[tenants[1]] {
		t.Fatalf("second cycle: %d posts to A, %d to B (last held %d, %d alerts); want B's %d held told to B alone", len(a), len(b), b[len(b)-1].Held, len(b[len(b)-1].Alerts), want[tenants[1]])
	}
	if code, status, _ := run(t, "", "status", "--store", db); code != ExitOK || strings.Contains(status, "NOT TOLD") {
		t.Errorf("status once told: exit %d:\n%s", code, status)
	}
}

// A tenant no route names, with no receiver for every other tenant: its
// alerts are said on standard error as not told, the others' told.
func TestServeUnroutedTenantSaid(t *testing.T) {
	t.Parallel()
	dirs, tenants := attackedTenants(t, "3", "4")
	hook, posts := receiver(t, nil)
	routes := writeRoutes(t, tenants[0]+" "+hook+" format=json")
	code, _, errs := run(t, "", append([]string{"serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir(), "--notify-routes", routes}, dirs...)...)
	if code != ExitOK || len(posts()) != 1 {
		t.Fatalf("exit %d, %d posts: %s", code, len(posts()), errs)
	}
	for _, al := range routedPosts(t, posts())[0].Alerts {
		if al.Tenant != tenants[0] {
			t.Errorf("told %s of tenant %s", al.ID, al.Tenant)
		}
	}
	if !strings.Contains(errs, "mamori serve: notify: not told, no receiver in --notify-routes: ") || !strings.Contains(errs, " alerts of tenant "+tenants[1]+"\n") {
		t.Errorf("stderr does not say tenant %s's alerts went untold:\n%s", tenants[1], errs)
	}
	// With a receiver for every other tenant, that one is told them.
	other, otherPosts := receiver(t, nil)
	routes = writeRoutes(t, tenants[0]+" "+hook+" format=json", "* "+other+" format=json")
	code, _, errs = run(t, "", append([]string{"serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir(), "--notify-routes", routes}, dirs...)...)
	if code != ExitOK || len(otherPosts()) != 1 || strings.Contains(errs, "no receiver") {
		t.Fatalf("with *: exit %d, %d posts to it: %s", code, len(otherPosts()), errs)
	}
	for _, al := range routedPosts(t, otherPosts())[0].Alerts {
		if al.Tenant != tenants[1] {
			t.Errorf("every other tenant's receiver told %s of tenant %s", al.ID, al.Tenant)
		}
	}
}

// --notify-test tries every receiver and says which did not take it; a
// routes file others may read is warned of; * and --notify together, or
// a bad line, are refused naming the line, never a URL.
func TestServeRoutesChecked(t *testing.T) {
	t.Parallel()
	ok, okPosts := receiver(t, nil)
	refuses, refusedPosts := receiver(t, func(int) int { return http.StatusNotFound })
	const a, b = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10", "0badf00d-1234-4abc-8def-00000000cafe"
	routes := writeRoutes(t, a+" "+ok+"/sekrit format=json", b+" "+refuses+"/sekrit")
	if err := os.Chmod(routes, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, "", "serve", "--notify-routes", routes, "--notify-test")
	if code != ExitError || len(okPosts()) != 1 || len(refusedPosts()) != 1 || !routedPosts(t, okPosts())[0].Test ||
		!strings.Contains(errs, "--notify-test: sent (the receiver of tenant "+a+"); the receiver took it") ||
		!strings.Contains(errs, "--notify-test: not told (the receiver of tenant "+b+"): the webhook answered 404 Not Found") ||
		!strings.Contains(errs, "others may read it (mode -rw-r--r--)") || strings.Contains(errs, "sekrit") {
		t.Errorf("--notify-test: exit %d, posts %d and %d, stderr:\n%s", code, len(okPosts()), len(refusedPosts()), errs)
	}
	for _, c := range []struct {
		lines []string
		flags []string
		want  string
	}{
		{[]string{"* " + ok + "/sekrit"}, []string{"--notify", ok + "/sekrit"}, "both name every other tenant's receiver"},
		{[]string{"# a comment", ok + "/sekrit " + a}, nil, ":2: the first field's tenant 1 is not a tenant's id"},
		{[]string{a + "," + b + ",nope " + ok + "/sekrit"}, nil, ":1: the first field's tenant 3 is not"},
		{[]string{a + " " + ok + "/sekrit", "", strings.ToUpper(a) + " " + ok + "/x"}, nil, ":3: tenant " + a + " has a receiver on line 1 already"},
		{[]string{a + ",* " + ok + "/sekrit"}, nil, ":1: * is every other tenant: on a line of its own"},
		{[]string{a + " " + ok + "/sekrit colour=red"}, nil, ":1: after the URL only format=…, severity=…, every=… and secret=…"},
		{[]string{a + " " + ok + "/sekrit severity=loud"}, nil, ":1: severity=: low, medium, high or critical"},
		{[]string{a + " " + ok + "/sekrit format=email"}, nil, ":1: format=: slack, teams or json"},
		{[]string{a + " ftp://host/sekrit"}, nil, ":1: the webhook is not an http or https URL"},
		{[]string{a}, nil, ":1: want the tenants, then the receiver's URL"},
		{[]string{"# nothing"}, nil, ": no receiver in it"},
	} {
		path := writeRoutes(t, c.lines...)
		args := append(append([]string{"serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--notify-routes", path}, c.flags...), example)
		code, _, errs := run(t, "", args...)
		if code != ExitUsage || !strings.Contains(errs, c.want) || strings.Contains(errs, "sekrit") {
			t.Errorf("%q %v: exit %d, %q; want %q", c.lines, c.flags, code, errs, c.want)
		}
	}
}

// A log that stopped arriving is told to its tenant's receiver; one of no
// tenant (the store's whole log) to every other tenant's, or to every
// receiver when there is none; one of a tenant without a receiver is
// said as not told. A reader of serve's failing is told as a tenant's
// log when it is a tenant's fetch, and else only to the * route.
func TestQuietLogsRouted(t *testing.T) {
	const a, b, c = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10", "0badf00d-1234-4abc-8def-00000000cafe", "11111111-2222-4333-8444-555555555555"
	now := time.Now()
	res := &serve.Result{
		WentQuiet: []serve.Quiet{{Tenant: a, Source: "Activity Log", Arrived: now.Add(-30 * time.Hour)}, {Source: "Entra ID sign-in logs", Arrived: now.Add(-30 * time.Hour)}},
		Back:      []serve.Quiet{{Tenant: b, Source: "Activity Log"}, {Tenant: c, Source: "Activity Log"}},
	}
	for _, other := range []bool{false, true} {
		lines := []string{a + " https://hooks.example/a", b + " https://hooks.example/b"}
		if other {
			lines = append(lines, "* https://hooks.example/other")
		}
		rs, err := notify.ParseRoutes(strings.NewReader(strings.Join(lines, "\n")), "routes", notify.Slack, alert.High)
		if err != nil {
			t.Fatal(err)
		}
		rv := &receivers{Router: notify.NewRouter(rs), named: true, min: alert.High}
		// A tenant's fetch goes to its receiver; an event hub, the
		// service's, to the * route alone.
		news := readersNews{failing: []store.Reader{{Kind: store.ReaderFetch, Source: a, Failing: now}, {Kind: store.ReaderEventHub, Source: "ns.servicebus.windows.net", Failing: now}},
			mended: []store.Reader{{Kind: store.ReaderFetch, Source: c}}}
		ms, unrouted := rv.messages(res, store.Held{}, news, now)
		var got []string
		for _, m := range ms {
			var logs []string
			for _, q := range m.Quiet {
				logs = append(logs, "quiet "+q.Name)
			}
			for _, name := range m.Back {
				logs = append(logs, "back "+name)
			}
			for _, f := range m.Failing {
				logs = append(logs, "failing "+f.Name)
			}
			for _, name := range m.Mended {
				logs = append(logs, "mended "+name)
			}
			got = append(got, strings.Join(logs, "; "))
		}
		want := []string{"quiet Activity Log of tenant " + a + "; quiet Entra ID sign-in logs; failing fetch of tenant " + a, "quiet Entra ID sign-in logs; back Activity Log of tenant " + b}
		if other {
			want = []string{"quiet Activity Log of tenant " + a + "; failing fetch of tenant " + a, "back Activity Log of tenant " + b,
				"quiet Entra ID sign-in logs; back Activity Log of tenant " + c + "; failing event hub ns.servicebus.windows.net; mended fetch of tenant " + c}
		}
		if !slices.Equal(got, want) {
			t.Errorf("with * %v: routed\n%q\nwant\n%q", other, got, want)
		}
		wantLost := "1 log that stopped or started arriving of tenant " + c + "; 2 readers of serve's own failing or reading again (a * route takes them)"
		if other != (unrouted == "") || (!other && unrouted != wantLost) {
			t.Errorf("with * %v: unrouted %q", other, unrouted)
		}
	}
}

// --notify-every: an incident told within the span has its new alerts
// wait in the store (no post; status says they wait, and exits 0), told
// together at its next telling; a new incident is told at once.
func TestServePacesAnIncident(t *testing.T) {
	t.Parallel()
	hook, posts := receiver(t, nil)
	logs, db, data := t.TempDir(), filepath.Join(t.TempDir(), "mamori.db"), t.TempDir()
	copyTree(t, example, logs)
	// The miner's process logs arrive a cycle later, in the same attack.
	later := t.TempDir()
	if err := os.Rename(filepath.Join(logs, "hosts"), filepath.Join(later, "hosts")); err != nil {
		t.Fatal(err)
	}
	serveOnce := func(every string) []alert.Alert {
		t.Helper()
		code, out, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, "--notify", hook, "--notify-format", "json", "--notify-every", every, logs)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		return jsonl(t, out)
	}
	serveOnce("1h")
	if got := routedPosts(t, posts()); len(got) != 1 || len(got[0].Incidents) != 1 {
		t.Fatalf("a new attack: %d posts, want one at once", len(got))
	}
	copyTree(t, later, logs)
	var waiting int
	for _, a := range serveOnce("1h") {
		if a.Severity >= alert.High && a.Suppressed == nil {
			waiting++
		}
	}
	if waiting == 0 || len(posts()) != 1 {
		t.Fatalf("the miner's cycle: %d alerts to tell, %d posts; want them to wait", waiting, len(posts()))
	}
	code, status, _ := run(t, "", "status", "--store", db)
	if code != ExitOK || !strings.Contains(status, "WAITING: "+plural.Count(waiting, "alert", "alerts")+" of incidents told within serve's --notify-every") || strings.Contains(status, "NOT TOLD") {
		t.Errorf("status with alerts waiting: exit %d:\n%s", code, status)
	}
	serveOnce("1h") // nothing new, the hour not passed: still waiting
	if len(posts()) != 1 {
		t.Fatalf("%d posts within the hour", len(posts()))
	}
	serveOnce("0") // every cycle's: the waiting are due
	got := routedPosts(t, posts())
	if len(got) != 2 || len(got[1].Alerts) != waiting || got[1].Held != 0 || len(got[1].Incidents) != 1 || got[1].Incidents[0].ID != got[0].Incidents[0].ID {
		t.Fatalf("told at last: %d posts; want the %d waiting in the first post's incident, none said refused: %+v", len(got), waiting, got[len(got)-1])
	}
	if code, status, _ := run(t, "", "status", "--store", db); code != ExitOK || strings.Contains(status, "WAITING") {
		t.Errorf("status once told: exit %d:\n%s", code, status)
	}
}

// pace tells at once an incident never told, one whose severity rose and
// one told a span ago or more, and keeps the rest waiting; what was
// refused before and now waits is no longer counted in the message.
func TestPace(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	const every = time.Hour
	incs := []incident.Incident{{ID: "rose", Severity: alert.Critical}, {ID: "same", Severity: alert.High}, {ID: "new", Severity: alert.High}, {ID: "old", Severity: alert.High}}
	told := map[string]store.Told{"rose": {Severity: alert.High, At: now.Add(-10 * time.Minute)}, "same": {Severity: alert.High, At: now.Add(-10 * time.Minute)},
		"old": {Severity: alert.High, At: now.Add(-time.Hour)}}
	a := func(id, inc string) alert.Alert { return alert.Alert{ID: id, Incident: inc, Severity: alert.High} }
	held := store.Held{At: map[string]time.Time{"s2": now.Add(-time.Hour), "r2": now.Add(-2 * time.Hour)}, Waiting: map[string]bool{}}
	m := notify.Message{Fresh: []alert.Alert{a("r1", "rose"), a("s1", "same"), a("n1", "new"), a("o1", "old"), a("x1", "")}, Revised: []alert.Alert{a("s2", "same"), a("r2", "rose")}}
	countHeld(&m, held)
	if m.Held != 2 {
		t.Fatalf("held %d before pacing, want 2", m.Held)
	}
	wait := pace(&m, every, incs, told, held, now)
	idsOf := func(as []alert.Alert) (out []string) {
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	if got := idsOf(m.Fresh); !slices.Equal(got, []string{"r1", "n1", "o1", "x1"}) {
		t.Errorf("told %v", got)
	}
	if got := idsOf(m.Revised); !slices.Equal(got, []string{"r2"}) || m.Held != 1 || !m.HeldSince.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("told revised %v, %d held since %v", got, m.Held, m.HeldSince)
	}
	if !slices.Equal(idsOf(wait.Fresh), []string{"s1"}) || !slices.Equal(idsOf(wait.Revised), []string{"s2"}) {
		t.Errorf("waiting %v and %v", idsOf(wait.Fresh), idsOf(wait.Revised))
	}
	m = notify.Message{Fresh: []alert.Alert{a("s1", "same")}}
	if wait := pace(&m, 0, incs, told, held, now); len(m.Fresh) != 1 || len(wait.Fresh) != 0 {
		t.Errorf("not paced: told %v, waiting %v", idsOf(m.Fresh), idsOf(wait.Fresh))
	}
}

// MAMORI_NOTIFY_SECRET signs serve's posts, which the receiver checks as
// docs/serve.md says; a route's own secret= signs its own. Not parallel:
// it sets the environment.
func TestServeSignsItsPosts(t *testing.T) {
	const envSecret, routeSecret = "e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6", "0123456789abcdef0123456789abcdef"
	t.Setenv("MAMORI_NOTIFY_SECRET", envSecret)
	type post struct {
		ts, sig string
		body    []byte
	}
	hook := func() (string, func() []post) {
		var mu sync.Mutex
		var got []post
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, post{r.Header.Get(notify.TimestampHeader), r.Header.Get(notify.SignatureHeader), b})
			mu.Unlock()
		}))
		t.Cleanup(srv.Close)
		return srv.URL, func() []post { mu.Lock(); defer mu.Unlock(); return slices.Clone(got) }
	}
	dirs, tenants := attackedTenants(t, "3", "4")
	a, postsA := hook()
	b, postsB := hook()
	routes := writeRoutes(t, tenants[0]+" "+a+" format=json", tenants[1]+" "+b+" format=json secret="+routeSecret)
	if code, _, errs := run(t, "", append([]string{"serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir(), "--notify-routes", routes}, dirs...)...); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, c := range []struct {
		posts  []post
		secret string
	}{{postsA(), envSecret}, {postsB(), routeSecret}} {
		if len(c.posts) != 1 {
			t.Fatalf("%d posts", len(c.posts))
		}
		p := c.posts[0]
		ts, err := strconv.ParseInt(p.ts, 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute || p.sig != "v1="+notify.Signature([]byte(c.secret), p.ts, p.body) {
			t.Errorf("post signed %q at %q: does not verify under its secret", p.sig, p.ts)
		}
	}
	t.Setenv("MAMORI_NOTIFY_SECRET", "short")
	if code, _, errs := run(t, "", "serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--notify", a, example); code != ExitUsage || !strings.Contains(errs, "MAMORI_NOTIFY_SECRET: the signing secret: at least 16 characters") || strings.Contains(errs, "short") {
		t.Errorf("a short secret: exit %d, %q", code, errs)
	}
}

// A route's every= paces it, every=0 not at all; the others take
// --notify-every.
func TestEveryPerRoute(t *testing.T) {
	const a, b = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10", "0badf00d-1234-4abc-8def-00000000cafe"
	routes := writeRoutes(t, a+" https://hooks.example/a every=0", b+" https://hooks.example/b every=2h", "* https://hooks.example/soc")
	rv, err := newReceivers(&serveFlags{notifyRoutes: routes, notifyEvery: 15 * time.Minute, notifyFormat: "slack", notifySeverity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Duration{}
	for i, r := range rv.Routes {
		got[r.Name()] = rv.every[i]
	}
	want := map[string]time.Duration{"the receiver of tenant " + a: 0, "the receiver of tenant " + b: 2 * time.Hour, "every other tenant's receiver": 15 * time.Minute}
	if !maps.Equal(got, want) || !rv.paced() {
		t.Errorf("every %v, want %v", got, want)
	}
	if _, err := newReceivers(&serveFlags{notifyRoutes: writeRoutes(t, a+" https://hooks.example/a every=soon"), notifyFormat: "slack", notifySeverity: "high"}); err == nil || !strings.Contains(err.Error(), "every=: a span") {
		t.Errorf("every=soon: %v", err)
	}
}
