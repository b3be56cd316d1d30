package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/respond"
)

// run runs mamori in-process and returns its exit code and outputs.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(t.Context(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const example = "../../examples/attacked-tenant"

func jsonl(t *testing.T, s string) []alert.Alert {
	t.Helper()
	var as []alert.Alert
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a alert.Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		as = append(as, a)
	}
	return as
}

func TestHuntFindsTheExampleAttack(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "", "hunt", "--format", "jsonl", "--data-dir", t.TempDir(), example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	as := jsonl(t, out)
	count := map[string]int{}
	for _, a := range as {
		count[a.Rule]++
		if len(a.Evidence) == 0 || a.Evidence[0].File == "" || a.Evidence[0].Line == 0 {
			t.Errorf("%s: evidence without file and line: %+v", a.Rule, a.Evidence)
		}
		if a.ID == "" || a.Time.IsZero() || a.Summary == "" {
			t.Errorf("incomplete alert %+v", a)
		}
	}
	// One elevation (its Started and Succeeded records are one action),
	// three GPU scale sets and their three driver installs, quota raised in
	// three regions, and the miner seen four times: its DNS lookup, its
	// process, and its machine's flows to two pools: to MoneroOcean on its
	// difficulty port 10128 (data/mining/pool_ports.csv), and on Stratum
	// port 3333 (the tuples of two connections, one alert). Its HTTPS to
	// Azure storage and the Microsoft endpoints in the same flow log must
	// not alert.
	want := map[string]int{
		"azure.identity.elevate_access":             1,
		"azure.identity.privileged_role_assignment": 1,
		"azure.identity.new_account_privileged":     1,
		"azure.signin.risky_then_quota_or_compute":  1,
		"azure.quota.increase_burst":                1,
		"azure.compute.gpu_created":                 3,
		"azure.compute.multi_region_fanout":         1,
		"azure.compute.gpu_driver_extension":        3,
		"azure.dns.mining_pool_lookup":              1,
		"azure.host.miner_process":                  1,
		"azure.network.mining_pool_connection":      2,
	}
	for r, n := range want {
		if count[r] != n {
			t.Errorf("%s: %d alerts, want %d (all: %v)", r, count[r], n, count)
		}
	}
	moneroOcean := false
	for _, a := range as {
		if a.Rule == "azure.identity.elevate_access" {
			if a.Principal != "it-admin@contoso.example" || len(a.Evidence) != 2 || a.Tenant != "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10" {
				t.Errorf("elevate access alert: %+v", a)
			}
		}
		moneroOcean = moneroOcean || a.Rule == "azure.network.mining_pool_connection" && strings.Contains(a.Summary, "203.0.113.41 port 10128")
	}
	if !moneroOcean {
		t.Error("no alert on the miner's connection to MoneroOcean on port 10128")
	}
	if !slices.IsSortedFunc(as, func(a, b alert.Alert) int { return a.Time.Compare(b.Time) }) {
		t.Error("alerts are not in time order")
	}
}

func TestHuntIsDeterministic(t *testing.T) {
	t.Parallel()
	_, a, _ := run(t, "", "hunt", "--format", "jsonl", "--workers", "1", example)
	_, b, _ := run(t, "", "hunt", "--format", "jsonl", "--workers", "2", example)
	if a != b || a == "" {
		t.Error("output differs between one and two workers")
	}
}

func TestHuntReadsStandardInput(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(example, "tenant-activity", "directory-activity.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, string(b), "hunt", "--format", "jsonl", "-")
	as := jsonl(t, out)
	// The elevation of access, and the same record as an ARM action from
	// an Azure address the tenant does not own.
	if code != ExitOK || len(as) != 2 || as[0].Rule != "azure.identity.elevate_access" || as[1].Rule != "azure.signin.azure_ip_not_owned.arm" {
		t.Errorf("exit %d, alerts %+v", code, as)
	}
	for _, a := range as {
		if a.Evidence[0].File != "-" {
			t.Errorf("%s: evidence in %q, want - (standard input)", a.Rule, a.Evidence[0].File)
		}
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{\"time\":\"2026-01-01T00:00:00Z\",\"operationName\": nope}\n"), 0o644)
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "notes.json"), nil, 0o644)
	owned := filepath.Join(t.TempDir(), "owned.txt")
	os.WriteFile(owned, []byte("10.0.0.0/8\nnot-an-ip\n"), 0o644)
	cases := []struct {
		name string
		args []string
		want int
		says string
	}{
		{"fail-on high with a high alert", []string{"hunt", "--fail-on", "high", example}, ExitFindings, ""},
		{"fail-on critical: no alert is, the incident is", []string{"hunt", "--fail-on", "critical", example}, ExitFindings, ""},
		{"fail-on critical without one", []string{"hunt", "--fail-on", "critical", filepath.Join(example, "hosts")}, ExitOK, ""},
		{"strict with an unreadable record", []string{"hunt", "--strict", bad}, ExitError, "bad.json:1: invalid JSON"},
		{"not strict: reported, exit 0", []string{"hunt", bad}, ExitOK, "1 record could not be read"},
		{"past --max-errors: counted, in the singular", []string{"hunt", "--max-errors", "0", bad}, ExitOK, "… and 1 more unreadable record\n"},
		{"unknown format", []string{"hunt", "--format", "xml", example}, ExitUsage, "format"},
		{"unknown severity", []string{"hunt", "--fail-on", "urgent", example}, ExitUsage, "urgent"},
		{"no input", []string{"hunt"}, ExitUsage, "no input"},
		{"missing path", []string{"hunt", "/does/not/exist"}, ExitError, "no such file"},
		// A folder of nothing is no clean bill of health: it is said, and
		// --strict fails on it.
		{"no records: said", []string{"hunt", empty}, ExitOK, "no records in the input (1 file read)"},
		{"no records with strict", []string{"hunt", "--strict", empty}, ExitError, "no records in the input"},
		{"owned IPs file with a bad line", []string{"hunt", "--owned-ips", owned, example}, ExitUsage, "2"},
		{"unknown command", []string{"hunts"}, ExitUsage, "unknown command"},
		{"rules test where there is no ./rules", []string{"rules", "test"}, ExitUsage, "no ./rules folder here"},
		{"intel update of a broken file", []string{"intel", "update", "--data-dir", t.TempDir(), "servicetags", bad}, ExitError, "bad.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, _, errs := run(t, "", c.args...)
			if code != c.want {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.want, errs)
			}
			if !strings.Contains(errs, c.says) {
				t.Errorf("stderr %q does not say %q", errs, c.says)
			}
		})
	}
}

