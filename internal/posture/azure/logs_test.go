package azure

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"

	mamori "github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/posture/capture"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/source"
)

// restEvent reads an Activity Log record of the readers' tests, in the
// REST API's shape, as the fake's page holds it.
func restEvent(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "source", "activitylog", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// activityFakes answers each subscription's Activity Log with two pages
// (a role grant, then the subscription moved away), and refuses the
// tenant's; it returns the filters ARM was asked.
func activityFakes(t *testing.T, f *fakes) (filters func() []string) {
	var mu sync.Mutex // the fakes answer on goroutines of their own
	var asked []string
	f.monitor.ActivityLogsServer.NewListPager = func(filter string, _ *armmonitor.ActivityLogsClientListOptions) (resp azfake.PagerResponder[armmonitor.ActivityLogsClientListResponse]) {
		mu.Lock()
		asked = append(asked, filter)
		mu.Unlock()
		for _, name := range []string{"rest_role_assignment_owner.json", "rest_subscription_update_tenant.json"} {
			resp.AddPage(200, page[armmonitor.ActivityLogsClientListResponse](t, `{"value":[`+string(restEvent(t, name))+`]}`), nil)
		}
		return
	}
	f.monitor.TenantActivityLogsServer.NewListPager = func(*armmonitor.TenantActivityLogsClientListOptions) (resp azfake.PagerResponder[armmonitor.TenantActivityLogsClientListResponse]) {
		resp.AddResponseError(http.StatusForbidden, "AuthorizationFailed")
		return
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(asked)
	}
}

// The logs of a tenant fetched through the SDK and Graph, as a hunt then
// reads them: each subscription's Activity Log in its pages, byte for byte,
// with the time filter asked of ARM; the directory audits; the tenant's
// Activity Log refused (the permission named) and the sign-ins absent
// (no licence), reported, not fatal. The folder, hunted, holds the
// attack's steps.
func TestSaveLogs(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	since, until := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	var auditFilters, betaFilters []string
	var mu sync.Mutex // the fakes answer on goroutines of their own
	armFilters := activityFakes(t, f)
	fixtures := f.graph
	f.graph = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1.0/auditLogs/signIns":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"code":"Authentication_RequestFromNonPremiumTenantOrB2CTenant","message":"Neither tenant is B2C or tenant doesn't have premium license"}}`)
		case "/beta/auditLogs/signIns":
			mu.Lock()
			betaFilters = append(betaFilters, r.URL.Query().Get("$filter"))
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if strings.Contains(r.URL.Query().Get("$filter"), "'servicePrincipal'") {
				b, err := os.ReadFile(filepath.Join("..", "..", "source", "entra", "testdata", "signin_graph_beta_sp.json"))
				if err != nil {
					t.Error(err)
				}
				io.WriteString(w, `{"@odata.context":"https://`+r.Host+`/beta/$metadata#auditLogs/signIns","value":[`+string(b)+`]}`)
				return
			}
			io.WriteString(w, `{"@odata.context":"https://`+r.Host+`/beta/$metadata#auditLogs/signIns","value":[]}`)
		case "/v1.0/auditLogs/directoryAudits":
			mu.Lock()
			auditFilters = append(auditFilters, r.URL.Query().Get("$filter"))
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.Write(graphFile(t, "directoryAudits.json", "https://"+r.Host))
		default:
			fixtures.ServeHTTP(w, r)
		}
	})
	opts, rt := env(t, f)
	dir := filepath.Join(t.TempDir(), "logs")
	reads, err := SaveLogs(context.Background(), opts, LogsOptions{}, since, until, dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "eventTimestamp ge '2024-03-01T00:00:00Z' and eventTimestamp le '2024-03-31T00:00:00Z'"; !slices.Equal(armFilters(), []string{want}) {
		t.Errorf("ARM filters %q, want %q", armFilters(), want)
	}
	if want := "activityDateTime ge 2024-03-01T00:00:00Z and activityDateTime le 2024-03-31T00:00:00Z"; !slices.Equal(auditFilters, []string{want}) {
		t.Errorf("directory audits' filters %q, want %q", auditFilters, want)
	}
	slices.Sort(betaFilters)
	if want := []string{
		"createdDateTime ge 2024-03-01T00:00:00Z and createdDateTime le 2024-03-31T00:00:00Z and signInEventTypes/any(t: t eq 'managedIdentity')",
		"createdDateTime ge 2024-03-01T00:00:00Z and createdDateTime le 2024-03-31T00:00:00Z and signInEventTypes/any(t: t eq 'servicePrincipal')",
	}; !slices.Equal(betaFilters, want) {
		t.Errorf("beta sign-ins' filters %q, want %q (no non-interactive ones unless asked)", betaFilters, want)
	}
	status := map[string]LogRead{}
	for _, r := range reads {
		status[r.Log+"/"+r.Subscription] = r
	}
	if r := status["activity/"+testSub]; r.Status != capture.OK || r.Pages != 2 {
		t.Errorf("the subscription's Activity Log: %+v", r)
	}
	if r := status["tenant-activity/"]; r.Status != capture.Denied || !strings.Contains(r.Permission, "tenant root scope") || r.Pages != 0 {
		t.Errorf("the tenant's Activity Log: %+v", r)
	}
	if r := status["signins/"]; r.Status != capture.Absent || !strings.Contains(r.Error, "P1/P2 licence") {
		t.Errorf("the sign-ins: %+v", r)
	}
	if r := status["audit/"]; r.Status != capture.OK || r.Pages != 1 {
		t.Errorf("the directory audits: %+v", r)
	}
	for _, r := range reads {
		if strings.Contains(r.Error, secretToken) {
			t.Errorf("%s: the token in %q", r.Log, r.Error)
		}
	}
	// Every page kept is a body the fakes sent, as sent.
	sent := map[string]bool{}
	for _, s := range rt.responses() {
		sent[string(s.body)] = s.status == 200
	}
	var files []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, filepath.ToSlash(rel))
			if b, _ := os.ReadFile(path); !sent[string(b)] && strings.HasPrefix(filepath.ToSlash(rel), "activity/") {
				t.Errorf("%s is not a body ARM sent: %.200s", rel, b)
			}
		}
		return nil
	})
	if want := []string{"activity/" + testSub + "/0001.json", "activity/" + testSub + "/0002.json", "audit/0001.json",
		"signins-managedidentity/0001.json", "signins-serviceprincipal/0001.json"}; !slices.Equal(files, want) {
		t.Errorf("files %q, want %q", files, want)
	}
	// The hunt reads them as it reads any export.
	res := huntFolder(t, dir)
	if n := res.Kinds[event.KindSignIn]; n != 1 {
		t.Errorf("%d sign-ins hunted, want the service principal's", n)
	}
	fired := map[string]bool{}
	for _, a := range res.Alerts {
		fired[a.Rule] = true
	}
	for _, rule := range []string{"azure.identity.privileged_role_assignment", "azure.subscription.moved_to_other_tenant", "azure.identity.elevate_access.audit"} {
		if !fired[rule] {
			t.Errorf("%s did not fire on the fetched logs; fired %v", rule, fired)
		}
	}
	// Past the Activity Log's retention, ARM is asked from its edge.
	if _, err := SaveLogs(context.Background(), opts, LogsOptions{NonInteractive: true}, until.Add(-200*24*time.Hour), until, filepath.Join(t.TempDir(), "old")); err != nil {
		t.Fatal(err)
	}
	if want := "eventTimestamp ge '2024-01-01T00:01:00Z' and eventTimestamp le '2024-03-31T00:00:00Z'"; len(armFilters()) != 2 || armFilters()[1] != want {
		t.Errorf("200 days: ARM filters %q, want %q last", armFilters(), want)
	}
	if !slices.ContainsFunc(betaFilters, func(f string) bool { return strings.HasSuffix(f, "signInEventTypes/any(t: t eq 'nonInteractiveUser')") }) {
		t.Errorf("non-interactive sign-ins asked for, not read: %q", betaFilters)
	}
	// A second fetch into the same folder is refused.
	if _, err := SaveLogs(context.Background(), opts, LogsOptions{}, since, until, dir); err == nil || !strings.Contains(err.Error(), "holds files already") {
		t.Errorf("a second fetch into the folder: %v", err)
	}
}

