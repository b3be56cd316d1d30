package activitylog

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// naiveQuotes is the bitmap by definition.
func naiveQuotes(b []byte) []uint64 {
	out := make([]uint64, quoteWords(len(b)))
	for i, c := range b {
		if c == '"' {
			out[i>>6] |= 1 << (i & 63)
		}
	}
	return out
}

func checkQuotes(t *testing.T, b []byte) {
	t.Helper()
	want := naiveQuotes(b)
	got := make([]uint64, len(want)+1)
	got[len(want)] = 0xdead // past the words: left alone
	if bs := quoteBits(b, got); bs != bytes.Contains(b, []byte{'\\'}) {
		t.Fatalf("quoteBits(%q) reports a backslash: %v", b, bs)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Fatalf("quoteBits(%q) word %d = %#x, want %#x", b, k, got[k], want[k])
		}
	}
	if got[len(want)] != 0xdead {
		t.Fatalf("quoteBits(%q) wrote past its %d words", b, len(want))
	}
	full := len(b) &^ 63
	goWords := make([]uint64, full>>6)
	if bs := quoteGo(b[:full], goWords); bs != bytes.Contains(b[:full], []byte{'\\'}) {
		t.Fatalf("quoteGo(%q) reports a backslash: %v", b[:full], bs)
	}
	for k := range goWords {
		if goWords[k] != want[k] {
			t.Fatalf("quoteGo(%q) word %d = %#x, want %#x", b, k, goWords[k], want[k])
		}
	}
}

// TestQuoteBits compares the bitmap (assembly on amd64, and the Go one on
// every platform) with its definition on lines of every length up to a
// few blocks, quotes among bytes that sit next to them in value (! and #,
// 0xa2) and at every position.
func TestQuoteBits(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{'"', '!', '#', 0xa2, 0, 0xff, 'a', '\\'}
	for n := 0; n <= 300; n++ {
		for range 20 {
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			checkQuotes(t, b)
		}
	}
	all := make([]byte, 200)
	for i := range all {
		all[i] = '"'
	}
	checkQuotes(t, all)
}

func FuzzQuoteBits(f *testing.F) {
	f.Add([]byte(`{"a":"b"}`))
	f.Add([]byte(`"` + string(make([]byte, 70)) + `"`))
	f.Fuzz(func(t *testing.T, b []byte) { checkQuotes(t, b) })
}
