package fields

import (
	"bytes"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// maxDepth bounds descent into nested arrays and JSON strings.
const maxDepth = 32

// walk follows p from v and passes the values at its end to match. Keys
// match in any case (the exact name first); arrays are descended into
// element by element (a numeric segment indexes them instead); a string
// holding a JSON document is parsed and descended into; an array of
// {"key": k, "value": v} pairs (additionalDetails) reads as a map; a key
// holding dots ("claims.http://schemas...") is found whole; the first
// segment also tries the CSV export's X_dynamic, X_string and X_d columns.
func (e *Event) walk(v *fastjson.Value, p *path, i, depth int, match func(sigma.Value) bool, r *result) {
	if v == nil || depth > maxDepth || r.matched {
		return
	}
	if i == len(p.segs) {
		e.leaf(v, match, r, depth)
		return
	}
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		hot := i <= 1 && depth == 0 // the record or one of its members
		caller := p.body >= 0 && i > p.body
		found := false
		if m := e.member(hot, caller, o, p.segs[i], p.lower[i]); m != nil {
			e.walk(m, p, i+1, depth, match, r)
			found = true
		}
		for j := i + 1; j < len(p.segs) && !found; j++ {
			if m := e.member(hot, caller, o, p.joins[i][j], p.lowerJoins[i][j]); m != nil {
				e.walk(m, p, j+1, depth, match, r)
				found = true
			}
		}
		if i == 0 && !r.present {
			// An empty CSV column (Properties "") leaves the field to its
			// dynamic twin (Properties_d).
			for k, alt := range p.alts {
				if m := e.member(hot, false, o, alt, p.lowerAlts[k]); m != nil {
					e.walk(m, p, 1, depth, match, r)
					return
				}
			}
		}
		if found {
			return
		}
		if k := o.Get("key"); k != nil && k.Type() == fastjson.TypeString && bytes.EqualFold(k.GetStringBytes(), []byte(p.segs[i])) {
			e.walk(o.Get("value"), p, i+1, depth, match, r)
		}
	case fastjson.TypeArray:
		a, _ := v.Array()
		if n, ok := index(p.segs[i]); ok {
			if n < len(a) {
				e.walk(a[n], p, i+1, depth+1, match, r)
			}
			return
		}
		for _, el := range a {
			e.walk(el, p, i, depth+1, match, r)
			if r.matched {
				return
			}
		}
	case fastjson.TypeString:
		e.walk(e.document(v), p, i, depth+1, match, r)
	}
}

// member returns the member of o named key: the exact name if present,
// else the first whose name equals key ignoring case (lower is key
// lowered, "" for a non-ASCII key). Names of another length are skipped
// unread, and a hot object is not scanned at all for a length it lacks,
// which keeps the common miss cheap. In a caller's text (an Activity Log
// request body) it is the last whose name equals key in ASCII case: the
// member Azure acts on, as the decoders read it (record.LastMember).
func (e *Event) member(hot, caller bool, o *fastjson.Object, key, lower string) *fastjson.Value {
	if caller {
		return record.LastMember(o, key)
	}
	if m := o.Get(key); m != nil {
		return m
	}
	if lower != "" && hot && !e.mayHold(o, len(lower)) {
		return nil
	}
	var folded *fastjson.Value
	o.Visit(func(k []byte, m *fastjson.Value) {
		switch {
		case folded != nil:
		case lower != "":
			if record.EqualFold(k, lower) {
				folded = m
			}
		case bytes.EqualFold(k, []byte(key)):
			folded = m
		}
	})
	return folded
}

// index reads an array index segment.
func index(s string) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// leaf passes the values of v to match: a scalar as itself; an array as
// its elements (an empty one as the text "[]", what Log Analytics writes
// for it); an Activity Log {"value", "localizedValue"} pair as its value;
// any other object as its compact JSON text. A string holding a JSON
// array (a Log Analytics dynamic column) is passed as itself, then as its
// elements.
func (e *Event) leaf(v *fastjson.Value, match func(sigma.Value) bool, r *result, depth int) {
	if r.matched || depth > maxDepth {
		return
	}
	switch v.Type() {
	case fastjson.TypeString:
		b := v.GetStringBytes()
		r.add(yield(sigma.StringValue(text(b)), len(b) > 0, match))
		if t := trimSpace(b); !r.matched && len(t) > 1 && t[0] == '[' {
			if doc := e.document(v); doc != nil && doc.Type() == fastjson.TypeArray {
				a, _ := doc.Array()
				for _, el := range a {
					e.leaf(el, match, r, depth+1)
				}
			}
		}
	case fastjson.TypeNumber:
		s := e.keep(v.MarshalTo)
		r.add(yield(sigma.NumberValue(v.GetFloat64(), s), true, match))
	case fastjson.TypeTrue:
		r.add(yield(sigma.BoolValue(true), true, match))
	case fastjson.TypeFalse:
		r.add(yield(sigma.BoolValue(false), true, match))
	case fastjson.TypeNull:
		r.add(yield(sigma.NullValue(), false, match))
	case fastjson.TypeArray:
		a, _ := v.Array()
		if len(a) == 0 {
			r.add(yield(sigma.StringValue("[]"), false, match))
			return
		}
		for _, el := range a {
			e.leaf(el, match, r, depth+1)
		}
	case fastjson.TypeObject:
		if val := localized(v); val != nil {
			e.leaf(val, match, r, depth+1)
			return
		}
		o, _ := v.Object()
		r.add(yield(sigma.StringValue(e.jsonText(v)), o.Len() > 0, match))
	}
}

// localized returns the value of an Activity Log REST {"value": …,
// "localizedValue": …} pair, or nil.
func localized(v *fastjson.Value) *fastjson.Value {
	o, _ := v.Object()
	if o == nil || o.Len() != 2 {
		return nil
	}
	val := v.Get("value")
	if val == nil || v.Get("localizedValue") == nil {
		return nil
	}
	return val
}

// keywords passes every string of the record to match: the keyword
// search of Sigma. Strings holding JSON are searched as text.
func (e *Event) keywords(v *fastjson.Value, match func(sigma.Value) bool, depth int) (r result) {
	if v == nil || depth > maxDepth {
		return r
	}
	switch v.Type() {
	case fastjson.TypeString:
		b := v.GetStringBytes()
		return yield(sigma.StringValue(text(b)), len(b) > 0, match)
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, el := range a {
			if r.add(e.keywords(el, match, depth+1)); r.matched {
				return r
			}
		}
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(_ []byte, m *fastjson.Value) {
			if !r.matched {
				r.add(e.keywords(m, match, depth+1))
			}
		})
	}
	return r
}
