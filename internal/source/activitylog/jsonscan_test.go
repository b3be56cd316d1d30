package activitylog

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// walks reports whether the walker takes b as one JSON value.
func walks(b []byte) bool {
	var words []uint64
	w := newWalker(b, &words)
	e := w.skipValue(skipWS(b, 0), 0)
	return e >= 0 && skipWS(b, e) == len(b)
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
			t.Errorf("%s: walker took it: %v, want %v", c.in, got, c.ok)
		}
		var p fastjson.Parser
		if _, err := p.Parse(c.in); c.ok && err != nil {
			t.Errorf("%s: taken, yet fastjson says %v", c.in, err)
		}
	}
}

// FuzzWalker checks that the walker takes nothing fastjson rejects: a
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
		w, search := newWalker(b, &words), walker{b: b}
		at := skipWS(b, 0)
		if got, want := w.skipValue(at, 0), search.skipValue(at, 0); got != want {
			t.Fatalf("%q: the walker with the quote bitmap ends at %d, the search at %d", b, got, want)
		}
		if !walks(b) {
			return
		}
		var p fastjson.Parser
		if _, err := p.ParseBytes(b); err != nil {
			t.Fatalf("the walker takes %q, fastjson says %v", b, err)
		}
	})
}
