package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestComputeCreatesWithoutBodiesAreNotJudged: an export whose records
// carry no request or response bodies (the portal's CSV, an export that
// dropped them) still names every GPU deployment, but not its size, so
// no GPU rule can fire; the hunt says how many compute creates it could
// not judge (table, a line on standard error for the record formats,
// --summary) and which export names them. With the bodies, it says
// nothing and the GPU alerts are there.
func TestComputeCreatesWithoutBodiesAreNotJudged(t *testing.T) {
	t.Parallel()
	b, _ := gpuScenario(t, "guest-deploys-an-online-endpoint-on-h100-machines-fires")
	dir := t.TempDir()
	bare := filepath.Join(dir, "no-bodies.json")
	whole := filepath.Join(dir, "bodies.json")
	ops := writeWithoutBodies(t, bare)
	if err := os.WriteFile(whole, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path    string
		unsized int
	}{{bare, len(ops)}, {whole, 0}} {
		sum := filepath.Join(t.TempDir(), "summary.json")
		page := filepath.Join(t.TempDir(), "report.html")
		code, out, errs := run(t, "", "hunt", "--no-progress", "--summary", sum, "--report", page, "--data-dir", t.TempDir(), c.path)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", c.path, code, errs)
		}
		s, _ := readSummary(t, sum)
		if s.ComputeCreates != int64(len(ops)) || s.ComputeUnsized != int64(c.unsized) {
			t.Errorf("%s: summary says %d compute creates, %d unsized; want %d, %d", c.path, s.ComputeCreates, s.ComputeUnsized, len(ops), c.unsized)
		}
		judged := strings.Contains(out, "\nNOT JUDGED: ")
		gpu := strings.Contains(out, "azure.compute.gpu_created")
		if c.unsized > 0 && (!judged || gpu || !strings.Contains(out, "request and response bodies")) {
			t.Errorf("%s: the table does not say the creates were not judged (or a GPU alert came from nowhere):\n%s", c.path, out)
		}
		if c.unsized == 0 && (judged || !gpu) {
			t.Errorf("%s: with the bodies, NOT JUDGED %v, GPU alert %v:\n%s", c.path, judged, gpu, out)
		}
		html, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if section := strings.Contains(string(html), `id="not-judged"`); section != (c.unsized > 0) {
			t.Errorf("%s: the report's Not judged section shown %v, want %v", c.path, section, c.unsized > 0)
		}
		_, _, errs = run(t, "", "hunt", "--no-progress", "--format", "jsonl", "--data-dir", t.TempDir(), c.path)
		if line := strings.Contains(errs, "not judged: "); line != (c.unsized > 0) {
			t.Errorf("%s: standard error says not judged: %v, want %v:\n%s", c.path, line, c.unsized > 0, errs)
		}
	}
}

