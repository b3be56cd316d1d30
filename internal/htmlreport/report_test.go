package htmlreport

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html")

// Hostile strings an attacker can put in the logs.
const (
	evilPrincipal = "<script>alert(1)</script>@contoso.example"
	evilResource  = `/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/"><img src=x onerror=alert(1)>`
	evilSummary   = "created miner\u202egpj.exe\x00 in <b>eastus</b>"
	evilRegion    = "<script>region</script>"
)

var t0 = time.Date(2026, 3, 17, 2, 12, 0, 0, time.UTC)

// fixture is a hunt with one incident holding hostile strings in every
// attacker-controlled field, and a suppressed alert outside it. Compute is
// created in three hours (a fourth alert re-reports the first scale set
// an hour later, which must not add a bar) and three regions.
func fixture() Input {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	ev := func(line int, m int) []alert.Evidence {
		return []alert.Evidence{{File: "logs/activity.json", Line: line, Time: at(m), Shape: "activity.diagnostic", Operation: "microsoft.compute/virtualmachinescalesets/write"}}
	}
	alerts := []alert.Alert{
		{ID: "a1", Rule: "azure.signin.risky", Title: "Risky sign-in", Severity: alert.Medium, Time: at(0), Principal: evilPrincipal,
			Summary: evilPrincipal + " signed in from 20.42.64.17", Stage: "initial_access", Evidence: ev(3, 0), Count: 1, Incident: "inc-1"},
		{ID: "a2", Rule: "azure.compute.gpu_created", Title: "GPU compute <created>", Severity: alert.High, Time: at(20), Principal: evilPrincipal,
			Summary: evilSummary, Stage: "deployment", Resources: []string{evilResource}, Evidence: ev(10, 20), Count: 3, Incident: "inc-1",
			Compute: []alert.Compute{{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 20, Region: "westus3", Resource: evilResource}}},
		{ID: "a3", Rule: "azure.compute.gpu_created", Title: "GPU compute created", Severity: alert.High, Time: at(80), Principal: evilPrincipal,
			Summary: "second scale set", Stage: "deployment", Evidence: ev(20, 80), Count: 1, Incident: "inc-1",
			Compute: []alert.Compute{{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 10, Region: "koreacentral", Resource: "/s/vmss/train-1"}}},
		{ID: "a4", Rule: "azure.compute.mass_deployment", Title: "Mass deployment", Severity: alert.Critical, Time: at(85), Principal: evilPrincipal,
			Summary: "mass deployment", Stage: "deployment", Evidence: ev(21, 85), Count: 2, Incident: "inc-1",
			Compute: []alert.Compute{{Size: "Standard_NC24ads_A100_v4", Count: 25, Region: "westus3", Resource: evilResource}}},
		{ID: "a5", Rule: "azure.compute.gpu_created", Title: "GPU compute created", Severity: alert.High, Time: at(200), Principal: evilPrincipal,
			Summary: "odd region", Stage: "deployment", Evidence: ev(30, 200), Count: 1, Incident: "inc-1",
			Compute: []alert.Compute{{Service: "vm", Size: "Weird<Size>", Count: 2, Region: evilRegion, Resource: "/s/vm/x"}}},
		{ID: "a6", Rule: "azure.compute.gpu_created", Title: "GPU compute created", Severity: alert.Medium, Time: at(300), Principal: "ds-team@contoso.example",
			Summary: "training run", Count: 1, Suppressed: &alert.Suppression{ID: "ds-training", Reason: "<i>approved</i>"},
			Compute: []alert.Compute{{Size: "Standard_NC6", Count: 99, Region: "eastus", Resource: "/s/vm/train"}}},
	}
	inc := incident.Incident{
		ID: "inc-1", Title: "Cryptojacking by " + evilPrincipal, Severity: alert.Critical, Time: at(0), LastTime: at(200),
		Stages:     []incident.StageAlerts{{Stage: "initial_access", Alerts: []string{"a1"}}, {Stage: "deployment", Alerts: []string{"a2", "a3", "a4", "a5"}}},
		Principals: []string{evilPrincipal}, IPs: []string{"20.42.64.17"}, Resources: []string{evilResource},
		Regions: []string{"westus3", "koreacentral", evilRegion},
		Hosts:   []string{"train-0000003", "<b>host</b>"},
		Cost: incident.Cost{USDPerHour: 98.5, Unpriced: 1, Lines: []incident.CostLine{
			{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Region: "westus3", Count: 25, Spot: true, Priced: true, UnitUSD: 2.5, USDPerHour: 62.5, Basis: incident.BasisExact},
			{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Region: "koreacentral", Count: 10, Priced: true, UnitUSD: 3.6, USDPerHour: 36, PriceRegion: "eastus", Basis: incident.BasisFallback, Estimated: true},
			{Service: "vm", Size: "Weird<Size>", Region: evilRegion, Count: 2, Basis: incident.BasisUnknown},
		}},
	}
	for _, id := range []string{"a1", "a2", "a3", "a4", "a5"} {
		for _, a := range alerts {
			if a.ID == id {
				inc.Timeline = append(inc.Timeline, incident.Entry{Alert: a.ID, Time: a.Time, Rule: a.Rule, Title: a.Title, Severity: a.Severity,
					Stages: []string{a.Stage}, Principal: a.Principal, Summary: a.Summary})
			}
		}
	}
	return Input{Alerts: alerts, Incidents: []incident.Incident{inc}, Title: "Hunt of <tenant>", Generated: t0.Add(48 * time.Hour),
		Files: 3, Records: 1234, Product: "mamori test",
		// A user's rule file names its own title: hostile too.
		NotSeen: []coverage.Gap{{Kind: event.KindProcess, Source: "host process logs", Export: "auditd execve records", Rules: []string{"azure.host.miner_process", "our.miner"},
			Examples: []string{"Cryptocurrency miner started on a host", "<script>miner</script>\u202e"}}},
		// A broker's words, and a namespace an operator named.
		Stopped: []string{"failing: event hub <img src=x onerror=alert(1)>.servicebus.windows.net: its reads have failed since 2026-11-02 01:00 (2 hours ago): \u202edenied</script>"}}
}

