package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/posture"
)

// postureFixture is a failing subscription finding whose evidence names a
// user who chose a hostile display name, a tenant finding not assessed,
// and a pass.
func postureFixture() ([]posture.Finding, []posture.AreaScore) {
	f := []posture.Finding{
		{Check: "posture.rbac.compute_role_holders", Area: "rbac", Title: "Few can create VMs", Status: posture.Fail, Severity: "high",
			Scope: "/subscriptions/0b1c2d3e-0000-4000-8000-000000000001", ScopeName: "prod",
			Summary: "9 principals can create VMs (threshold 5), 2 guests",
			Evidence: []posture.Evidence{
				{Subject: "evil\x1b]0;pwned\x07@contoso.com", Detail: "Owner"},
				{Subject: "=HYPERLINK(\"http://x\")", Detail: "Contributor"},
				{Subject: "a"}, {Subject: "b"}, {Subject: "c"}, {Subject: "d"}, {Subject: "e"},
			},
			Why: "Anyone who can create VMs can mine.", Fix: "Remove standing Contributor."},
		{Check: "posture.identity.mfa_registration", Area: "identity", Title: "MFA registered", Status: posture.NotAssessed, Severity: "critical",
			Scope: "tenant", Summary: "could not read registration details", Missing: []string{"AuditLog.Read.All"}},
		{Check: "posture.defender.plans", Area: "defender", Title: "Defender plans", Status: posture.Pass, Severity: "medium",
			Scope: "/subscriptions/0b1c2d3e-0000-4000-8000-000000000001", Summary: "Servers P2 and Resource Manager on"},
	}
	s := []posture.AreaScore{{Area: "identity", Score: -1, NotAssessed: 1}, {Area: "rbac", Score: 0, Failed: 1}, {Area: "defender", Score: 100, Passed: 1}}
	return f, s
}

func TestPostureTableEscapesAndShowsWhatToFix(t *testing.T) {
	t.Parallel()
	f, s := postureFixture()
	var b bytes.Buffer
	if err := WritePosture(&b, Table, f, s, Options{Width: 160}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("raw control characters reached the terminal:\n%q", out)
	}
	for _, want := range []string{
		"Scores:  identity -  rbac 0  defender 100",
		"FAIL", "posture.rbac.compute_role_holders", "prod",
		"\\x1b", // the escape shown, not acted on
		"… and 2 more",
		"fix: Remove standing Contributor.",
		"missing permission: AuditLog.Read.All",
		"3 findings: 1 failed, 1 not assessed, 1 passed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// A pass gets its line but no evidence or fix under it.
	if strings.Count(out, "fix:") != 1 {
		t.Errorf("fix lines: got %d, want 1 (only the failure)", strings.Count(out, "fix:"))
	}
}

func TestPostureCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	f, _ := postureFixture()
	var b bytes.Buffer
	if err := WritePosture(&b, CSV, f, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "check" {
		t.Fatalf("got %d rows, header %v", len(rows), rows[0])
	}
	ev := rows[1][7]
	if !strings.Contains(ev, "'=HYPERLINK") || strings.Contains(ev, "\x1b") {
		t.Errorf("evidence cell not defused: %q", ev)
	}
	if rows[2][2] != "not_assessed" || rows[2][8] != "AuditLog.Read.All" {
		t.Errorf("not-assessed row: %v", rows[2])
	}
}

func TestPostureJSONCarriesScoresAndEveryEvidence(t *testing.T) {
	t.Parallel()
	f, s := postureFixture()
	var b bytes.Buffer
	if err := WritePosture(&b, JSON, f, s, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Scores   []posture.AreaScore
		Findings []posture.Finding
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Scores) != 3 || len(doc.Findings) != 3 || len(doc.Findings[0].Evidence) != 7 {
		t.Errorf("scores %d, findings %d, evidence %d", len(doc.Scores), len(doc.Findings), len(doc.Findings[0].Evidence))
	}
	if doc.Findings[0].Evidence[0].Subject != f[0].Evidence[0].Subject {
		t.Error("JSON changed the evidence text (it must escape, not alter)")
	}
	b.Reset()
	if err := WritePosture(&b, JSON, nil, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"findings": []`) {
		t.Errorf("no findings must be [], got %s", b.String())
	}
}

func TestPostureOCSFIsComplianceFinding(t *testing.T) {
	t.Parallel()
	f, _ := postureFixture()
	at := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	if err := WritePosture(&b, OCSF, f, nil, Options{Product: ProductInfo{Name: "mamori", Version: "v1"}, Collected: at}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3", len(lines))
	}
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	want := []struct {
		status  float64
		sev     float64
		account string
	}{{3, 4, "0b1c2d3e-0000-4000-8000-000000000001"}, {0, 5, ""}, {1, 3, "0b1c2d3e-0000-4000-8000-000000000001"}}
	for i, m := range got {
		comp := m["compliance"].(map[string]any)
		if m["class_uid"] != float64(2003) || m["type_uid"] != float64(200301) || m["time"] != float64(at.UnixMilli()) {
			t.Errorf("line %d: class %v type %v time %v", i, m["class_uid"], m["type_uid"], m["time"])
		}
		if comp["status_id"] != want[i].status || comp["control"] != f[i].Check || m["severity_id"] != want[i].sev {
			t.Errorf("line %d: compliance %v severity %v", i, comp, m["severity_id"])
		}
		cloud := m["cloud"].(map[string]any)
		acct, _ := cloud["account"].(map[string]any)
		if gotAcct, _ := acct["uid"].(string); gotAcct != want[i].account {
			t.Errorf("line %d: account %q, want %q", i, gotAcct, want[i].account)
		}
	}
	// The same check on the same scope keeps its uid from run to run.
	a := toOCSFCompliance(&f[0], ProductInfo{}, 0).FindingInfo.UID
	if a != got[0]["finding_info"].(map[string]any)["uid"] || a == toOCSFCompliance(&f[2], ProductInfo{}, 0).FindingInfo.UID {
		t.Error("finding uid is not stable per check and scope")
	}
}

func TestWrapKeepsEveryWordWithinWidth(t *testing.T) {
	t.Parallel()
	s := "Defender for Cloud > Environment settings > SUBSCRIPTION > Email notifications: add a monitored address averyveryverylongwordthatcannotbreak ok"
	lines := wrap(s, 30)
	if strings.Join(lines, " ") != s {
		t.Errorf("wrapping changed the text: %q", lines)
	}
	for _, l := range lines {
		if cellWidth(l) > 30 && strings.Contains(l, " ") {
			t.Errorf("line %q is %d cells, over 30", l, cellWidth(l))
		}
	}
	if len(lines) < 5 {
		t.Errorf("%d lines, want the text broken up", len(lines))
	}
}