func TestStatsSayWhatWasRead(t *testing.T) {
	t.Parallel()
	code, _, errs := run(t, "", "hunt", "--stats", example)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"activity.diagnostic=18", "signin.loganalytics=4", "process.auditd=2", "firewall.dns=3", "flow.vnet=8", "json-document", "auditd", "TOTAL"} {
		if !strings.Contains(errs, want) {
			t.Errorf("--stats does not show %q:\n%s", want, errs)
		}
	}
}

func TestHostileTextNeverReachesTheTerminalRaw(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	rec := `{"time":"2026-03-14T02:40:02Z","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/X\u001b[2J/EXTENSIONS/D","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/WRITE","category":"Administrative","resultType":"Start","callerIpAddress":"203.0.113.9","correlationId":"c1","identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"evil\u001b]8;;http://x\u0007@x\u202e.example"}},"properties":{"requestbody":"{\"properties\":{\"publisher\":\"Microsoft.HpcCompute\",\"type\":\"NvidiaGpuDriverLinux\"}}"}}`
	os.WriteFile(filepath.Join(d, "x.json"), []byte(rec+"\n{\"bad\u0007\x1b[31m\n"), 0o644)
	code, out, errs := run(t, "", "hunt", d)
	if code != ExitOK || !strings.Contains(out, "gpu_driver_extension") {
		t.Fatalf("exit %d, out %q", code, out)
	}
	for _, s := range []string{out, errs} {
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("raw control character in output: %q", s)
		}
	}
}

