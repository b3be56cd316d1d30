package report

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
)

// ocsfLines writes the fixture alerts as OCSF and decodes each line.
func ocsfLines(t *testing.T) []map[string]any {
	t.Helper()
	out := writeString(t, OCSF, fixtureAlerts(), Options{Product: ProductInfo{Name: "mamori", Version: "9.9.9"}})
	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d: %v", len(recs)+1, err)
		}
		recs = append(recs, m)
	}
	return recs
}

// path walks a decoded JSON value by object keys and array indexes.
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestOCSFDetectionFinding(t *testing.T) {
	t.Parallel()
	in := fixtureAlerts()
	recs := ocsfLines(t)
	if len(recs) != len(in) {
		t.Fatalf("%d records for %d alerts", len(recs), len(in))
	}
	wantSeverity := []float64{4, 3, 5, 1}
	for i, r := range recs {
		for key, want := range map[string]float64{"class_uid": 2004, "category_uid": 2, "activity_id": 1, "type_uid": 200401, "status_id": 1} {
			if r[key] != want {
				t.Errorf("alert %d: %s = %v, want %v", i, key, r[key], want)
			}
		}
		if got := path(r, "finding_info", "analytic", "name"); got != in[i].Rule {
			t.Errorf("alert %d: finding_info.analytic.name = %v, want %q", i, got, in[i].Rule)
		}
		if got := path(r, "finding_info", "analytic", "type_id"); got != 1.0 {
			t.Errorf("alert %d: analytic type_id %v", i, got)
		}
		if got := path(r, "finding_info", "uid"); got != in[i].ID {
			t.Errorf("alert %d: finding_info.uid = %v", i, got)
		}
		if r["severity_id"] != wantSeverity[i] {
			t.Errorf("alert %d: severity_id %v, want %v", i, r["severity_id"], wantSeverity[i])
		}
		if got := r["time"]; got != float64(in[i].Time.UnixMilli()) {
			t.Errorf("alert %d: time %v, want epoch ms %d", i, got, in[i].Time.UnixMilli())
		}
		if got := path(r, "metadata", "version"); got != OCSFVersion {
			t.Errorf("alert %d: metadata.version %v", i, got)
		}
		if got := path(r, "metadata", "product", "version"); got != "9.9.9" {
			t.Errorf("alert %d: product version %v", i, got)
		}
		if got := path(r, "cloud", "provider"); got != "Azure" {
			t.Errorf("alert %d: cloud.provider %v", i, got)
		}
	}

	elevate, gpu, pool, quiet := recs[0], recs[1], recs[2], recs[3]
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"elevate: first attack sub-technique", path(elevate, "finding_info", "attacks", 0, "sub_technique", "uid"), "T1098.003"},
		{"elevate: its parent technique", path(elevate, "finding_info", "attacks", 0, "technique", "name"), "Account Manipulation"},
		{"elevate: its tactic", path(elevate, "finding_info", "attacks", 0, "tactic", "uid"), "TA0004"},
		{"elevate: last seen is LastTime", path(elevate, "finding_info", "last_seen_time"), float64(in[0].LastTime.UnixMilli())},
		{"elevate: single IP is the source endpoint", path(elevate, "evidences", 0, "src_endpoint", "ip"), "203.0.113.7"},
		{"elevate: evidence location", path(elevate, "evidences", 1, "data", "line"), 12.0},
		{"elevate: evidence operation", path(elevate, "evidences", 1, "api", "operation"), "microsoft.authorization/elevateaccess/action"},
		{"elevate: tenant is the org", path(elevate, "cloud", "org", "uid"), tenantID},
		{"elevate: principal is the actor", path(elevate, "actor", "user", "name"), "ga-admin@contoso.example"},
		{"gpu: subscription is the account", path(gpu, "cloud", "account", "uid"), subID},
		{"gpu: resource uid verbatim", path(gpu, "resources", 0, "uid"), hostileFormula},
		{"gpu: T1496 named", path(gpu, "finding_info", "attacks", 0, "technique", "name"), "Resource Hijacking"},
		{"gpu: impact tactic", path(gpu, "finding_info", "attacks", 0, "tactic", "name"), "Impact"},
		{"gpu: unparsable IP stays unmapped", path(gpu, "unmapped", "ips", 0), "not-an-ip"},
		{"gpu: incident unmapped", path(gpu, "unmapped", "incident"), "inc-42"},
		{"gpu: incident is the correlation uid", path(gpu, "metadata", "correlation_uid"), "inc-42"},
		{"elevate: no incident, no correlation uid", path(elevate, "metadata", "correlation_uid"), nil},
		{"elevate: not suppressed, an alert", path(elevate, "is_alert"), true},
		{"elevate: no status detail", path(elevate, "status_detail"), nil},
		{"elevate: no suppression unmapped", path(elevate, "unmapped", "suppressed"), nil},
		{"pool: two IPs are unmapped, not guessed", path(pool, "unmapped", "ips", 1), "198.51.100.9"},
		{"pool: unknown technique takes no tactic when two are tagged", path(pool, "finding_info", "attacks", 1, "technique", "uid"), "T9999"},
		{"pool: unused tactic gets its own entry", path(pool, "finding_info", "attacks", 2, "tactic", "uid"), "TA0005"},
		{"pool: tuple index kept", path(pool, "evidences", 0, "data", "index"), 3.0},
		{"quiet: no actor", path(quiet, "actor"), nil},
		{"quiet: no attacks", path(quiet, "finding_info", "attacks"), nil},
		{"quiet: no account", path(quiet, "cloud", "account"), nil},
		{"quiet: last seen defaults to time", path(quiet, "finding_info", "last_seen_time"), float64(in[3].Time.UnixMilli())},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if got := path(pool, "evidences", 0, "src_endpoint"); got != nil {
		t.Errorf("pool: a flow's two addresses must not become src_endpoint: %v", got)
	}
}

