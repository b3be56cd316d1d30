package report

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

func TestCSVRowsAndFormulaProtection(t *testing.T) {
	t.Parallel()
	out := writeString(t, CSV, fixtureAlerts(), Options{})
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(fixtureAlerts()) {
		t.Fatalf("%d rows, want header + %d", len(rows), len(fixtureAlerts()))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	gpu, pool := rows[2], rows[3]
	if got := gpu[col["resources"]]; !strings.HasPrefix(got, `'=HYPERLINK(`) || !strings.Contains(got, ";/subscriptions/") {
		t.Errorf("resources cell %q: formula not defused", got)
	}
	if got := gpu[col["evidence"]]; got != "'=cmd.json:3" {
		t.Errorf("evidence cell %q", got)
	}
	if got := gpu[col["principal"]]; got != `evil\x1b[31m\x07@contoso.example` {
		t.Errorf("principal cell %q: control characters not escaped", got)
	}
	// A service principal's name is whatever its owner (an attacker) chose.
	named := fixtureAlerts()[1]
	named.PrincipalName = "=cmd|' /C calc'!A0\x1b[31m"
	var nb strings.Builder
	if err := writeCSV(&nb, []alert.Alert{named}); err != nil {
		t.Fatal(err)
	}
	nrows, err := csv.NewReader(strings.NewReader(nb.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := nrows[1][col["principal_name"]]; got != `'=cmd|' /C calc'!A0\x1b[31m` {
		t.Errorf("principal_name cell %q: formula or control character not defused", got)
	}
	if got := gpu[col["time"]]; got != "2026-05-01T09:40:00Z" {
		t.Errorf("time cell %q, want UTC", got)
	}
	if got, want := pool[col["principal"]], `svc-miner\n2026-05-01 00:00:00  critical  forged.rule`; got != want {
		t.Errorf("principal cell %q, want the newline escaped: %q", got, want)
	}
	// Every record is one line: the newline above forges none.
	if n := strings.Count(out, "\n"); n != len(rows) {
		t.Errorf("%d lines for %d records:\n%s", n, len(rows), out)
	}
	if got := gpu[col["incident"]]; got != "inc-42" {
		t.Errorf("incident cell %q, want the alert's incident id", got)
	}
	if got := pool[col["incident"]]; got != "" {
		t.Errorf("incident cell %q of an alert in none", got)
	}
	if got := pool[col["evidence"]]; got != "flows/PT1H.json:1#3;evt-without-file" {
		t.Errorf("evidence cell %q", got)
	}
	if got := rows[1][col["evidence"]]; got != "logs/activity/PT1H.json:12;logs/audit.json@4096" {
		t.Errorf("evidence cell %q", got)
	}
	assertTerminalSafe(t, out)
}

// TestCSVOpenedWithSemicolons: Excel in most European locales splits a
// .csv on ';', so every ';' in a cell starts a cell of its own there. An
// attacker's command line (quoted whole in a process alert's summary) must
// not start one with a formula.
func TestCSVOpenedWithSemicolons(t *testing.T) {
	t.Parallel()
	miner := alert.Alert{
		ID: "5d1e0c3b9a7f24e6c810", Rule: "azure.host.miner_process", Title: "Cryptocurrency miner started on a host",
		Severity: alert.High, Time: time.Date(2026, 3, 14, 3, 3, 0, 0, time.UTC), Tenant: tenantID,
		Summary: "xmrig on hosts/gpu-vm-07/audit.log: /tmp/.x/xmrig -o pool.example.net:3333 -u 44AFFq5kSiGBoZ4NM;=cmd|' /C calc'!A0;" +
			"-2+3;@SUM(1+1)*cmd|' /C calc'!A0;\t=1+1",
		Tags:     []string{"attack.impact", "attack.t1496"},
		Evidence: []alert.Evidence{{File: "hosts/gpu-vm-07;=cmd|' /C calc'!A0;/audit.log", Line: 1, Time: time.Date(2026, 3, 14, 3, 3, 0, 0, time.UTC)}},
	}
	out := writeString(t, CSV, []alert.Alert{miner}, Options{})
	sc := csv.NewReader(strings.NewReader(out))
	sc.Comma, sc.LazyQuotes, sc.FieldsPerRecord = ';', true, -1
	rows, err := sc.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for _, c := range row {
			if c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
				t.Errorf("split on ';', a cell is a formula: %q", c)
			}
		}
	}
	// Read as it is written (comma-separated), the text is all there.
	rows, err = csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1][10]; !strings.Contains(got, "/tmp/.x/xmrig -o pool.example.net:3333") || !strings.Contains(got, "=cmd|' /C calc'!A0") {
		t.Errorf("summary cell %q lost its text", got)
	}
}

