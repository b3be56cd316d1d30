package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// benignGPUTeam simulates three days of a tenant whose data-science team
// creates GPU machines (the GPU chain's benign twin: its incident is of
// Activity Log compute and quota alerts only), keeps the sign-ins of the
// last day alone, as a short export's retention would, and returns the
// two folders to hunt: its Activity Log and its sign-ins.
func benignGPUTeam(t *testing.T) []string {
	t.Helper()
	sim := t.TempDir()
	code, _, errs := run(t, "", "simulate", "--out", sim, "--seed", "3", "--days", "3", "--scenario", "gpu-scaleset-chain-twin")
	if code != ExitOK {
		t.Fatalf("simulate: exit %d: %s", code, errs)
	}
	for _, d := range []string{"01", "02"} {
		for _, f := range []string{"SigninLogs", "AADServicePrincipalSignInLogs"} {
			if err := os.Remove(filepath.Join(sim, "signins", f+"_2026-03-"+d+".json")); err != nil {
				t.Fatal(err)
			}
		}
	}
	return []string{filepath.Join(sim, "insights-activity-logs"), filepath.Join(sim, "signins")}
}

// theIncident returns the one incident id the alerts name, failing the
// test unless every alert is of a rule that reads the Activity Log alone
// (else the warning would come from the rule's own log, not from the
// correlation it feeds).
func theIncident(t *testing.T, as []alert.Alert) string {
	t.Helper()
	var ids []string
	for _, a := range as {
		if !strings.HasPrefix(a.Rule, "azure.compute.") && !strings.HasPrefix(a.Rule, "azure.quota.") {
			t.Fatalf("alert of %s: the incident is not of compute and quota alerts alone", a.Rule)
		}
		ids = append(ids, a.Incident)
	}
	slices.Sort(ids)
	if ids = slices.Compact(ids); len(ids) != 1 || !strings.HasPrefix(ids[0], "inc-") {
		t.Fatalf("incidents %v, want one", ids)
	}
	return ids[0]
}

