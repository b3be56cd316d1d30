package sigma

import (
	"bytes"
	"strings"

	"github.com/mamori-sec/mamori/internal/record"
)

// NeedleIn reports whether a record whose text is text may hold needle,
// one of Needles' (lower-case ASCII): found ignoring ASCII case, or not
// ruled out, when the needle has a letter a non-ASCII rune folds to and
// the text holds that rune. Under simple folding, which a rule's literal
// matches by, only two do: the Kelvin sign to k and the long s to s.
// False proves the needle absent.
func NeedleIn(text []byte, needle string) bool {
	if containsFold(text, needle) {
		return true
	}
	// Two vectorised searches for the runes' UTF-8 bytes; decoding the
	// text rune by rune cost a tenth of a hunt.
	return strings.IndexByte(needle, 'k') >= 0 && bytes.Contains(text, kelvin) ||
		strings.IndexByte(needle, 's') >= 0 && bytes.Contains(text, longS)
}

var kelvin, longS = []byte("\u212a"), []byte("\u017f")

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
