package report

import (
	"unicode"
	"unicode/utf8"
)

// cellWidth is how many terminal cells s takes: East Asian wide characters
// take two, combining marks and format characters none. It is an
// approximation of wcwidth good enough to keep columns aligned for the
// names and summaries alerts carry.
func cellWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1 // ASCII and Latin: the common case, no table look-up
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case isWide(r):
		return 2
	}
	return 1
}

// wideRanges are the East Asian Wide and Fullwidth blocks (Unicode
// EastAsianWidth W and F), coarsely: Hangul Jamo, CJK, Hangul syllables,
// compatibility ideographs, fullwidth forms, and the emoji blocks.
var wideRanges = [...][2]rune{
	{0x1100, 0x115f},
	{0x2e80, 0x303e},
	{0x3041, 0x33ff},
	{0x3400, 0x4dbf},
	{0x4e00, 0x9fff},
	{0xa000, 0xa4cf},
	{0xac00, 0xd7a3},
	{0xf900, 0xfaff},
	{0xfe30, 0xfe4f},
	{0xff00, 0xff60},
	{0xffe0, 0xffe6},
	{0x1f300, 0x1f64f},
	{0x1f900, 0x1f9ff},
	{0x20000, 0x2fffd},
	{0x30000, 0x3fffd},
}

func isWide(r rune) bool {
	for _, rg := range wideRanges {
		if r < rg[0] {
			return false
		}
		if r <= rg[1] {
			return true
		}
	}
	return false
}

// fit truncates s to at most w cells, marking a cut with "…".
func fit(s string, w int) string {
	if cellWidth(s) <= w {
		return s
	}
	return cut(s, w-1) + "…" // w-1: room for the ellipsis
}

// fitLeft truncates s to at most w cells by dropping its start, marked
// with a leading "…".
func fitLeft(s string, w int) string {
	if cellWidth(s) <= w {
		return s
	}
	used, start := 0, len(s)
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:start])
		rw := runeWidth(r)
		if used+rw > w-1 {
			break
		}
		used += rw
		start -= n
	}
	return "…" + s[start:]
}

// cut returns the longest prefix of s that takes at most w cells.
func cut(s string, w int) string {
	used := 0
	for i, r := range s {
		used += runeWidth(r)
		if used > w {
			return s[:i]
		}
	}
	return s
}
