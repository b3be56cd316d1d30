package sigma

import (
	"bytes"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/record"
)

// NeedleIn reports whether a record whose text is text may hold needle,
// one of Needles' (lower-case ASCII): found ignoring ASCII case, or not
// ruled out, when the needle has a letter some non-ASCII rune of the text
// may become. A rule's literal matches by simple folding, and readers
// lower-case some verbatim fields with Unicode's mapping first (resource
// ids, principal ids: strings.ToLower), so four runes matter (foldsToASCII).
// False proves the needle absent.
func NeedleIn(text []byte, needle string) bool {
	if containsFold(text, needle) {
		return true
	}
	// A vectorised search for each rune's UTF-8 bytes, and only for the
	// needle's letters; decoding the text rune by rune cost a tenth of a
	// hunt.
	for _, f := range foldsToASCII {
		if strings.IndexByte(needle, f.letter) >= 0 && bytes.Contains(text, f.utf8) {
			return true
		}
	}
	return false
}

// NeedleCore returns the longest text every needle of group holds (""
// when that is shorter than three bytes). A group is a disjunction: when
// NeedleIn says the core is absent, every needle of the group is, and one
// search answers for all; the catalogue's GPU driver extensions are four
// names around "gpudriver".
func NeedleCore(group []string) string {
	if len(group) == 0 {
		return ""
	}
	short := slices.MinFunc(group, func(a, b string) int { return len(a) - len(b) })
	for n := len(short); n >= 3; n-- {
		for i := 0; i+n <= len(short); i++ {
			sub := short[i : i+n]
			if !slices.ContainsFunc(group, func(g string) bool { return !strings.Contains(g, sub) }) {
				return sub
			}
		}
	}
	return ""
}

// foldsToASCII are the non-ASCII runes that simple folding, lower-casing
// or upper-casing turns into an ASCII letter (TestFoldsToASCII checks the
// list against all of Unicode), with that letter in lower case.
var foldsToASCII = []struct {
	letter byte
	utf8   []byte
}{
	{'k', []byte("\u212a")}, // Kelvin sign: folds and lower-cases to k
	{'s', []byte("\u017f")}, // long s: folds to s, upper-cases to S
	{'i', []byte("\u0130")}, // I with dot above: lower-cases to i
	{'i', []byte("\u0131")}, // dotless i: upper-cases to I
}

// containsFold reports whether text holds needle (lower-case ASCII) in
// any ASCII case. It looks for the needle's rarest letter in both cases
// with the vectorised byte search and compares around each hit.
func containsFold(text []byte, needle string) bool {
	j := rarest(needle)
	c := needle[j]
	cases := [2]byte{c, c}
	if 'a' <= c && c <= 'z' {
		cases[1] = c - 'a' + 'A'
	}
	for k, c := range cases {
		if k == 1 && c == cases[0] {
			break
		}
		for from := j; from < len(text); {
			p := bytes.IndexByte(text[from:], c)
			if p < 0 {
				break
			}
			p += from
			if start := p - j; start+len(needle) <= len(text) && record.EqualFold(text[start:start+len(needle)], needle) {
				return true
			}
			from = p + 1
		}
	}
	return false
}

// rarest returns the position of the needle's byte least common in log
// records, by a fixed ranking of letters (common first); other bytes
// (digits, punctuation) count as most common.
func rarest(needle string) int {
	const byFrequency = "etaoinsrhldcumfpgwybvkxjqz"
	best, bestRank := 0, -1
	for i := 0; i < len(needle); i++ {
		if r := strings.IndexByte(byFrequency, needle[i]); r > bestRank {
			best, bestRank = i, r
		}
	}
	return best
}
