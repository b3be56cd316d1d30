package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTerminal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"plain ASCII is unchanged", "ga-admin@contoso.example", "ga-admin@contoso.example"},
		{"backslashes are kept", `CONTOSO\svc`, `CONTOSO\svc`},
		{"an ANSI colour sequence shows its ESC", "a\x1b[31mred", `a\x1b[31mred`},
		{"an OSC 8 hyperlink shows its ESC and BEL", "\x1b]8;;http://evil.example\a", `\x1b]8;;http://evil.example\x07`},
		{"newline, carriage return and tab use short escapes", "a\nb\rc\td", `a\nb\rc\td`},
		{"NUL and DEL are hex escapes", "\x00\x7f", `\x00\x7f`},
		{"a C1 CSI is a code point escape", "x\u009b2J", `x\u009b2J`},
		{"a right-to-left override is escaped", "vm-\u202egpj.exe", `vm-\u202egpj.exe`},
		{"bidi isolates are escaped", "\u2066a\u2069", `\u2066a\u2069`},
		{"direction marks are escaped", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"line and paragraph separators are escaped", "a\u2028b\u2029", `a\u2028b\u2029`},
		{"invalid UTF-8 becomes U+FFFD", "bad\xffbyte\xc3", "bad\uFFFDbyte\uFFFD"},
		{"Japanese and emoji are kept", "守り 🔥 café", "守り 🔥 café"},
		{"zero-width joiner is kept (not a control)", "a\u200db", "a\u200db"},
		{"empty stays empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Terminal(c.in); got != c.want {
				t.Errorf("Terminal(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// assertTerminalSafe fails when s holds anything a terminal would act on
// other than newlines and tabs (line structure is checked where it
// matters).
func assertTerminalSafe(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("not valid UTF-8: %q", s)
	}
	for i, r := range s {
		if needsEscape(r) && r != '\n' && r != '\t' {
			t.Fatalf("raw %U at byte %d in %q", r, i, s)
		}
	}
}

func FuzzTerminal(f *testing.F) {
	for _, s := range []string{"", "plain", hostileANSI, hostileNewline, hostileSummary, "\xc2\x9b", "\xe2\x80\xae", "\xe2\x80", "\xf0\x9f\x94"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Terminal(s)
		if strings.ContainsAny(out, "\n\t") {
			t.Fatalf("Terminal(%q) kept a newline or tab: %q", s, out)
		}
		assertTerminalSafe(t, out)
		if utf8.ValidString(s) && !strings.ContainsFunc(s, needsEscape) && out != s {
			t.Fatalf("Terminal changed safe text %q to %q", s, out)
		}
		// What CSV writes is as safe, and one line whatever s holds.
		if c := cell(s); strings.ContainsAny(c, "\n\r\t") {
			t.Fatalf("cell(%q) kept a newline or tab: %q", s, c)
		}
		assertTerminalSafe(t, cell(s))
	})
}
