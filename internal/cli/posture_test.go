package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// postureExample is the saved capture the README shows: a tenant that
// fails every check.
var postureExample = filepath.Join("..", "..", "examples", "posture-tenant")

func jsonlFindings(t *testing.T, out string) []posture.Finding {
	t.Helper()
	var fs []posture.Finding
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var f posture.Finding
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		fs = append(fs, f)
	}
	return fs
}

func TestPostureFromSavedResponsesFailsEveryCheck(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "", "posture", "--from", postureExample, "--format", "jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	failed := map[string]bool{}
	for _, f := range jsonlFindings(t, out) {
		if f.Status == posture.Fail {
			failed[f.Check] = true
		}
	}
	for _, c := range posture.Checks() {
		if !failed[c] {
			t.Errorf("%s did not fail on the example tenant", c)
		}
	}
	// --fail-on turns failures at or above the severity into exit 3.
	if code, _, _ := run(t, "", "posture", "--from", postureExample, "--format", "json", "--fail-on", "critical"); code != ExitFindings {
		t.Errorf("--fail-on critical: exit %d, want %d", code, ExitFindings)
	}
}

func TestPostureWritesReportAndOutputFile(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	html, js := filepath.Join(d, "p.html"), filepath.Join(d, "p.json")
	code, _, errs := run(t, "", "posture", "--from", postureExample, "--format", "json", "--output", js, "--report", html)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Scores   []posture.AreaScore
		Findings []posture.Finding
	}
	b, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(b, &doc) != nil || len(doc.Findings) < len(posture.Checks()) || len(doc.Scores) == 0 {
		t.Fatalf("--output: %v, %d findings, %d scores", err, len(doc.Findings), len(doc.Scores))
	}
	page, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(page), `id="posture"`) || !strings.Contains(string(page), "posture.rbac.compute_role_holders") {
		t.Errorf("--report: %v; no posture section", err)
	}
}

// denyDataset copies the example and marks one dataset refused, as the
// collector records a 403.
func denyDataset(t *testing.T, key, perm string) string {
	t.Helper()
	c, err := capture.Load(postureExample)
	if err != nil {
		t.Fatal(err)
	}
	c.Datasets[key] = &capture.Dataset{Key: key, Status: capture.Denied, Permission: perm, HTTPStatus: 403, Error: "Authorization_RequestDenied"}
	d := filepath.Join(t.TempDir(), "saved")
	if err := c.Save(d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPostureAndDoctorNameTheMissingPermission(t *testing.T) {
	t.Parallel()
	d := denyDataset(t, capture.KeyRegistrationDetails, "AuditLog.Read.All")
	code, out, errs := run(t, "", "posture", "--from", d, "--format", "jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range jsonlFindings(t, out) {
		if f.Check != "posture.identity.mfa_registration" {
			continue
		}
		if f.Status != posture.NotAssessed || !strings.Contains(strings.Join(f.Missing, " "), "AuditLog.Read.All") {
			t.Errorf("mfa_registration without registration details: %s, missing %v; want not_assessed naming AuditLog.Read.All", f.Status, f.Missing)
		}
	}
	code, out, errs = run(t, "", "doctor", "--from", d)
	if code != ExitOK {
		t.Fatalf("doctor: exit %d: %s", code, errs)
	}
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "posture.identity.mfa_registration") {
			line = l
		}
	}
	if !strings.Contains(line, "MISSING") || !strings.Contains(line, "AuditLog.Read.All") {
		t.Errorf("doctor's mfa_registration line %q does not name the missing permission", line)
	}
	if !strings.Contains(out, "posture.defender.plans") || strings.Contains(lineOf(out, "posture.defender.plans"), "MISSING") {
		t.Errorf("doctor: a readable check is not listed as ok:\n%s", out)
	}
}

func lineOf(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestPostureRefusesContradictoryFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"posture", "--from", postureExample, "--save", t.TempDir()},
		{"posture", "--format", "yaml", "--from", postureExample},
		{"posture", "--fail-on", "urgent", "--from", postureExample},
		{"posture", "stray"},
	} {
		if code, _, _ := run(t, "", args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
	if code, _, errs := run(t, "", "posture", "--from", filepath.Join(t.TempDir(), "none")); code != ExitError || !strings.Contains(errs, "manifest.json") {
		t.Errorf("missing folder: exit %d, %q", code, errs)
	}
}
