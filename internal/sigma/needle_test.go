package sigma

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
)

// FuzzNeedleIn checks the needle search against plain ASCII folding, and
// that it never rules out a needle the matcher's Unicode folding finds.
func FuzzNeedleIn(f *testing.F) {
	f.Add([]byte("xx NvidiaGpuDriverLinux"), "nvidiagpudriverlinux")
	f.Add([]byte("aZ"), "z")
	f.Add([]byte("\u212aelvin"), "kelvin")
	f.Add([]byte("xmr\u017ftratum"), "xmrstratum")
	f.Add([]byte("\u017f\u212a"), "s")
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
		// path), NeedleIn never rules out.
		if i, _ := indexFoldSlow(string(text), needle); i >= 0 && !NeedleIn(text, needle) {
			t.Fatalf("NeedleIn(%q, %q) = false, yet the text folds to hold it", text, needle)
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

// TestOnlyKelvinAndLongSFoldToASCII holds NeedleIn to its premise: of all
// non-ASCII runes, only the Kelvin sign and the long s fold to an ASCII
// letter under simple folding. A Unicode update that adds one fails here.
func TestOnlyKelvinAndLongSFoldToASCII(t *testing.T) {
	want := map[rune]bool{'\u212a': true, '\u017f': true}
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < 0x80 && !want[r] {
				t.Errorf("%U folds to %q; NeedleIn must look for it", r, f)
			}
		}
	}
}