func TestSuppressedAlertsAreShownMarkedNotDropped(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	good := filepath.Join(d, "s.yml")
	os.WriteFile(good, []byte("suppressions:\n  - id: break-glass-drill\n    rule: azure.identity.elevate_access\n    principal: IT-ADMIN@contoso.example\n    reason: quarterly break-glass drill, CHG-42\n"), 0o644)
	code, out, errs := run(t, "", "hunt", "--format", "jsonl", "--suppress", good, example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var sup, elev int
	for _, a := range jsonl(t, out) {
		if a.Rule == "azure.identity.elevate_access" {
			elev++
			if a.Suppressed == nil || a.Suppressed.ID != "break-glass-drill" {
				t.Errorf("elevation not marked suppressed: %+v", a.Suppressed)
			}
		}
		if a.Suppressed != nil {
			sup++
		}
	}
	if elev != 1 || sup != 1 {
		t.Errorf("elevations %d, suppressed %d; want the one elevation kept and marked", elev, sup)
	}
	_, table, _ := run(t, "", "hunt", "--suppress", good, example)
	if !strings.Contains(table, "[suppressed: break") || !strings.Contains(table, "1 of them suppressed") {
		t.Errorf("table does not show the suppression:\n%s", table)
	}

	bad := filepath.Join(d, "bad.yml")
	os.WriteFile(bad, []byte("suppressions:\n  - rule: azure.identity.elevate_access\n    colour: red\n"), 0o644)
	code, _, errs = run(t, "", "hunt", "--suppress", bad, example)
	if code != ExitUsage || !strings.Contains(errs, "bad.yml:3") || !strings.Contains(errs, "reason") {
		t.Errorf("broken suppressions file: exit %d, stderr %q", code, errs)
	}
}

func TestEveryAlertNamesItsIncidentAndTheAttackIsOne(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "", "hunt", "--format", "jsonl", example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	incs := map[string][]string{}
	for _, a := range jsonl(t, out) {
		if a.Incident == "" {
			t.Errorf("%s (%s) names no incident", a.Rule, a.ID)
		}
		incs[a.Incident] = append(incs[a.Incident], a.Rule)
	}
	// The chain, from the risky sign-in to the miners' pool lookup,
	// process and connection, is one incident.
	var chain []string
	for _, rules := range incs {
		if slices.Contains(rules, "azure.identity.elevate_access") {
			chain = rules
		}
	}
	for _, r := range []string{"azure.signin.azure_ip_not_owned", "azure.quota.increase_burst", "azure.compute.gpu_created", "azure.compute.gpu_driver_extension", "azure.dns.mining_pool_lookup",
		"azure.host.miner_process", "azure.network.mining_pool_connection"} {
		if !slices.Contains(chain, r) {
			t.Errorf("%s is not in the elevation's incident %v", r, chain)
		}
	}
	_, table, _ := run(t, "", "hunt", example)
	if !strings.HasPrefix(table, "INCIDENT inc-") || !strings.Contains(table, "per hour") || !strings.Contains(table, "initial access → escalation") {
		t.Errorf("table does not lead with the incident, its kill chain and cost:\n%s", table)
	}
	// The example holds every log the catalogue reads.
	if strings.Contains(table, "NOT SEEN") {
		t.Errorf("the example lacks a log the rules read:\n%s", table[strings.Index(table, "NOT SEEN"):])
	}
}

// TestOwnedAddressLearnedLaterIsStillOwned reads a sign-in from an Azure
// address before the record that shows the tenant owns that address: the
// sign-in must not be reported as coming from an address not owned.
func TestOwnedAddressLearnedLaterIsStillOwned(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	signin := `{"TenantId":"t","TimeGenerated":"2026-03-14T01:00:00Z","Type":"SigninLogs","Id":"s1","UserPrincipalName":"ops@contoso.example","UserId":"u1","AppDisplayName":"Azure Portal","IPAddress":"20.42.64.17","ResultType":"0","AuthenticationRequirement":"multiFactorAuthentication","RiskLevelDuringSignIn":"none","Status":"{\"errorCode\":0}","HomeTenantId":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10","ResourceTenantId":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10"}`
	pip := `{"time":"2026-03-10T09:00:00Z","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/PUBLICIPADDRESSES/JUMP","operationName":"MICROSOFT.NETWORK/PUBLICIPADDRESSES/WRITE","category":"Administrative","resultType":"Success","correlationId":"c9","identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10"}},"properties":{"responseBody":"{\"properties\":{\"ipAddress\":\"20.42.64.17\",\"publicIPAllocationMethod\":\"Static\"}}"}}`
	// File names sort the sign-in first, so it is read (and enriched) first.
	os.WriteFile(filepath.Join(d, "a-signins.json"), []byte(signin+"\n"), 0o644)
	os.WriteFile(filepath.Join(d, "b-activity.json"), []byte(pip+"\n"), 0o644)
	_, out, _ := run(t, "", "hunt", "--format", "jsonl", "--workers", "1", d)
	for _, a := range jsonl(t, out) {
		if strings.HasPrefix(a.Rule, "azure.signin.azure_ip_not_owned") {
			t.Errorf("sign-in from the tenant's own (later learned) address reported: %s", a.Summary)
		}
	}
	// Without the public IP record, the same sign-in is reported.
	os.Remove(filepath.Join(d, "b-activity.json"))
	_, out, _ = run(t, "", "hunt", "--format", "jsonl", d)
	found := false
	for _, a := range jsonl(t, out) {
		found = found || a.Rule == "azure.signin.azure_ip_not_owned"
	}
	if !found {
		t.Error("the sign-in from a foreign Azure address is not reported at all: the test proves nothing")
	}
}

func TestDemoShowsTheAttackFirst(t *testing.T) {
	t.Parallel()
	rep := filepath.Join(t.TempDir(), "r.html")
	code, out, errs := run(t, "", "demo", "--report", rep)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	first := strings.Index(out, "INCIDENT ")
	if first < 0 || !strings.Contains(out[first:first+200], "critical  Cryptojacking:") {
		t.Errorf("the first incident is not the critical cryptojacking one:\n%.600s", out[max(first, 0):])
	}
	// Every stage the README promises: the driver, the miner, its pool.
	for _, want := range []string{"initial access → escalation", "per hour", "azure.identity.elevate_access", "azure.host.miner_process",
		"azure.compute.gpu_driver_extension", "azure.network.mining_pool_connection",
		"azure.defender.mining_alert", "'mamori demo --keep DIR' keeps them",
		// And what to do about it, with the attack's own scale sets.
		"WHAT TO DO about inc-", "Remove the access elevated to the root scope", "az vmss deallocate --ids /subscriptions/"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	html, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<svg") || !strings.Contains(string(html), out[first+9:first+33]) || !strings.Contains(string(html), "<strong>What to do</strong>") {
		t.Errorf("the HTML report lacks its charts or the first incident %q", out[first+9:first+33])
	}
}

func TestSimulateWritesLogsAndTruth(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	code, out, errs := run(t, "", "simulate", "--out", d, "--seed", "3", "--days", "10", "--scenario", "cpu-mining")
	if code != ExitOK || !strings.Contains(out, "attack cpu-mining") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(d, "truth.json")); err != nil {
		t.Fatal(err)
	}
	// The folder hunts cleanly: truth.json is counted as ignored, not bad.
	code, _, errs = run(t, "", "hunt", "--strict", "--stats", d)
	if code != ExitOK || !strings.Contains(errs, "mamori-simulation-truth=1") {
		t.Errorf("hunting the simulated folder: exit %d\n%s", code, errs)
	}
	// Gzipped, the same tenant reads the same: every file is recognised by content.
	dz := t.TempDir()
	if code, _, errs := run(t, "", "simulate", "--out", dz, "--seed", "3", "--days", "10", "--scenario", "cpu-mining", "--gzip"); code != ExitOK {
		t.Fatalf("gzip: exit %d %s", code, errs)
	}
	_, plain, _ := run(t, "", "hunt", "--format", "jsonl", d)
	_, zipped, errs := run(t, "", "hunt", "--format", "jsonl", "--stats", dz)
	if len(jsonl(t, plain)) == 0 || len(jsonl(t, plain)) != len(jsonl(t, zipped)) || !strings.Contains(errs, "gzip+") {
		t.Errorf("gzipped tenant: %d alerts, plain %d\n%s", len(jsonl(t, zipped)), len(jsonl(t, plain)), errs)
	}
	// The Activity Log as REST pages or a Log Analytics export gives the
	// same findings as the diagnostic records: rules do not depend on shape.
	rulesOf := func(out string) map[string]int {
		m := map[string]int{}
		for _, a := range jsonl(t, out) {
			m[a.Rule]++
		}
		return m
	}
	want := rulesOf(plain)
	for _, shape := range []string{"rest", "loganalytics"} {
		ds := t.TempDir()
		if code, _, errs := run(t, "", "simulate", "--out", ds, "--seed", "3", "--days", "10", "--scenario", "cpu-mining", "--shape", shape); code != ExitOK {
			t.Fatalf("%s: exit %d %s", shape, code, errs)
		}
		_, out, errs := run(t, "", "hunt", "--format", "jsonl", "--stats", ds)
		if got := rulesOf(out); !maps.Equal(got, want) {
			t.Errorf("%s shape: rules %v, want %v as from the diagnostic records\n%s", shape, got, want, errs)
		}
	}
	// Windows machines: said for each attack with the log they write, and
	// the folder holds it (Windows' Security log beside auditd).
	dw := t.TempDir()
	code, out, errs = run(t, "", "simulate", "--out", dw, "--seed", "3", "--days", "10", "--scenario", "cpu-mining", "--machine-os", "windows", "--host-log", "auditd", "--host-agents", "all")
	if code != ExitOK || !strings.Contains(out, "attack cpu-mining on Windows machines (Windows' Security log, event 4688 in SecurityEvent)") {
		t.Fatalf("--machine-os windows: exit %d: %s %s", code, out, errs)
	}
	if code, _, errs := run(t, "", "hunt", "--strict", "--stats", dw); code != ExitOK || !strings.Contains(errs, "process.securityevent=") {
		t.Errorf("hunting the Windows tenant: exit %d, its Security log not read:\n%s", code, errs)
	}
	// An unknown scenario is a bad flag value: a usage error (2) naming
	// --scenario, as every other subcommand's bad values are. It was exit 1,
	// the status of a run that failed, which this one never started.
	if code, _, errs := run(t, "", "simulate", "--out", d, "--scenario", "no-such-attack"); code != ExitUsage || !strings.Contains(errs, "--scenario") {
		t.Errorf("unknown scenario: exit %d, want %d; stderr %q", code, ExitUsage, errs)
	}
}

