package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/notify/smtptest"
	"github.com/mamori-sec/mamori/internal/respond"
	"github.com/mamori-sec/mamori/internal/store"
)

// serve --once hunts the folder into the store; run again, it finds
// nothing new and writes no alert; the alerts are those of a hunt.
func TestServeOnceKeepsWhatItFound(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "mamori.db")
	data := t.TempDir()
	code, out, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	served := jsonl(t, out)
	if len(served) == 0 || !strings.Contains(errs, "new") {
		t.Fatalf("first run: %d alerts; stderr %q", len(served), errs)
	}
	_, hout, _ := run(t, "", "hunt", "--format", "jsonl", "--data-dir", data, example)
	ids := func(s string) []string {
		var out []string
		for _, a := range jsonl(t, s) {
			out = append(out, a.ID)
		}
		slices.Sort(out)
		return out
	}
	if got, want := ids(out), ids(hout); !slices.Equal(got, want) {
		t.Errorf("serve --once found %v, hunt %v", got, want)
	}
	code, out, errs = run(t, "", "serve", "--once", "--store", db, "--data-dir", data, example)
	if code != ExitOK || out != "" || !strings.Contains(errs, "nothing new") {
		t.Errorf("second run: exit %d, output %q (stderr %q); nothing was new", code, out, errs)
	}
	// What the store kept is what the first run wrote.
	code, out, errs = run(t, "", "alerts", "--store", db, "--format", "jsonl")
	if got, want := ids(out), ids(hout); code != ExitOK || !slices.Equal(got, want) {
		t.Errorf("mamori alerts: exit %d (%s), %v; want %v", code, errs, got, want)
	}
	code, out, errs = run(t, "", "alerts", "--store", db, "--since", "1h", "--format", "jsonl")
	if code != ExitOK || out != "" {
		t.Errorf("--since 1h listed alerts of 2026-03 events: %q", out)
	}
	// None that recent, but the store is not empty: it says so.
	if want := fmt.Sprintf("the store holds %d alerts before, the latest at 2026-03-14", len(served)); !strings.Contains(errs, want) {
		t.Errorf("--since 1h over older alerts: stderr %q, want %q", errs, want)
	}
	if code, _, errs := run(t, "", "alerts", "--store", db+".missing"); code != ExitUsage || !strings.Contains(errs, "no such file") {
		t.Errorf("a missing store: exit %d, %q", code, errs)
	}
}

