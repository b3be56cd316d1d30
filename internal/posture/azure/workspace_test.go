package azure

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// laRow is a Log Analytics AzureActivity row of the readers' tests as the
// query API gives it: a table of columns and one row.
func laRow(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "source", "activitylog", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var row map[string]any
	if err := json.Unmarshal(b, &row); err != nil {
		t.Fatal(err)
	}
	var cols []map[string]string
	var vals []any
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range row {
			if !yield(k) {
				return
			}
		}
	}) {
		cols, vals = append(cols, map[string]string{"name": k, "type": "string"}), append(vals, row[k])
	}
	out, _ := json.Marshal(map[string]any{"tables": []any{map[string]any{"name": "PrimaryResult", "columns": cols, "rows": []any{vals}}}})
	return string(out)
}

// A workspace's tables are read a day at a time through the query API,
// each answer kept as the API gave it; a day the API cut short is read
// again in halves until the answers are whole, and only those are kept;
// a table the workspace lacks is absent and one the identity may not
// query is denied (what it needs said), neither fatal; the non-interactive
// sign-ins only when asked. The folder, hunted, holds the GPU cluster the
// workspace's AzureActivity row created, once.
func TestSaveWorkspaceLogs(t *testing.T) {
	t.Parallel()
	const ws = "b7c1a0e2-3d4f-4a5b-9c6d-7e8f9a0b1c2d"
	f := newFakes(t)
	since, until := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 3, 6, 8, 0, 0, 500e6, time.UTC) // the row's TimeGenerated
	row := laRow(t, "la_json_aml_cluster.json")
	bounds := regexp.MustCompile(`TimeGenerated >= datetime\(([^)]+)\) and TimeGenerated < datetime\(([^)]+)\)`)
	var mu sync.Mutex
	asked := map[string][][2]time.Time{} // by table
	graph := f.graph
	f.graph = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/workspaces/") {
			graph.ServeHTTP(w, r)
			return
		}
		if r.URL.Path != "/v1/workspaces/"+ws+"/query" || r.Method != http.MethodGet {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		q := r.URL.Query().Get("query")
		table, _, _ := strings.Cut(q, " ")
		m := bounds.FindStringSubmatch(q)
		if m == nil {
			t.Fatalf("query without its slice: %q", q)
		}
		from, err1 := time.Parse(time.RFC3339Nano, m[1])
		to, err2 := time.Parse(time.RFC3339Nano, m[2])
		if err1 != nil || err2 != nil || from.Before(since) || to.After(until) || to.Sub(from) > 24*time.Hour {
			t.Errorf("%s: slice %s to %s", table, m[1], m[2])
		}
		mu.Lock()
		asked[table] = append(asked[table], [2]time.Time{from, to})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case table == "SigninLogs":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"code":"InsufficientAccessError","message":"The provided credentials have insufficient access to perform the requested operation"}}`)
		case table == "AZFWDnsQuery":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"code":"BadArgumentError","message":"The request had some invalid properties","innererror":{"code":"SemanticError","message":"'AZFWDnsQuery' could not be resolved"}}}`)
		case table == "AzureActivity" && !at.Before(from) && at.Before(to) && to.Sub(from) > 6*time.Hour:
			// Cut short: rows (here, the one) and the error beside them.
			io.WriteString(w, strings.TrimSuffix(row, "}")+`,"error":{"code":"PartialError","message":"There were some errors when processing your query.","details":[{"code":"EngineError","message":"Query result set has exceeded the internal record count limit 500000"}]}}`)
		case table == "AzureActivity" && !at.Before(from) && at.Before(to):
			io.WriteString(w, row)
		default:
			io.WriteString(w, `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"}],"rows":[]}]}`)
		}
	})
	opts, _ := env(t, f)
	opts.LogAnalyticsEndpoint = opts.GraphEndpoint
	dir := filepath.Join(t.TempDir(), "case")
	reads, err := SaveLogs(context.Background(), opts, LogsOptions{Workspaces: []string{strings.ToUpper(ws)}}, since, until, dir)
	if err != nil {
		t.Fatal(err)
	}
	byLog := map[string]LogRead{}
	for _, r := range reads {
		if strings.HasPrefix(r.Log, LogWorkspace) {
			byLog[strings.TrimPrefix(r.Log, LogWorkspace)] = r
			if r.Subscription != ws {
				t.Errorf("%s: workspace %q", r.Log, r.Subscription)
			}
		}
	}
	if a := byLog["AzureActivity"]; a.Status != capture.OK || a.Pages < 10 {
		t.Errorf("AzureActivity: %+v", a)
	}
	if s := byLog["SigninLogs"]; s.Status != capture.Denied || s.Permission != workspacePermission || s.Pages != 0 {
		t.Errorf("SigninLogs: %+v", s)
	}
	if d := byLog["AZFWDnsQuery"]; d.Status != capture.Absent || !strings.Contains(d.Error, "no table AZFWDnsQuery") {
		t.Errorf("AZFWDnsQuery: %+v", d)
	}
	if _, ok := byLog["AADNonInteractiveUserSignInLogs"]; ok || len(asked["AADNonInteractiveUserSignInLogs"]) > 0 {
		t.Error("non-interactive sign-ins read unasked")
	}
	if len(asked["SigninLogs"]) != 1 || len(asked["AZFWDnsQuery"]) != 1 {
		t.Errorf("a table that cannot be read asked again: %d, %d", len(asked["SigninLogs"]), len(asked["AZFWDnsQuery"]))
	}
	// The slices kept cover the span once: the cut-short day's halves
	// and quarters in place of it.
	var kept [][2]time.Time
	for _, s := range asked["AzureActivity"] {
		if !(!at.Before(s[0]) && at.Before(s[1]) && s[1].Sub(s[0]) > 6*time.Hour) {
			kept = append(kept, s)
		}
	}
	slices.SortFunc(kept, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	next := since
	for _, s := range kept {
		if !s[0].Equal(next) {
			t.Fatalf("AzureActivity's kept slices leave a gap or overlap at %s: %v", next, kept)
		}
		next = s[1]
	}
	if !next.Equal(until) || len(kept) != byLog["AzureActivity"].Pages {
		t.Errorf("kept slices end at %s, %d of them, %d pages", next, len(kept), byLog["AzureActivity"].Pages)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "workspace", "AzureActivity", ws, "*.json"))
	if err != nil || len(pages) != len(kept) {
		t.Fatalf("AzureActivity's pages: %v (%v)", pages, err)
	}
	res := huntFolder(t, dir)
	var gpu []time.Time
	for _, a := range res.Alerts {
		if a.Rule == "azure.compute.gpu_created" {
			gpu = append(gpu, a.Time)
		}
	}
	if len(gpu) != 1 || !gpu[0].Equal(at) {
		t.Errorf("GPU alerts of the fetched workspace: %v, want one at %s", gpu, at)
	}
	// serve's reader of a workspace reads its tables alone.
	reads, err = SaveLogs(context.Background(), opts, LogsOptions{Workspaces: []string{ws}, WorkspacesOnly: true}, since, since.Add(time.Hour), filepath.Join(t.TempDir(), "only"))
	if err != nil || len(reads) == 0 {
		t.Fatalf("workspaces only: %v (%v)", reads, err)
	}
	for _, r := range reads {
		if !strings.HasPrefix(r.Log, LogWorkspace) {
			t.Errorf("workspaces only, and %s read", r.Log)
		}
	}
}