// TestSignInShapesGiveTheSameFindings: a tenant's sign-ins written as
// diagnostic settings deliver them give the same findings as the Log
// Analytics export of the same sign-ins, the risky sign-in of the GPU
// chain among them.
func TestSignInShapesGiveTheSameFindings(t *testing.T) {
	t.Parallel()
	rulesOf := func(out string) map[string]int {
		m := map[string]int{}
		for _, a := range jsonl(t, out) {
			m[a.Rule]++
		}
		return m
	}
	var got [2]map[string]int
	for i, shape := range []string{"loganalytics", "records"} {
		d := t.TempDir()
		if code, _, errs := run(t, "", "simulate", "--out", d, "--seed", "4", "--days", "10", "--scenario", "gpu-scaleset-chain", "--signin-shape", shape); code != ExitOK {
			t.Fatalf("%s: exit %d %s", shape, code, errs)
		}
		_, out, errs := run(t, "", "hunt", "--format", "jsonl", "--stats", d)
		if want := map[string]string{"loganalytics": "signin.loganalytics", "records": "signin.diagnostic"}[shape]; !strings.Contains(errs, want) {
			t.Fatalf("%s: no %s sign-in read:\n%s", shape, want, errs)
		}
		got[i] = rulesOf(out)
	}
	if got[0]["azure.signin.risky_then_quota_or_compute"] == 0 || got[0]["azure.signin.azure_ip_not_owned"] == 0 {
		t.Fatalf("the chain's sign-in rules did not fire: %v", got[0])
	}
	if !maps.Equal(got[0], got[1]) {
		t.Errorf("diagnostic sign-ins: rules %v, want %v as from the Log Analytics export", got[1], got[0])
	}
}

