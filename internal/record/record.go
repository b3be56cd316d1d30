// Package record reads fields of decoded log records tolerantly: the same
// field arrives with different casing in different shapes ("properties" in a
// diagnostic record, "Properties" in a Log Analytics export), as a number or
// as a string (every column of a CSV export is a string), and as a JSON
// object or as a string holding one (Log Analytics dynamic columns,
// responseBody). Decoders use these accessors so that each shape is handled
// once, not per casing.
package record

import (
	"bytes"
	"strconv"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
)

// Scratch holds the parsers used to decode JSON nested in strings while one
// record is read. fastjson reuses a parser's memory on its next Parse, so
// each nested document gets its own parser; Reset makes them all reusable
// once the record's events have been evaluated. A Scratch belongs to one
// goroutine.
type Scratch struct {
	ps       []*fastjson.Parser
	n        int
	lower    cache // see Lower
	interned cache // see Intern
	// Wants, when set, lets a decoder read only briefly the records
	// nothing in the hunt can use (event.Brief). It outlives Reset.
	Wants event.Wants
	// Text is the text of the record being read when it is a whole line
	// or document (nil inside an envelope), for tests on its bytes.
	Text []byte
	// Words is memory a text reader may reuse from record to record
	// (activitylog.BriefLine's quote bitmap).
	Words []uint64
	// Flows is memory a flow log's decoder reuses from record to record
	// for its tuples' flows (events do not outlive their record's turn:
	// the worker reuses them too).
	Flows []event.Flow
	// Key is memory a brief reader builds a record's key in
	// (event.ActivityRecordKey); Keys says which keys that hold their
	// time the hunt counts (nil: all). It outlives Reset.
	Key  []byte
	Keys *event.KeyLevels
	// KeyHash, when set, makes the keys with a store's secret (a
	// service's hunt): the same in every process that opens it. It
	// outlives Reset.
	KeyHash *event.KeyHash
	glance  event.Glance // what Want hands Wants: a pointer to a local would escape, one allocation a record
	// lists are the members of the objects whose lookups missed an exact
	// name, in order (see key); next is the one to reuse.
	lists [4]listing
	next  int
	// subs are the subscriptions Subscription met at the start of ids,
	// by their text there.
	subs map[string]string
	// callerText is set by CallerText: see lastKey.
	callerText bool
}

// listing is one object's members, listed for lookups in any case.
type listing struct {
	obj   *fastjson.Value
	names [][]byte
	vals  []*fastjson.Value
	// folded[i] is the i-th name's first byte in lower case, or 0 when
	// the name is not ASCII (a non-ASCII letter may fold to an ASCII one,
	// and change the length: only EqualFold can tell).
	folded []byte
}

// Want asks Wants about g.
func (s *Scratch) Want(g event.Glance) bool {
	s.glance = g
	ok := s.Wants(&s.glance)
	s.glance.Text = nil // the record's memory may go
	return ok
}

// Reset releases every nested document parsed since the last Reset, and
// what key listed of the record's objects: a Scratch is Reset between
// records. It also ends CallerText.
func (s *Scratch) Reset() {
	s.n = 0
	s.callerText = false
	for i := range s.lists {
		s.lists[i].obj = nil
	}
}

// Parse parses b with a parser that stays valid until Reset.
func (s *Scratch) Parse(b []byte) (*fastjson.Value, error) {
	if s.n == len(s.ps) {
		s.ps = append(s.ps, new(fastjson.Parser))
	}
	p := s.ps[s.n]
	s.n++
	return p.ParseBytes(b)
}

// Key returns the member of object v named key: the exact name if present,
// else the first member whose name equals key ignoring case. It returns nil
// when v is not an object or has no such member.
func Key(v *fastjson.Value, key string) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	if m := v.Get(key); m != nil {
		return m
	}
	o, _ := v.Object()
	var found *fastjson.Value
	o.Visit(func(k []byte, m *fastjson.Value) {
		if found == nil && bytes.EqualFold(k, []byte(key)) {
			found = m
		}
	})
	return found
}

// key is Key, for the record being read. Decoders look fields up in every
// casing and spelling a shape may use, and most lookups that miss the exact
// name miss altogether: visiting the object's members for each miss was a
// sixth of a hunt over sign-in and firewall logs. The first miss on an
// object lists its members; later misses on it read the list.
func (s *Scratch) key(v *fastjson.Value, key string) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	if s.callerText {
		return s.lastKey(v, key)
	}
	if m := v.Get(key); m != nil {
		return m
	}
	l := s.list(v)
	// An ASCII name can equal an ASCII key only with its length and first
	// letter; a key that is not ASCII compares with every name.
	kb := []byte(key)
	first := foldedFirst(kb)
	for i, n := range l.names {
		if f := l.folded[i]; f != 0 && first != 0 && (f != first || len(n) != len(key)) {
			continue
		}
		if bytes.EqualFold(n, kb) {
			return l.vals[i]
		}
	}
	return nil
}