// TestServeNamesEachEntryItCannotReadOnALineOfItsOwn: the entries of a
// watched folder it could not read (here two links that lead nowhere)
// came as one line with a literal \n between them.
func TestServeNamesEachEntryItCannotReadOnALineOfItsOwn(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	for _, name := range []string{"a.json", "b.json"} {
		if err := os.Symlink(filepath.Join(d, "gone-"+name), filepath.Join(d, name)); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	_, _, errs := run(t, "", "serve", "--once", "--store", filepath.Join(t.TempDir(), "mamori.db"), "--data-dir", t.TempDir(), d)
	var named int
	for _, line := range strings.Split(errs, "\n") {
		if strings.Contains(line, `\n`) {
			t.Errorf("a line holds an escaped newline: %q", line)
		}
		if strings.HasPrefix(line, "mamori serve: not read this time: ") && strings.Contains(line, "leads nowhere") {
			named++
		}
	}
	if named != 2 {
		t.Errorf("%d lines name a dangling link, want 2; stderr %q", named, errs)
	}
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve"}, ExitUsage, "no folder"},
		{[]string{"serve", "--every", "10ms", dir}, ExitUsage, "at least 1s"},
		{[]string{"serve", "--format", "csv", dir}, ExitUsage, "use jsonl, ocsf or table"},
		{[]string{"serve", "--once", filepath.Join(dir, "missing")}, ExitUsage, "missing"},
		{[]string{"serve", "--once", "--store", dir, "--data-dir", dir, dir}, ExitError, "is a folder"},
	} {
		code, _, errs := run(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}

// cancelOn is standard error that cancels the command's context when a
// line containing at is written.
type cancelOn struct {
	bytes.Buffer
	at     string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.at) {
		c.cancel()
	}
	return c.Buffer.Write(p)
}

// A stop asked for once a cycle has committed does not lose its alerts:
// the store counts them as written, so they are written.
func TestServeStoppedAfterCommitWritesTheAlerts(t *testing.T) {
	t.Parallel()
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "broken.json"), []byte("{\"time\": broken}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "mamori.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The count of records past --max-errors is written after the cycle
	// (commit included) and before its alerts.
	errw := &cancelOn{at: "more unreadable", cancel: cancel}
	var out bytes.Buffer
	code := serveCmd(ctx, []string{"--once", "--max-errors", "0", "--store", db, "--data-dir", t.TempDir(), example, broken}, &out, errw)
	if ctx.Err() == nil {
		t.Fatalf("the test's stop was not asked for; stderr %q", errw.String())
	}
	if code != ExitOK || len(jsonl(t, out.String())) == 0 {
		t.Errorf("exit %d, %d alerts written (stderr %q); the committed cycle's alerts are lost", code, len(jsonl(t, out.String())), errw.String())
	}
}

// The store and the alerts written, kept in the folder watched, are not
// read as logs: the second look finds nothing new and nothing unreadable.
func TestServeDoesNotReadWhatItWrites(t *testing.T) {
	t.Parallel()
	logs := t.TempDir()
	if err := os.CopyFS(logs, os.DirFS(example)); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	args := []string{"serve", "--once", "--store", filepath.Join(logs, "mamori.db"), "--output", filepath.Join(logs, "alerts.jsonl"), "--data-dir", data, logs}
	if code, _, errs := run(t, "", args...); code != ExitOK || strings.Contains(errs, "skipped") {
		t.Fatalf("first look: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := run(t, "", args...); code != ExitOK || !strings.Contains(errs, "nothing new") {
		t.Errorf("second look: exit %d, stderr %q; want nothing new", code, errs)
	}
	// A hunt of the same folder knows the store for mamori's, and its
	// journals while a serve has it open: --strict finds nothing unread.
	st, err := store.Open(t.Context(), filepath.Join(logs, "mamori.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := os.Stat(filepath.Join(logs, "mamori.db-wal")); err != nil {
		t.Fatalf("the open store has no WAL beside it, so the test sees nothing: %v", err)
	}
	if code, _, errs := run(t, "", "hunt", "--strict", "--stats", "--no-progress", logs); code != ExitOK || !strings.Contains(errs, "mamori serve store=1") || strings.Contains(errs, "mamori.db-") {
		t.Errorf("hunt --strict of the watched folder: exit %d, stderr %q", code, errs)
	}
}

// An attack served over two cycles (the example's mining logs arriving
// after the rest) is one incident again in `mamori alerts`: the same
// incidents as one hunt over everything, in the table, in each alert's
// incident and in the HTML report.
func TestAlertsRebuildTheIncidentsAcrossCycles(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "mamori.db")
	data, logs := t.TempDir(), t.TempDir()
	late := map[string]bool{"hosts": true, "insights-logs-flowlogflowevent": true, "firewall": true}
	entries, err := os.ReadDir(example)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !late[e.Name()] {
			copyTree(t, filepath.Join(example, e.Name()), filepath.Join(logs, e.Name()))
		}
	}
	serveOnce := func() []alert.Alert {
		t.Helper()
		code, out, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, logs)
		if code != ExitOK {
			t.Fatalf("serve: exit %d: %s", code, errs)
		}
		return jsonl(t, out)
	}
	early := serveOnce()
	for name := range late {
		copyTree(t, filepath.Join(example, name), filepath.Join(logs, name))
	}
	later := serveOnce()

	_, hout, _ := run(t, "", "hunt", "--format", "jsonl", "--data-dir", data, example)
	want := map[string]string{}
	for _, a := range jsonl(t, hout) {
		want[a.ID] = a.Incident
	}
	// An incident of the hunt's with alerts of both cycles: what
	// 'mamori alerts' has to make whole.
	inEarly := map[string]bool{}
	for _, a := range early {
		inEarly[want[a.ID]] = true
	}
	if !slices.ContainsFunc(later, func(a alert.Alert) bool { return inEarly[want[a.ID]] }) {
		t.Fatal("no incident's alerts came in both cycles: the test shows nothing")
	}
	html := filepath.Join(t.TempDir(), "r.html")
	code, out, errs := run(t, "", "alerts", "--store", db, "--format", "jsonl", "--report", html)
	got := jsonl(t, out)
	if code != ExitOK || len(got) != len(want) {
		t.Fatalf("alerts: exit %d (%s), %d alerts, the hunt %d", code, errs, len(got), len(want))
	}
	for _, a := range got {
		if a.Incident != want[a.ID] {
			t.Errorf("alert %s %s: incident %s, the hunt's %s", a.Rule, a.ID, a.Incident, want[a.ID])
		}
	}
	page, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(page, []byte(got[0].Incident)) {
		t.Errorf("the report (%v) does not name incident %s", err, got[0].Incident)
	}
	headlines := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "INCIDENT ") || strings.HasPrefix(l, "  cost ") {
				out = append(out, l)
			}
		}
		return out
	}
	// Its incidents as JSON are the hunt's, down to what to do about each.
	hincs, aincs := filepath.Join(t.TempDir(), "h.json"), filepath.Join(t.TempDir(), "a.json")
	_, htable, _ := run(t, "", "hunt", "--data-dir", data, "--incidents", hincs, example)
	_, atable, _ := run(t, "", "alerts", "--store", db, "--data-dir", data, "--incidents", aincs)
	type plan struct {
		ID       string
		Response []respond.Step
	}
	var hp, ap []plan
	for _, f := range []struct {
		path string
		to   *[]plan
	}{{hincs, &hp}, {aincs, &ap}} {
		if b, err := os.ReadFile(f.path); err != nil || json.Unmarshal(b, f.to) != nil {
			t.Fatalf("%s: %v: %.200s", f.path, err, b)
		}
	}
	if len(hp) == 0 || len(hp[0].Response) == 0 || !reflect.DeepEqual(hp, ap) {
		t.Errorf("alerts --incidents:\n%+v\nhunt --incidents:\n%+v", ap, hp)
	}
	if h, a := headlines(htable), headlines(atable); len(h) == 0 || !slices.Equal(h, a) {
		t.Errorf("alerts' incidents:\n%s\nthe hunt's:\n%s", strings.Join(a, "\n"), strings.Join(h, "\n"))
	}
	if code, _, errs := run(t, "", "alerts", "--store", db, "--incident-gap", "0s"); code != ExitUsage || !strings.Contains(errs, "--incident-gap") {
		t.Errorf("--incident-gap 0s: exit %d, %q", code, errs)
	}
	if code, _, errs := run(t, "", "alerts", "--store", db, "--incident-shared-by", "0"); code != ExitUsage || !strings.Contains(errs, "--incident-shared-by") {
		t.Errorf("--incident-shared-by 0: exit %d, %q", code, errs)
	}
	_, one, _ := run(t, "", "alerts", "--store", db, "--data-dir", data, "--incident-shared-by", "1")
	if n, m := len(headlines(one)), len(headlines(atable)); n <= m {
		t.Errorf("alerts --incident-shared-by 1: %d incidents, want more than the default's %d", n, m)
	}
}