// TestComputeCreatesWhoseBodiesNameNoMachinesAreJudged: a Container Apps
// environment with only the Consumption profile (the default) creates no
// machines, and its full records say so: the hunt read everything there
// was, and no other export would name a size. NOT JUDGED, which sends the
// user to an export with bodies, must not count it.
func TestComputeCreatesWhoseBodiesNameNoMachinesAreJudged(t *testing.T) {
	t.Parallel()
	_, doc := gpuScenario(t, "web-team-container-apps-cpu-profiles-stays-quiet")
	bodies := 0
	for _, r := range doc.Value {
		props := r["properties"].(map[string]any)
		for _, k := range []string{"requestbody", "responseBody"} {
			s, ok := props[k].(string)
			if !ok {
				continue
			}
			var body struct {
				Location   string         `json:"location"`
				Properties map[string]any `json:"properties"`
			}
			if err := json.Unmarshal([]byte(s), &body); err != nil {
				t.Fatal(err)
			}
			body.Properties["workloadProfiles"] = []map[string]string{{"name": "Consumption", "workloadProfileType": "Consumption"}}
			nb, _ := json.Marshal(body)
			props[k] = string(nb)
			bodies++
		}
	}
	if bodies == 0 {
		t.Fatal("no body in the fixture: the test proves nothing")
	}
	path := filepath.Join(t.TempDir(), "consumption-only.json")
	out, _ := json.Marshal(doc)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(t.TempDir(), "summary.json")
	code, table, errs := run(t, "", "hunt", "--no-progress", "--summary", sum, "--data-dir", t.TempDir(), path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	s, _ := readSummary(t, sum)
	if s.ComputeCreates != 1 || s.ComputeUnsized != 0 {
		t.Errorf("summary says %d compute creates, %d unsized; want 1, 0", s.ComputeCreates, s.ComputeUnsized)
	}
	if strings.Contains(table, "NOT JUDGED") || strings.Contains(errs, "not judged") {
		t.Errorf("an environment whose bodies say it has no machines is reported not judged:\n%s\n%s", table, errs)
	}
}

// writeWithoutBodies writes to path the records of a scenario of GPU
// machines of an online endpoint without their request and response
// bodies, as the portal's CSV download has none, and returns the compute
// creates' correlation ids.
func writeWithoutBodies(t *testing.T, path string) map[string]bool {
	t.Helper()
	_, doc := gpuScenario(t, "guest-deploys-an-online-endpoint-on-h100-machines-fires")
	ops := map[string]bool{}
	for _, r := range doc.Value {
		op := strings.ToLower(r["operationName"].(map[string]any)["value"].(string))
		if event.CreatesCompute(op) {
			ops[r["correlationId"].(string)] = true
		}
		props := r["properties"].(map[string]any)
		delete(props, "requestbody")
		delete(props, "responseBody")
	}
	if len(ops) < 2 {
		t.Fatalf("%d compute creates in the fixture: the test proves nothing", len(ops))
	}
	stripped, _ := json.Marshal(doc)
	if err := os.WriteFile(path, stripped, 0o644); err != nil {
		t.Fatal(err)
	}
	return ops
}

// mamori serve says what hunt says under NOT JUDGED, wherever it shows
// what it read: its own standard error, mamori status (table and JSON)
// and mamori alerts (the table, standard error for the other formats,
// the report's section), counted over every cycle of the store.
func TestServeSaysWhatItCouldNotJudge(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "mamori.db")
	data, logs := t.TempDir(), t.TempDir()
	ops := writeWithoutBodies(t, filepath.Join(logs, "no-bodies.json"))
	n := len(ops)
	line := fmt.Sprintf("not judged: %d of %d compute creates named no size", n, n)
	code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, logs)
	if code != ExitOK || !strings.Contains(errs, "mamori serve: "+line) {
		t.Errorf("serve: exit %d; standard error does not say %q:\n%s", code, line, errs)
	}
	code, out, errs := run(t, "", "status", "--store", db)
	if i := strings.Index(out, "\nNOT JUDGED: "); code != ExitOK || i < 0 || !strings.Contains(out[i:], "request and response bodies") {
		t.Errorf("status: exit %d (%s), no NOT JUDGED naming the export:\n%s", code, errs, out)
	}
	_, out, _ = run(t, "", "status", "--store", db, "--format", "json")
	var doc struct {
		Creates *int64 `json:"compute_creates"`
		Unsized *int64 `json:"compute_creates_unsized"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Creates == nil || doc.Unsized == nil || *doc.Creates != int64(n) || *doc.Unsized != int64(n) {
		t.Errorf("status --format json (%v): compute creates %v, unsized %v; want %d of %d:\n%s", err, doc.Creates, doc.Unsized, n, n, out)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	code, out, errs = run(t, "", "alerts", "--store", db, "--data-dir", data, "--report", page)
	if i := strings.Index(out, "LOGS IN THE STORE"); code != ExitOK || i < 0 || !strings.Contains(out[i:], "\nNOT JUDGED: ") {
		t.Errorf("alerts: exit %d (%s), no NOT JUDGED after the store's logs:\n%s", code, errs, out)
	}
	if html, err := os.ReadFile(page); err != nil || !strings.Contains(string(html), `id="not-judged"`) {
		t.Errorf("alerts --report: no Not judged section (%v)", err)
	}
	if _, _, errs = run(t, "", "alerts", "--store", db, "--data-dir", data, "--format", "jsonl"); !strings.Contains(errs, "mamori alerts: "+line) {
		t.Errorf("alerts --format jsonl: standard error does not say %q:\n%s", line, errs)
	}
}

// gpuScenario reads a gpu_created scenario's az monitor activity-log list
// file: its bytes, and its records to change.
func gpuScenario(t *testing.T, name string) ([]byte, listDoc) {
	t.Helper()
	var doc listDoc
	b, err := os.ReadFile(filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "gpu_created", name, "activity-log-list.json"))
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b, doc
}

// listDoc is az monitor activity-log list's document.
type listDoc struct {
	Value []map[string]any `json:"value"`
}

// TestAzureMLJobsWithoutBodiesAreNotJudgedAsJobs: the data-science team's
// 45 steps on its workspace's cluster and 2 serverless CPU jobs. With
// their bodies, the 2 serverless jobs are the compute creates, judged;
// with the responses dropped (each Success without a body), a step's
// Start still puts it on the cluster, so it is still no compute create;
// with every body dropped (the portal's CSV), each of the 47 may have
// run on serverless machines or on the cluster: all are counted as not
// judged, and NOT JUDGED and the summary say they are Azure ML jobs,
// which may have run on their workspace's cluster. mamori serve's store
// says the same.
func TestAzureMLJobsWithoutBodiesAreNotJudgedAsJobs(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "gpu_created", "data-science-team-jobs-on-its-cluster-stays-quiet", "activity-log-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	strip := func(keys ...string) string {
		var doc listDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Value {
			for _, k := range keys {
				delete(r["properties"].(map[string]any), k)
			}
		}
		out, _ := json.Marshal(doc)
		path := filepath.Join(t.TempDir(), "jobs.json")
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bare := strip("requestbody", "responseBody")
	for _, c := range []struct {
		name, path             string
		creates, unsized, jobs int64
	}{
		{"with their bodies", strip(), 2, 0, 0},
		{"without their responses", strip("responseBody"), 2, 0, 0},
		{"without any body", bare, 47, 47, 47},
	} {
		sum := filepath.Join(t.TempDir(), "summary.json")
		code, out, errs := run(t, "", "hunt", "--no-progress", "--summary", sum, "--data-dir", t.TempDir(), c.path)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", c.name, code, errs)
		}
		s, _ := readSummary(t, sum)
		if s.ComputeCreates != c.creates || s.ComputeUnsized != c.unsized || s.ComputeJobs != c.jobs {
			t.Errorf("%s: summary says %d compute creates, %d unsized, %d jobs; want %d, %d, %d", c.name, s.ComputeCreates, s.ComputeUnsized, s.ComputeJobs, c.creates, c.unsized, c.jobs)
		}
		const line = "47 of them Azure ML jobs, which may have run on a cluster of their workspace rather than on machines of their own"
		if said := strings.Contains(out, line); said != (c.jobs > 0) || strings.Contains(out, "NOT JUDGED") != (c.unsized > 0) {
			t.Errorf("%s: NOT JUDGED names the jobs %v, want %v:\n%s", c.name, said, c.jobs > 0, out)
		}
	}
	db := filepath.Join(t.TempDir(), "mamori.db")
	logs := t.TempDir()
	if err := os.Rename(bare, filepath.Join(logs, "jobs.json")); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", t.TempDir(), logs); code != ExitOK {
		t.Fatalf("serve: exit %d: %s", code, errs)
	}
	_, out, _ := run(t, "", "status", "--store", db, "--format", "json")
	var doc struct {
		Jobs *int64 `json:"compute_creates_unsized_jobs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Jobs == nil || *doc.Jobs != 47 {
		t.Errorf("status --format json (%v): unsized jobs %v, want 47:\n%s", err, doc.Jobs, out)
	}
	if _, out, _ = run(t, "", "status", "--store", db); !strings.Contains(out, "47 of them Azure ML jobs") {
		t.Errorf("status: NOT JUDGED does not name the jobs:\n%s", out)
	}
}
