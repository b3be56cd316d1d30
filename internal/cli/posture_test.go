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
		// A saved folder is judged whole; --subscription was ignored and
		// every saved subscription judged (and --fail-on counted them).
		{"posture", "--from", postureExample, "--subscription", "bbbbbbbb-2222-4222-8222-222222222222"},
		{"doctor", "--from", postureExample, "--subscription", "bbbbbbbb-2222-4222-8222-222222222222"},
		{"doctor", "--from", postureExample, "--workspace", "b7c1a0e2-3d4f-4a5b-9c6d-7e8f9a0b1c2d"},
		{"doctor", "--workspace", "sentinel"},
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

// TestHuntWithSavedPostureKnowsTheTenantsIPs: the public IPs a saved
// posture run read are the tenant's own, so a sign-in from one of them is
// no longer "an Azure address that is not the tenant's", and the report
// shows the posture beside the incidents.
func TestHuntWithSavedPostureKnowsTheTenantsIPs(t *testing.T) {
	t.Parallel()
	const attackerIP = "20.42.64.17" // the example's sign-ins from an Azure VM
	notOwned := func(out string) int {
		n := 0
		for _, a := range jsonl(t, out) {
			if strings.HasPrefix(a.Rule, "azure.signin.azure_ip_not_owned") && strings.Contains(strings.Join(a.IPs, ","), attackerIP) {
				n++
			}
		}
		return n
	}
	code, out, errs := run(t, "", "hunt", "--no-progress", "--format", "jsonl", example)
	if code != ExitOK || notOwned(out) == 0 {
		t.Fatalf("without posture: exit %d, %d not-owned alerts (%s); the test needs some", code, notOwned(out), errs)
	}

	c, err := capture.Load(postureExample)
	if err != nil {
		t.Fatal(err)
	}
	key := capture.Key(capture.KeyPublicIPAddresses, "aaaaaaaa-1111-4111-8111-111111111111")
	c.Datasets[key] = &capture.Dataset{Key: key, Status: capture.OK, Pages: [][]byte{[]byte(
		`{"value":[{"name":"jump-ip","id":"/subscriptions/aaaaaaaa-1111-4111-8111-111111111111/resourceGroups/ops/providers/Microsoft.Network/publicIPAddresses/jump-ip","location":"eastus","properties":{"ipAddress":"` + attackerIP + `","publicIPAllocationMethod":"Static"}}]}`)}}
	dir := filepath.Join(t.TempDir(), "posture")
	if err := c.Save(dir); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(t.TempDir(), "r.html")
	code, out, errs = run(t, "", "hunt", "--no-progress", "--format", "jsonl", "--posture", dir, "--report", html, example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := notOwned(out); n != 0 {
		t.Errorf("%d alerts still call %s not the tenant's own", n, attackerIP)
	}
	page, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(page), `id="posture"`) || !strings.Contains(string(page), `class="incident"`) {
		t.Errorf("report: %v; want incidents and the posture section", err)
	}
}

// TestDoctorAgreesWithPostureOnAbsentData: registration details without an
// Entra ID P1/P2 licence, or Defender plans without Microsoft.Security
// registered, are absent: no permission is missing, but the check cannot
// run and posture says not assessed. Doctor said "ok". Absent where it
// means "none configured" (conditional access without P1) stays ok.
func TestDoctorAgreesWithPostureOnAbsentData(t *testing.T) {
	t.Parallel()
	c, err := capture.Load(postureExample)
	if err != nil {
		t.Fatal(err)
	}
	absent := map[string]string{
		capture.KeyRegistrationDetails:                                           "the tenant has no Entra ID P1/P2 licence: HTTP 403",
		capture.Key(capture.KeyPricings, "aaaaaaaa-1111-4111-8111-111111111111"): "the resource provider is not registered in the subscription: HTTP 409",
		capture.KeyConditionalAccess:                                             "the tenant has no Entra ID P1/P2 licence: HTTP 403",
	}
	for key, why := range absent {
		c.Datasets[key] = &capture.Dataset{Key: key, Status: capture.Absent, HTTPStatus: 403, Error: why}
	}
	// Paging stopped by an error leaves a check not assessed; a probe's
	// first page only does not.
	c.Datasets[capture.KeyRootRoleAssignments].Status = capture.Partial
	c.Datasets[capture.KeyRootRoleAssignments].Error = "after 2 page(s): HTTP 500"
	c.Datasets[capture.KeyUsers].Status = capture.Partial
	c.Datasets[capture.KeyUsers].Error = capture.ProbeFirstPage
	d := filepath.Join(t.TempDir(), "saved")
	if err := c.Save(d); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", "doctor", "--from", d)
	if code != ExitOK {
		t.Fatalf("doctor: exit %d: %s", code, errs)
	}
	for check, want := range map[string]string{
		"posture.identity.mfa_registration":         "MISSING",
		"posture.defender.plans":                    "MISSING",
		"posture.identity.admin_conditional_access": " ok",
		"posture.rbac.root_user_access_admin":       "MISSING",
		"posture.identity.admin_separation":         " ok",
	} {
		if l := lineOf(out, check); !strings.Contains(l, want) {
			t.Errorf("doctor: %q, want %q", l, want)
		}
	}
	if l := lineOf(out, "posture.identity.mfa_registration"); !strings.Contains(l, "P1/P2 licence") {
		t.Errorf("doctor does not say why: %q", l)
	}
}

// TestDoctorSaysWhatLimitsACheck: a check that runs without a dataset
// but may then leave findings not assessed (users, for the role checks)
// is "limited" in doctor, naming the permission, not "ok"; with
// everything readable it is ok. The management group hierarchy limits no
// check: no activity log alert rule on a group counts.
func TestDoctorSaysWhatLimitsACheck(t *testing.T) {
	t.Parallel()
	const roles = "posture.rbac.compute_role_holders"
	const alerts = "posture.monitoring.quota_and_compute_alerts"
	_, out, _ := run(t, "", "doctor", "--from", postureExample)
	if l := lineOf(out, roles); !strings.Contains(l, " ok") {
		t.Errorf("doctor with every dataset read: %q", l)
	}
	d := denyDataset(t, capture.KeyUsers, "User.Read.All")
	code, out, errs := run(t, "", "doctor", "--from", d)
	if code != ExitOK {
		t.Fatalf("doctor: exit %d: %s", code, errs)
	}
	if l := lineOf(out, roles); !strings.Contains(l, "limited") || !strings.Contains(l, "User.Read.All") {
		t.Errorf("doctor without users: %q, want limited naming the permission", l)
	}
	d = denyDataset(t, capture.KeyManagementGroupEntities, "Management Group Reader")
	if _, out, _ := run(t, "", "doctor", "--from", d); !strings.Contains(lineOf(out, alerts), " ok") {
		t.Errorf("doctor without the hierarchy: %q, want ok", lineOf(out, alerts))
	}
	if !strings.Contains(out, "may leave some findings not assessed") {
		t.Errorf("doctor's last line does not count the limited checks:\n%s", out)
	}
}