// CallerText says whether the objects read from now on are text a caller
// sent Azure (an Activity Log record's request body) rather than text
// Azure wrote, until it is called again or the Scratch is Reset. It holds
// for everything read through the Scratch meanwhile, JSON held in strings
// included, so a decoder reading a body needs no second set of accessors.
func (s *Scratch) CallerText(on bool) { s.callerText = on }

// lastKey is key for text a caller wrote, which may name a member twice,
// as {"sku":{"name":"Standard_B1s","name":"Standard_ND96asr_v4"}}: it
// returns the last member whose name equals key in ASCII case only.
//
// Azure's services are .NET, and .NET reads such text so (found with the
// search tool, 2026; no Azure document says what its front end does with a
// name written twice). Json.NET's JObject.Parse and JsonConvert keep the
// last value (JsonLoadSettings.DuplicatePropertyNameHandling, default
// Replace: "the value of the last property in the JSON object will be
// used"); binding to a model class sets the property once per member,
// matching names exactly or else in any case, so the last of "capacity"
// and "Capacity" wins too (JamesNK on JamesNK/Newtonsoft.Json#1074 and
// #1571). System.Text.Json binds last-write-wins as well
// (dotnet/runtime#108521; JsonSerializerOptions.AllowDuplicateProperties
// defaults to true) and JsonElement finds a property's last definition
// (dotnet/corefx#35503). ARM accepts such text: templates holding a name
// twice deploy, with its last value as observed
// (Azure/azure-quickstart-templates#5847, #5855). Reading the
// first, as fastjson's Get does, let a caller show mamori a one-machine
// CPU scale set while Azure made forty GPU machines.
//
// Case is ignored for ASCII letters only: .NET's OrdinalIgnoreCase never
// takes a letter outside ASCII for one inside it (dotnet/runtime#32247),
// so "s\u212Au", with a Kelvin sign, is not "sku" to Azure, which
// bytes.EqualFold would take it for.
func (s *Scratch) lastKey(v *fastjson.Value, key string) *fastjson.Value {
	o, _ := v.Object()
	return LastMember(o, key)
}

// LastMember is the last member of o whose name equals key in ASCII case:
// in a caller's text, the one Azure acts on (Scratch.lastKey says why).
// Rules' raw paths into a request body read it too (fields).
func LastMember(o *fastjson.Object, key string) *fastjson.Value {
	var last *fastjson.Value
	o.Visit(func(k []byte, m *fastjson.Value) {
		if len(k) == len(key) && EqualFold(k, key) { // most names differ in length: no call
			last = m
		}
	})
	return last
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// foldedFirst is listing.folded for name n.
func foldedFirst(n []byte) byte {
	for _, c := range n {
		if c >= 0x80 {
			return 0
		}
	}
	if len(n) == 0 {
		return 0
	}
	return lowerASCII(n[0])
}

// list returns the listing of object v's members, made on first use.
func (s *Scratch) list(v *fastjson.Value) *listing {
	for i := range s.lists {
		if s.lists[i].obj == v {
			return &s.lists[i]
		}
	}
	l := &s.lists[s.next]
	s.next = (s.next + 1) % len(s.lists)
	l.obj, l.names, l.vals, l.folded = v, l.names[:0], l.vals[:0], l.folded[:0]
	o, _ := v.Object()
	o.Visit(func(k []byte, m *fastjson.Value) {
		l.names = append(l.names, k)
		l.vals = append(l.vals, m)
		l.folded = append(l.folded, foldedFirst(k))
	})
	return l
}

// Get follows keys from v. When the path passes through a string that holds
// a JSON object or array, the string is parsed and the path goes on inside
// it. It returns nil when any step is missing. A JSON null is returned as
// nil too, so callers need not tell "absent" from "null".
func (s *Scratch) Get(v *fastjson.Value, keys ...string) *fastjson.Value {
	for _, k := range keys {
		v = s.Object(v)
		if v == nil {
			return nil
		}
		v = s.key(v, k)
	}
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil
	}
	return v
}

// Object returns v itself when it is an object or array, or the document a
// string value holds when it is one; nil otherwise.
func (s *Scratch) Object(v *fastjson.Value) *fastjson.Value {
	if v == nil {
		return nil
	}
	switch v.Type() {
	case fastjson.TypeObject, fastjson.TypeArray:
		return v
	case fastjson.TypeString:
		b := bytes.TrimSpace(v.GetStringBytes())
		if len(b) < 2 || (b[0] != '{' && b[0] != '[') {
			return nil
		}
		d, err := s.Parse(b)
		if err != nil {
			return nil
		}
		return d
	}
	return nil
}