// ProbeLogs reads each log's first page only (doctor's view of fetch):
// a log of two pages is read once, and a refused one is said with what
// it needs.
func TestProbeLogs(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	armFilters := activityFakes(t, f)
	riskAsked := riskFakes(t, f, nil)
	// The workspace refuses every query: each table asked once.
	const ws = "b7c1a0e2-3d4f-4a5b-9c6d-7e8f9a0b1c2d"
	var mu sync.Mutex
	queries := 0
	graph := f.graph
	f.graph = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/workspaces/") {
			graph.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		queries++
		mu.Unlock()
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":{"code":"InsufficientAccessError","message":"The provided credentials have insufficient access"}}`)
	})
	opts, _ := env(t, f)
	opts.LogAnalyticsEndpoint = opts.GraphEndpoint
	reads, err := ProbeLogs(context.Background(), opts, ws)
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	for _, r := range reads {
		if strings.HasPrefix(r.Log, LogWorkspace) {
			tables++
			if r.Status != capture.Denied || r.Permission != workspacePermission {
				t.Errorf("%s probed: %+v", r.Log, r)
			}
		}
	}
	if tables != len(workspaceTables) || queries != tables {
		t.Errorf("%d tables probed in %d queries, want %d in as many", tables, queries, len(workspaceTables))
	}
	byLog := map[string]LogRead{}
	for _, r := range reads {
		byLog[r.Log] = r
	}
	if r := byLog[LogActivity]; r.Status != capture.OK || r.Pages != 1 || r.Subscription != testSub || len(armFilters()) != 1 {
		t.Errorf("the Activity Log probed: %+v, %d listings", r, len(armFilters()))
	}
	if r := byLog[LogTenantActivity]; r.Status != capture.Denied || r.Permission == "" {
		t.Errorf("the tenant's Activity Log probed: %+v", r)
	}
	if _, ok := byLog[LogSignInsNonInteractive]; !ok {
		t.Errorf("the non-interactive sign-ins not probed: %+v", reads)
	}
	for _, log := range []string{LogRiskDetections, LogRiskDetectionsServicePrincipal} {
		if r := byLog[log]; r.Status != capture.OK || r.Pages != 1 {
			t.Errorf("%s probed: %+v", log, r)
		}
	}
	for path, qs := range riskAsked() {
		if len(qs) != 1 {
			t.Errorf("%s asked %d times to probe, want its first page only", path, len(qs))
		}
	}
}

