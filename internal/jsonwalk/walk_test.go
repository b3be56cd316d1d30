package jsonwalk

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// walks reports whether the Walker takes b as one JSON value.
func walks(b []byte) bool {
	var words []uint64
	w := New(b, &words)
	e := w.SkipValue(SkipWS(b, 0), 0)
	return e >= 0 && SkipWS(b, e) == len(b)
}

func TestWalkerAcceptance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in string
		ok bool
	}{
		{`{}`, true}, {` { "a" : [ 1 , -2.5e+3 , true , false , null , "x" ] } `, true},
		{`{"a":"q\"u\\\\\"o\\\\"}`, true}, {`{"a":"\x"}`, true}, {"{\"a\":\"\t\"}", true},
		{`{"a":` + strings.Repeat("[", 60) + strings.Repeat("]", 60) + `}`, true},
		{`{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`, false},
		{`{"a":"q\"}`, false}, {`{"a":"q\\\"}`, false}, {`{"a":01}`, false}, {`{"a":1.}`, false},
		{`{"a":-}`, false}, {`{"a":NaN}`, false}, {`{"a":tru}`, false}, {`{"a":1,}`, false},
		{`{"a" 1}`, false}, {`{"a":1}}`, false}, {`{"a":1`, false}, {`[1 2]`, false}, {`"`, false},
	} {
		if got := walks([]byte(c.in)); got != c.ok {
			t.Errorf("%s: Walker took it: %v, want %v", c.in, got, c.ok)
		}
		var p fastjson.Parser
		if _, err := p.Parse(c.in); c.ok && err != nil {
			t.Errorf("%s: taken, yet fastjson says %v", c.in, err)
		}
	}
}

// FuzzWalker checks that the Walker takes nothing fastjson rejects: a
// line it takes is then read the same way on either path.
func FuzzWalker(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,-2.5e+3,true,false,null,{},[],{"b":[{}]}]}`, `{"a":"q\"u\\\\\"o\\\\"}`, `{"a":"\ud83d"}`,
		`{"time":"2026-03-02T00:00:01Z","identity":{"claims":{"tid":"t"}}}`, `[1,2,[3]]`, `"x"`, `-0.5E-7`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The bitmap finds the ends of strings where the search does.
		var words []uint64
		w, search := New(b, &words), Walker{B: b}
		at := SkipWS(b, 0)
		if got, want := w.SkipValue(at, 0), search.SkipValue(at, 0); got != want {
			t.Fatalf("%q: the Walker with the quote bitmap ends at %d, the search at %d", b, got, want)
		}
		if got, want := w.BackslashBefore('u', '/'), bytes.Contains(b, []byte(`\u`)) || bytes.Contains(b, []byte(`\/`)); got != want {
			t.Fatalf("%q: BackslashBefore from the bitmap says %v, the search %v", b, got, want)
		}
		if !walks(b) {
			return
		}
		var p fastjson.Parser
		if _, err := p.ParseBytes(b); err != nil {
			t.Fatalf("the Walker takes %q, fastjson says %v", b, err)
		}
	})
}

// TestBackslashBefore: the bitmap finds a backslash before either byte at
// every position, past the first word and at the line's end, as a search
// of the text does, escaped backslashes included (the pair is looked for,
// not the escape).
func TestBackslashBefore(t *testing.T) {
	t.Parallel()
	for n := 1; n < 140; n++ {
		for i := range n {
			for _, pair := range []string{`\u`, `\/`, `\\`, `\"`, `\`} {
				b := bytes.Repeat([]byte{'a'}, n)
				copy(b[i:], pair)
				var words []uint64
				w := New(b, &words)
				want := bytes.Contains(b, []byte(`\u`)) || bytes.Contains(b, []byte(`\/`))
				if got := w.BackslashBefore('u', '/'); got != want {
					t.Fatalf("%q: BackslashBefore says %v, want %v", b, got, want)
				}
			}
		}
	}
}

// TestQuoteOrBackslash compares the word-at-a-time search with
// bytes.IndexAny at every length and position, with bytes next to a quote
// and a backslash in value (borrows between bytes must not flag them).
func TestQuoteOrBackslash(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte{'"', '\\', '!', '#', '[', ']', 0, 0xff, 0xa2, 0xdc, 'a'}
	for n := 0; n <= 80; n++ {
		for range 200 {
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[2+r.IntN(len(alphabet)-2)]
			}
			if n > 0 && r.IntN(3) > 0 {
				b[r.IntN(n)] = alphabet[r.IntN(2)]
			}
			if got, want := IndexQuoteOrBackslash(b), bytes.IndexAny(b, "\"\\"); got != want {
				t.Fatalf("IndexQuoteOrBackslash(%q) = %d, want %d", b, got, want)
			}
		}
	}
}