// An alert stored before the store learned its principal's name (the
// service principal's sign-in came a cycle after its write) is named by
// `mamori alerts`, and its summary says whose the id is.
func TestAlertsNameWhatTheStoreLearnedLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "mamori.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	const sp, grantee = "9d91a9a9-1111-4222-8333-444455556666", "0275485b-dd57-4c5c-b5f0-6639af431b60"
	stored := alert.Alert{ID: "a1", Rule: "azure.compute.gpu_created", Severity: alert.Low, Tenant: "t1", Time: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		Principal: sp, Summary: "granted Owner to user " + grantee + " at /subscriptions/s1"}
	if _, err := st.Commit(ctx, store.Cycle{Alerts: []alert.Alert{stored}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Cycle{Names: map[string]string{sp: "aml-training-pipeline", grantee: "mei@contoso.example"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errs := run(t, "", "alerts", "--store", db, "--format", "jsonl")
	got := jsonl(t, out)
	if code != ExitOK || len(got) != 1 {
		t.Fatalf("alerts: exit %d (%s), %d alerts", code, errs, len(got))
	}
	if got[0].PrincipalName != "aml-training-pipeline" || !strings.Contains(got[0].Summary, grantee+" (mei@contoso.example)") {
		t.Errorf("alert named %q, summary %q: want the names the store learned after it", got[0].PrincipalName, got[0].Summary)
	}
}

// A service's --output rotated while it runs (logrotate moves it away)
// gets a new file for the next alerts; they were appended to the file
// moved away, and after it was deleted, to nothing at all.
func TestServeOutputRotated(t *testing.T) {
	t.Parallel()
	db, out := filepath.Join(t.TempDir(), "mamori.db"), filepath.Join(t.TempDir(), "alerts.jsonl")
	data, logs := t.TempDir(), t.TempDir()
	copyTree(t, filepath.Join(example, "insights-activity-logs"), filepath.Join(logs, "insights-activity-logs"))
	_, hout, _ := run(t, "", "hunt", "--format", "jsonl", "--data-dir", data, example)
	want := map[string]bool{}
	for _, a := range jsonl(t, hout) {
		want[a.ID] = true
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"serve", "--every", "1s", "--store", db, "--output", out, "--data-dir", data, logs}, nil, io.Discard, io.Discard)
	}()
	ids := func(path string) map[string]bool {
		b, _ := os.ReadFile(path)
		m := map[string]bool{}
		for _, a := range jsonl(t, string(b)) {
			m[a.ID] = true
		}
		return m
	}
	wait := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				cancel()
				<-done
				t.Fatalf("after 30 s: %s", what)
			}
		}
	}
	wait("no alert written", func() bool { return len(ids(out)) > 0 })
	if err := os.Rename(out, out+".1"); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"signins", "entra-audit", "tenant-activity", "hosts", "insights-logs-flowlogflowevent", "firewall", "defender-alerts", "riskdetections"} {
		copyTree(t, filepath.Join(example, e), filepath.Join(logs, e))
	}
	wait("the alerts after the rotation are not in a new file", func() bool {
		a, b := ids(out+".1"), ids(out)
		return len(b) > 0 && len(a)+len(b) >= len(want)
	})
	cancel()
	<-done
	before, after := ids(out+".1"), ids(out)
	for id := range want {
		if before[id] == after[id] {
			t.Errorf("alert %s: in the rotated file %v, in the new one %v; want it in one", id, before[id], after[id])
		}
	}
}

