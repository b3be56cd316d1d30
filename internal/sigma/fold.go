package sigma

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Case-insensitive comparison without allocation. A needle is lower-cased
// once at compile time (ASCII letters only; other bytes are kept) and
// compared byte by byte against the haystack with its ASCII letters
// lowered: the fast path. A fast-path match is always a true match. It is
// also the only possible match when every rune of the needle folds only to
// ASCII runes or to itself ("exact" needles, the common case), since then no
// non-ASCII rune of the haystack can fold onto the needle. Otherwise (the
// needle holds k or s, which fold with the Kelvin sign and long s, or a
// letter such as é) a haystack holding non-ASCII bytes gets the slow path:
// rune-by-rune simple folding, as strings.EqualFold does.

// lowerByte lowers an ASCII capital letter.
func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lowerASCII lowers the ASCII letters of s.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerByte(b[j])
			}
			return string(b)
		}
	}
	return s
}

// isASCII reports whether s has only ASCII bytes, eight at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// exactFold reports whether the ASCII fast path decides every comparison
// with s: each rune of s folds only to ASCII runes (if ASCII) or only to
// itself.
func exactFold(s string) bool {
	for _, r := range s {
		ascii := r < utf8.RuneSelf
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if !ascii || f >= utf8.RuneSelf {
				return false
			}
		}
	}
	return true
}

// equalFoldRune reports whether a and b are equal under simple folding.
func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	if a > b {
		a, b = b, a
	}
	// SimpleFold walks the orbit upwards and wraps; stop once past b.
	r := unicode.SimpleFold(a)
	for r != a && r < b {
		r = unicode.SimpleFold(r)
	}
	return r == b
}

// equalFoldASCII compares s with the lowered needle l, lowering s's ASCII
// letters.
func equalFoldASCII(s, l string) bool {
	if len(s) != len(l) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lowerByte(s[i]) != l[i] {
			return false
		}
	}
	return true
}

// caseless returns the offset of the first byte of l that has no other
// case (a digit, a dot, a slash), or -1: searching for it needs no folding,
// so strings.IndexByte can do it.
func caseless(l string) int {
	for i := 0; i < len(l); i++ {
		if c := l[i]; (c < 'a' || c > 'z') && c < utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// indexAnchored finds the lowered needle l in s by the position of its
// case-less byte at offset off.
func indexAnchored(s, l string, off int) int {
	c := l[off]
	last := len(s) - len(l) + off // the anchor's last possible position
	for i := off; i <= last; {
		j := strings.IndexByte(s[i:last+1], c)
		if j < 0 {
			return -1
		}
		start := i + j - off
		if equalFoldASCII(s[start:start+len(l)], l) {
			return start
		}
		i += j + 1
	}
	return -1
}

// indexFoldASCII finds the lowered needle l in s, lowering s's letters.
func indexFoldASCII(s, l string) int {
	n := len(l)
	if n == 0 {
		return 0
	}
	c0 := l[0]
	c1 := c0
	if 'a' <= c0 && c0 <= 'z' {
		c1 = c0 - 'a' + 'A'
	}
	for i := 0; i+n <= len(s); i++ {
		if c := s[i]; c != c0 && c != c1 {
			continue
		}
		if equalFoldASCII(s[i+1:i+n], l[1:]) {
			return i
		}
	}
	return -1
}

// prefixFoldSlow reports whether s starts with p under simple folding and
// how many bytes of s the prefix covers (folding may change byte lengths).
func prefixFoldSlow(s, p string) (int, bool) {
	i := 0
	for _, pr := range p {
		if i >= len(s) {
			return 0, false
		}
		sr, size := utf8.DecodeRuneInString(s[i:])
		if !equalFoldRune(sr, pr) {
			return 0, false
		}
		i += size
	}
	return i, true
}

// suffixFoldSlow reports whether s ends with p under simple folding and
// where in s the suffix starts.
func suffixFoldSlow(s, p string) (int, bool) {
	i := len(s)
	for len(p) > 0 {
		pr, psize := utf8.DecodeLastRuneInString(p)
		if i == 0 {
			return 0, false
		}
		sr, size := utf8.DecodeLastRuneInString(s[:i])
		if !equalFoldRune(sr, pr) {
			return 0, false
		}
		p = p[:len(p)-psize]
		i -= size
	}
	return i, true
}

// indexFoldSlow finds p in s under simple folding: the start and end of
// the first occurrence, or -1.
func indexFoldSlow(s, p string) (int, int) {
	for i := 0; i <= len(s); {
		if n, ok := prefixFoldSlow(s[i:], p); ok {
			return i, i + n
		}
		if i == len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1, -1
}