// Array returns the elements of the array at keys (also when it arrives as
// a JSON string), or nil.
func (s *Scratch) Array(v *fastjson.Value, keys ...string) []*fastjson.Value {
	v = s.Object(s.Get(v, keys...))
	if v == nil || v.Type() != fastjson.TypeArray {
		return nil
	}
	a, _ := v.Array()
	return a
}

// Str returns the value at keys as a string: strings as they are, numbers
// and booleans in their JSON text, objects and arrays as compact JSON, and
// "" when absent or null.
func (s *Scratch) Str(v *fastjson.Value, keys ...string) string {
	return String(s.Get(v, keys...))
}

// FirstStr returns the first non-empty string among several paths, each
// given as a slash-separated list of keys ("properties/status/errorCode").
func (s *Scratch) FirstStr(v *fastjson.Value, paths ...string) string {
	return s.first(v, String, paths)
}

// FirstPeek is FirstStr without the copy (see Peek): for values that are
// compared, parsed, interned or lowered, not kept as they are.
func (s *Scratch) FirstPeek(v *fastjson.Value, paths ...string) string {
	return s.first(v, Peek, paths)
}

func (s *Scratch) first(v *fastjson.Value, text func(*fastjson.Value) string, paths []string) string {
	for _, p := range paths {
		x := v
		for rest := p; x != nil; {
			var k string
			k, rest, _ = strings.Cut(rest, "/")
			x = s.Get(x, k)
			if rest == "" {
				break
			}
		}
		if t := text(x); t != "" {
			return t
		}
	}
	return ""
}

// Int returns the value at keys as an integer, from a number or a numeric
// string; ok is false when absent or not a number.
func (s *Scratch) Int(v *fastjson.Value, keys ...string) (int64, bool) {
	return Int(s.Get(v, keys...))
}

// Float returns the value at keys as a float, from a number or a numeric
// string.
func (s *Scratch) Float(v *fastjson.Value, keys ...string) (float64, bool) {
	x := s.Get(v, keys...)
	if x == nil {
		return 0, false
	}
	switch x.Type() {
	case fastjson.TypeNumber:
		return x.GetFloat64(), true
	case fastjson.TypeString:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(x.GetStringBytes())), 64)
		return f, err == nil
	}
	return 0, false
}

// Bool returns the value at keys as a boolean, from true/false or the
// strings "true"/"false" (any case).
func (s *Scratch) Bool(v *fastjson.Value, keys ...string) (val, ok bool) {
	x := s.Get(v, keys...)
	if x == nil {
		return false, false
	}
	switch x.Type() {
	case fastjson.TypeTrue:
		return true, true
	case fastjson.TypeFalse:
		return false, true
	case fastjson.TypeString:
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(string(x.GetStringBytes()))))
		return b, err == nil
	}
	return false, false
}

// String renders a value as text; see Scratch.Str.
func String(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNull:
		return ""
	case fastjson.TypeTrue:
		return "true"
	case fastjson.TypeFalse:
		return "false"
	}
	return string(v.MarshalTo(nil))
}

// Int reads an integer from a number or a numeric string.
func Int(v *fastjson.Value) (int64, bool) {
	if v == nil {
		return 0, false
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		if i, err := v.Int64(); err == nil {
			return i, true
		}
		f, err := v.Float64()
		return int64(f), err == nil
	case fastjson.TypeString:
		return IntText(string(v.GetStringBytes()))
	}
	return 0, false
}

// IntText is Int of a string's text: an integer, or a number truncated to
// one, white space around it allowed. Text readers use it to read a
// string member as the full path's Int does.
func IntText(s string) (int64, bool) {
	t := strings.TrimSpace(s)
	if i, err := strconv.ParseInt(t, 10, 64); err == nil {
		return i, true
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		return int64(f), true
	}
	return 0, false
}

// Peek returns the text of a string value without copying it, and any
// other value as String renders it. The text of a string shares the
// parser's memory: it is valid only until the parser's next Parse, so it
// is for comparing, parsing and looking up, and must go through Intern,
// Lower, LowerCopy or strings.Clone before anything keeps it.
func Peek(v *fastjson.Value) string {
	if v == nil || v.Type() != fastjson.TypeString {
		return String(v)
	}
	b := v.GetStringBytes()
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Has reports whether object v has a member named key (any case).
func Has(v *fastjson.Value, key string) bool { return Key(v, key) != nil }