func TestOCSFActorUID(t *testing.T) {
	t.Parallel()
	a := fixtureAlerts()[0]
	a.Principal = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
	f := toOCSF(&a, ProductInfo{})
	if f.Actor.User.UID != a.Principal || f.Actor.User.Name != a.Principal {
		t.Errorf("object id principal: %+v", f.Actor.User)
	}
	if f.Metadata.Product.Name != "mamori" {
		t.Errorf("default product name %q", f.Metadata.Product.Name)
	}
	a.PrincipalName = "aml-training-pipeline"
	if f := toOCSF(&a, ProductInfo{}); f.Actor.User.UID != a.Principal || f.Actor.User.Name != a.PrincipalName {
		t.Errorf("named service principal: %+v", f.Actor.User)
	}
}

// TestOCSFSuppressedAlert: a suppressed alert is written, as every format
// writes it, with OCSF's status Suppressed (status_id 3), the entry and
// its reason in status_detail, the entry whole as the JSON formats give it
// in unmapped.suppressed, and is_alert false: the defender's file says it
// is accepted activity, nothing to page anyone about.
func TestOCSFSuppressedAlert(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()[:1]
	as[0].Suppressed = &alert.Suppression{ID: "break-glass", Reason: "quarterly break-glass drill, CHG-77",
		Owner: "secops@contoso.com", Expires: "2026-06-30", File: "suppressions.yml", Line: 4}
	out := writeString(t, OCSF, as, Options{})
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"status_id", r["status_id"], 3.0},
		{"status", r["status"], "Suppressed"},
		{"status_detail", r["status_detail"], "break-glass: quarterly break-glass drill, CHG-77"},
		{"is_alert", r["is_alert"], false},
		{"unmapped.suppressed.id", path(r, "unmapped", "suppressed", "id"), "break-glass"},
		{"unmapped.suppressed.reason", path(r, "unmapped", "suppressed", "reason"), "quarterly break-glass drill, CHG-77"},
		{"unmapped.suppressed.owner", path(r, "unmapped", "suppressed", "owner"), "secops@contoso.com"},
		{"unmapped.suppressed.line", path(r, "unmapped", "suppressed", "line"), 4.0},
		{"still the same finding", path(r, "finding_info", "uid"), as[0].ID},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// An entry without an id (none in practice: the file gives "#N")
	// leaves the reason alone, not ": reason".
	as[0].Suppressed = &alert.Suppression{Reason: "planned training run"}
	if f := toOCSF(&as[0], ProductInfo{}); f.StatusDetail != "planned training run" || f.StatusID != 3 {
		t.Errorf("suppressed without an id: status %d, detail %q", f.StatusID, f.StatusDetail)
	}
}

// A finding mamori serve writes again (Revised: a create it reported,
// Azure refused since) is OCSF's Update of the finding written before:
// activity_id 2, type_uid 200402, the same finding_info.uid; still an
// alert.
func TestOCSFRevisedAlertIsAnUpdate(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()[:1]
	as[0].Revised = true
	var r map[string]any
	if err := json.Unmarshal([]byte(writeString(t, OCSF, as, Options{})), &r); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"activity_id", r["activity_id"], 2.0},
		{"activity_name", r["activity_name"], "Update"},
		{"type_uid", r["type_uid"], 200402.0},
		{"type_name", r["type_name"], "Detection Finding: Update"},
		{"status_id", r["status_id"], 1.0},
		{"is_alert", r["is_alert"], true},
		{"the same finding", path(r, "finding_info", "uid"), as[0].ID},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// A finding of a rule with a response note carries it as its
// remediation; one of a rule without (a user's) carries none.
func TestOCSFRemediation(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()[:2]
	note := "Remove the User Access Administrator assignment at root scope; review what the account did since."
	out := writeString(t, OCSF, as, Options{Responses: map[string]string{as[0].Rule: note}})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d findings", len(lines))
	}
	var f [2]struct {
		Remediation *struct{ Desc string } `json:"remediation"`
	}
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &f[i]); err != nil {
			t.Fatal(err)
		}
	}
	if f[0].Remediation == nil || f[0].Remediation.Desc != note || f[1].Remediation != nil {
		t.Errorf("remediation %+v, %+v", f[0].Remediation, f[1].Remediation)
	}
}
