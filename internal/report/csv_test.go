package report

import (
	"encoding/csv"
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
	if got := pool[col["principal"]]; got != hostileNewline {
		t.Errorf("a newline inside a cell must survive quoted, got %q", got)
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
		{"a leading tab is defused", "\t=1", "'\t=1"},
		{"a leading carriage return is escaped, so harmless", "\r=1", `\r=1`},
		{"formula characters later are fine", "a=b", "a=b"},
		{"a formula after a semicolon is defused", "x;=1+1;-2", "x;'=1+1;'-2"},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", "a\uFFFDb"},
		{"newlines stay for the CSV writer to quote", "a\nb", "a\nb"},
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
