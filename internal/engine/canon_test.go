package engine

import (
	"bytes"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
)

// readAll touches every key and string of v the way decoders do, which
// makes fastjson unescape them (and MarshalTo then quote them again).
func readAll(v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(_ []byte, x *fastjson.Value) { readAll(x) })
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, x := range a {
			readAll(x)
		}
	case fastjson.TypeString:
		v.GetStringBytes()
	}
}

// checkMarshalled fails when marshalled says text is canonical and
// MarshalTo, before or after the record is read, writes something else.
func checkMarshalled(t *testing.T, text []byte) bool {
	t.Helper()
	if !marshalled(text) {
		return false
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(bytes.Clone(text))
	if err != nil {
		return false
	}
	if got := v.MarshalTo(nil); !bytes.Equal(got, text) {
		t.Fatalf("canonical %q re-serialises as %q", text, got)
	}
	readAll(v)
	if got := v.MarshalTo(nil); !bytes.Equal(got, text) {
		t.Fatalf("canonical %q re-serialises as %q once read", text, got)
	}
	return true
}

func TestMarshalled(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want bool
	}{
		{`{"time":"2026-03-02T00:00:01Z","n":-1.5e3,"ok":true,"x":null,"a":[1,{"b":"c d"}],"e":{}}`, true},
		{`{"msg":"a space inside a string is kept","u":"héllo"}`, true},
		{`{"a": 1}`, false},                     // white space outside strings
		{"{\"a\":1}\r", false},                  // a line end left on
		{`{"body":"{\"a\":\"b\\\\c\"}"}`, true}, // a body held as a string: \" and \\ only
		{`{"a":"x\/y"}`, false},                 // an escape MarshalTo writes differently once read
		{`{"a":"\"é\""}`, false},                // an escape and a byte past ASCII, which Quote may escape
		{`{"a":"\u0041"}`, false},               // likewise
		{"{\"a\":\"tab\there\"}", false},        // a raw control byte
		{`[{"a":1}]`, false},                    // not an object
		{"\ufeff{\"a\":1}", false},              // a byte-order mark
	}
	for _, tc := range cases {
		if got := checkMarshalled(t, []byte(tc.text)); got != tc.want {
			t.Errorf("marshalled(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func FuzzMarshalled(f *testing.F) {
	for _, s := range []string{`{"a":"b c","d":[1,2.5e-3,true,false,null,{}]}`, `{"a":"\"q\""}`, "{\"a\":\"\x01\"}", `{ "a" : 1 }`, `{"é":"ü"}`, `{"b":"{\"x\":[\"\\\\\"]}"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkMarshalled(t, data) })
}

// TestOneRecordOneKeyFromTextOrTree: the same record read from a JSON
// line (its text canonical) and from inside an envelope (re-serialised)
// has one dedup key, so either delivery makes the other a duplicate.
func TestOneRecordOneKeyFromTextOrTree(t *testing.T) {
	t.Parallel()
	e, err := New(load(t, map[string]string{"e.yml": elevate}), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := []byte(`{"time":"2026-03-14T01:00:00Z","operationName":"MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION","claims":{"upn":"a b@c"}}`)
	line := event.Event{Raw: fastjson.MustParseBytes(text), RawText: text}
	inner := event.Event{Raw: fastjson.MustParse(`{"records":[`+string(text)+`]}`).Get("records", "0")}
	readAll(inner.Raw)
	k1, hashed, canon, _ := e.dedupKey(&line, nil)
	k2, _, _, _ := e.dedupKey(&inner, nil)
	if !hashed || k1 != k2 {
		t.Errorf("keys %q and %q for one record", k1, k2)
	}
	if &canon[0] != &text[0] {
		t.Errorf("a canonical line was re-serialised")
	}
}

// FuzzSpacesInStrings checks the quote-counting test against the
// quote-to-quote walk on text without backslashes, where both must agree.
func FuzzSpacesInStrings(f *testing.F) {
	for _, s := range []string{`{"a":"b c"}`, `{"a": 1}`, `{"a":"b}`, `{"a":"b c","d":"e"} `, `{}`, `{"x":" "," ":1}`, `"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if bytes.IndexByte(b, '\\') >= 0 {
			return
		}
		if got, want := spacesInStrings(b), spacesInStringsEscaped(b); got != want {
			t.Fatalf("spacesInStrings(%q) = %v, the walk says %v", b, got, want)
		}
	})
}

// spacesInStringsWalk is what spacesInStringsEscaped replaced, the
// reference it is fuzzed against: it jumps from quote to quote, skipping
// escaped ones.
func spacesInStringsWalk(b []byte) bool {
	n := len(b)
	for i := 0; i < n; {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return bytes.IndexByte(b[i:], ' ') < 0
		}
		if bytes.IndexByte(b[i:i+q], ' ') >= 0 {
			return false
		}
		j := i + q + 1 // the string's first byte: find its closing quote
		for {
			k := bytes.IndexByte(b[j:], '"')
			if k < 0 {
				return false
			}
			j += k
			if !escaped(b, j) {
				break
			}
			j++
		}
		i = j + 1
	}
	return true
}

// FuzzSpacesInStringsEscaped checks the escape walk against the
// quote-to-quote walk on JSON whose escapes are \" and \\ only.
func FuzzSpacesInStringsEscaped(f *testing.F) {
	for _, s := range []string{`{"a":"b c"}`, `{"a":"\"b c\""}`, `{"a":"x\\"," ":1}`, `{"a":"\\" ,"b":1}`, `{"b":"{\"x\":[\"\\\\\"]}"}`, `"\"`, `{"a":"b\\\" c"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// marshalled only sees records that parsed, and in JSON an escape
		// is only ever inside a string.
		if !quoteEscapesOnly(b) || fastjson.ValidateBytes(b) != nil {
			return
		}
		if got, want := spacesInStringsEscaped(b), spacesInStringsWalk(b); got != want {
			t.Fatalf("spacesInStringsEscaped(%q) = %v, the walk says %v", b, got, want)
		}
	})
}

// escaped reports whether the quote at b[j] follows an odd number of
// backslashes.
func escaped(b []byte, j int) bool {
	odd := false
	for j--; j >= 0 && b[j] == '\\'; j-- {
		odd = !odd
	}
	return odd
}
