package report

import (
	"strings"
	"unicode/utf8"
)

// Terminal makes s safe to print on a terminal: C0 controls, DEL, C1
// controls, the Unicode bidi controls (embeddings, overrides and isolates
// U+202A-U+202E and U+2066-U+2069, and the marks U+200E, U+200F, U+061C)
// and the line and paragraph separators U+2028 and U+2029 become visible
// escapes such as \x1b, \n or \u202e, and invalid UTF-8 becomes U+FFFD. An
// attacker who names a resource "\x1b]8;;…" or hides text behind a
// right-to-left override must not be able to move the cursor, rewrite
// earlier lines, or reorder what a defender reads. Everything else,
// backslashes included, is kept as is. CSV cells are escaped so too.
func Terminal(s string) string {
	// Fast path: plain printable ASCII needs no copy.
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case needsEscape(r):
			writeEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// needsEscape reports whether r may change what a terminal shows beyond
// itself.
func needsEscape(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || isBidiControl(r) || r == 0x2028 || r == 0x2029
}

// isBidiControl reports the bidi formatting characters of Trojan Source
// (CVE-2021-42574): embeddings, overrides and isolates, and the
// invisible direction marks.
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) ||
		r == 0x200e || r == 0x200f || r == 0x061c
}

const hexDigits = "0123456789abcdef"

func writeEscape(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		if r < 0x80 { // C0 and DEL are single bytes: \xNN
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
			return
		}
		// C1 and bidi are code points, not bytes: \uNNNN
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hexDigits[(r>>shift)&0xf])
		}
	}
}
