package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/incident"
)

func writeString(t *testing.T, f Format, alerts []alert.Alert, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f, alerts, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestTableNeverPrintsHostileBytes(t *testing.T) {
	t.Parallel()
	for _, width := range []int{0, 40, 80, 120, 300} {
		out := writeString(t, Table, fixtureAlerts(), Options{Width: width})
		for _, bad := range []string{"\x1b", "\a", "\x7f", "\u202e", "\u009b", "\u2028", "\r"} {
			if strings.Contains(out, bad) {
				t.Errorf("width %d: table holds raw %q:\n%s", width, bad, out)
			}
		}
		assertTerminalSafe(t, out)
		// The newline in a principal must not forge a row: header, four
		// alerts, count line.
		if lines := strings.Count(out, "\n"); lines != 6 {
			t.Errorf("width %d: %d lines, want 6:\n%s", width, lines, out)
		}
		// (The principal column shows it where there is room: at 120
		// columns it keeps 10 cells, and the summary no longer repeats it.)
		if width >= 300 && !strings.Contains(out, `svc-miner\n`) {
			t.Errorf("width %d: escaped newline not shown:\n%s", width, out)
		}
	}
}

func TestTableFitsWidth(t *testing.T) {
	t.Parallel()
	for _, width := range []int{80, 100, 120, 160} {
		out := writeString(t, Table, fixtureAlerts(), Options{Width: width})
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if w := cellWidth(line); w > width {
				t.Errorf("width %d: line is %d cells: %q", width, w, line)
			}
		}
	}
	// Room to spare: nothing is cut.
	out := writeString(t, Table, fixtureAlerts()[:1], Options{Width: 400})
	if strings.Contains(out, "…") {
		t.Errorf("wide terminal still truncates:\n%s", out)
	}
}

func TestTableShowsUTCAndShortSubscription(t *testing.T) {
	t.Parallel()
	out := writeString(t, Table, fixtureAlerts()[1:2], Options{Width: 200})
	// 18:40 JST is 09:40 UTC.
	if !strings.Contains(out, "2026-05-01 09:40:00  medium") {
		t.Errorf("time not in UTC:\n%s", out)
	}
	if !strings.Contains(out, "  0b1f6471  ") || strings.Contains(out, subID) {
		t.Errorf("subscription not shortened to its first block:\n%s", out)
	}
}

func TestTableColorOnlyColorsSeverity(t *testing.T) {
	t.Parallel()
	out := writeString(t, Table, fixtureAlerts(), Options{Color: true})
	for _, sgr := range append(severityColor[:], sgrReset, sgrBold) {
		out = strings.ReplaceAll(out, sgr, "")
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an ESC other than the severity colours:\n%q", out)
	}
	plain := writeString(t, Table, fixtureAlerts(), Options{})
	if out != plain {
		t.Errorf("colour changed the layout:\n%s\nvs\n%s", out, plain)
	}
}

func TestTableNoAlerts(t *testing.T) {
	t.Parallel()
	if got := writeString(t, Table, nil, Options{Color: true}); got != "no alerts\n" {
		t.Errorf("got %q", got)
	}
}

