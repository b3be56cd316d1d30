package jsonwalk

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

// eachRandomLine calls check with per random lines of alphabet's bytes of
// every length up to a few blocks.
func eachRandomLine(r *rand.Rand, alphabet []byte, per int, check func(b []byte)) {
	for n := 0; n <= 300; n++ {
		for range per {
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			check(b)
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
	eachRandomLine(r, alphabet, 20, func(b []byte) { checkQuotes(t, b) })
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

// naiveRealQuotes is the bitmap of the quotes that are not escaped, by
// definition: a quote after an even run of backslashes (none, mostly).
func naiveRealQuotes(b []byte) []uint64 {
	out := make([]uint64, quoteWords(len(b)))
	run := 0
	for i, c := range b {
		if c == '"' && run%2 == 0 {
			out[i>>6] |= 1 << (i & 63)
		}
		if c == '\\' {
			run++
		} else {
			run = 0
		}
	}
	return out
}

func checkRealQuotes(t *testing.T, b []byte) {
	t.Helper()
	n := quoteWords(len(b))
	q, bs := make([]uint64, n), make([]uint64, n)
	quoteBits(b, q)
	unescapeQuotes(b, q, bs)
	want := naiveRealQuotes(b)
	for k := range want {
		if q[k] != want[k] {
			t.Fatalf("unescapeQuotes(%q) word %d = %#x, want %#x", b, k, q[k], want[k])
		}
	}
	full := len(b) &^ 63
	goWords := make([]uint64, full>>6)
	byteGo(b[:full], goWords, '\\')
	asm := make([]uint64, full>>6)
	byteBlocks(b[:full], asm, '\\')
	for k := range goWords {
		if goWords[k] != asm[k] {
			t.Fatalf("byteGo(%q) word %d = %#x, byteBlocks %#x", b, k, goWords[k], asm[k])
		}
	}
}

// TestUnescapeQuotes compares the quotes left after unescapeQuotes with
// their definition on random runs of backslashes and quotes across word
// boundaries, and on long runs of backslashes of every length.
func TestUnescapeQuotes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{'"', '\\', '\\', 'a', '\\', 0xdc}
	eachRandomLine(r, alphabet, 30, func(b []byte) { checkRealQuotes(t, b) })
	for run := 0; run <= 200; run++ {
		for off := 0; off < 3; off++ {
			b := append(bytes.Repeat([]byte{'a'}, off), bytes.Repeat([]byte{'\\'}, run)...)
			checkRealQuotes(t, append(b, '"', '"'))
		}
	}
}

func FuzzUnescapeQuotes(f *testing.F) {
	f.Add([]byte(`{"a":"q\"u\\\\\"o\\\\"}`))
	f.Add(append(bytes.Repeat([]byte{'\\'}, 63), '"'))
	f.Fuzz(func(t *testing.T, b []byte) { checkRealQuotes(t, b) })
}