// TestSimulateAndEvalRefuseBadValuesNamingTheFlag: --days 0 or fewer was
// taken for 30 days; every bad value of simulate said only what was wrong,
// not which flag, and exited 1. Each is now a usage error naming its flag.
func TestSimulateAndEvalRefuseBadValuesNamingTheFlag(t *testing.T) {
	t.Parallel()
	sim := []string{"simulate", "--out", t.TempDir()}
	for _, c := range []struct {
		args []string
		flag string
	}{
		{append(sim[:3:3], "--signin-shape", "rest"), "--signin-shape"},
		{append(sim[:3:3], "--days", "0"), "--days"},
		{append(sim[:3:3], "--days", "-1"), "--days"},
		{append(sim[:3:3], "--days", "2"), "--days"},
		{append(sim[:3:3], "--days", "401"), "--days"},
		{append(sim[:3:3], "--tenant-size", "huge"), "--tenant-size"},
		{append(sim[:3:3], "--shape", "csv"), "--shape"},
		{append(sim[:3:3], "--host-agents", "some"), "--host-agents"},
		{append(sim[:3:3], "--host-log", "syslog-ng"), "--host-log"},
		{append(sim[:3:3], "--machine-os", "macos"), "--machine-os"},
		{append(sim[:3:3], "--scenario", "no-such-attack"), "--scenario"},
		{[]string{"eval", "--tenants", "1", "--days", "0"}, "--days"},
		{[]string{"eval", "--tenants", "1", "--days", "-3"}, "--days"},
		{[]string{"eval", "--tenants", "1", "--days", "2"}, "--days"},
		// eval's other bad values were exit 1, naming no flag.
		{[]string{"eval", "--tenants", "1", "--tenant-size", "huge"}, "--tenant-size"},
		{[]string{"eval", "--tenants", "1", "--tenant-size", ""}, "--tenant-size"},
		{[]string{"eval", "--tenants", "1", "--workers", "-1"}, "--workers"},
		{[]string{"eval", "--tenants", "1", "--workers", "0"}, "--workers"},
		{[]string{"eval", "--tenants", "1", "--machine-os", "macos"}, "--machine-os"},
	} {
		code, _, errs := run(t, "", c.args...)
		if code != ExitUsage || !strings.HasPrefix(errs, "mamori "+c.args[0]+": "+c.flag+": ") {
			t.Errorf("mamori %s: exit %d, want %d; stderr %q", strings.Join(c.args, " "), code, ExitUsage, errs)
		}
	}
	// The smallest length is taken.
	if code, _, errs := run(t, "", "simulate", "--out", t.TempDir(), "--days", "3", "--scenario", "cpu-mining"); code != ExitOK {
		t.Errorf("--days 3: exit %d: %s", code, errs)
	}
}

// TestStrictFailsOnAPathItCouldNotRead: a named path that is missing is
// input not read, as an unreadable record is: --strict must not exit 0
// because the other paths were fine.
func TestStrictFailsOnAPathItCouldNotRead(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "typo")
	code, _, errs := run(t, "", "hunt", "--strict", example, missing)
	if code != ExitError || !strings.Contains(errs, missing) {
		t.Errorf("--strict with a missing path beside a good one: exit %d, want %d; stderr %q", code, ExitError, errs)
	}
	// Without --strict the rest is still hunted and reported, as before.
	code, out, errs := run(t, "", "hunt", "--format", "jsonl", example, missing)
	if code != ExitOK || len(jsonl(t, out)) == 0 || !strings.Contains(errs, missing) {
		t.Errorf("without --strict: exit %d, %d alerts; stderr %q", code, len(jsonl(t, out)), errs)
	}
}

// TestEachPathNotReadIsALineOfItsOwn: the paths Expand could not read
// came as one errors.Join, printed whole through report.Terminal, which
// escaped its newlines: one long line with a literal \n between paths.
func TestEachPathNotReadIsALineOfItsOwn(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	a, b := filepath.Join(d, "typo-a"), filepath.Join(d, "typo-b")
	_, _, errs := run(t, "", "hunt", "--format", "jsonl", example, a, b)
	var named []string
	for _, line := range strings.Split(errs, "\n") {
		if strings.Contains(line, `\n`) {
			t.Errorf("a line holds an escaped newline: %q", line)
		}
		if strings.HasPrefix(line, "mamori hunt: ") && strings.HasSuffix(line, ": no such file or directory") {
			named = append(named, line)
		}
	}
	// The path and the reason, without the system call ("stat …").
	if len(named) != 2 || named[0] != "mamori hunt: "+a+": no such file or directory" || named[1] != "mamori hunt: "+b+": no such file or directory" {
		t.Errorf("lines naming the missing paths %q, want one for %s and one for %s", named, a, b)
	}
}

// TestReportThatCannotBeWrittenFailsBeforeTheHunt: --report was created
// only after the whole hunt, so a path that could not be written failed
// after the input was read and the alerts printed. It is opened with
// --output and --summary now, and may not name --output's file.
func TestReportThatCannotBeWrittenFailsBeforeTheHunt(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	bad := filepath.Join(d, "bad.json")
	os.WriteFile(bad, []byte("{\"time\": nope}\n"), 0o644)
	code, out, errs := run(t, "", "hunt", "--report", filepath.Join(d, "no-such-folder", "r.html"), bad)
	if code != ExitError || !strings.Contains(errs, "--report") {
		t.Errorf("exit %d, want %d; stderr %q does not name --report", code, ExitError, errs)
	}
	if strings.Contains(errs, "skipped") || out != "" {
		t.Errorf("the input was hunted before the report was found unwritable: stdout %q, stderr %q", out, errs)
	}
	same := filepath.Join(d, "alerts.txt")
	if code, _, errs := run(t, "", "hunt", "--output", same, "--report", same, bad); code != ExitUsage {
		t.Errorf("--report naming --output's file: exit %d, want %d; stderr %q", code, ExitUsage, errs)
	}
	// A report already there is replaced whole, not written over in part.
	page := filepath.Join(d, "r.html")
	os.WriteFile(page, bytes.Repeat([]byte("old page\n"), 100000), 0o644)
	if code, _, errs := run(t, "", "hunt", "--report", page, example); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(page); !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || bytes.Contains(b, []byte("old page")) {
		t.Errorf("--report holds %d bytes, old content left: %v", len(b), bytes.Contains(b, []byte("old page")))
	}
}

