package htmlreport

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture"
)

// postureFixture is a posture run whose evidence carries hostile names.
func postureFixture() *Posture {
	return &Posture{
		Tenant: "<b>tenant</b>", Collected: t0,
		Scores: []posture.AreaScore{{Area: "rbac", Score: 40, Failed: 1}, {Area: "identity", Score: -1, NotAssessed: 1}},
		Findings: []posture.Finding{
			{Check: "posture.rbac.compute_role_holders", Area: "rbac", Title: "Who can create VMs", Status: posture.Fail, Severity: "high",
				Scope: "/subscriptions/s1", ScopeName: evilPrincipal, Summary: "9 principals can create VMs",
				Evidence: []posture.Evidence{{Subject: evilPrincipal, Detail: "Owner"}}, Why: "why <i>", Fix: "remove it"},
			{Check: "posture.identity.mfa_registration", Area: "identity", Title: "MFA", Status: posture.NotAssessed, Severity: "critical",
				Scope: "tenant", Summary: "registration details unreadable", Missing: []string{"AuditLog.Read.All"}},
			{Check: "posture.defender.plans", Area: "defender", Status: posture.Pass, Severity: "medium", Scope: "/subscriptions/s1", Summary: "on"},
		},
	}
}

func TestPostureSectionIsEscapedAndComplete(t *testing.T) {
	t.Parallel()
	in := fixture()
	in.Posture = postureFixture()
	out := render(t, in)
	if _, err := checkHTML(out); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"<script", "<b>tenant", "<i>"} {
		if strings.Contains(out, raw) {
			t.Errorf("posture section holds raw %q", raw)
		}
	}
	for _, want := range []string{`id="posture"`, "1 failed, 1 not assessed, 1 passed", "rbac <span class=\"fail\">40 / 100</span>",
		"identity <span class=\"na\">not assessed</span>", "<code>AuditLog.Read.All</code>", "&lt;script&gt;alert(1)&lt;/script&gt;@contoso.example: Owner",
		`class="st st-fail"`, `class="st st-not-assessed"`} {
		if !strings.Contains(out, want) {
			t.Errorf("posture section lacks %q", want)
		}
	}
	// The hunt is still there beside it.
	if !strings.Contains(out, "Read 3 files, 1234 records") {
		t.Error("adding posture dropped the hunt header")
	}
}

func TestPostureOnlyReportHasNoEmptyHunt(t *testing.T) {
	t.Parallel()
	out := render(t, Input{Posture: postureFixture(), Product: "mamori test"})
	if _, err := checkHTML(out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "<title>mamori posture report</title>") {
		t.Error("a posture-only report keeps the hunt's title")
	}
	if strings.Contains(out, "records.") || strings.Contains(out, `class="counts"`) {
		t.Error("a posture-only report shows an empty hunt header")
	}
	if strings.Index(out, "posture.rbac.compute_role_holders") > strings.Index(out, "posture.defender.plans") {
		t.Error("findings are not kept in the order given (what to fix first)")
	}
}
