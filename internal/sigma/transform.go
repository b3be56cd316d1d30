package sigma

import (
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxVariants bounds the values one rule value may expand into (windash
// permutations, placeholder products): beyond it the rule is refused
// rather than compiled into something huge.
const maxVariants = 4096

// encodeUTF16 encodes the text of s as UTF-16 bytes: little endian, big
// endian, or little endian after a byte order mark.
func encodeUTF16(s string, bigEndian, bom bool) string {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, r := range s {
		for _, u := range utf16.Encode([]rune{r}) {
			if bigEndian {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
	}
	return string(b)
}

// base64Offsets returns the three base64 forms data takes depending on its
// offset in a longer encoded text, trimmed to the characters that do not
// depend on the surrounding bytes (the base64offset modifier).
func base64Offsets(data string) []string {
	starts := [3]int{0, 2, 3}
	ends := [3]int{0, 3, 2} // characters dropped at the end, by (len+offset)%3
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + data))
		end := len(enc) - ends[(len(data)+i)%3]
		if starts[i] >= end {
			continue // too short to leave a stable part
		}
		out = append(out, enc[starts[i]:end])
	}
	return out
}

// windashDashes are the characters Windows accepts for a command-line flag.
var windashDashes = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash expands every flag dash of p's literals (a - or / at the start of
// a word: not preceded by a word character, followed by one) into the five
// dash forms, yielding every permutation.
func windash(p pattern) ([]pattern, bool) {
	out := []pattern{nil}
	for _, t := range p {
		if t.k != tLit {
			for i := range out {
				out[i] = append(out[i], t)
			}
			continue
		}
		forms := windashLiteral(t.s)
		if forms == nil || len(out)*len(forms) > maxVariants {
			return nil, false
		}
		next := make([]pattern, 0, len(out)*len(forms))
		for _, o := range out {
			for _, f := range forms {
				next = append(next, append(append(pattern{}, o...), token{k: tLit, s: f}))
			}
		}
		out = next
	}
	return out, true
}

// windashLiteral returns the permutations of one literal, nil when there
// are too many.
func windashLiteral(s string) []string {
	out := []string{""}
	start := 0
	prevWord := false
	for i, r := range s {
		if r == '-' || r == '/' {
			after, _ := utf8.DecodeRuneInString(s[i+1:])
			if !prevWord && i+1 < len(s) && isWord(after) {
				if len(out)*len(windashDashes) > maxVariants {
					return nil // refused by the caller
				}
				var forms []string
				for _, o := range out {
					for _, d := range windashDashes {
						forms = append(forms, o+s[start:i]+d)
					}
				}
				out = forms
				start = i + 1
			}
		}
		prevWord = isWord(r)
	}
	for i := range out {
		out[i] += s[start:]
	}
	return out
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// expandPlaceholders replaces each %name% of s (not escaped as \%) by each
// of its values, returning every combination; missing names the first
// placeholder that has no values.
func expandPlaceholders(s string, values map[string][]string) (out []string, missing string, tooMany bool) {
	out = []string{""}
	var lit strings.Builder
	emit := func(add []string) {
		l := lit.String()
		lit.Reset()
		next := make([]string, 0, len(out)*len(add))
		for _, o := range out {
			for _, a := range add {
				next = append(next, o+l+a)
			}
		}
		out = next
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] == '%' {
			lit.WriteByte('%')
			i++
			continue
		}
		if c == '%' {
			if j := strings.IndexByte(s[i+1:], '%'); j > 0 {
				name := s[i+1 : i+1+j]
				vals, ok := values[name]
				if !ok || len(vals) == 0 {
					return nil, name, false
				}
				if len(out)*len(vals) > maxVariants {
					return nil, "", true
				}
				emit(vals)
				i += j + 1
				continue
			}
		}
		lit.WriteByte(c)
	}
	emit([]string{""})
	return out, "", false
}