// TestOutputThatCannotBeWrittenFailsBeforeTheHunt: an --output path that
// cannot be created ends the command before any input is read (not after
// a long hunt whose alerts then go nowhere), and says it is --output.
func TestOutputThatCannotBeWrittenFailsBeforeTheHunt(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	bad := filepath.Join(d, "bad.json")
	os.WriteFile(bad, []byte("{\"time\": nope}\n"), 0o644)
	code, _, errs := run(t, "", "hunt", "--output", filepath.Join(d, "no-such-folder", "alerts.jsonl"), bad)
	if code != ExitError || !strings.Contains(errs, "--output") {
		t.Errorf("exit %d, want %d; stderr %q does not name --output", code, ExitError, errs)
	}
	if strings.Contains(errs, "skipped") {
		t.Errorf("the input was hunted before the output was found unwritable: %q", errs)
	}
	// A file that exists is replaced by the alerts, not appended to.
	out := filepath.Join(d, "alerts.jsonl")
	os.WriteFile(out, []byte(strings.Repeat("old content\n", 1000)), 0o644)
	if code, _, errs := run(t, "", "hunt", "--format", "jsonl", "--output", out, example); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, _ := os.ReadFile(out)
	if as := jsonl(t, string(b)); len(as) == 0 {
		t.Errorf("--output holds no alerts: %.200q", b)
	}
}

// TestLimitsOutOfRangeAreUsageErrors: a limit no hunt can mean is refused
// with the flag's name, rather than silently taken as another value (a
// --max-record of 0 brought back every default limit, --max-decompressed
// given beside it too; a negative --max-errors announced "1 more
// unreadable records" when there were none; an --incident-gap of 0 was 24h;
// a --max-decompressed of 0 or less lifted that cap, undocumented).
func TestLimitsOutOfRangeAreUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--max-record", "0"},
		{"--max-record", "-5"},
		{"--max-errors", "-1"},
		{"--max-decompressed", "0"},
		{"--max-decompressed", "-1"},
		{"--incident-gap", "0s"},
		{"--incident-gap", "-1h"},
		{"--incident-shared-by", "0"},
	} {
		for _, cmd := range []string{"hunt", "serve --once --store " + filepath.Join(t.TempDir(), "s.db")} {
			all := append(append(strings.Fields(cmd), args...), example)
			code, _, errs := run(t, "", all...)
			if code != ExitUsage || !strings.Contains(errs, args[0]) {
				t.Errorf("mamori %s %s %s: exit %d, want %d; stderr %q", cmd, args[0], args[1], code, ExitUsage, errs)
			}
		}
	}
	// How many may share an address is the user's: at 1, the attacker's
	// address no longer ties the admin it escalated with to the guest it
	// deployed with (two incidents, one by default).
	for limit, want := range map[string]int{"5": 1, "1": 2} {
		code, out, errs := run(t, "", "hunt", "--incident-shared-by", limit, example)
		if n := strings.Count(out, "INCIDENT inc-"); code != ExitOK || n != want {
			t.Errorf("--incident-shared-by %s: exit %d, %d incidents, want %d: %s", limit, code, n, want, errs)
		}
	}
	// The smallest values that mean something are taken.
	if code, _, errs := run(t, "", "hunt", "--max-errors", "0", "--max-record", "1", "--max-decompressed", "1", "--incident-gap", "1s", example); code != ExitOK {
		t.Errorf("the smallest limits: exit %d: %s", code, errs)
	}
}