func render(t testing.TB, in Input) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	got := render(t, fixture())
	path := filepath.Join("testdata", "hostile.golden.html")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s; run go test ./internal/htmlreport -update and review the diff", path)
	}
	if again := render(t, fixture()); again != got {
		t.Error("two renders of the same input differ")
	}
}

func TestHostileStringsAreEscaped(t *testing.T) {
	t.Parallel()
	out := render(t, fixture())
	lower := strings.ToLower(out)
	for _, raw := range []string{"<script", "<img", "<b>", "<i>", "<size>", "\u202e", "\x00"} {
		if strings.Contains(lower, raw) {
			t.Errorf("output holds raw %q", raw)
		}
	}
	// The escaped forms are there: the text is shown, not dropped.
	for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;@contoso.example", "&lt;script&gt;region&lt;/script&gt;", `&lt;script&gt;miner&lt;/script&gt;\u202e`, `miner\u202egpj.exe\x00`, "Weird&lt;Size&gt;", "<code>&lt;b&gt;host&lt;/b&gt;</code>"} {
		if !strings.Contains(out, esc) {
			t.Errorf("output lacks escaped %q", esc)
		}
	}
	// "onerror=" survives as text, but never as an attribute: checkHTML
	// rejects on* attributes and unknown elements, in the SVG too.
	if _, err := checkHTML(out); err != nil {
		t.Fatal(err)
	}
	svgStart := strings.Index(out, "<svg")
	if svgStart < 0 || !strings.Contains(out[svgStart:], "&lt;script&gt;region") {
		t.Error("the hostile region is not shown escaped in the charts")
	}
}

