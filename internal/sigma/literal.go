package sigma

import "strings"

// literal is a piece of text a pattern demands, prepared for matching:
// lowered once when the comparison ignores case.
type literal struct {
	s     string // as written when cased, else with ASCII letters lowered
	orig  string // as written, for the slow folding path
	cased bool
	exact bool   // the ASCII fast path decides every comparison
	wide  bool   // the needle holds non-ASCII runes
	leads string // for an ASCII needle that is not exact: lead bytes of the runes folding onto it
	// anchor is the offset of a byte of s without case, found by
	// strings.IndexByte in contains searches; -1 for none.
	anchor int
}

func newLiteral(s string, cased bool) literal {
	if cased {
		return literal{s: s, orig: s, cased: true, exact: true, anchor: -1}
	}
	l := lowerASCII(s)
	out := literal{s: l, orig: s, exact: exactFold(s), wide: !isASCII(s), anchor: caseless(l)}
	if !out.exact && !out.wide {
		// Only ſ (U+017F, C5 BF) folds onto s and only the Kelvin sign
		// (U+212A, E2 84 AA) onto k: a haystack without their lead bytes
		// needs no folding.
		if strings.IndexByte(l, 's') >= 0 {
			out.leads += "\xc5"
		}
		if strings.IndexByte(l, 'k') >= 0 {
			out.leads += "\xe2"
		}
	}
	return out
}

// slow reports whether a fast-path miss against h needs the folding path:
// the needle has runes folding outside ASCII, and either it is not ASCII
// (the Kelvin sign in a needle equals "k" in a haystack) or h may hold
// a rune folding onto it.
func (l *literal) slow(h string) bool {
	switch {
	case l.exact:
		return false
	case l.wide:
		return true
	}
	for i := 0; i < len(l.leads); i++ {
		if strings.IndexByte(h, l.leads[i]) >= 0 {
			return true
		}
	}
	return false
}

func (l *literal) equal(h string) bool {
	if l.cased {
		return h == l.s
	}
	if equalFoldASCII(h, l.s) {
		return true
	}
	return l.slow(h) && strings.EqualFold(h, l.orig)
}

// prefix reports whether h starts with l and the length of h it covers.
func (l *literal) prefix(h string) (int, bool) {
	if l.cased {
		return len(l.s), strings.HasPrefix(h, l.s)
	}
	if len(h) >= len(l.s) && equalFoldASCII(h[:len(l.s)], l.s) {
		return len(l.s), true
	}
	if l.slow(h) {
		return prefixFoldSlow(h, l.orig)
	}
	return 0, false
}

// suffix reports whether h ends with l and where in h it starts.
func (l *literal) suffix(h string) (int, bool) {
	if l.cased {
		return len(h) - len(l.s), strings.HasSuffix(h, l.s)
	}
	if i := len(h) - len(l.s); i >= 0 && equalFoldASCII(h[i:], l.s) {
		return i, true
	}
	if l.slow(h) {
		return suffixFoldSlow(h, l.orig)
	}
	return 0, false
}

// index finds the first occurrence of l in h: its start and end, or -1.
func (l *literal) index(h string) (int, int) {
	if l.cased {
		i := strings.Index(h, l.s)
		if i < 0 {
			return -1, -1
		}
		return i, i + len(l.s)
	}
	if l.slow(h) {
		// Only the folding path finds the leftmost occurrence, which glob
		// matching relies on.
		return indexFoldSlow(h, l.orig)
	}
	if i := l.indexFast(h); i >= 0 {
		return i, i + len(l.s)
	}
	return -1, -1
}

// indexFast is the ASCII fast path of index.
func (l *literal) indexFast(h string) int {
	if l.anchor >= 0 {
		return indexAnchored(h, l.s, l.anchor)
	}
	return indexFoldASCII(h, l.s)
}

func (l *literal) contains(h string) bool {
	switch {
	case l.cased:
		return strings.Contains(h, l.s)
	case l.indexFast(h) >= 0:
		return true
	case l.slow(h):
		i, _ := indexFoldSlow(h, l.orig)
		return i >= 0
	}
	return false
}