// TestHuntSaysWhichLogsItDidNotSee hunts the example's Activity Log alone:
// the table, the HTML report and, for JSON lines, standard error say that
// sign-ins, audit, network and host logs were not seen (and how to export
// them), never the Activity Log, and the JSON lines stay alerts only.
func TestHuntSaysWhichLogsItDidNotSee(t *testing.T) {
	t.Parallel()
	activity := filepath.Join(example, "insights-activity-logs")
	rep := filepath.Join(t.TempDir(), "r.html")
	code, out, errs := run(t, "", "hunt", "--data-dir", t.TempDir(), "--report", rep, activity)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	at := strings.Index(out, "\nNOT SEEN")
	if at < 0 || at < strings.LastIndex(out, "INCIDENT ") {
		t.Fatalf("no NOT SEEN section after the incidents:\n%s", out)
	}
	section := out[at:]
	for _, want := range []string{"Entra ID sign-in logs: ", "diagnostic setting SignInLogs", "Entra ID audit logs: ", "network flow logs: ",
		"DNS lookups: ", "host process logs: ", `"Cryptocurrency miner started on a host"`} {
		if !strings.Contains(section, want) {
			t.Errorf("NOT SEEN lacks %q:\n%s", want, section)
		}
	}
	if strings.Contains(section, "Activity Log:") {
		t.Errorf("the Activity Log was read, yet listed:\n%s", section)
	}
	html, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if h := string(html); !strings.Contains(h, `id="not-seen"`) || !strings.Contains(h, "host process logs") {
		t.Errorf("the HTML report has no not-seen section")
	}

	code, out, errs = run(t, "", "hunt", "--format", "jsonl", "--data-dir", t.TempDir(), activity)
	if code != ExitOK || len(jsonl(t, out)) == 0 {
		t.Fatalf("exit %d, JSON lines:\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "not seen") || !strings.Contains(errs, "host process logs (2 rules)") {
		t.Errorf("standard error does not say what was not seen: %q", errs)
	}
}

// TestNotSeenIsQuietWhenNothingIsMissing hunts the demo's tenant (every
// log) and the user's own rules over the log they read.
func TestNotSeenIsQuietWhenNothingIsMissing(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "", "demo", "--report", filepath.Join(t.TempDir(), "r.html"))
	if code != ExitOK || strings.Contains(out, "NOT SEEN") {
		t.Errorf("exit %d; the demo's tenant exports every log, yet:\n%s%s", code, out, errs)
	}
	rules := t.TempDir()
	quota := "title: Our quota watch\nname: our.quota\nlogsource: {product: azure, service: activitylogs}\n" +
		"detection:\n  sel: {operationName: Microsoft.Quota/quotas/write}\n  condition: sel\nlevel: medium\n"
	if err := os.WriteFile(filepath.Join(rules, "quota.yml"), []byte(quota), 0o644); err != nil {
		t.Fatal(err)
	}
	activity := filepath.Join(example, "insights-activity-logs")
	code, out, errs = run(t, "", "hunt", "--data-dir", t.TempDir(), "--only-user-rules", "--rules", rules, activity)
	if code != ExitOK || strings.Contains(out, "NOT SEEN") || !strings.Contains(out, "our.quota") {
		t.Errorf("exit %d; the user's only rule read the Activity Log:\n%s%s", code, out, errs)
	}
	// A user rule on a log not read is counted, its title escaped.
	miner := "title: \"Our miner \\u202e watch\"\nname: our.miner\nlogsource: {product: linux, service: auditd}\n" +
		"detection:\n  sel: {process.image|endswith: /xmrig}\n  condition: sel\nlevel: high\n"
	if err := os.WriteFile(filepath.Join(rules, "miner.yml"), []byte(miner), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ = run(t, "", "hunt", "--data-dir", t.TempDir(), "--only-user-rules", "--rules", rules, activity)
	if !strings.Contains(out, "host process logs: 1 rule\n") || !strings.Contains(out, `"Our miner \u202e watch"`) {
		t.Errorf("the user's rule on host process logs is not listed, escaped:\n%s", out)
	}
}

// TestHuntAgainOverItsOwnOutput: mamori's outputs written into the folder
// it hunted (every format, the HTML report, the summary) are counted as ignored on the
// next hunt, which --strict passes and which finds the same alerts.
func TestHuntAgainOverItsOwnOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(example)); err != nil {
		t.Fatal(err)
	}
	code, first, errs := run(t, "", "hunt", "--format", "jsonl", "--report", filepath.Join(dir, "report.html"), "--summary", filepath.Join(dir, "summary.json"), dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range []string{"table", "jsonl", "json", "csv", "ocsf"} {
		_, out, _ := run(t, "", "hunt", "--format", f, dir)
		if err := os.WriteFile(filepath.Join(dir, "alerts."+f), []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, again, errs := run(t, "", "hunt", "--strict", "--stats", "--format", "jsonl", dir)
	if code != ExitOK || strings.Contains(errs, "unrecognised") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count(errs, "mamori alerts=") != 5 || !strings.Contains(errs, "mamori report=1") || !strings.Contains(errs, "mamori hunt summary=1") {
		t.Errorf("--stats does not count each output as mamori's, ignored:\n%s", errs)
	}
	if len(jsonl(t, again)) != len(jsonl(t, first)) {
		t.Errorf("%d alerts, then %d over the folder holding them", len(jsonl(t, first)), len(jsonl(t, again)))
	}
}

// TestHuntSaysWhenLogsBegin hunts a simulated tenant whose sign-in export
// holds only its last day: the table's LOGS READ section comes before NOT
// SEEN with each log's span and the warning; JSON lines stay alerts only,
// the warning on one line of standard error; the whole tenant warns of
// nothing.
func TestHuntSaysWhenLogsBegin(t *testing.T) {
	t.Parallel()
	sim := t.TempDir()
	code, _, errs := run(t, "", "simulate", "--out", sim, "--seed", "3", "--days", "3", "--host-agents", "all")
	if code != ExitOK {
		t.Fatalf("simulate: exit %d: %s", code, errs)
	}
	code, _, errs = run(t, "", "hunt", "--format", "jsonl", "--data-dir", t.TempDir(), sim)
	if code != ExitOK || strings.Contains(errs, "reaches past") {
		t.Errorf("whole tenant: exit %d, %s", code, errs)
	}
	for _, d := range []string{"01", "02"} {
		for _, f := range []string{"SigninLogs", "AADServicePrincipalSignInLogs"} {
			if err := os.Remove(filepath.Join(sim, "signins", f+"_2026-03-"+d+".json")); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The last day's sign-ins, each counted once: the files' rows.
	signins := 0
	for _, f := range []string{"SigninLogs", "AADServicePrincipalSignInLogs"} {
		b, err := os.ReadFile(filepath.Join(sim, "signins", f+"_2026-03-03.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatal(err)
		}
		signins += len(rows)
	}
	code, out, errs := run(t, "", "hunt", "--data-dir", t.TempDir(), sim)
	at := strings.Index(out, "\nLOGS READ")
	if code != ExitOK || at < strings.LastIndex(out, "INCIDENT ") || strings.Contains(out[:max(at, 0)], "LOGS READ") {
		t.Fatalf("exit %d; no LOGS READ after the incidents:\n%s%s", code, out, errs)
	}
	words := strings.Join(strings.Fields(out[at:]), " ") // columns are padded to the longest name
	for _, want := range []string{fmt.Sprintf("Entra ID sign-in logs %d events 2026-03-03 02:03 → 2026-03-03 23:02", signins),
		": Entra ID sign-in logs begin 2026-03-03 02:03, after this incident began (2026-03-01 07:20): its sign-ins before then were not read."} {
		if !strings.Contains(words, want) {
			t.Errorf("LOGS READ lacks %q:\n%s", want, out[at:])
		}
	}
	code, out, errs = run(t, "", "hunt", "--format", "jsonl", "--data-dir", t.TempDir(), sim)
	// Two lines: the simulated tenant's own addresses taken, and the warning.
	if code != ExitOK || len(jsonl(t, out)) == 0 || strings.Count(errs, "\n") != 2 || !strings.Contains(errs, "describes a simulated tenant") ||
		!strings.Contains(errs, "mamori hunt: an incident reaches past a log read: inc-") || !strings.Contains(errs, "sign-ins before then were not read.") {
		t.Errorf("exit %d; standard error: %q", code, errs)
	}
}

// TestOutputToADevice: --output may name a file that is not a regular
// file (/dev/null, to keep only --report; /dev/stdout, a pipe): the hunt
// writes to it and exits 0, rather than failing after the whole hunt
// because such a file cannot be emptied.
func TestOutputToADevice(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(os.DevNull); err != nil {
		t.Skip(err)
	}
	report := filepath.Join(t.TempDir(), "r.html")
	code, _, errs := run(t, "", "hunt", "--output", os.DevNull, "--report", report, example)
	if code != ExitOK {
		t.Errorf("--output %s: exit %d; stderr %q", os.DevNull, code, errs)
	}
	if _, err := os.Stat(report); err != nil {
		t.Errorf("--report beside --output %s: %v", os.DevNull, err)
	}
}

// --incidents writes the incidents as JSON: each the one its alerts name,
// with its whole timeline, and the critical one with what to do about it,
// stopping every machine its actors' alerts say were created and the one
// the stolen admin account made that only the tenant-wide volume alert
// counts, and nothing no alert counts.
func TestHuntWritesIncidents(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "incidents.json")
	code, out, errs := run(t, "", "hunt", "--format", "jsonl", "--incidents", path, example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var incs []struct {
		ID       string
		Severity alert.Severity
		Timeline []struct{ Alert string }
		Response []respond.Step
	}
	if err := json.Unmarshal(b, &incs); err != nil || len(incs) == 0 {
		t.Fatalf("%v: %.300s", err, b)
	}
	in := map[string]map[string]bool{}
	for _, i := range incs {
		in[i.ID] = map[string]bool{}
		for _, e := range i.Timeline {
			in[i.ID][e.Alert] = true
		}
		if (i.Severity >= alert.High) != (len(i.Response) > 0) {
			t.Errorf("incident %s (%s) with %d steps", i.ID, i.Severity, len(i.Response))
		}
	}
	// What its actors' alerts say they created, and what any alert counts
	// (the tenant-wide volume alert counts everyone's, its actors' too).
	created, counted := map[string]bool{}, map[string]bool{}
	for _, a := range jsonl(t, out) {
		if a.Suppressed == nil && !in[a.Incident][a.ID] {
			t.Errorf("alert %s names incident %s, whose timeline lacks it", a.ID, a.Incident)
		}
		for _, c := range a.Compute {
			if c.Count > 0 {
				counted[c.Resource] = true
				created[c.Resource] = created[c.Resource] || !a.WholeTenant
			}
		}
	}
	stopped := map[string]bool{}
	for _, s := range incs[0].Response {
		for _, c := range s.Commands {
			if f := strings.Fields(c); s.Action == "compute" {
				stopped[f[len(f)-1]] = true
			}
		}
	}
	if incs[0].Severity != alert.Critical || len(stopped) == 0 {
		t.Fatalf("the critical incident (%s) stops %v", incs[0].Severity, stopped)
	}
	mine := 0
	for r, m := range created {
		if m {
			mine++
			if !stopped[r] {
				t.Errorf("does not stop %s, which its alerts say it created", r)
			}
		}
	}
	// The admin's build agent, made with the stolen account during the
	// attack, which only the tenant-wide volume alert counts, is stopped.
	if len(stopped) <= mine {
		t.Errorf("stops only what its actors' alerts carry: %v", stopped)
	}
	for r := range stopped {
		if !counted[r] {
			t.Errorf("stops %s, which no alert counts", r)
		}
	}
	// The file may not be where the alerts go.
	if code, _, errs := run(t, "", "hunt", "--output", path, "--incidents", path, example); code != ExitUsage || !strings.Contains(errs, "--incidents") {
		t.Errorf("--incidents over --output: exit %d, %q", code, errs)
	}
}

// Every OCSF finding of the catalogue's rules carries its rule's response
// note as its remediation: a SIEM shows what to do beside the finding.
func TestOCSFSaysWhatToDo(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "", "hunt", "--format", "ocsf", example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var f struct {
			Info        struct{ Analytic struct{ UID string } } `json:"finding_info"`
			Remediation struct{ Desc string }
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatal(err)
		}
		if len(f.Remediation.Desc) < 40 {
			t.Errorf("%s: remediation %q", f.Info.Analytic.UID, f.Remediation.Desc)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no findings")
	}
}
