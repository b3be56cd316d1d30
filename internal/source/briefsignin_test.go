package source

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// signInWants are hunts as sign-ins meet them: none wanted, the generic
// picky hunt, one that wants risky sign-ins (the catalogue's own), and
// one that wants service principals' (as the hunt does the first of
// each, for its name).
var signInWants = append(wantsCases[:len(wantsCases):len(wantsCases)], []struct {
	name  string
	wants event.Wants
}{{"risky", func(g *event.Glance) bool {
	return g.Outcome == event.OutcomeSucceeded && (g.RiskLevel == "medium" || g.RiskLevel == "high" || g.RiskState == "atRisk")
}}, {"service principals", func(g *event.Glance) bool { return strings.HasPrefix(g.ServicePrincipal, "6") }}}...)

// signInLines are sign-in records as diagnostic settings deliver them, a
// line each: a simulated tenant's (with the GPU chain's risky sign-in),
// the entra package's diagnostic fixtures, and variants of them that the
// text reader must refuse or read exactly as the full path does.
func signInLines(t testing.TB) []string {
	dir := t.TempDir()
	if _, err := simulate.Write(dir, simulate.Options{Seed: 7, Days: 3, Scenarios: []string{"gpu-scaleset-chain"}, SignInShape: simulate.ShapeRecords}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	files, _ := filepath.Glob(filepath.Join(dir, "insights-logs-*signinlogs", "*", "*", "*", "*", "*", "*", "PT1H.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
	}
	if len(files) == 0 {
		t.Fatal("no sign-in files")
	}
	lines = append(lines, compacted(t, filepath.Join("entra", "testdata", "signin_diag_*.json"))...)
	base := lines[:min(len(lines), 40)]
	edits := []func(string) string{
		func(l string) string { return strings.Replace(l, `"ipAddress"`, `"IPAddress"`, 1) },
		func(l string) string { return strings.Replace(l, `"status":{`, `"Status":{`, 1) },
		func(l string) string { return strings.Replace(l, `"category"`, `"Category"`, 1) },
		func(l string) string { return strings.Replace(l, `"errorCode":0`, `"errorCode":"0"`, 1) },
		func(l string) string { return strings.Replace(l, `"errorCode":0`, `"errorCode":0.0`, 1) },
		func(l string) string { return strings.Replace(l, `"errorCode":0`, `"ErrorCode":0`, 1) },
		func(l string) string { return strings.Replace(l, `"errorCode":0`, `"errorCode":50126`, 1) },
		func(l string) string {
			return strings.Replace(l, `"riskLevelDuringSignIn":"none"`, `"riskLevelDuringSignIn":"high"`, 1)
		},
		func(l string) string { return strings.Replace(l, `"riskState":"none"`, `"riskState":"atRisk"`, 1) },
		func(l string) string { return strings.Replace(l, `"riskState":"none"`, `"RiskState":"atRisk"`, 1) },
		func(l string) string { return strings.Replace(l, `"riskState":"none"`, `"riskState":"n\u006fne"`, 1) },
		func(l string) string {
			return strings.Replace(l, `"properties":{`, `"properties":{"riskState":"atRisk",`, 1)
		},
		func(l string) string { return strings.Replace(l, `"tenantId":`, `"TenantId":`, 1) },
		func(l string) string { return strings.Replace(l, `"tenantId":`, `"tenantID":`, 1) },
		func(l string) string { return topTenant.ReplaceAllString(l, "") },
		func(l string) string { return topTenant.ReplaceAllString(l, `"tenantId":"",`) },
		func(l string) string { return strings.Replace(l, `"time":"`, `"time":"x`, 1) },
		func(l string) string { return strings.Replace(l, `"ipAddress":"`, `"ipAddress":"20.42.65.`, 1) },
		func(l string) string { return strings.Replace(l, `"ipAddress":"`, `"ipAddress":"198.51.100.`, 1) },
		func(l string) string { return strings.Replace(l, `"ipAddress":"`, `"ipAddress":" `, 1) },
		func(l string) string { return strings.Replace(l, `{"errorCode":0}`, `"{\"errorCode\":0}"`, 1) },
		func(l string) string { return strings.Replace(l, `{"errorCode":0}`, `{}`, 1) },
		func(l string) string { return strings.Replace(l, `"resultType":"0"`, `"resultType":"50126"`, 1) },
		func(l string) string { return strings.Replace(l, `{"errorCode":0}`, `{}`, 1) + "" },
		func(l string) string { return `{"records":[` + l + `]}` },
		func(l string) string { return strings.Replace(l, `{`, `{"Type":"SigninLogs",`, 1) },
		func(l string) string { return strings.Replace(l, `{`, `{"value":[],`, 1) },
		func(l string) string { return strings.Replace(l, `,`, ` , `, 3) },
		func(l string) string {
			return strings.Replace(l, `"category":"SignInLogs"`, `"category":"signinlogs"`, 1)
		},
		func(l string) string {
			return strings.Replace(l, `"category":"SignInLogs"`, `"category":"AuditLogs"`, 1)
		},
		func(l string) string { return l[:len(l)-1] },
		func(l string) string {
			return strings.Replace(l, `"properties":{`, `"properties":{"status":{"errorCode":1},`, 1)
		},
	}
	for i, l := range base {
		for _, edit := range edits[i%len(edits):] {
			lines = append(lines, edit(l))
		}
	}
	return lines
}

// topTenant is a record's tenantId member and its comma, to take away.
var topTenant = regexp.MustCompile(`"tenantId":"[^"]*",`)

// TestSignInsReadFromText compares, on every sign-in line and variant and
// for every hunt, the text reader with the full path (compareLine): what
// it takes it reads exactly as the full path would, glances included.
func TestSignInsReadFromText(t *testing.T) {
	t.Parallel()
	takesSignIns(t, signInLines(t), 50)
}

// takesSignIns compares every line for every hunt (compareLine) and fails
// t when the text reader takes fewer than least of them.
func takesSignIns(t *testing.T, lines []string, least int) {
	t.Helper()
	for _, wc := range signInWants {
		took := 0
		for _, l := range lines {
			if compareLine(t, []byte(l), wc.wants) {
				took++
			}
		}
		if took < least {
			t.Errorf("%s: %d of %d lines taken from their text, want at least %d", wc.name, took, len(lines), least)
		}
	}
}

// laSignInLines are sign-in rows as Log Analytics exports them: a
// simulated tenant's portal export (an array a day, a row a line), the
// entra package's Log Analytics fixtures, and variants of them that the
// text reader must refuse or read exactly as the full path does.
func laSignInLines(t testing.TB) []string {
	dir := t.TempDir()
	if _, err := simulate.Write(dir, simulate.Options{Seed: 7, Days: 3, Scenarios: []string{"gpu-scaleset-chain"}, SignInShape: simulate.ShapeLogAnalytics}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	files, _ := filepath.Glob(filepath.Join(dir, "signins", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.SplitSeq(string(b), "\n") {
			if l = strings.TrimSuffix(strings.TrimSpace(l), ","); strings.HasPrefix(l, "{") {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) < 100 {
		t.Fatalf("%d sign-in rows", len(lines))
	}
	lines = append(lines, compacted(t, filepath.Join("entra", "testdata", "signin_la_*.json"))...)
	status := `"Status":"{\"errorCode\":0}"`
	edits := []func(string) string{
		func(l string) string { return strings.Replace(l, `"IPAddress"`, `"IpAddress"`, 1) },
		func(l string) string { return strings.Replace(l, `"IPAddress":"`, `"IPAddress":"20.42.65.`, 1) },
		func(l string) string { return strings.Replace(l, `"IPAddress":"`, `"IPAddress":"198.51.100.1`, 1) },
		func(l string) string { return strings.Replace(l, `{`, `{"IPAddress":"203.0.113.9",`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":{"errorCode":0}`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":{"errorCode":50126}`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":"{\"errorCode\":50126}"`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":"{\"errorCode\":\"50126\"}"`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":"{\"ErrorCode\":50074}"`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":" {\"errorCode\":0.0} "`, 1) },
		func(l string) string {
			return strings.Replace(l, status, `"Status":"{\"errorCode\":0,\"x\":\"\u0041\"}"`, 1)
		},
		func(l string) string {
			return strings.Replace(l, status, `"Status":"{\"errorCode\":0,\"x\":\"a\\\/b\"}"`, 1)
		},
		func(l string) string { return strings.Replace(l, status, `"Status":""`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":"[0]"`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":"{\"errorCode\":"`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status":null`, 1) },
		func(l string) string { return strings.Replace(l, status, `"Status_dynamic":{"errorCode":50126}`, 1) },
		func(l string) string { return strings.Replace(l, status+",", "", 1) },
		func(l string) string {
			return strings.Replace(strings.Replace(l, status+",", "", 1), `"ResultType":"0"`, `"ResultType":"50126"`, 1)
		},
		func(l string) string { return strings.Replace(l, `"ResultType":"0"`, `"ResultType":0`, 1) },
		func(l string) string {
			return strings.Replace(l, `"RiskLevelDuringSignIn":"none"`, `"RiskLevelDuringSignIn":"high"`, 1)
		},
		func(l string) string { return strings.Replace(l, `"RiskState":"none"`, `"RiskState":"atRisk"`, 1) },
		func(l string) string { return strings.Replace(l, `"RiskState":"none"`, `"riskState":"atRisk"`, 1) },
		func(l string) string { return strings.Replace(l, `"Type":"SigninLogs"`, `"Type":"signinlogs"`, 1) },
		func(l string) string { return strings.Replace(l, `"Type":"SigninLogs"`, `"Type":"PrimaryResult"`, 1) },
		func(l string) string { return strings.Replace(l, `"Type":"`, `"type":"`, 1) },
		func(l string) string { return strings.Replace(l, `"Type":"`, `"$table":"`, 1) },
		func(l string) string { return strings.Replace(l, `{`, `{"category":"Administrative",`, 1) },
		func(l string) string { return strings.Replace(l, `{`, `{"records":[],`, 1) },
		func(l string) string { return strings.Replace(l, `{`, `{"Category":"AuditLogs",`, 1) },
		func(l string) string { return strings.Replace(l, `"TimeGenerated":"`, `"TimeGenerated":"x`, 1) },
		func(l string) string {
			return strings.Replace(l, `"TimeGenerated":"`, `"CreatedDateTime":"2026-03-01T00:00:00Z","TimeGenerated":"`, 1)
		},
		func(l string) string { return strings.Replace(l, `"TimeGenerated":"`, `"TimeGenerated":"","X":"`, 1) },
		func(l string) string { return strings.Replace(l, `"TenantId":`, `"tenantId":`, 1) },
		func(l string) string {
			return strings.Replace(l, `{`, `{"AADTenantId":"aaaaaaaa-0000-4000-8000-000000000001",`, 1)
		},
		func(l string) string { return strings.Replace(l, `"TenantId":"`, `"TenantId":"","Y":"`, 1) },
		func(l string) string { return l[:len(l)-1] },
		func(l string) string { return strings.Replace(l, `,`, ` , `, 3) },
	}
	base := lines[:min(len(lines), 60)]
	for i, l := range base {
		for _, edit := range edits[i%len(edits):] {
			lines = append(lines, edit(l))
		}
	}
	return lines
}

// TestLogAnalyticsSignInsReadFromText is TestSignInsReadFromText for the
// rows Log Analytics exports.
func TestLogAnalyticsSignInsReadFromText(t *testing.T) {
	t.Parallel()
	lines := laSignInLines(t)
	takesSignIns(t, lines, len(lines)/3)
}

// FuzzSignInLine checks the text reader of sign-ins against the full path
// on any line.
func FuzzSignInLine(f *testing.F) {
	for i, l := range laSignInLines(f) {
		if i%11 == 0 {
			f.Add([]byte(l))
		}
	}
	for i, l := range signInLines(f) {
		if i%7 == 0 {
			f.Add([]byte(l))
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			return
		}
		for _, wc := range signInWants {
			compareLine(t, line, wc.wants)
		}
	})
}

// TestLogAnalyticsExportReadBriefly reads a simulated tenant's sign-ins as
// the portal exports them (an array of rows a day) through Read, with a
// hunt that wants none of them and with one that reads all in full: the
// same records, statistics and events (time, tenant, status, outcome),
// and nearly every row read from its text (no parsed value behind it).
func TestLogAnalyticsExportReadBriefly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := simulate.Write(dir, simulate.Options{Seed: 3, Days: 3, SignInShape: simulate.ShapeLogAnalytics}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "signins", "*.json"))
	if len(files) == 0 {
		t.Fatal("no sign-in exports")
	}
	var inputs []Input
	for _, f := range files {
		inputs = append(inputs, fileInput(f))
	}
	type seen struct{ text, fromText int }
	read := func(brief bool) ([]*FileStats, map[string]string, seen) {
		got := map[string]string{}
		var n seen
		var mu sync.Mutex
		opt := Options{Workers: 2}
		if brief {
			opt.Wants = func(*event.Glance) bool { return false }
		}
		st := Read(t.Context(), inputs, opt, func(_ int, ev *event.Event) {
			mu.Lock()
			defer mu.Unlock()
			got[fmt.Sprint(ev.Loc.File, ev.Loc.Line)] = fmt.Sprint(ev.Time, ev.Tenant, ev.Operation, ev.Status, ev.Outcome, ev.Shape)
			n.text++
			if ev.Raw == nil {
				n.fromText++
			}
		})
		return st, got, n
	}
	fullSt, full, _ := read(false)
	briefSt, brief, n := read(true)
	for i := range fullSt {
		f, b := fullSt[i], briefSt[i]
		if f.Records != b.Records || f.Events != b.Events || f.Skipped != b.Skipped || !reflect.DeepEqual(f.Shapes, b.Shapes) {
			t.Fatalf("%s: statistics differ:\nfull  %+v\nbrief %+v", f.File, f, b)
		}
	}
	if !reflect.DeepEqual(full, brief) {
		t.Error("events differ")
	}
	if n.text < 100 || n.fromText < n.text*9/10 {
		t.Errorf("%d of %d sign-ins read from their text, want nine in ten of at least 100", n.fromText, n.text)
	}
}
