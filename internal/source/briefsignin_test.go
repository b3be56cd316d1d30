package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// signInWants are hunts as sign-ins meet them: none wanted, the generic
// picky hunt, and one that wants risky sign-ins (the catalogue's own).
var signInWants = append(wantsCases[:len(wantsCases):len(wantsCases)], struct {
	name  string
	wants event.Wants
}{"risky", func(g *event.Glance) bool {
	return g.Outcome == event.OutcomeSucceeded && (g.RiskLevel == "medium" || g.RiskLevel == "high" || g.RiskState == "atRisk")
}})

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
	fixtures, _ := filepath.Glob(filepath.Join("entra", "testdata", "signin_diag_*.json"))
	for _, f := range fixtures {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, b); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, c.String())
	}
	if len(files) == 0 || len(fixtures) == 0 {
		t.Fatalf("%d sign-in files, %d fixtures", len(files), len(fixtures))
	}
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
	lines := signInLines(t)
	for _, wc := range signInWants {
		took := 0
		for _, l := range lines {
			if compareLine(t, []byte(l), wc.wants) {
				took++
			}
		}
		if took < 50 {
			t.Errorf("%s: %d of %d lines taken from their text, want at least 50", wc.name, took, len(lines))
		}
	}
}

// FuzzSignInLine checks the text reader of sign-ins against the full path
// on any line.
func FuzzSignInLine(f *testing.F) {
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
