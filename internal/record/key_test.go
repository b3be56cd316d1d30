package record

import (
	"strconv"
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

// FuzzScratchCallerText checks Get on a caller's text (CallerText) against
// the plainest reading of what Azure takes: the last member whose name
// equals the key in ASCII case (a null read as absent), for every spelling
// asked in turn on the same object, nested strings of JSON included.
func FuzzScratchCallerText(f *testing.F) {
	for _, s := range []string{
		`{"sku":{"name":"Standard_B1s","name":"Standard_ND96asr_v4","capacity":1,"Capacity":40}}`,
		`{"s\u212au":1,"sku":2,"s\u212Au":3}`, `{"a":1,"A":null}`, `{"\u0073ku":"{\"name\":1,\"NAME\":2}","sku":"x","SKU":"{\"name\":3}"}`,
	} {
		f.Add(s, "sku,name,SKU,capacity,a,A,,s\u212au")
	}
	f.Fuzz(func(t *testing.T, doc, keys string) {
		var p fastjson.Parser
		v, err := p.Parse(doc)
		if err != nil || v.Type() != fastjson.TypeObject {
			return
		}
		var sc Scratch
		sc.CallerText(true)
		for _, k := range strings.Split(keys, ",") {
			var want *fastjson.Value
			o, _ := v.Object()
			o.Visit(func(name []byte, m *fastjson.Value) {
				if EqualFold(name, k) {
					want = m
				}
			})
			if want != nil && want.Type() == fastjson.TypeNull {
				want = nil
			}
			if got := sc.Get(v, k); got != want {
				t.Fatalf("%s: Get(%q) = %v, want the last such member, %v", doc, k, got, want)
			}
			// One level down, through a string holding JSON.
			inner := sc.Object(sc.Get(v, k))
			if inner == nil || inner.Type() != fastjson.TypeObject {
				continue
			}
			want = nil
			io, _ := inner.Object()
			io.Visit(func(name []byte, m *fastjson.Value) {
				if EqualFold(name, "name") {
					want = m
				}
			})
			if want != nil && want.Type() == fastjson.TypeNull {
				want = nil
			}
			if got := sc.Get(inner, "name"); got != want {
				t.Fatalf("%s: Get(%q, name) = %v, want %v", doc, k, got, want)
			}
		}
	})
}

// TestCallerTextEndsAtReset: a record read after a caller's text is
// Azure's again, its first member of a name taken.
func TestCallerTextEndsAtReset(t *testing.T) {
	t.Parallel()
	v := fastjson.MustParse(`{"name":"first","name":"last"}`)
	var sc Scratch
	sc.CallerText(true)
	if got := sc.Str(v, "name"); got != "last" {
		t.Errorf("caller's text: %q, want the last", got)
	}
	sc.Reset()
	if got := sc.Str(v, "name"); got != "first" {
		t.Errorf("after Reset: %q, want the first", got)
	}
}

// BenchmarkCallerText measures the lookups a scale set's write costs the
// decoder (its size, count, priority, region and extensions, then a miss
// for each a response body would have given), its request body parsed
// from its string each time: read as Azure's text (the first of a name,
// fastjson's Get) and as a caller's (the last, CallerText). The two run
// in one binary, side by side, so a loaded machine slows both alike.
func BenchmarkCallerText(b *testing.B) {
	body := fastjson.MustParse(`{"requestbody":` + strconv.Quote(`{"location":"eastus","sku":{"name":"Standard_NC24s_v3","tier":"Standard","capacity":20},`+
		`"properties":{"upgradePolicy":{"mode":"Manual"},"orchestrationMode":"Uniform","virtualMachineProfile":{"osProfile":{"computerNamePrefix":"render","adminUsername":"azureuser"},`+
		`"storageProfile":{"imageReference":{"publisher":"Canonical","offer":"0001-com-ubuntu-server-jammy","sku":"22_04-lts-gen2","version":"latest"}},`+
		`"networkProfile":{"networkInterfaceConfigurations":[{"name":"render-nic","properties":{"primary":true}}]},"priority":"Regular",`+
		`"extensionProfile":{"extensions":[{"name":"mon","properties":{"publisher":"Microsoft.Azure.Monitor","type":"AzureMonitorLinuxAgent"}}]}}},"tags":{"team":"render"}}`) + `}`)
	for _, c := range []struct {
		name   string
		caller bool
	}{{"azure", false}, {"caller", true}} {
		b.Run(c.name, func(b *testing.B) {
			var sc Scratch
			b.ReportAllocs()
			for b.Loop() {
				sc.CallerText(c.caller)
				req := sc.Object(sc.Get(body, "requestbody"))
				n := len(sc.Str(req, "sku", "name")) + len(sc.Str(req, "location"))
				if _, ok := sc.Int(req, "sku", "capacity"); ok {
					n++
				}
				n += len(sc.Str(req, "properties", "virtualMachineProfile", "priority"))
				n += len(sc.Array(req, "properties", "virtualMachineProfile", "extensionProfile", "extensions"))
				n += len(sc.Str(req, "properties", "hardwareProfile", "vmSize")) // a miss
				if n == 0 {
					b.Fatal("nothing read")
				}
				sc.Reset()
			}
		})
	}
}