// An Azure Databricks cluster's VM writes (the Activity Log) served in
// one run and its request (the clusters log) in the next: mamori alerts
// makes one incident of the cluster's 41 machines, under the person, and
// says why the application's alerts on the VMs are in none.
func TestAlertsCountADatabricksClusterOnce(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "mass_deployment",
		"stolen-account-creates-a-forty-worker-gpu-databricks-cluster-fires")
	db, watched, data := filepath.Join(t.TempDir(), "mamori.db"), t.TempDir(), t.TempDir()
	for _, name := range []string{"insights-activity-logs-PT1H.json", "insights-logs-clusters-PT1H.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(watched, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, watched); code != ExitOK {
			t.Fatalf("serve --once after %s: exit %d: %s", name, code, errs)
		}
	}
	code, out, errs := run(t, "", "alerts", "--store", db, "--data-dir", data)
	if code != ExitOK {
		t.Fatalf("mamori alerts: exit %d: %s", code, errs)
	}
	if n := strings.Count(out, "INCIDENT inc-"); n != 1 || !strings.Contains(out, "41 instances") || !strings.Contains(out, "by j.fischer@contoso.com") {
		t.Errorf("mamori alerts: %d incidents, want one of 41 machines by the person:\n%s", n, out)
	}
	if want := "42 alerts of VMs Azure Databricks wrote in no incident"; !strings.Contains(errs, want) {
		t.Errorf("stderr %q, want %q", errs, want)
	}
}

// An alert serve wrote on a create whose Failure a later run reads is
// written again by that run, revised: "revised": true, the same id, and
// the summary says Azure refused the create; the run's account says so.
func TestServeWritesAgainAnAlertOnACreateRefusedLater(t *testing.T) {
	t.Parallel()
	src := filepath.Join("..", "..", "rules", "azure", "quota", "testdata", "quota_exceeded_failures",
		"developer-retries-one-size-and-release-spread-over-the-day-stays-quiet", "insights-activity-logs",
		"resourceId=", "SUBSCRIPTIONS", "A018A0C2-1D4B-45F9-A2E6-018A0C21D4B5", "y=2026", "m=11", "d=10", "h=09", "m=00", "PT1H.json")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n") // a GPU VM's Start, then its Failure
	if !strings.Contains(lines[0], `"resultType":"Start"`) || !strings.Contains(lines[1], `"resultType":"Failure"`) {
		t.Fatalf("the sample's first lines are no longer a Start and its Failure")
	}
	db := filepath.Join(t.TempDir(), "mamori.db")
	watched := t.TempDir()
	file := filepath.Join(watched, "PT1H.json")
	var written [2][]alert.Alert
	var account [2]string
	for i := range 2 {
		f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(lines[i]); err != nil {
			t.Fatal(err)
		}
		f.Close()
		code, out, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", t.TempDir(), watched)
		if code != ExitOK {
			t.Fatalf("run %d: exit %d: %s", i, code, errs)
		}
		written[i], account[i] = jsonl(t, out), errs
	}
	var created *alert.Alert
	for i, a := range written[0] {
		if a.Rule == "azure.compute.gpu_created" {
			created = &written[0][i]
		}
	}
	if created == nil || !strings.Contains(created.Summary, " created ") || created.Revised {
		t.Fatalf("first run wrote %+v, want gpu_created's alert on the create", written[0])
	}
	if len(written[1]) != 1 {
		t.Fatalf("second run wrote %d alerts, want the one revised: %+v", len(written[1]), written[1])
	}
	a := written[1][0]
	if a.ID != created.ID || !a.Revised || !strings.Contains(a.Summary, " asked for ") || !strings.Contains(a.Summary, "; Azure refused it") || len(a.Compute) != 0 {
		t.Errorf("written again: id %s (first %s), revised %v, %q, compute %+v", a.ID, created.ID, a.Revised, a.Summary, a.Compute)
	}
	if !strings.Contains(account[1], "0 new, 1 alert written before revised") {
		t.Errorf("second run's account: %q", account[1])
	}
}