// huntFolder hunts the files under dir with the catalogue, as 'mamori
// hunt dir' does.
func huntFolder(t *testing.T, dir string) *hunt.Result {
	t.Helper()
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	in, err := source.Expand([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := hunt.Run(context.Background(), in, hunt.Config{Rules: set, Enricher: enr})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// riskFakes serves ID Protection's risk detections from testdata/graph, two
// pages of each (the first's next link holds the window, as Graph's do), or
// refuses them with refuse's status and body when it is set; it returns
// the queries Graph was asked, by path.
func riskFakes(t *testing.T, f *fakes, refuse func(w http.ResponseWriter)) (asked func() map[string][]url.Values) {
	var mu sync.Mutex // the fakes answer on goroutines of their own
	queries := map[string][]url.Values{}
	files := map[string]string{
		"/v1.0/identityProtection/riskDetections":                 "riskDetections",
		"/v1.0/identityProtection/servicePrincipalRiskDetections": "servicePrincipalRiskDetections",
	}
	graph := f.graph
	f.graph = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := files[r.URL.Path]
		if !ok {
			graph.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		queries[r.URL.Path] = append(queries[r.URL.Path], r.URL.Query())
		mu.Unlock()
		if refuse != nil {
			refuse(w)
			return
		}
		page := "-1.json"
		if r.URL.Query().Get("$skiptoken") != "" {
			page = "-2.json"
		}
		w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
		w.Write(graphFile(t, name+page, "https://"+r.Host))
	})
	return func() map[string][]url.Values {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(queries)
	}
}

// ID Protection's risk detections, users' and service principals', are
// fetched from Graph v1.0 as the sign-ins are: each next link followed,
// every request asking for the window on detectedDateTime (500 a page
// for users', the most List riskDetections allows; no $top for service
// principals', whose docs name none), and each page kept byte for byte
// as DIR/riskdetections/0001.json and DIR/riskdetections-serviceprincipal/.
func TestSaveLogsRiskDetections(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	since, until := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	activityFakes(t, f)
	asked := riskFakes(t, f, nil)
	opts, rt := env(t, f)
	dir := filepath.Join(t.TempDir(), "logs")
	reads, err := SaveLogs(context.Background(), opts, LogsOptions{}, since, until, dir)
	if err != nil {
		t.Fatal(err)
	}
	byLog := map[string]LogRead{}
	for _, r := range reads {
		byLog[r.Log] = r
	}
	for _, log := range []string{LogRiskDetections, LogRiskDetectionsServicePrincipal} {
		if r := byLog[log]; r.Status != capture.OK || r.Pages != 2 || r.Error != "" {
			t.Errorf("%s: %+v, want 2 pages read whole", log, r)
		}
	}
	const window = "detectedDateTime ge 2024-03-01T00:00:00Z and detectedDateTime le 2024-03-31T00:00:00Z"
	for path, top := range map[string]string{
		"/v1.0/identityProtection/riskDetections":                 "500",
		"/v1.0/identityProtection/servicePrincipalRiskDetections": "",
	} {
		qs := asked()[path]
		if len(qs) != 2 || qs[1].Get("$skiptoken") == "" {
			t.Errorf("%s asked %d times (%v), want the first page and its next link", path, len(qs), qs)
			continue
		}
		for _, q := range qs {
			if q.Get("$filter") != window || q.Get("$top") != top {
				t.Errorf("%s asked $filter %q, $top %q; want %q, %q", path, q.Get("$filter"), q.Get("$top"), window, top)
			}
		}
	}
	// Each page is kept under its log's folder as Graph sent it.
	sent := map[string]bool{}
	for _, s := range rt.responses() {
		if s.status == 200 {
			sent[string(s.body)] = true
		}
	}
	for _, name := range []string{"riskdetections/0001.json", "riskdetections/0002.json",
		"riskdetections-serviceprincipal/0001.json", "riskdetections-serviceprincipal/0002.json"} {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !sent[string(b)] {
			t.Errorf("%s is not a body Graph sent: %.200s", name, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "riskdetections-serviceprincipal", "0002.json")); !strings.Contains(string(b), `"anomalousServicePrincipalActivity"`) {
		t.Errorf("the service principals' second page is not the second fixture: %.200s", b)
	}
	// The hunt reads them as the risk detections they are.
	res := huntFolder(t, dir)
	risks := int64(-1)
	for k, n := range res.Kinds {
		if event.Kind(k).String() == "riskdetection" {
			risks = n
		}
	}
	if risks != 4 {
		t.Errorf("%d risk detections hunted in the fetched folder, want the 4 Graph sent", risks)
	}
}

// A tenant that may not read the risk detections (no IdentityRiskEvent.Read.All,
// or no licence: Graph answers both 403) has them denied, with what they
// need said, and its other logs fetched all the same.
func TestSaveLogsRiskDetectionsRefused(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	since, until := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	activityFakes(t, f)
	riskFakes(t, f, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2024-03-31T00:00:01","request-id":"9c1d6a4e-0000-0000-0000-000000000000"}}}`)
	})
	graph := f.graph
	f.graph = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1.0/auditLogs/directoryAudits" {
			w.Header().Set("Content-Type", "application/json")
			w.Write(graphFile(t, "directoryAudits.json", "https://"+r.Host))
			return
		}
		graph.ServeHTTP(w, r)
	})
	opts, _ := env(t, f)
	dir := filepath.Join(t.TempDir(), "logs")
	reads, err := SaveLogs(context.Background(), opts, LogsOptions{}, since, until, dir)
	if err != nil {
		t.Fatalf("risk detections refused stopped the fetch: %v", err)
	}
	byLog := map[string]LogRead{}
	for _, r := range reads {
		byLog[r.Log] = r
	}
	for log, licence := range map[string]string{
		LogRiskDetections:                 "Entra ID P1 or P2",
		LogRiskDetectionsServicePrincipal: "Workload ID Premium",
	} {
		r := byLog[log]
		if r.Status != capture.Denied || r.Pages != 0 || !strings.Contains(r.Error, "HTTP 403 Authorization_RequestDenied") {
			t.Errorf("%s: %+v, want denied with Graph's answer", log, r)
		}
		if !strings.Contains(r.Permission, "IdentityRiskEvent.Read.All") || !strings.Contains(r.Permission, licence) {
			t.Errorf("%s needs %q, want IdentityRiskEvent.Read.All and %s said", log, r.Permission, licence)
		}
		if strings.Contains(r.Error, secretToken) {
			t.Errorf("%s: the token in %q", log, r.Error)
		}
		if _, err := os.Stat(filepath.Join(dir, log)); err == nil {
			t.Errorf("%s refused, and a folder written for it", log)
		}
	}
	if r := byLog[LogActivity]; r.Status != capture.OK || r.Pages != 2 {
		t.Errorf("the Activity Log beside refused risk detections: %+v", r)
	}
	if r := byLog[LogAudits]; r.Status != capture.OK || r.Pages != 1 {
		t.Errorf("the directory audits beside refused risk detections: %+v", r)
	}
}