func TestStructure(t *testing.T) {
	t.Parallel()
	out := render(t, fixture())
	seen, err := checkHTML(out)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sub  string
		want int
	}{
		{"one hour bar per hour with compute; a re-reported scale set adds none, a suppressed alert neither", `class="bar hour"`, 3},
		{"one region bar per region", `class="bar region"`, 3},
		{"one timeline mark per alert stage", `class="mark `, 5},
		{"seven kill-chain steps", `<li class="seen">`, 2},
		{"evidence is collapsible per alert with evidence", "<details>", 5},
		{"suppressed alert is marked", `<tr class="suppressed">`, 1},
		{"three cost lines", `<td class="num">$`, 4},
	}
	for _, tt := range tests {
		if got := strings.Count(out, tt.sub); got != tt.want {
			t.Errorf("%s: %d × %q, want %d", tt.name, got, tt.sub, tt.want)
		}
	}
	if seen["svg"] != 3 {
		t.Errorf("%d svg charts, want 3 (hours, regions, one timeline)", seen["svg"])
	}
	if got := strings.Count(out, `<ol class="steps">`); got != 1 {
		t.Errorf("%d step rows, want 1", got)
	}
	for _, want := range []string{"2026-03-17 02:00 UTC: 25 instances", "westus3: 25 instances", "koreacentral: 10 instances", "$98.50 per hour for 37 instances",
		"unpriced", "estimated (eastus price)", "vmss spot", "Generated 2026-03-19 02:12:00 UTC", "Read 3 files, 1234 records"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestEmptyHunt(t *testing.T) {
	t.Parallel()
	out := render(t, Input{})
	if _, err := checkHTML(out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "<svg") || !strings.Contains(out, "<title>mamori hunt report</title>") {
		t.Error("an empty hunt should have the default title and no charts")
	}
}

func FuzzWrite(f *testing.F) {
	f.Add(evilPrincipal, evilResource, evilSummary, evilRegion, "Standard_NC6")
	f.Add("", "", "", "", "")
	f.Add("\x00\xff", "</svg><script>", "]]><!--", "--><script>", "<svg onload=x>")
	f.Fuzz(func(t *testing.T, principal, resource, summary, region, size string) {
		in := fixture()
		for i := range in.Alerts {
			a := &in.Alerts[i]
			a.Principal, a.Summary, a.Rule, a.Title = principal, summary, resource, summary
			a.Evidence = append(a.Evidence, alert.Evidence{File: resource, Shape: size})
			for j := range a.Compute {
				a.Compute[j].Region, a.Compute[j].Resource, a.Compute[j].Size = region, resource, size
			}
		}
		inc := &in.Incidents[0]
		inc.ID, inc.Title, inc.Principals, inc.Regions, inc.IPs = resource, summary, []string{principal}, []string{region}, []string{size}
		inc.Stages = append(inc.Stages, incident.StageAlerts{Stage: region})
		inc.Timeline[0].Stages = []string{region, principal}
		inc.Cost.Lines[0].Region, inc.Cost.Lines[0].Size = region, size
		in.Title, in.Product = principal, size
		out := render(t, in)
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatal("raw <script in output")
		}
		if _, err := checkHTML(out); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTimelineLanes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stages []string
		other  bool
		marks  int
	}{
		{"alerts with known stages need no other lane", []string{"mining"}, false, 1},
		{"an alert without a stage goes to an other lane", nil, true, 1},
		{"an unknown stage goes to the other lane", []string{"<b>weird</b>"}, true, 1},
		{"an alert in two stages is marked twice", []string{"quota", "deployment"}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := incident.Incident{ID: "inc-x", Time: t0, LastTime: t0,
				Timeline: []incident.Entry{{Alert: "a", Time: t0, Rule: "r", Severity: alert.Low, Stages: tt.stages}}}
			svg := string(timelineSVG(&in))
			if got := strings.Contains(svg, ">other</text>"); got != tt.other {
				t.Errorf("other lane = %v, want %v", got, tt.other)
			}
			if got := strings.Count(svg, "<circle"); got != tt.marks {
				t.Errorf("%d marks, want %d", got, tt.marks)
			}
			if got, want := strings.Count(svg, `class="lane"`), len(incident.Stages); got != want && !tt.other {
				t.Errorf("%d lanes, want %d", got, want)
			}
			if strings.Contains(svg, "<b>") {
				t.Error("raw stage name in the SVG")
			}
		})
	}
}

func TestSuppressedIncident(t *testing.T) {
	t.Parallel()
	in := fixture()
	a6 := in.Alerts[5]
	in.Incidents = append(in.Incidents, incident.Incident{ID: "inc-2", Title: "Training run", Severity: alert.Medium, Time: a6.Time, LastTime: a6.Time,
		Timeline: []incident.Entry{{Alert: a6.ID, Time: a6.Time, Rule: a6.Rule, Severity: a6.Severity}}})
	out := render(t, in)
	if got := strings.Count(out, "(suppressed: accepted activity)"); got != 1 {
		t.Errorf("%d incidents marked suppressed, want 1 (only the one made of suppressed alerts)", got)
	}
	if strings.Contains(out, "Not in an incident") {
		t.Error("the suppressed alert is shown outside its incident")
	}
}

