package record

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// FuzzScratchKey checks that Scratch.Get, which lists an object's members
// on its first miss and reads the list after, finds what Key finds: the
// exact name, else the first name equal in any case (Kelvin sign and long
// s included), for every spelling asked in turn on the same object.
func FuzzScratchKey(f *testing.F) {
	for _, s := range []string{
		`{"properties":1,"Properties":2}`, `{"PROPERTIES":3,"msg_s":"x"}`, `{"\u212aey":1,"key":2}`,
		`{"ſtatus":1}`, `{"a":1,"A":2,"":3}`, `{"msg":null,"MSG":"y"}`,
	} {
		f.Add(s, "properties,msg,msg_s,key,status,a,A,,KEY")
	}
	f.Fuzz(func(t *testing.T, doc, keys string) {
		var p fastjson.Parser
		v, err := p.Parse(doc)
		if err != nil || v.Type() != fastjson.TypeObject {
			return
		}
		var sc Scratch
		for _, k := range strings.Split(keys, ",") {
			want := Key(v, k)
			if want != nil && want.Type() == fastjson.TypeNull {
				want = nil // Get reads a null as absent
			}
			if got := sc.Get(v, k); got != want {
				t.Fatalf("%s: Get(%q) = %v, Key gives %v", doc, k, got, want)
			}
		}
	})
}

// TestScratchKeyForgetsAtReset: the listing of a record's object must not
// answer for the next record, which the same parser may put at the same
// address.
func TestScratchKeyForgetsAtReset(t *testing.T) {
	t.Parallel()
	var p fastjson.Parser
	var sc Scratch
	// A larger document first, so that the parser's values need not grow
	// again: the next two records then share their addresses.
	p.Parse(`{"a":[1,2,3,4,5,6,7,8],"b":{"c":[9,10,11,12]}}`)
	v, _ := p.Parse(`{"Msg":"first"}`)
	if got := sc.Str(v, "msg"); got != "first" {
		t.Fatalf("first record: %q", got)
	}
	sc.Reset()
	w, _ := p.Parse(`{"other":1,"MSG":"second"}`)
	if v != w {
		t.Fatal("the parser moved its values: this test needs both records at one address")
	}
	if got := sc.Str(w, "msg"); got != "second" {
		t.Errorf("second record after Reset: %q, want %q", got, "second")
	}
}