// ID Protection's risk detections in a workspace (the diagnostic setting's
// UserRiskEvents and ServicePrincipalRiskEvents) are read as the other
// tables are: a day a query, narrowed by TimeGenerated alone (nothing
// else goes to these tables), each answer kept under
// DIR/workspace/TABLE/ID/ as the API gave it.
func TestSaveWorkspaceRiskEvents(t *testing.T) {
	t.Parallel()
	const ws = "b7c1a0e2-3d4f-4a5b-9c6d-7e8f9a0b1c2d"
	f := newFakes(t)
	since, until := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 8, 0, 0, 0, 0, time.UTC)
	const row = `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Id","type":"string"},{"name":"RiskEventType","type":"string"},{"name":"DetectedDateTime","type":"datetime"},{"name":"UserPrincipalName","type":"string"},{"name":"Type","type":"string"}],` +
		`"rows":[["2024-03-06T03:31:10.7760000Z","1d68fc3d60d012ff80ad4b16818bf304df1bde295fdf1db31fa5389ba9532c01","leakedCredentials","2024-03-06T03:27:19.4471023Z","mallory@contoso.example","AADUserRiskEvents"]]}]}`
	var mu sync.Mutex
	asked := map[string][]string{} // the queries, by table
	graph := f.graph
	f.graph = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/workspaces/") {
			graph.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query().Get("query")
		table, _, _ := strings.Cut(q, " ")
		mu.Lock()
		asked[table] = append(asked[table], q)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if table == "AADUserRiskEvents" && strings.Contains(q, "datetime(2024-03-06T00:00:00Z) and") {
			io.WriteString(w, row)
			return
		}
		io.WriteString(w, `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"}],"rows":[]}]}`)
	})
	opts, _ := env(t, f)
	opts.LogAnalyticsEndpoint = opts.GraphEndpoint
	dir := filepath.Join(t.TempDir(), "case")
	reads, err := SaveLogs(context.Background(), opts, LogsOptions{Workspaces: []string{ws}, WorkspacesOnly: true}, since, until, dir)
	if err != nil {
		t.Fatal(err)
	}
	byLog := map[string]LogRead{}
	for _, r := range reads {
		byLog[r.Log] = r
	}
	for _, table := range []string{"AADUserRiskEvents", "AADServicePrincipalRiskEvents"} {
		if r := byLog[LogWorkspace+table]; r.Status != capture.OK || r.Pages != 3 || r.Subscription != ws {
			t.Errorf("%s: %+v, want a page a day of three", table, r)
		}
		want := table + " | where TimeGenerated >= datetime(2024-03-05T00:00:00Z) and TimeGenerated < datetime(2024-03-06T00:00:00Z)"
		if qs := asked[table]; len(qs) != 3 || qs[0] != want {
			t.Errorf("%s asked %q, want three days, the first %q", table, qs, want)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "workspace", "AADUserRiskEvents", ws, "0002.json"))
	if err != nil || string(b) != row {
		t.Errorf("the day of the leaked credentials kept as %q (%v), want the answer as sent", b, err)
	}
}