// TestLogsReadTable: the report shows each log read with its span, in
// UTC to the minute, the records read again (two exports of the same
// days), and the incidents that reach past one.
func TestLogsReadTable(t *testing.T) {
	t.Parallel()
	in := fixture()
	east := time.FixedZone("east", 9*3600)
	r := coverage.Read{Kind: event.KindSignIn, Source: "Entra ID sign-in logs", Events: 75, Repeats: coverage.Repeats{Events: 75},
		Span: coverage.Span{First: time.Date(2026, 3, 3, 10, 54, 40, 0, east), Last: time.Date(2026, 3, 3, 20, 42, 59, 0, time.UTC)}}
	in.Read = []coverage.Read{r}
	in.Outside = []coverage.Outside{{Incident: "inc-1", Log: r, Before: true, At: t0}}
	var b bytes.Buffer
	if err := Write(&b, in); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	for _, want := range []string{`id="logs-read"`, "<td>Entra ID sign-in logs</td><td class=\"num\">75 events</td><td>2026-03-03 01:54</td><td>2026-03-03 20:42 " +
		"<span class=\"muted\">(and 75 events read again, the same records in another export or copy: counted once)</span></td>",
		"<p class=\"warn\">inc-1: Entra ID sign-in logs begin 2026-03-03 01:54, after this incident began (2026-03-17 02:12): its sign-ins before then were not read.</p>"} {
		if !strings.Contains(h, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
}

// TestRulesWithoutANameShowTheirTitle: as in the terminal, a rule with
// only an id (SigmaHQ's) is shown by its title, its id on hover; a named
// rule by its name, its title on hover.
func TestRulesWithoutANameShowTheirTitle(t *testing.T) {
	t.Parallel()
	in := fixture()
	in.Alerts[0].Rule, in.Alerts[0].Title = "4d136857-6a1a-432a-82fc-5dd497ee5e7c", "Sign-ins by Unknown Devices"
	in.Alerts[1].Rule, in.Alerts[1].Title = "azure.identity.elevate_access", "Global Administrator elevated access"
	out := render(t, in)
	for _, want := range []string{
		`title="4d136857-6a1a-432a-82fc-5dd497ee5e7c">Sign-ins by Unknown Devices</td>`,
		`title="Global Administrator elevated access">azure.identity.elevate_access</td>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %s", want)
		}
	}
}

// A service principal's name (its owner's choice, an attacker's) is shown
// where its id was, escaped.
func TestServicePrincipalNameIsShownEscaped(t *testing.T) {
	t.Parallel()
	in := fixture()
	in.Alerts[0].PrincipalName = "<img src=x>pipe"
	out := render(t, in)
	if strings.Contains(out, "<img src=x>") {
		t.Error("output holds the raw name")
	}
	if !strings.Contains(out, "&lt;img src=x&gt;pipe (") {
		t.Errorf("the name is not shown, escaped, with the start of its id")
	}
	if _, err := checkHTML(out); err != nil {
		t.Fatal(err)
	}
}

// TestTenantShownAmongSeveral: a report of several tenants' incidents
// says whose each is, escaped; one of a single tenant does not.
func TestTenantShownAmongSeveral(t *testing.T) {
	t.Parallel()
	in := fixture()
	if strings.Contains(render(t, in), "<dt>Tenant</dt>") {
		t.Error("one tenant's report names it")
	}
	in.Incidents[0].Tenant = "<script>tenant</script>"
	other := incident.Incident{ID: "inc-2", Title: "other", Severity: alert.High, Time: t0, Tenant: "tenant-b",
		Timeline: []incident.Entry{{Alert: "a6", Time: t0}}}
	in.Incidents = append(in.Incidents, other)
	out := render(t, in)
	if strings.Count(out, "<dt>Tenant</dt>") != 2 || !strings.Contains(out, "<code>&lt;script&gt;tenant&lt;/script&gt;</code>") ||
		!strings.Contains(out, "<code>tenant-b</code>") {
		t.Errorf("tenants not shown, or not escaped")
	}
	if _, err := checkHTML(out); err != nil {
		t.Fatal(err)
	}
}

// A mass deployment's plan shows its first commands and says how many
// more there are, in a line a shell takes for a comment.
func TestPlanOfAMassDeploymentIsClipped(t *testing.T) {
	t.Parallel()
	in := fixture()
	a := &in.Alerts[0]
	a.Compute = nil
	for i := range maxPlanLines + 50 {
		a.Compute = append(a.Compute, alert.Compute{Service: "vm", Count: 1, Resource: fmt.Sprintf("/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/m-%d", i)})
	}
	out := render(t, in)
	if n := strings.Count(out, "az vm deallocate --ids "); n != maxPlanLines {
		t.Errorf("%d commands shown, want %d", n, maxPlanLines)
	}
	// The fixture's other alerts created a few machines too.
	more := regexp.MustCompile(`\n# … and (\d+) more commands: mamori hunt --incidents FILE lists every one\n`).FindStringSubmatch(out)
	n := 0
	if more != nil {
		n, _ = strconv.Atoi(more[1])
	}
	if n < 50 || !strings.Contains(out, "and "+more[1]+" more</code>") {
		t.Errorf("the page does not say how many more: %q", more)
	}
}
