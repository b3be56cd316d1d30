package source

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/htmlreport"
	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/samples"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// ownAlertsFixture is a full alert and one with every optional field
// empty (its CSV row leaves those cells out).
func ownAlertsFixture() []alert.Alert {
	at := time.Date(2026, 3, 14, 1, 47, 3, 0, time.UTC)
	return []alert.Alert{
		{ID: "3119144295c8c1f3b854", Rule: "azure.signin.azure_ip_not_owned", RuleVersion: 1,
			Title: "Successful sign-in", Severity: alert.High, Time: at, Tenant: "t1", Subscription: "s1",
			Principal: "a@b.example", IPs: []string{"20.42.64.17"}, Resources: []string{"/subscriptions/s1"},
			Summary: "a signed in", Tags: []string{"attack.t1078.004"}, Count: 2, Stage: "initial_access",
			Incident: "inc-28d4c8dfab97ba47bef8", PrincipalName: "aml-training-pipeline",
			Suppressed: &alert.Suppression{ID: "ops-1", Reason: "the team's run", Owner: "ops", Expires: "2026-12-31", File: "s.yml", Line: 3},
			Evidence:   []alert.Evidence{{File: "signins.json", Line: 65, Time: at, Shape: "signin.loganalytics"}}},
		{ID: "54f22b639fa92de17434", Rule: "r", Title: "t", Severity: alert.Informational, Time: at,
			Summary: "s", Count: 1, Evidence: []alert.Evidence{}},
	}
}

func ownPostureFixture() ([]posture.Finding, []posture.AreaScore) {
	return []posture.Finding{
			{Check: "posture.identity.mfa_registration", Area: "identity", Title: "MFA", Status: posture.Fail,
				Severity: "critical", Scope: "tenant", Summary: "3 of 4 lack MFA", Why: "w", Fix: "f",
				Evidence: []posture.Evidence{{Subject: "a@b.example", Detail: "no MFA"}}},
			{Check: "posture.quota.gpu", Area: "quota", Title: "GPU quota", Status: posture.NotAssessed,
				Severity: "high", Scope: "/subscriptions/s1", ScopeName: "prod", Summary: "s", Why: "w", Fix: "f",
				Missing: []string{"Microsoft.Quota/read"}},
			{Check: "posture.rbac.root", Area: "rbac", Title: "root", Status: posture.Pass,
				Severity: "low", Scope: "tenant", Summary: "s", Why: "w", Fix: "f"},
		}, []posture.AreaScore{{Area: "identity", Score: 0, Failed: 1}, {Area: "quota", Score: -1, NotAssessed: 1},
			{Area: "rbac", Score: 100, Passed: 1}}
}

// TestOwnOutputsAreIgnored hunts a folder holding every output mamori
// writes (hunt's formats, posture's, the HTML report): each is counted as
// ignored mamori output, none as an unreadable record or a log record.
func TestOwnOutputsAreIgnored(t *testing.T) {
	t.Parallel()
	alerts := ownAlertsFixture()
	findings, scores := ownPostureFixture()
	opts := report.Options{Product: report.ProductInfo{Name: "mamori", Version: "test"}, Width: 120}
	var inputs []Input
	want := map[string]string{}
	add := func(name, kind string, write func(io.Writer) error) {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(name, err)
		}
		inputs = append(inputs, BytesInput(name, b.Bytes()))
		want[name] = kind
	}
	for _, f := range []report.Format{report.Table, report.JSONL, report.JSON, report.CSV, report.OCSF} {
		add("hunt."+string(f), ownAlerts, func(w io.Writer) error { return report.Write(w, f, alerts, opts) })
		add("posture."+string(f), ownPosture, func(w io.Writer) error {
			return report.WritePosture(w, f, findings, scores, opts)
		})
	}
	add("hunt-none.table", ownAlerts, func(w io.Writer) error { return report.Write(w, report.Table, nil, opts) })
	add("hunt.html", ownReport, func(w io.Writer) error {
		return htmlreport.Write(w, htmlreport.Input{Alerts: alerts, Product: "mamori test", Title: "mamori hunt: case"})
	})
	add("posture.html", ownReport, func(w io.Writer) error {
		return htmlreport.Write(w, htmlreport.Input{Product: "mamori test", Posture: &htmlreport.Posture{Findings: findings, Scores: scores}})
	})
	r, st := read(t, inputs, DefaultLimits())
	if len(r.events) != 0 || len(r.errs) != 0 {
		t.Errorf("events %d, errors %v: want mamori's outputs read as neither logs nor bad records", len(r.events), r.errs)
	}
	for _, s := range st {
		if s.Skipped != 0 || len(s.Shapes) != 0 || s.Records == 0 || len(s.Ignored) != 1 || s.Ignored[want[s.File]] != s.Records {
			t.Errorf("%s (%s): records %d, shapes %v, skipped %d %v, ignored %v: want every record ignored as %q",
				s.File, s.Container, s.Records, s.Shapes, s.Skipped, s.Errors, s.Ignored, want[s.File])
		}
	}
}