func TestCell(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"plain text is kept", "vm-gpu-01", "vm-gpu-01"},
		{"equals starts a formula", "=1+1", "'=1+1"},
		{"plus starts a formula", "+cmd", "'+cmd"},
		{"minus starts a formula", "-2+3", "'-2+3"},
		{"at starts a formula", "@SUM(A1)", "'@SUM(A1)"},
		{"a leading tab is escaped, so harmless", "\t=1", `\t=1`},
		{"a leading carriage return is escaped, so harmless", "\r=1", `\r=1`},
		{"a tab before a formula is escaped", "x\t=1+1", `x\t=1+1`},
		{"formula characters later are fine", "a=b", "a=b"},
		{"a formula after a semicolon is defused", "x;=1+1;-2", "x;'=1+1;'-2"},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", "a\uFFFDb"},
		{"newlines are escaped: a record is one line", "a\nb\r\nc", `a\nb\r\nc`},
		{"an escaped newline then a formula after ';' is defused", "a\n;=1", `a\n;'=1`},
		{"ESC is escaped", "\x1b[2J", `\x1b[2J`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := cell(c.in); got != c.want {
				t.Errorf("cell(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
	if got := list([]string{"ok", "=evil", "-1"}); got != "ok;'=evil;'-1" {
		t.Errorf("list: %q", got)
	}
}

// TestCSVTabsAndNewlinesStayInTheirCell: a command line an attacker wrote
// holds tabs and newlines. Raw, a tab makes a cell of its own (starting
// with a formula) when the file is split on tabs, and a newline makes a
// second line that grep or tail show as a record of its own. Escaped,
// each record is one line without a tab, and encoding/csv reads the text
// back.
func TestCSVTabsAndNewlinesStayInTheirCell(t *testing.T) {
	t.Parallel()
	payload := ":3333\t=cmd|' /C calc'!A0\t@SUM(1+1)\n-2+3\r\n+1\rforged.rule,critical"
	miner := alert.Alert{
		ID: "5d1e0c3b9a7f24e6c810", Rule: "azure.host.miner_process", Severity: alert.High,
		Time:      time.Date(2026, 3, 14, 3, 3, 0, 0, time.UTC),
		Principal: "\t=1+1\n@x", Summary: "xmrig -o pool.example.net" + payload,
		Resources: []string{"vm\t-1"}, Hosts: []string{"gpu\n=vm"},
	}
	out := writeString(t, CSV, []alert.Alert{miner}, Options{})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want the header and one record:\n%s", len(lines), out)
	}
	if strings.ContainsAny(out, "\t\r") {
		t.Errorf("a raw tab or carriage return:\n%q", out)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d records, want 2", len(rows))
	}
	for _, c := range rows[1] {
		for _, part := range strings.FieldsFunc(c, func(r rune) bool { return r == '\t' || r == ';' }) {
			if strings.IndexByte("=+-@", part[0]) >= 0 {
				t.Errorf("cell %q: part %q is a formula", c, part)
			}
		}
	}
	// Split on tabs as a spreadsheet would, nothing starts a formula.
	for _, line := range lines {
		for _, part := range strings.Split(line, "\t") {
			if part != "" && strings.IndexByte("=+-@", part[0]) >= 0 {
				t.Errorf("split on tabs, a cell is a formula: %q", part)
			}
		}
	}
	if got, want := rows[1][10], `xmrig -o pool.example.net:3333\t=cmd|' /C calc'!A0\t@SUM(1+1)\n-2+3\r\n+1\rforged.rule,critical`; got != want {
		t.Errorf("summary cell %q, want %q", got, want)
	}
	if got, want := rows[1][7], `\t=1+1\n@x`; got != want {
		t.Errorf("principal cell %q, want %q", got, want)
	}
}

// TestCSVSuppressedAlert: a suppressed alert is reported, marked, with the
// entry and the reason (docs/suppressions.md), in the suppressed_ columns;
// an alert no entry suppressed leaves them empty.
func TestCSVSuppressedAlert(t *testing.T) {
	t.Parallel()
	as := fixtureAlerts()[:2]
	as[0].Incident = "inc-3d963268b2adb912ddd9"
	as[0].Suppressed = &alert.Suppression{ID: "render-farm", Reason: "=GPU render farm, approved in CHG-1234\n",
		Owner: "secops@contoso.com", Expires: "2026-12-31", File: "suppressions.yml", Line: 2}
	rows, err := csv.NewReader(strings.NewReader(writeString(t, CSV, as, Options{}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for i, h := range rows[0] {
		got[h] = [2]string{rows[1][i], rows[2][i]}
	}
	for col, want := range map[string][2]string{
		"incident":           {"inc-3d963268b2adb912ddd9", "inc-42"},
		"suppressed_id":      {"render-farm", ""},
		"suppressed_reason":  {`'=GPU render farm, approved in CHG-1234\n`, ""},
		"suppressed_owner":   {"secops@contoso.com", ""},
		"suppressed_expires": {"2026-12-31", ""},
		"suppressed_file":    {"suppressions.yml", ""},
		"suppressed_line":    {"2", ""},
	} {
		if got[col] != want {
			t.Errorf("%s: %q, want %q", col, got[col], want)
		}
	}
	// Columns come after the earlier ones, which keep their places.
	if !slices.Equal(rows[0][:15], strings.Split("id,time,severity,rule,title,tenant,subscription,principal,ips,resources,summary,tags,evidence,hosts,principal_name", ",")) {
		t.Errorf("header %v", rows[0])
	}
}