func TestCountLine(t *testing.T) {
	t.Parallel()
	sev := func(ss ...alert.Severity) []alert.Alert {
		var as []alert.Alert
		for _, s := range ss {
			as = append(as, alert.Alert{Severity: s})
		}
		return as
	}
	cases := []struct {
		name   string
		alerts []alert.Alert
		want   string
	}{
		{"one alert is singular", sev(alert.High), "1 alert (1 high)"},
		{"severities are counted worst first", sev(alert.Low, alert.Critical, alert.High, alert.Critical), "4 alerts (2 critical, 1 high, 1 low)"},
		{"an out-of-range severity counts as informational", sev(alert.Severity(9), alert.Medium), "2 alerts (1 medium, 1 informational)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := countLine(c.alerts); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// The summary does not repeat the principal the table shows beside it,
// so that a narrow terminal's room goes to what was done.
func TestTableSummaryLeavesThePrincipalOut(t *testing.T) {
	t.Parallel()
	for summary, want := range map[string]string{
		"mallory@contoso.example created vm-1 in eastus": "created vm-1 in eastus",
		"mallory@contoso.example: 3 regions within 1h":   "3 regions within 1h",
		"mallory@contoso.example's deployment failed":    "mallory@contoso.example's deployment failed",
		"10.0.0.4 connected to mining pool pool.example": "10.0.0.4 connected to mining pool pool.example",
		"mallory@contoso.example ":                       "mallory@contoso.example ",
	} {
		a := alert.Alert{Rule: "r", Principal: "mallory@contoso.example", Summary: summary, Severity: alert.High}
		if summary == "10.0.0.4 connected to mining pool pool.example" {
			a.Principal = ""
		}
		if got := tableRow(&a)[colSummary]; got != want {
			t.Errorf("summary %q: cell %q, want %q", summary, got, want)
		}
	}
}

// A service principal named by its object id, whose name the hunt read:
// the summary begins "<id> (<name>)", the PRINCIPAL column shows the name,
// and the summary goes on with what was done, without a dangling
// "(<name>)". Without a name, the column shows the id and the summary
// leaves it out as before.
func TestTableSummaryOfAServicePrincipal(t *testing.T) {
	t.Parallel()
	const id = "523aa895-4f0b-4c1e-9d2a-7b3c8e1f0a64"
	what := "created workspaces/mlw-tailspin/computes/nightly-cluster in eastus2"
	cases := []struct {
		name, principalName, summary, wantPrincipal, wantSummary string
	}{
		{"named", "aml-training-pipeline", id + " (aml-training-pipeline) " + what, "aml-training-pipeline", what},
		{"named, with a colon", "aml-training-pipeline", id + " (aml-training-pipeline): 3 regions within 1h", "aml-training-pipeline", "3 regions within 1h"},
		{"no name read", "", id + " " + what, id, what},
	}
	for _, c := range cases {
		a := alert.Alert{Rule: "azure.compute.gpu_created", Severity: alert.Low, Principal: id, PrincipalName: c.principalName, Summary: c.summary}
		r := tableRow(&a)
		if r[colPrincipal] != c.wantPrincipal || r[colSummary] != c.wantSummary {
			t.Errorf("%s: principal %q, summary %q; want %q, %q", c.name, r[colPrincipal], r[colSummary], c.wantPrincipal, c.wantSummary)
		}
	}
	a := alert.Alert{Rule: "azure.compute.gpu_created", Severity: alert.Low, Principal: id, PrincipalName: "aml-training-pipeline",
		Summary: id + " (aml-training-pipeline) " + what}
	if out := writeString(t, Table, []alert.Alert{a}, Options{Width: 200}); strings.Contains(out, "(aml-training-pipeline)") || !strings.Contains(out, "aml-training-pipeline  -    "+what) {
		t.Errorf("table:\n%s", out)
	}
}

// An incident's header names the machines its alerts name, escaped.
func TestIncidentHeaderNamesItsMachines(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()
	in := incident.Incident{ID: "inc-1", Title: "t", Severity: alert.High, Time: as[0].Time,
		Timeline: []incident.Entry{{Alert: as[0].ID}}, Hosts: []string{"train-0000003", "evil\x1b[2J"}}
	out := writeString(t, Table, as, Options{Incidents: []incident.Incident{in}})
	if !strings.Contains(out, "  machines  train-0000003, evil\\x1b[2J\n") || strings.Contains(out, "\x1b") {
		t.Errorf("incident header:\n%s", out)
	}
}

// TestIncidentHeaderNamesItsTenantAmongSeveral: a hunt of several
// tenants' exports says whose each incident is (escaped: a record's
// tenant id is its text), and that one placed in no tenant has none; a
// hunt of one tenant says nothing of it.
func TestIncidentHeaderNamesItsTenantAmongSeveral(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()
	mk := func(id, tenant string, a int) incident.Incident {
		return incident.Incident{ID: id, Title: "t", Severity: alert.High, Time: as[a].Time, Tenant: tenant,
			Timeline: []incident.Entry{{Alert: as[a].ID}}}
	}
	one := []incident.Incident{mk("inc-1", "tenant-a", 0), mk("inc-2", "tenant-a", 1)}
	if out := writeString(t, Table, as, Options{Incidents: one}); strings.Contains(out, "  tenant  ") {
		t.Errorf("one tenant's incidents name it:\n%s", out)
	}
	several := []incident.Incident{mk("inc-1", "tenant-a\x1b[2J", 0), mk("inc-2", "", 1)}
	out := writeString(t, Table, as, Options{Incidents: several})
	for _, want := range []string{"  tenant    tenant-a\\x1b[2J\n", "  tenant    none (its records name none, and nothing placed them in one)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("incident headers lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape reached the terminal:\n%s", out)
	}
}

// TestTableNamesRulesWithoutANameByTitle: SigmaHQ's rules have an id and
// no name, and a column of UUIDs tells a responder nothing: such a rule
// is shown by its title. A named rule keeps its name.
func TestTableNamesRulesWithoutANameByTitle(t *testing.T) {
	t.Parallel()
	as := []alert.Alert{
		{Rule: "4d136857-6a1a-432a-82fc-5dd497ee5e7c", Title: "Sign-ins by Unknown Devices", Severity: alert.Low},
		{Rule: "azure.identity.elevate_access", Title: "Global Administrator elevated access", Severity: alert.High},
		{Rule: "5A4C0E9D-0000-4000-8000-000000000000", Title: "", Severity: alert.Low},
	}
	out := writeString(t, Table, as, Options{Width: 200})
	for _, want := range []string{"Sign-ins by Unknown Devices", "azure.identity.elevate_access", "5A4C0E9D-0000-4000-8000-000000000000"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"4d136857", "Global Administrator"} {
		if strings.Contains(out, not) {
			t.Errorf("table shows %q:\n%s", not, out)
		}
	}
}

// TestBriefListsTenLowerIncidentsThenWhose: the demo's brief listing
// names ten lower-severity incidents one by one (a month of a team's
// routine GPU work is dozens), then says whose the rest are, most first,
// their names escaped.
func TestBriefListsTenLowerIncidentsThenWhose(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()
	var ins []incident.Incident
	for i, who := range []string{"a", "b", "a", "c", "a", "b", "d", "a", "b", "c", // the ten shown
		"kim\x1b[2J", "kim\x1b[2J", "ops", "ops", "ops", "x", "y", "z", "w"} {
		ins = append(ins, incident.Incident{ID: fmt.Sprintf("inc-%02d", i), Title: "GPU VMs by " + who, Severity: alert.Low,
			Time: as[0].Time, Principals: []string{who}})
	}
	out := writeString(t, Table, as, Options{Incidents: ins, Brief: true})
	if n := strings.Count(out, "  inc-"); n != 10 {
		t.Errorf("%d incidents listed, want 10:\n%s", n, out)
	}
	if !strings.Contains(out, "  … and 9 more, 3 by ops, 2 by kim\\x1b[2J, 1 by w, 1 by x, 2 by 2 others\n") || strings.Contains(out, "\x1b") {
		t.Errorf("the rest:\n%s", out)
	}
	// A service principal whose name the hunt read is counted by it, and
	// shown by it in the alert table.
	named := append([]alert.Alert{}, as...)
	named[0].Principal, named[0].PrincipalName = "6f0b56c8-3e0c-4305-bb11-95eaf0f648e6", "aml\x1b[2J-pipeline"
	for i := 10; i < len(ins); i++ {
		ins[i].Principals = []string{named[0].Principal}
	}
	out = writeString(t, Table, named, Options{Incidents: ins, Brief: true})
	if !strings.Contains(out, "  … and 9 more, 9 by aml\\x1b[2J-pipeline (6f0b56c8)\n") || strings.Contains(out, "\x1b") {
		t.Errorf("the rest, by a named service principal:\n%s", out)
	}
	if out = writeString(t, Table, named[:1], Options{}); !strings.Contains(out, "aml\\x1b[2J-") || strings.Contains(out, "6f0b56c8-3e0c") {
		t.Errorf("the alert table names the service principal by its name:\n%s", out)
	}
}

// TestNotSeenByTenantEscapesTheTenant: a tenant id is a record's text.
func TestNotSeenByTenantEscapesTheTenant(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	gaps := []coverage.Gap{{Source: "Entra ID sign-in logs", Rules: []string{"r"}}}
	if err := WriteNotSeenByTenant(&b, []coverage.TenantGaps{{Tenant: "evil\x1b[2J", Gaps: gaps}}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "  tenant evil\\x1b[2J: Entra ID sign-in logs (1 rule)\n") || strings.Contains(out, "\x1b") {
		t.Errorf("got %q", out)
	}
	if line := TenantGapsInLine([]coverage.TenantGaps{{Tenant: "evil\x1b[2J", Gaps: gaps}}); strings.Contains(line, "\x1b") {
		t.Errorf("got %q", line)
	}
}

// A row mamori serve writes again says it is a revision; the JSON lines
// carry "revised": true, and an alert not revised carries no such member.
func TestRevisedAlertSaysSo(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()[:2]
	as[0].Revised = true
	table := writeString(t, Table, as, Options{Width: 300})
	if n := strings.Count(table, "[revised] "); n != 1 {
		t.Errorf("%d rows marked revised, want 1:\n%s", n, table)
	}
	lines := strings.Split(strings.TrimSpace(writeString(t, JSONL, as, Options{})), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"revised":true`) || strings.Contains(lines[1], `"revised"`) {
		t.Errorf("JSON lines:\n%s", strings.Join(lines, "\n"))
	}
}

// A high incident is followed by what to do about it (respond.Plan), its
// commands escaped as all the attacker named; a medium one by nothing.
func TestIncidentSaysWhatToDo(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()
	as[1].Stage = "deployment"
	as[1].Compute = []alert.Compute{{Service: "vmss", Count: 3, Resource: "/subscriptions/" + subID + "/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/x\x1b]8;;y"}}
	mk := func(id string, sev alert.Severity) incident.Incident {
		return incident.Incident{ID: id, Title: "t", Severity: sev, Time: as[0].Time, Tenant: tenantID,
			Timeline: []incident.Entry{{Alert: as[0].ID}, {Alert: as[1].ID}}}
	}
	out := writeString(t, Table, as, Options{Incidents: []incident.Incident{mk("inc-1", alert.High)}})
	for _, want := range []string{
		"WHAT TO DO about inc-1, in this order",
		"  2. Cut off 2 accounts the attack used: ga-admin@contoso.example, ",
		"       az role assignment delete --assignee ga-admin@contoso.example --role 'User Access Administrator' --scope /\n",
		"       az vmss deallocate --ids '/subscriptions/" + subID + "/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/x\\x1b]8;;y'\n",
		"       mamori posture --tenant " + tenantID + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape reached the terminal:\n%q", out)
	}
	if out := writeString(t, Table, as, Options{Incidents: []incident.Incident{mk("inc-1", alert.Medium)}}); strings.Contains(out, "WHAT TO DO") {
		t.Errorf("a medium incident has a plan:\n%s", out)
	}
}