// TestOwnOutputLookalikesAreNotIgnored: a record or file resembling
// mamori's output but not of its shape is still reported.
func TestOwnOutputLookalikesAreNotIgnored(t *testing.T) {
	t.Parallel()
	for _, rec := range []string{
		`{"id":"1","rule":"r","title":"t","severity":"severe","time":"x","summary":"s","evidence":[],"count":1}`, // no such severity
		`{"id":"1","rule":"r","title":"t","severity":"high","time":"x","summary":"s","evidence":"e","count":1}`,  // evidence not a list
		`{"id":"1","rule":"r","title":"t","severity":"High","time":"x","summary":"s","evidence":[],"count":"1"}`, // not as mamori writes it
		`{"class_uid":2004,"finding_info":{"analytic":{}},"metadata":{"product":{"name":"Defender","vendor_name":"Microsoft"}}}`,
		`{"class_uid":2004,"metadata":{"product":{"name":"mamori","vendor_name":"mamori"}}}`, // no finding_info
		`{"check":"identity.mfa","area":"a","title":"t","status":"fail","severity":"high","scope":"s","summary":"s","why":"w","fix":"f"}`,
		`{"scores":[],"findings":[{"a":1}]}`,
	} {
		_, s := readBytes(t, []byte(rec+"\n"))
		if s.Skipped != 1 || len(s.Ignored) != 0 {
			t.Errorf("%s: skipped %d, ignored %v: want it reported as unrecognised", rec, s.Skipped, s.Ignored)
		}
	}
	for _, text := range []string{
		"<!DOCTYPE html>\n<html><head><meta name=\"generator\" content=\"Hugo\"></head>\n",
		"no alerts here\n",
		"INCIDENT report\n",
		"Scores: good\n",
	} {
		_, s := readBytes(t, []byte(text))
		if s.Skipped != 1 || len(s.Ignored) != 0 {
			t.Errorf("%q: container %s, skipped %d, ignored %v: want it reported as unrecognised content", text, s.Container, s.Skipped, s.Ignored)
		}
	}
}

// TestNoLogIsTakenForOwnOutput asks the own-output tests of every object
// at any depth of every shared sample and of the simulator's output (each
// shape it writes), and of each file's first bytes: none may be taken for
// mamori's output, even where a family would read it first.
func TestNoLogIsTakenForOwnOutput(t *testing.T) {
	t.Parallel()
	t.Run("samples", func(t *testing.T) {
		t.Parallel()
		n := checkTree(t, filepath.Join(samples.Dir(t), "samples"))
		if n < 100 {
			t.Errorf("only %d objects checked", n)
		}
	})
	for _, shape := range []string{"records", "rest", "loganalytics"} {
		t.Run("simulate-"+shape, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if _, err := simulate.Write(dir, simulate.Options{Seed: 7, Days: 3, Shape: shape,
				Scenarios: simulate.Scenarios(), HostAgents: simulate.AgentsAll}); err != nil {
				t.Fatal(err)
			}
			if n := checkTree(t, dir); n < 1000 {
				t.Errorf("only %d objects checked", n)
			}
		})
	}
}

// checkTree checks every file under dir and returns how many JSON objects
// (CSV rows included) it asked about.
func checkTree(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "truth.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return err
			}
			if b, err = io.ReadAll(zr); err != nil {
				return err
			}
		}
		b = bytes.TrimPrefix(b, utf8BOM)
		head := bytes.TrimLeft(b, " \t\r\n")
		if k := ownText(head); k != "" {
			t.Errorf("%s: taken for mamori output %s", p, k)
		}
		n += checkObjects(t, p, head)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func checkObjects(t *testing.T, p string, b []byte) int {
	n := 0
	var visit func(v *fastjson.Value)
	visit = func(v *fastjson.Value) {
		switch v.Type() {
		case fastjson.TypeObject:
			n++
			if k := ownRecord(v); k != "" {
				t.Errorf("%s: a record taken for %s: %s", p, k, record60(v))
			}
			o, _ := v.Object()
			o.Visit(func(_ []byte, x *fastjson.Value) { visit(x) })
		case fastjson.TypeArray:
			for _, x := range v.GetArray() {
				visit(x)
			}
		}
	}
	switch {
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		if v, err := fastjson.ParseBytes(b); err == nil {
			visit(v)
			return n
		}
		for l := range bytes.SplitSeq(b, []byte("\n")) {
			if v, err := fastjson.ParseBytes(l); err == nil {
				visit(v)
			}
		}
	case looksLikeCSV(b):
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Errorf("%s: CSV: %v", p, err)
			return n
		}
		var a fastjson.Arena
		for _, row := range rows[1:] {
			a.Reset()
			o := a.NewObject()
			for i, c := range row {
				if i < len(rows[0]) && rows[0][i] != "" && c != "" {
					o.Set(strings.TrimSuffix(rows[0][i], " [UTC]"), a.NewString(c))
				}
			}
			visit(o)
		}
	}
	return n
}

func record60(v *fastjson.Value) string {
	s := v.String()
	return s[:min(len(s), 60)]
}