// TestIncidentOfComputeAlertsIsWarnedOfTheSignInLog: an incident made of
// Activity Log compute and quota alerts, whose records the correlation
// "risky sign-in, then quota or compute" reads, is warned about when the
// sign-in log begins after it began: the sign-in that may have opened it
// was not read. The table and standard error name the log and the
// incident.
func TestIncidentOfComputeAlertsIsWarnedOfTheSignInLog(t *testing.T) {
	t.Parallel()
	in := benignGPUTeam(t)
	code, out, errs := run(t, "", append([]string{"hunt", "--format", "jsonl", "--data-dir", t.TempDir()}, in...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	inc := theIncident(t, jsonl(t, out))
	warning := inc + ": Entra ID sign-in logs begin 2026-03-03 02:33, after this incident began (2026-03-01 07:20): its sign-ins before then were not read."
	if !strings.Contains(errs, "mamori hunt: an incident reaches past a log read: "+warning) {
		t.Errorf("standard error does not warn of the sign-in log:\n%s", errs)
	}
	_, out, _ = run(t, "", append([]string{"hunt", "--data-dir", t.TempDir()}, in...)...)
	if !strings.Contains(out, "\n  ! "+warning+"\n") {
		t.Errorf("LOGS READ does not warn of the sign-in log:\n%s", out[strings.Index(out, "\nLOGS READ"):])
	}
}

// summary is the --summary document as docs/outputs.md documents it,
// spelled out here rather than taken from report.Summary, so that a
// renamed field fails: decoding refuses names it does not know.
type summary struct {
	LogsRead []struct {
		Kind             string    `json:"kind"`
		Name             string    `json:"name"`
		Events           int64     `json:"events"`
		Repeats          int64     `json:"repeats"`
		RepeatsEstimated bool      `json:"repeats_estimated"`
		FirstEvent       time.Time `json:"first_event"`
		LastEvent        time.Time `json:"last_event"`
		Sparse           bool      `json:"sparse"`
	} `json:"logs_read"`
	NotSeen         []notSeenDoc `json:"not_seen"`
	NotSeenByTenant []struct {
		Tenant  string       `json:"tenant"`
		NotSeen []notSeenDoc `json:"not_seen"`
	} `json:"not_seen_by_tenant"`
	IncidentsBeforeLog []struct {
		Incident      string    `json:"incident"`
		Tenant        string    `json:"tenant"`
		Kind          string    `json:"kind"`
		Name          string    `json:"name"`
		IncidentBegan time.Time `json:"incident_began"`
		LogFirstEvent time.Time `json:"log_first_event"`
	} `json:"incidents_before_log"`
	IncidentsAfterLog []struct {
		Incident          string    `json:"incident"`
		Tenant            string    `json:"tenant"`
		Kind              string    `json:"kind"`
		Name              string    `json:"name"`
		IncidentLastEvent time.Time `json:"incident_last_event"`
		LogLastEvent      time.Time `json:"log_last_event"`
	} `json:"incidents_after_log"`
	IncidentsWithoutLog []struct {
		Incident string `json:"incident"`
		Tenant   string `json:"tenant"`
		Kind     string `json:"kind"`
		Name     string `json:"name"`
	} `json:"incidents_without_log"`
	RecordsSkipped int64 `json:"records_skipped"`
	Interrupted    bool  `json:"interrupted"`
	ComputeCreates int64 `json:"compute_creates"`
	ComputeUnsized int64 `json:"compute_creates_unsized"`
	ComputeJobs    int64 `json:"compute_creates_unsized_jobs"`
	LearnedCapped  bool  `json:"learned_capped"`
}

// notSeenDoc is one log of the summary's not_seen lists.
type notSeenDoc struct {
	Kind         string   `json:"kind"`
	Name         string   `json:"name"`
	Rules        []string `json:"rules"`
	Correlations []string `json:"correlations"`
	Export       string   `json:"export"`
}

// readSummary decodes the --summary file at path, refusing a field the
// documentation does not name.
func readSummary(t *testing.T, path string) (summary, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("--summary: %v\n%s", err, b)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("--summary: more after the document (%v): %.100q", err, b[dec.InputOffset():])
	}
	return s, b
}

// TestSummaryDescribesWhatTheHuntSaw: --summary writes the logs read
// (counts, first and last event in UTC), those not seen (the rules and
// correlations left idle, the export), and the incident that began before
// the sign-in log, the same for every --format; --format json stays a
// bare array of alerts.
func TestSummaryDescribesWhatTheHuntSaw(t *testing.T) {
	t.Parallel()
	in := benignGPUTeam(t)
	path := filepath.Join(t.TempDir(), "summary.json")
	// An old summary is replaced, not appended to.
	if err := os.WriteFile(path, bytes.Repeat([]byte("old\n"), 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", append([]string{"hunt", "--format", "json", "--summary", path, "--data-dir", t.TempDir()}, in...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var as []alert.Alert
	if err := json.Unmarshal([]byte(out), &as); err != nil || len(as) == 0 {
		t.Fatalf("--format json is no longer a bare array of alerts (%v):\n%.300s", err, out)
	}
	s, b := readSummary(t, path)
	day := func(d, h, m, sec int) time.Time { return time.Date(2026, 3, d, h, m, sec, 0, time.UTC) }
	if len(s.LogsRead) != 3 {
		t.Fatalf("logs read: %+v", s.LogsRead)
	}
	for i, want := range []struct {
		kind, name      string
		events, repeats int64
		first, last     time.Time
		sparse          bool
	}{
		// The Activity Log also records each of Defender's alerts (10),
		// read as security alerts too, and the machines the tenant starts
		// and stops. Three of its records Azure
		// delivered twice (the simulator files some so): read again,
		// counted once. A chore's owner signs in and does it (rare.go).
		{"activity", "Azure Activity Log", 596, 3, day(1, 1, 33, 36), day(3, 23, 7, 58), false},
		{"signin", "Entra ID sign-in logs", 82, 0, day(3, 2, 33, 14), day(3, 23, 2, 0), false},
		{"securityalert", "Defender for Cloud security alerts", 10, 0, day(1, 8, 43, 0), day(3, 21, 13, 0), true},
	} {
		r := s.LogsRead[i]
		if r.Kind != want.kind || r.Name != want.name || r.Events != want.events || r.Repeats != want.repeats || r.RepeatsEstimated ||
			!r.FirstEvent.Equal(want.first) || !r.LastEvent.Equal(want.last) || r.Sparse != want.sparse {
			t.Errorf("logs_read[%d] = %+v, want %+v", i, r, want)
		}
	}
	if !bytes.Contains(b, []byte(`"first_event": "2026-03-03T02:33:14Z"`)) {
		t.Errorf("times are not RFC 3339 in UTC:\n%s", b)
	}
	var kinds []string
	for _, g := range s.NotSeen {
		kinds = append(kinds, g.Kind)
		if g.Name == "" || g.Export == "" || len(g.Rules)+len(g.Correlations) == 0 {
			t.Errorf("not_seen %s: %+v", g.Kind, g)
		}
	}
	if !slices.Equal(kinds, []string{"audit", "flow", "dns", "process", "riskdetection"}) {
		t.Errorf("not seen: %v, want audit, flow, dns, process, riskdetection", kinds)
	}
	if g := s.NotSeen[0]; !slices.Equal(g.Rules, []string{"azure.identity.elevate_access.audit"}) ||
		!slices.Equal(g.Correlations, []string{"azure.identity.new_account_privileged"}) || g.Export != "Entra diagnostic setting AuditLogs" {
		t.Errorf("not_seen audit: %+v", g)
	}
	inc := theIncident(t, as)
	if len(s.IncidentsBeforeLog) != 1 || len(s.IncidentsAfterLog) != 0 {
		t.Fatalf("incidents past a log: %+v, %+v", s.IncidentsBeforeLog, s.IncidentsAfterLog)
	}
	if o := s.IncidentsBeforeLog[0]; o.Incident != inc || o.Kind != "signin" || o.Name != "Entra ID sign-in logs" ||
		!o.IncidentBegan.Equal(day(1, 7, 20, 0)) || !o.LogFirstEvent.Equal(day(3, 2, 33, 14)) {
		t.Errorf("incidents_before_log: %+v, want %s began 2026-03-01 07:20 before the sign-ins' first event", o, inc)
	}
	if s.RecordsSkipped != 0 || s.Interrupted {
		t.Errorf("records_skipped %d, interrupted %v", s.RecordsSkipped, s.Interrupted)
	}
	// Every format writes the same document beside its alerts.
	for _, f := range []string{"table", "jsonl", "csv", "ocsf"} {
		other := filepath.Join(t.TempDir(), "summary.json")
		if code, _, errs := run(t, "", append([]string{"hunt", "--format", f, "--summary", other, "--data-dir", t.TempDir()}, in...)...); code != ExitOK {
			t.Fatalf("--format %s: exit %d: %s", f, code, errs)
		}
		if got, _ := os.ReadFile(other); !bytes.Equal(got, b) {
			t.Errorf("--format %s writes another summary:\n%s", f, got)
		}
	}
}

// TestSummaryOfAHuntThatSawEverything: the example tenant holds every
// log its incident reads: nothing is missing, and the lists say so as
// empty lists, not null.
func TestSummaryOfAHuntThatSawEverything(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "summary.json")
	if code, _, errs := run(t, "", "hunt", "--format", "jsonl", "--summary", path, "--data-dir", t.TempDir(), example); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	s, b := readSummary(t, path)
	var kinds []string
	var events int64
	for _, r := range s.LogsRead {
		kinds = append(kinds, r.Kind)
		events += r.Events
	}
	if !slices.Equal(kinds, []string{"activity", "signin", "audit", "flow", "dns", "process", "securityalert", "riskdetection"}) || events != 67 {
		t.Errorf("logs read: %v, %d events; want the eight kinds, 67 events", kinds, events)
	}
	for _, empty := range []string{`"not_seen": []`, `"incidents_before_log": []`, `"incidents_after_log": []`, `"incidents_without_log": []`, `"not_seen_by_tenant": []`} {
		if !bytes.Contains(b, []byte(empty)) {
			t.Errorf("the summary lacks %s:\n%s", empty, b)
		}
	}
}

// TestSummaryThatCannotBeWrittenFailsBeforeTheHunt: a --summary path that
// cannot be created, or that names the file the alerts go to, ends the
// command before any input is read, naming --summary.
func TestSummaryThatCannotBeWrittenFailsBeforeTheHunt(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	bad := filepath.Join(d, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"time\": nope}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	alerts := filepath.Join(d, "alerts.jsonl")
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--summary", filepath.Join(d, "no-such-folder", "s.json")}, ExitError},
		{[]string{"--output", alerts, "--summary", filepath.Join(d, ".", "alerts.jsonl")}, ExitUsage},
	} {
		code, _, errs := run(t, "", append(append([]string{"hunt"}, c.args...), bad)...)
		if code != c.code || !strings.Contains(errs, "--summary") || strings.Contains(errs, "skipped") {
			t.Errorf("%v: exit %d, want %d; stderr %q names --summary, after no hunt", c.args, code, c.code, errs)
		}
	}
}

// TestStatsShowTheCoverageSectionsInEveryFormat: with --stats, a
// line-per-record format gets LOGS READ and NOT SEEN whole on standard
// error (in place of their one-line summaries), and its output stays
// records only.
func TestStatsShowTheCoverageSectionsInEveryFormat(t *testing.T) {
	t.Parallel()
	activity := filepath.Join(example, "insights-activity-logs")
	code, out, errs := run(t, "", "hunt", "--stats", "--format", "jsonl", "--data-dir", t.TempDir(), activity)
	if code != ExitOK || len(jsonl(t, out)) == 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	read, notSeen := strings.Index(errs, "\nLOGS READ"), strings.Index(errs, "\nNOT SEEN")
	if read < strings.Index(errs, "TOTAL") || notSeen < read {
		t.Fatalf("--stats lacks LOGS READ then NOT SEEN after the files:\n%s", errs)
	}
	for _, want := range []string{"Azure Activity Log  18 events  2026-03-14 01:55 → 2026-03-14 02:42", "host process logs: 2 rules", "export: Entra diagnostic setting SignInLogs"} {
		if !strings.Contains(errs, want) {
			t.Errorf("--stats lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "not seen, no such logs") {
		t.Errorf("the one-line summary is repeated beside the sections:\n%s", errs)
	}
	// The table holds them already: --stats does not print them twice.
	_, out, errs = run(t, "", "hunt", "--stats", "--data-dir", t.TempDir(), activity)
	if !strings.Contains(out, "\nNOT SEEN") || strings.Contains(errs, "NOT SEEN") || strings.Contains(errs, "LOGS READ") {
		t.Errorf("table with --stats: the sections belong to the table alone:\nstdout %s\nstderr %s", out, errs)
	}
}

// A responder's two copies of one export (a folder downloaded twice, two
// exports of the same days) are read as one: --summary and LOGS READ
// count each Activity Log event once and say how many were read again;
// the alerts are those of one copy, each counted once.
func TestARecordReadTwiceCountsOnce(t *testing.T) {
	t.Parallel()
	one, two := t.TempDir(), t.TempDir()
	copyTree(t, filepath.Join(example, "insights-activity-logs"), one)
	copyTree(t, filepath.Join(example, "insights-activity-logs"), two)
	data := t.TempDir()
	hunted := func(dirs ...string) (summary, string, string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "summary.json")
		args := append([]string{"hunt", "--no-progress", "--data-dir", data, "--summary", path}, dirs...)
		code, table, errs := run(t, "", args...)
		if code != ExitOK {
			t.Fatalf("hunt %v: exit %d: %s", dirs, code, errs)
		}
		_, jsonl, _ := run(t, "", append([]string{"hunt", "--no-progress", "--data-dir", data, "--format", "jsonl"}, dirs...)...)
		s, _ := readSummary(t, path)
		return s, table, jsonl
	}
	s1, _, alerts1 := hunted(one)
	s2, table, alerts2 := hunted(one, two)
	if len(s1.LogsRead) == 0 || s1.LogsRead[0].Kind != "activity" || len(s2.LogsRead) != len(s1.LogsRead) {
		t.Fatalf("logs read: one copy %+v, two %+v", s1.LogsRead, s2.LogsRead)
	}
	a1, a2 := s1.LogsRead[0], s2.LogsRead[0]
	if a2.Events != a1.Events || a2.Repeats != a1.Events+2*a1.Repeats || a2.RepeatsEstimated {
		t.Errorf("two copies: %d events, %d read again (estimated %v); want %d and %d", a2.Events, a2.Repeats, a2.RepeatsEstimated, a1.Events, a1.Events+2*a1.Repeats)
	}
	if want := fmt.Sprintf("%d events read again", a2.Repeats); !strings.Contains(table, want) {
		t.Errorf("LOGS READ does not say %q:\n%s", want, table)
	}
	// The alerts name one copy's file or the other's as evidence: their
	// ids and counts are one copy's.
	idsCounts := func(jsonl string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(jsonl), "\n") {
			var a struct {
				ID    string `json:"id"`
				Count int    `json:"count"`
			}
			if err := json.Unmarshal([]byte(l), &a); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(a.ID, " ", a.Count))
		}
		slices.Sort(out)
		return out
	}
	if got, want := idsCounts(alerts2), idsCounts(alerts1); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("alerts of two copies %v, of one %v", got, want)
	}
}
