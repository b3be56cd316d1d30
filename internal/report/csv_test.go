package report

import (
	"encoding/csv"
	"strings"
	"testing"
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