// receiver is a webhook that keeps what is posted to it: its URL, and
// the bodies so far. answer gives the status of the nth post (from 1);
// 200 when it gives 0 or is nil.
func receiver(t *testing.T, answer func(n int) int) (url string, posts func() []string) {
	t.Helper()
	var mu sync.Mutex
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		n := len(bodies)
		mu.Unlock()
		if answer != nil && answer(n) != 0 {
			w.WriteHeader(answer(n))
		}
	}))
	t.Cleanup(hook.Close)
	return hook.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(bodies)
	}
}

// serve --notify posts one message a cycle with the alerts at or above
// --notify-severity, and a cycle with nothing new posts nothing; a
// webhook that is no URL is refused without being printed.
func TestServeNotifies(t *testing.T) {
	t.Parallel()
	hook, posts := receiver(t, nil)
	url := hook + "/services/T0/B0/sekrit"
	db := filepath.Join(t.TempDir(), "mamori.db")
	data := t.TempDir()
	code, out, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, "--notify", url, "--notify-format", "json", "--notify-severity", "high", example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	high, all := 0, jsonl(t, out)
	for _, a := range all {
		if a.Severity >= alert.High && a.Suppressed == nil {
			high++
		}
	}
	got := posts()
	if high == 0 || high == len(all) || len(got) != 1 {
		t.Fatalf("%d of %d alerts written at high or critical, %d posts; want them in one", high, len(all), len(got))
	}
	var body struct {
		Alerts    []alert.Alert
		Incidents []struct {
			ID       string
			Severity alert.Severity
			Response []respond.Step
		}
	}
	if err := json.Unmarshal([]byte(got[0]), &body); err != nil || len(body.Alerts) != high {
		t.Errorf("posted %d alerts (%v), want the %d at high or critical", len(body.Alerts), err, high)
	}
	// A playbook is told what to do about each high or critical incident:
	// the machines its alerts say were created, stopped.
	created := map[string]bool{}
	for _, a := range all {
		for _, c := range a.Compute {
			if c.Count > 0 {
				created[c.Resource] = true
			}
		}
	}
	stops := 0
	for _, in := range body.Incidents {
		r := in.Response
		if in.Severity < alert.High || len(r) < 2 || r[0].Action != "evidence" || r[len(r)-1].Action != "posture" {
			t.Errorf("incident %s (%s) posted with response %+v", in.ID, in.Severity, r)
		}
		for _, s := range r {
			for _, c := range s.Commands {
				if f := strings.Fields(c); s.Action == "compute" && created[f[len(f)-1]] {
					stops++
				}
			}
		}
	}
	if stops == 0 {
		t.Errorf("no response stops what the attack created (%d created)", len(created))
	}
	// Each alert posted names its incident as 'mamori alerts' lists it,
	// and the post holds that incident.
	_, listed, _ := run(t, "", "alerts", "--store", db, "--format", "jsonl")
	incidentOf := map[string]string{}
	for _, a := range jsonl(t, listed) {
		incidentOf[a.ID] = a.Incident
	}
	posted := map[string]bool{}
	for _, in := range body.Incidents {
		posted[in.ID] = true
	}
	for _, a := range body.Alerts {
		if a.Incident == "" || a.Incident != incidentOf[a.ID] || !posted[a.Incident] {
			t.Errorf("alert %s posted in incident %q (listed in %q; posted incidents %v)", a.ID, a.Incident, incidentOf[a.ID], body.Incidents)
		}
	}
	if len(body.Incidents) == 0 || len(body.Incidents) > len(body.Alerts) {
		t.Errorf("%d incidents posted for %d alerts", len(body.Incidents), len(body.Alerts))
	}
	code, _, errs = run(t, "", "serve", "--once", "--store", db, "--data-dir", data, "--notify", url, example)
	if code != ExitOK || len(posts()) != 1 {
		t.Errorf("nothing new: exit %d (%s), %d posts in all", code, errs, len(posts()))
	}
	for _, bad := range [][]string{{"--notify", "hooks.example.com/services/sekrit"}, {"--notify", url, "--notify-severity", "loud"}, {"--notify", url, "--notify-format", "email"}} {
		code, _, errs := run(t, "", append(append([]string{"serve", "--once", "--store", db}, bad...), example)...)
		if code != ExitUsage || strings.Contains(errs, "sekrit") || !strings.Contains(errs, "--notify") {
			t.Errorf("%v: exit %d, %q", bad, code, errs)
		}
	}
}

