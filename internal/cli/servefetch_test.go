package cli

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// restRecord is an Activity Log record of the readers' tests, in the REST
// API's shape.
func restRecord(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "source", "activitylog", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakeAzure answers serve's reads with pages of the given records, and
// the statuses of the other logs; it records each read's window.
type fakeAzure struct {
	mu      sync.Mutex // serve reads its tenants at once
	calls   map[string]int
	pages   [][]string // per read of each tenant: the records of the Activity Log's one page
	reads   []azure.LogRead
	windows [][2]time.Time
	tenants []string // each read's
	// others gives the other logs a record each, as their readers call
	// keep at once (FetchLogs's goroutines; run under -race).
	others bool
	// refuse fails the reads of these tenants with their error.
	refuse map[string]error
	// rows, by read of a workspace, are the AzureActivity rows its
	// answer holds (the query API's tables).
	rows [][]string
}

func (a *fakeAzure) fetch(_ context.Context, what fetchOf, since, until time.Time, keep func(log, sub string, page int, body []byte) error) ([]azure.LogRead, error) {
	tenant := what.tenant
	a.mu.Lock()
	a.windows = append(a.windows, [2]time.Time{since, until})
	a.tenants = append(a.tenants, tenant)
	if a.calls == nil {
		a.calls = map[string]int{}
	}
	n := a.calls[tenant]
	a.calls[tenant]++
	refused := a.refuse[tenant]
	if what.workspace != "" {
		n := a.calls["workspace/"+what.workspace]
		a.calls["workspace/"+what.workspace]++
		a.mu.Unlock()
		if n < len(a.rows) {
			body := `{"tables":[{"name":"PrimaryResult","columns":` + laColumns + `,"rows":[` + strings.Join(a.rows[n], ",") + `]}]}`
			if err := keep(azure.LogWorkspace+"AzureActivity", what.workspace, 1, []byte(body)); err != nil {
				return nil, err
			}
		}
		return []azure.LogRead{{Log: azure.LogWorkspace + "AzureActivity", Subscription: what.workspace, Pages: 1, Status: capture.OK},
			{Log: azure.LogWorkspace + "AZFWDnsQuery", Subscription: what.workspace, Status: capture.Absent, Error: "the workspace has no table AZFWDnsQuery (nothing sends it there)"}}, nil
	}
	a.mu.Unlock()
	if refused != nil {
		return nil, refused
	}
	if n < len(a.pages) {
		if err := keep(azure.LogActivity, "5c3f0e2a-8d1b-4b7e-9f60-1a2b3c4d5e6f", 1, []byte(`{"value":[`+strings.Join(a.pages[n], ",")+`],"nextLink":null}`)); err != nil {
			return nil, err
		}
	}
	if a.others {
		var wg sync.WaitGroup
		for _, log := range []string{azure.LogSignIns, azure.LogAudits, azure.LogTenantActivity} {
			wg.Go(func() { keep(log, "", 1, []byte(`{"value":[{"id":"`+log+`-0001"}]}`)) })
		}
		wg.Wait()
	}
	return a.reads, nil
}

// laColumns and laGPURow are an AzureActivity row of the readers' tests
// (la_json_aml_cluster.json: a GPU cluster created) as the query API
// gives it.
var laColumns, laGPURow = func() (string, string) {
	b, err := os.ReadFile(filepath.Join("..", "source", "activitylog", "testdata", "la_json_aml_cluster.json"))
	if err != nil {
		panic(err)
	}
	var row map[string]any
	if err := json.Unmarshal(b, &row); err != nil {
		panic(err)
	}
	var cols []map[string]string
	var vals []any
	for _, k := range slices.Sorted(maps.Keys(row)) {
		cols, vals = append(cols, map[string]string{"name": k, "type": "string"}), append(vals, row[k])
	}
	c, _ := json.Marshal(cols)
	v, _ := json.Marshal(vals)
	return string(c), string(v)
}()

// A workspace's reader keeps only the rows it had not read (the overlap
// reads them again) and serve hunts them as any export's: the GPU
// cluster the row created alerts once; the table the workspace lacks is
// said, not fatal; status names the reader.
func TestServeFetchesAWorkspace(t *testing.T) {
	const ws = "b7c1a0e2-3d4f-4a5b-9c6d-7e8f9a0b1c2d"
	other := strings.Replace(laGPURow, "2024-03-06T08:00:00.5Z", "2024-03-06T09:00:00.5Z", 1)
	a := &fakeAzure{rows: [][]string{{laGPURow}, {laGPURow, other}}}
	was := liveLogs
	liveLogs = a.fetch
	t.Cleanup(func() { liveLogs = was })
	f := newFetcher(t.TempDir(), fetchOf{workspace: ws}, 5*time.Minute, 400*24*time.Hour, time.Hour, a.fetch)
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	var errs strings.Builder
	first := f.read(context.Background(), t0, &errs)
	second := f.read(context.Background(), t0.Add(5*time.Minute), &errs)
	if first.Items != 1 || second.Items != 1 || first.Source != "workspace/"+ws || !first.Whole ||
		!strings.Contains(errs.String(), "mamori serve: fetch of workspace "+ws+": table AZFWDnsQuery of workspace "+ws+": absent: the workspace has no table AZFWDnsQuery") {
		t.Errorf("reads %+v, %+v; stderr:\n%s", first, second, errs.String())
	}
	pages, _ := filepath.Glob(filepath.Join(f.dir, "*", "workspace", "AzureActivity", ws, "*.json"))
	if len(pages) != 2 {
		t.Fatalf("pages %v, want one a read", pages)
	}
	b, err := os.ReadFile(pages[1])
	if err != nil || strings.Count(string(b), "2024-03-06T08:00:00.5Z") != 0 || strings.Count(string(b), "2024-03-06T09:00:00.5Z") != 1 {
		t.Errorf("the second read's page holds the row read before, or not the new one: %s", b)
	}

	a.calls = nil // serve, from its first read
	db, folder := filepath.Join(t.TempDir(), "m.db"), t.TempDir()
	code, out, stderr := run(t, "", "serve", "--once", "--store", db, "--data-dir", t.TempDir(), "--fetch-workspace", ws, "--fetch-since", "400d", folder)
	var gpu int
	for _, al := range jsonl(t, out) {
		if al.Rule == "azure.compute.gpu_created" {
			gpu++
		}
	}
	if code != ExitOK || gpu != 1 || !strings.Contains(stderr, "mamori serve: fetch of workspace "+ws+": 1 event new from Azure") {
		t.Errorf("serve: exit %d, %d GPU alerts, stderr:\n%s", code, gpu, stderr)
	}
	if _, out, _ := run(t, "", "status", "--store", db); !strings.Contains(out, "  fetch of workspace "+ws+": 1 event in all") {
		t.Errorf("status:\n%s", out)
	}
	for _, bad := range [][]string{{"--fetch-workspace", "sentinel"}} {
		if code, _, errs := run(t, "", append(append([]string{"serve", "--once", "--store", db}, bad...), folder)...); code != ExitUsage || !strings.Contains(errs, "not a workspace's id") {
			t.Errorf("%v: exit %d, %q", bad, code, errs)
		}
	}
}

// FuzzFreshRows: whatever a query API's answer holds, a workspace's
// reader neither panics nor keeps a row twice, and what it keeps is JSON
// of the answer's shape.
func FuzzFreshRows(f *testing.F) {
	for _, s := range []string{`{"tables":[{"name":"PrimaryResult","columns":[{"name":"a","type":"string"}],"rows":[["x"],["x"],["y"]]}]}`,
		`{"tables":[{"name":"t","rows":null},{"rows":[1,"2",[]]}]}`, `{"tables":null}`, `[]`, `{"tables":[{"rows":[["a"]]},{"rows":[["a"]]}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fe := &fetcher{seen: map[string]time.Time{}}
		page, n, keys, err := fe.freshRows(body)
		if err != nil || n == 0 {
			return
		}
		if n != len(keys) || len(slices.Compact(slices.Sorted(slices.Values(keys)))) != n {
			t.Fatalf("%d rows, keys %q", n, keys)
		}
		var a struct {
			Tables []struct{ Rows []json.RawMessage }
		}
		if err := json.Unmarshal(page, &a); err != nil {
			t.Fatalf("kept %q: %v", page, err)
		}
		rows := 0
		for _, tb := range a.Tables {
			rows += len(tb.Rows)
		}
		if rows != n {
			t.Fatalf("%d rows kept, said %d", rows, n)
		}
		for _, k := range keys {
			fe.seen[k] = time.Time{}
		}
		if _, again, _, _ := fe.freshRows(body); again != 0 {
			t.Fatalf("%d rows kept again", again)
		}
	})
}

// Each read reaches its overlap (an hour here) into the one before and keeps only the events
// it had not read; a log that could not be read whole (not a refusal) is
// read again from the same start; after a restart, the reads go on from
// the last folder's time.
func TestFetcherReadsEachEventOnce(t *testing.T) {
	role, moved := restRecord(t, "rest_role_assignment_owner.json"), restRecord(t, "rest_subscription_update_tenant.json")
	folder := t.TempDir()
	a := &fakeAzure{pages: [][]string{{role}, {role, moved}, {moved}}, others: true}
	a.reads = []azure.LogRead{{Log: azure.LogActivity, Subscription: "5c3f0e2a-8d1b-4b7e-9f60-1a2b3c4d5e6f", Status: capture.OK},
		{Log: azure.LogSignIns, Status: capture.Absent, Error: "the tenant has no Entra ID P1/P2 licence"}}
	f := newFetcher(folder, fetchOf{}, 5*time.Minute, 24*time.Hour, time.Hour, a.fetch)
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	var errs strings.Builder
	for i, at := range []time.Time{t0, t0.Add(5 * time.Minute)} {
		if !f.due(at) {
			t.Fatalf("read %d not due", i)
		}
		f.read(context.Background(), at, &errs)
	}
	if f.due(t0.Add(7 * time.Minute)) {
		t.Error("a read due two minutes after the last")
	}
	if want := [][2]time.Time{{t0.Add(-24 * time.Hour), t0}, {t0.Add(-time.Hour), t0.Add(5 * time.Minute)}}; len(a.windows) != 2 || a.windows[0] != want[0] || a.windows[1] != want[1] {
		t.Errorf("windows %v, want %v", a.windows, want)
	}
	events := func(read time.Time) (ids []string) {
		dir := filepath.Join(folder, "fetched", read.Format(fetchStamp), "activity", "5c3f0e2a-8d1b-4b7e-9f60-1a2b3c4d5e6f")
		b, err := os.ReadFile(filepath.Join(dir, "0001.json"))
		if err != nil {
			return nil
		}
		var page struct {
			Value []struct{ EventDataID string }
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Value {
			ids = append(ids, e.EventDataID)
		}
		return ids
	}
	if first, second := events(t0), events(t0.Add(5*time.Minute)); len(first) != 1 || len(second) != 1 || first[0] == second[0] {
		t.Errorf("events kept: %v, then %v; want the role grant, then the move alone", first, second)
	}
	if !strings.Contains(errs.String(), "mamori serve: fetch: Entra ID sign-ins of users: absent: the tenant has no Entra ID P1/P2 licence\n") ||
		!strings.Contains(errs.String(), "mamori serve: fetch: 1 event new from Azure, 2026-11-29 11:00 to 2026-11-29 12:05 UTC\n") {
		t.Errorf("stderr:\n%s", errs.String())
	}
	// A log that failed: the next read starts where this one did.
	a.reads = append(a.reads, azure.LogRead{Log: azure.LogAudits, Status: capture.Failed, Error: "HTTP 503"})
	f.read(context.Background(), t0.Add(10*time.Minute), &errs)
	f.read(context.Background(), t0.Add(15*time.Minute), &errs)
	if a.windows[2][0] != a.windows[3][0] || a.windows[2][0] != t0.Add(5*time.Minute-time.Hour) {
		t.Errorf("after a failed read, windows %v and %v; want the same start", a.windows[2], a.windows[3])
	}
	// A restart reads on from the last whole read's folder.
	g := newFetcher(folder, fetchOf{}, 5*time.Minute, 24*time.Hour, time.Hour, a.fetch)
	if !g.last.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("after a restart, the last read ended %v, want %v", g.last, t0.Add(5*time.Minute))
	}
}

// serve --fetch reads the tenant's logs from Azure into its folder, and
// the same cycle hunts them; a serve started again reads the overlap (2 hours)
// again (its memory of events is gone) and tells nothing twice. Not
// parallel: it stands in for Azure (liveLogs).
func TestServeFetches(t *testing.T) {
	role, moved := restRecord(t, "rest_role_assignment_owner.json"), restRecord(t, "rest_subscription_update_tenant.json")
	a := &fakeAzure{pages: [][]string{{role, moved}}, reads: []azure.LogRead{{Log: azure.LogActivity, Subscription: "5c3f0e2a-8d1b-4b7e-9f60-1a2b3c4d5e6f", Status: capture.OK}}}
	was := liveLogs
	liveLogs = a.fetch
	t.Cleanup(func() { liveLogs = was })
	db, folder := filepath.Join(t.TempDir(), "m.db"), t.TempDir()
	args := []string{"serve", "--once", "--store", db, "--data-dir", t.TempDir(), "--fetch", "--fetch-since", "400d", folder}
	code, out, errs := run(t, "", args...)
	fired := map[string]bool{}
	for _, al := range jsonl(t, out) {
		fired[al.Rule] = true
	}
	if code != ExitOK || !fired["azure.identity.privileged_role_assignment"] || !fired["azure.subscription.moved_to_other_tenant"] ||
		!strings.Contains(errs, "mamori serve: fetch: 2 events new from Azure") {
		t.Fatalf("exit %d, fired %v, stderr:\n%s", code, fired, errs)
	}
	a.pages = append(a.pages, []string{role, moved})
	code, out, errs = run(t, "", args...)
	if code != ExitOK || len(jsonl(t, out)) != 0 || !strings.Contains(errs, ", 0 new") || len(a.windows) != 2 || !a.windows[1][0].Equal(a.windows[0][1].Truncate(time.Millisecond).Add(-2*time.Hour)) {
		t.Errorf("started again: exit %d, %d alerts written, windows %v, stderr:\n%s", code, len(jsonl(t, out)), a.windows, errs)
	}
	for _, c := range [][]string{{"--fetch", "--fetch-every", "10s"}, {"--fetch", "--fetch-overlap", "8d"}, {"--fetch-tenant", "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10"}, {"--fetch", "--fetch-tenant", "contoso"}} {
		if code, _, errs := run(t, "", append(append([]string{"serve", "--once", "--store", db}, c...), folder)...); code != ExitUsage || !strings.Contains(errs, "--fetch") {
			t.Errorf("%v: exit %d, %q", c, code, errs)
		}
	}
	// A service over two tenants reads each into a folder of its own.
	const t1, t2 = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10", "0badf00d-1234-4abc-8def-00000000cafe"
	b := &fakeAzure{pages: [][]string{{role}}, reads: a.reads}
	liveLogs = b.fetch
	multi := t.TempDir()
	code, _, errs = run(t, "", "serve", "--once", "--store", filepath.Join(t.TempDir(), "m.db"), "--data-dir", t.TempDir(), "--fetch", "--fetch-tenant", t1+","+strings.ToUpper(t2), multi)
	if slices.Sort(b.tenants); code != ExitOK || !slices.Equal(b.tenants, []string{strings.ToUpper(t2), t1}) || !strings.Contains(errs, "mamori serve: fetch of tenant "+t1+": 1 event new from Azure") {
		t.Fatalf("two tenants: exit %d, read %q, stderr:\n%s", code, b.tenants, errs)
	}
	for _, tn := range []string{t1, t2} {
		if entries, err := os.ReadDir(filepath.Join(multi, "fetched", tn)); err != nil || len(entries) != 1 {
			t.Errorf("tenant %s's folder: %v (%v)", tn, entries, err)
		}
	}
}

// FuzzFresh: whatever a page holds, fetch's reading of it neither panics
// nor keeps an event twice, and each event kept is one the page held, as
// it held it.
func FuzzFresh(f *testing.F) {
	for _, s := range []string{`{"value":[{"eventDataId":"a"},{"eventDataId":"a"},{"id":"b"},{}]}`, `{"value":[1,"x",null,[]]}`, `{"value":null}`, `[]`, `{"value":[{"id":5}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fe := &fetcher{seen: map[string]time.Time{}}
		out, keys, err := fe.fresh(body)
		if err != nil {
			return
		}
		if len(out) != len(keys) {
			t.Fatalf("%d events, %d keys", len(out), len(keys))
		}
		seen := map[string]bool{}
		for i, k := range keys {
			if seen[k] {
				t.Fatalf("key %q twice", k)
			}
			seen[k] = true
			if !strings.Contains(string(body), string(out[i])) {
				t.Fatalf("event %q not the page's", out[i])
			}
		}
	})
}
