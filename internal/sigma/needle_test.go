package sigma

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzNeedleIn checks the needle search against plain ASCII folding, and
// that it never rules out a needle the matcher's Unicode folding finds,
// also after a reader changed the text's case.
func FuzzNeedleIn(f *testing.F) {
	f.Add([]byte("xx NvidiaGpuDriverLinux"), "nvidiagpudriverlinux")
	f.Add([]byte("aZ"), "z")
	f.Add([]byte("\u212aelvin"), "kelvin")
	f.Add([]byte("xmr\u017ftratum"), "xmrstratum")
	f.Add([]byte("\u017f\u212a"), "s")
	f.Add([]byte("virtualMach\u0130nes"), "virtualmachines")
	f.Fuzz(func(t *testing.T, text []byte, needle string) {
		needle = strings.ToLower(needle)
		if needle == "" || strings.ContainsFunc(needle, func(r rune) bool { return r == 0 || r >= 0x80 }) {
			return
		}
		want := bytes.Contains(bytes.ToLower(asciiOnly(text)), []byte(needle))
		if got := containsFold(text, needle); got != want {
			t.Fatalf("containsFold(%q, %q) = %v, want %v", text, needle, got, want)
		}
		// What a rule's literal finds under simple folding (its slow
		// path), in the text as written or lower- or upper-cased by a
		// reader, NeedleIn never rules out.
		for _, read := range []func(string) string{func(s string) string { return s }, strings.ToLower, strings.ToUpper} {
			if i, _ := indexFoldSlow(read(string(text)), needle); i >= 0 && !NeedleIn(text, needle) {
				t.Fatalf("NeedleIn(%q, %q) = false, yet the text as a reader may give it folds to hold it", text, needle)
			}
		}
	})
}

// asciiOnly replaces non-ASCII bytes, which bytes.ToLower would decode
// as runes, by a byte no needle holds.
func asciiOnly(b []byte) []byte {
	out := bytes.Clone(b)
	for i, c := range out {
		if c >= 0x80 {
			out[i] = 0
		}
	}
	return out
}

// TestFoldsToASCII holds NeedleIn to its premise: foldsToASCII lists
// every non-ASCII rune that simple folding (a literal's match), ToLower or
// ToUpper (what readers apply to some fields before a rule sees them)
// turns into an ASCII letter. A Unicode update that adds one fails here.
func TestFoldsToASCII(t *testing.T) {
	listed := map[rune]byte{}
	for _, f := range foldsToASCII {
		r, _ := utf8.DecodeRune(f.utf8)
		listed[r] = f.letter
	}
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		var to []rune
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			to = append(to, f)
		}
		to = append(to, unicode.ToLower(r), unicode.ToUpper(r))
		for _, a := range to {
			if a >= 0x80 {
				continue
			}
			if l, ok := listed[r]; !ok || l != byte(unicode.ToLower(a)) {
				t.Errorf("%U becomes %q; foldsToASCII must list it with %q", r, a, unicode.ToLower(a))
			}
		}
	}
}

func TestNeedleCore(t *testing.T) {
	for _, c := range []struct {
		group []string
		want  string
	}{
		{[]string{"amdgpudriverlinux", "amdgpudriverwindows", "nvidiagpudriverlinux", "nvidiagpudriverwindows"}, "gpudriver"},
		{[]string{"xmrig"}, "xmrig"},
		{[]string{"atrisk", "confirmedcompromised", "high", "medium"}, ""},
		{[]string{"stratum+tcp", "stratum+ssl"}, "stratum+"},
		{[]string{"abcd", "xbcy"}, ""}, // "bc" is too short to be worth a search
		{nil, ""},
	} {
		got := NeedleCore(c.group)
		if got != c.want {
			t.Errorf("NeedleCore(%q) = %q, want %q", c.group, got, c.want)
		}
		for _, n := range c.group {
			if !strings.Contains(n, got) {
				t.Errorf("NeedleCore(%q) = %q, not in %q", c.group, got, n)
			}
		}
	}
}