// The incident a post names is the store's, over every cycle: the mining
// a later cycle reads is told in the attack the first cycle read, with
// that attack's id and size as 'mamori alerts' lists them, not as an
// incident of its own.
func TestServeNotifiesTheWholeIncident(t *testing.T) {
	t.Parallel()
	hook, posts := receiver(t, nil)
	logs, db := t.TempDir(), filepath.Join(t.TempDir(), "mamori.db")
	copyTree(t, example, logs)
	// The hosts' process logs arrive a cycle later.
	later := t.TempDir()
	if err := os.Rename(filepath.Join(logs, "hosts"), filepath.Join(later, "hosts")); err != nil {
		t.Fatal(err)
	}
	args := []string{"serve", "--once", "--store", db, "--data-dir", t.TempDir(), "--notify", hook + "/hook", "--notify-format", "json", logs}
	var written []alert.Alert
	for i := range 2 {
		if i == 1 {
			copyTree(t, later, logs)
		}
		code, out, errs := run(t, "", args...)
		if code != ExitOK {
			t.Fatalf("cycle %d: exit %d: %s", i, code, errs)
		}
		written = append(written, jsonl(t, out)...)
	}
	got := posts()
	if len(got) != 2 {
		t.Fatalf("%d posts, want one a cycle", len(got))
	}
	var second struct {
		Alerts    []alert.Alert
		Incidents []struct {
			ID     string
			Alerts int
		}
	}
	if err := json.Unmarshal([]byte(got[1]), &second); err != nil || len(second.Alerts) == 0 || len(second.Incidents) != 1 {
		t.Fatalf("second post: %d alerts, incidents %+v (%v); want the miner's alerts in one incident", len(second.Alerts), second.Incidents, err)
	}
	_, listed, _ := run(t, "", "alerts", "--store", db, "--format", "jsonl")
	size := map[string]int{}
	for _, a := range jsonl(t, listed) {
		size[a.Incident]++
	}
	in := second.Incidents[0]
	// The attack keeps the id the first cycle's message gave it.
	var first struct{ Incidents []struct{ ID string } }
	if err := json.Unmarshal([]byte(got[0]), &first); err != nil || len(first.Incidents) != 1 || first.Incidents[0].ID != in.ID {
		t.Errorf("first post's incidents %+v (%v), the second's %s: want the same id", first.Incidents, err, in.ID)
	}
	if size[in.ID] != in.Alerts || in.Alerts <= len(second.Alerts) {
		t.Errorf("told incident %s of %d alerts with %d alerts of this cycle; 'mamori alerts' lists %d in it", in.ID, in.Alerts, len(second.Alerts), size[in.ID])
	}
	for _, a := range second.Alerts {
		if a.Incident != in.ID {
			t.Errorf("%s (%s) posted in incident %q, want %s", a.ID, a.Rule, a.Incident, in.ID)
		}
	}
	// And serve's output names them so too: every alert of both cycles
	// in the incident 'mamori alerts' lists it in.
	listedIn := map[string]string{}
	for _, a := range jsonl(t, listed) {
		listedIn[a.ID] = a.Incident
	}
	for _, a := range written {
		if a.Incident != listedIn[a.ID] {
			t.Errorf("%s (%s) written in incident %q, listed in %q", a.ID, a.Rule, a.Incident, listedIn[a.ID])
		}
	}
}

// A service over several tenants names each incident's tenant in its
// messages: a team serving many would not know whose attack it is.
func TestServeNotifyNamesTheTenant(t *testing.T) {
	t.Parallel()
	dirs, tenants := attackedTenants(t, "3", "4")
	text := func(dirs ...string) string {
		hook, posts := receiver(t, nil)
		args := append([]string{"serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir(), "--notify", hook}, dirs...)
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var body struct{ Text string }
		if got := posts(); len(got) != 1 || json.Unmarshal([]byte(got[0]), &body) != nil {
			t.Fatalf("posts %q", got)
		}
		return body.Text
	}
	both := text(dirs...)
	// Each tenant's incident; the alerts listed (the worst ten) with theirs.
	for _, tenant := range tenants {
		if !strings.Contains(both, " in tenant "+tenant+": ") {
			t.Errorf("no incident of tenant %s named in:\n%s", tenant, both)
		}
	}
	if !strings.Contains(both, ", tenant "+tenants[0]+")") && !strings.Contains(both, ", tenant "+tenants[1]+")") {
		t.Errorf("no alert's tenant named in:\n%s", both)
	}
	if one := text(dirs[0]); strings.Contains(one, " in tenant ") || strings.Contains(one, ", tenant ") {
		t.Errorf("one tenant named:\n%s", one)
	}
}

// attackedTenants simulates a tenant attacked (the GPU scale-set chain)
// for each seed, each its own export folder, and returns the folders and
// the tenants' ids.
func attackedTenants(t *testing.T, seeds ...string) (dirs, tenants []string) {
	t.Helper()
	for _, seed := range seeds {
		dir := t.TempDir()
		if code, _, errs := run(t, "", "simulate", "--out", dir, "--seed", seed, "--days", "5", "--scenario", "gpu-scaleset-chain"); code != ExitOK {
			t.Fatalf("simulate: exit %d: %s", code, errs)
		}
		b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
		var truth struct{ Tenant string }
		if err != nil || json.Unmarshal(b, &truth) != nil || truth.Tenant == "" {
			t.Fatalf("truth.json: %v", err)
		}
		dirs, tenants = append(dirs, dir), append(tenants, truth.Tenant)
	}
	return dirs, tenants
}

// serve --notify smtp://… e-mails the cycle's alerts: one message, to
// every address, led by the attack's incident.
func TestServeMails(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewServer(t, "")
	url := "smtp://" + srv.Addr + "/?from=mamori@contoso.example&to=soc@contoso.example,oncall@contoso.example"
	if code, _, errs := run(t, "", "serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir(), "--notify", url, example); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got := srv.Received()
	if len(got) != 1 || len(got[0].To) != 2 {
		t.Fatalf("%d mails: %+v", len(got), got)
	}
	msg, err := mail.ReadMessage(strings.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if !strings.HasPrefix(subject, "mamori: 15 new alerts in 1 incident — critical: Cryptojacking: GPU compute (121 instances)") ||
		!strings.Contains(string(body), "\nCRITICAL incident inc-") || !strings.Contains(string(body), "about $59 per hour for 121 instances") {
		t.Errorf("subject %q, body:\n%s", subject, body)
	}
}

// An incident whose id changes (the sign-ins, read a cycle late, hold
// its first alert) is told with the id it had: a responder sees one
// attack, not two.
func TestServeTellsAnIncidentsFormerID(t *testing.T) {
	t.Parallel()
	hook, posts := receiver(t, nil)
	logs, db := t.TempDir(), filepath.Join(t.TempDir(), "mamori.db")
	copyTree(t, example, logs)
	// The hosts' logs (the miner, joining the attack) come a cycle later,
	// Entra's sign-ins and risk detections (its first alerts, dated at the
	// risky sign-in) a cycle after that.
	hosts, signins := t.TempDir(), t.TempDir()
	for dir, name := range map[string]string{hosts: "hosts", signins: "signins", filepath.Join(signins, "risk"): "riskdetections"} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(logs, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"serve", "--once", "--store", db, "--data-dir", t.TempDir(), "--notify", hook, "--notify-format", "json", logs}
	for i, dir := range []string{"", hosts, signins} {
		if dir != "" {
			copyTree(t, dir, logs)
		}
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Fatalf("cycle %d: exit %d: %s", i, code, errs)
		}
	}
	type body struct {
		Alerts    []alert.Alert
		Incidents []struct {
			ID       string
			Severity alert.Severity
			Formerly []string
		}
	}
	// Told as one id twice (the miner joined it: the same first alert),
	// then as another, formerly the first: not as the miner's own part.
	got := posts()
	var first, mid, second body
	if len(got) != 3 || json.Unmarshal([]byte(got[0]), &first) != nil || json.Unmarshal([]byte(got[1]), &mid) != nil || json.Unmarshal([]byte(got[2]), &second) != nil {
		t.Fatalf("posts %q", got)
	}
	if len(first.Incidents) == 0 || len(mid.Incidents) != 1 || len(second.Incidents) == 0 {
		t.Fatalf("incidents %+v, %+v, then %+v", first.Incidents, mid.Incidents, second.Incidents)
	}
	was, now := first.Incidents[0], second.Incidents[0]
	if mid.Incidents[0].ID != was.ID || was.ID == now.ID || !slices.Equal(now.Formerly, []string{was.ID}) || was.Formerly != nil {
		t.Errorf("told as %s, %s, then as %s formerly %q; want the first twice, then a new id naming it alone", was.ID, mid.Incidents[0].ID, now.ID, now.Formerly)
	}
	if !slices.ContainsFunc(second.Alerts, func(a alert.Alert) bool { return a.Rule == "azure.signin.risky_then_quota_or_compute" }) {
		t.Errorf("the second post holds no risky sign-in: %+v", second.Alerts)
	}
	// mamori alerts finds it by the id it was told as, too.
	if _, table, _ := run(t, "", "alerts", "--store", db); !strings.Contains(table, "INCIDENT "+now.ID) || !strings.Contains(table, "  told as   "+was.ID+" (") {
		t.Errorf("mamori alerts:\n%s", table)
	}
}

// A post the webhook refused is not lost: the store holds its alerts,
// and the next run, with nothing new to read, tells them, saying since
// when; once told they are not told again.
func TestServeHoldsWhatTheWebhookRefused(t *testing.T) {
	t.Parallel()
	hook, posts := receiver(t, func(n int) int {
		if n == 1 {
			return http.StatusForbidden // a 4xx is not tried again
		}
		return 0
	})
	db := filepath.Join(t.TempDir(), "mamori.db")
	data := t.TempDir()
	args := []string{"serve", "--once", "--store", db, "--data-dir", data, "--notify", hook + "/services/T0/B0/sekrit", "--notify-format", "json", example}
	code, out, errs := run(t, "", args...)
	high := 0
	for _, a := range jsonl(t, out) {
		if a.Severity >= alert.High && a.Suppressed == nil {
			high++
		}
	}
	want := fmt.Sprintf("mamori serve: notify: not told: the webhook answered 403 Forbidden; %d alerts held for the next cycle", high)
	if code != ExitOK || high == 0 || len(posts()) != 1 || !strings.Contains(errs, want) || strings.Contains(errs, "sekrit") {
		t.Fatalf("refused: exit %d, %d posts, stderr %q; want %q", code, len(posts()), errs, want)
	}
	// status says so, and exits 3, as for a log that stopped.
	code, status, _ := run(t, "", "status", "--store", db)
	if code != ExitFindings || !strings.Contains(status, fmt.Sprintf("NOT TOLD: %d alerts held for serve's --notify", high)) {
		t.Errorf("status with alerts held: exit %d:\n%s", code, status)
	}
	_, status, _ = run(t, "", "status", "--store", db, "--format", "json")
	var doc struct {
		Held  int       `json:"notify_held"`
		Since time.Time `json:"notify_held_since"`
	}
	if err := json.Unmarshal([]byte(status), &doc); err != nil || doc.Held != high || doc.Since.IsZero() {
		t.Errorf("status --format json: held %d since %v (%v)", doc.Held, doc.Since, err)
	}
	before := time.Now()
	code, out, errs = run(t, "", args...)
	got := posts()
	if code != ExitOK || len(jsonl(t, out)) != 0 || len(got) != 2 {
		t.Fatalf("the next run: exit %d (%s), %d alerts written, %d posts; want the held alerts posted", code, errs, len(jsonl(t, out)), len(got))
	}
	var body struct {
		Alerts    []alert.Alert
		Held      int
		HeldSince time.Time `json:"held_since"`
	}
	if err := json.Unmarshal([]byte(got[1]), &body); err != nil || len(body.Alerts) != high || body.Held != high || !body.HeldSince.Before(before) {
		t.Errorf("held posted: %d alerts, held %d since %v (%v); want %d, held before %v", len(body.Alerts), body.Held, body.HeldSince, err, high, before)
	}
	if code, _, errs = run(t, "", args...); code != ExitOK || len(posts()) != 2 {
		t.Errorf("told already: exit %d (%s), %d posts; want none more", code, errs, len(posts()))
	}
	if code, status, _ := run(t, "", "status", "--store", db); code != ExitOK || strings.Contains(status, "NOT TOLD") {
		t.Errorf("status once told: exit %d:\n%s", code, status)
	}
}

// The webhook from the environment (MAMORI_NOTIFY_URL, out of process
// lists) that refuses the post: the cycle says it could not tell, without
// the URL, and its alerts are written all the same. Not parallel: it sets
// the environment.
func TestServeNotifyRefusedNamesNoURL(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	defer gone.Close()
	t.Setenv("MAMORI_NOTIFY_URL", gone.URL+"/services/T0/B0/sekrit")
	code, out, errs := run(t, "", "serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir(), example)
	if code != ExitOK || len(jsonl(t, out)) == 0 || !strings.Contains(errs, "mamori serve: notify: not told: the webhook answered 404 Not Found") || strings.Contains(errs, "sekrit") {
		t.Errorf("a refusing receiver: exit %d, %d alerts written, stderr %q", code, len(jsonl(t, out)), errs)
	}
}
