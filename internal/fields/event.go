package fields

import (
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// Event reads the fields of one event.Event at a time for compiled rules:
// it implements sigma.Fields. It keeps scratch memory (parsers for JSON
// held in strings, a buffer for number and object texts) that Reset
// recycles, so that evaluation allocates nothing once warm. An Event
// belongs to one goroutine. The values it yields point into the record and
// into that buffer: they are valid until the next Reset.
type Event struct {
	r     *Resolver
	specs []*spec
	ev    *event.Event
	sc    record.Scratch
	arena []byte
	docs  []parsed
	texts []marshalled // JSON texts of objects, kept in arena
	// masks caches, for the objects probed most (the record and its
	// members), which key lengths they hold: a lookup of a length the
	// object lacks is a miss without a scan.
	masks [8]lengthMask
}

type lengthMask struct {
	o    *fastjson.Object
	bits uint64 // bit n%64 set: some key has n bytes
}

// parsed caches the document a JSON string of the record holds, so that
// many rules reading into it parse it once.
type marshalled struct {
	v *fastjson.Value
	s string
}

type parsed struct {
	src *fastjson.Value
	doc *fastjson.Value // nil: the string holds no JSON document
}

// NewEvent returns an Event reading the resolver's fields.
func (r *Resolver) NewEvent() *Event {
	return &Event{r: r, specs: *r.specs.Load(), ev: &event.Event{}}
}

// Reset points e at ev and releases what the previous event used.
func (e *Event) Reset(ev *event.Event) {
	e.ev = ev
	e.sc.Reset()
	e.arena = e.arena[:0]
	clear(e.docs)
	e.docs = e.docs[:0]
	clear(e.texts)
	e.texts = e.texts[:0]
	clear(e.masks[:]) // the parser reuses objects' memory for the next record
	e.specs = *e.r.specs.Load()
}

// result is what reading one source found.
type result struct {
	present bool // the field exists (null included)
	full    bool // one of its values is not empty ("", null, [], {})
	matched bool
}

func (r *result) add(o result) {
	r.present = r.present || o.present
	r.full = r.full || o.full
	r.matched = r.matched || o.matched
}

// Field implements sigma.Fields. Sources are tried in order: the first
// with a non-empty value decides; one holding only empty values ("" in a
// CSV export, null) is used when no later source has the field.
func (e *Event) Field(id sigma.FieldID, match func(sigma.Value) bool) (present, matched bool) {
	if int(id) >= len(e.specs) {
		e.specs = *e.r.specs.Load() // compiled after Reset
		if int(id) >= len(e.specs) || id < 0 {
			return false, false
		}
	}
	s := e.specs[id]
	if s.keywords {
		r := e.keywords(e.ev.Raw, match, 0)
		return r.present, r.matched
	}
	weak := false
	for _, src := range s.sourcesFor(e.ev.Kind) {
		var r result
		if src.typed != nil {
			r = src.typed(e, match)
		} else {
			e.walk(e.ev.Raw, src.path, 0, 0, match, &r)
		}
		if r.matched {
			return true, true
		}
		if r.full {
			return true, false
		}
		weak = weak || r.present
	}
	return weak, false
}

// yield passes one value to match and records it.
func yield(v sigma.Value, full bool, match func(sigma.Value) bool) result {
	return result{present: true, full: full, matched: match(v)}
}

// text returns a string over b without copying. The bytes belong to the
// record or to the arena, both stable until Reset.
func text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// keep appends b to the arena and returns it as a string valid until Reset.
// Earlier strings stay valid when the arena grows: they keep the old
// array alive.
func (e *Event) keep(appendTo func([]byte) []byte) string {
	start := len(e.arena)
	e.arena = appendTo(e.arena)
	return text(e.arena[start:len(e.arena):len(e.arena)])
}

// mayHold reports whether hot object o may have a key of n bytes.
func (e *Event) mayHold(o *fastjson.Object, n int) bool {
	slot := &e.masks[(uintptr(unsafe.Pointer(o))>>5)%uintptr(len(e.masks))]
	if slot.o != o {
		slot.o, slot.bits = o, 0
		o.Visit(func(k []byte, _ *fastjson.Value) { slot.bits |= 1 << (len(k) & 63) })
	}
	return slot.bits&(1<<(n&63)) != 0
}

// maxDocs bounds the JSON strings parsed per event: each keeps a parser
// (and its memory) alive in the Event, and no real record holds more than
// a few dozen; a crafted one holding thousands must not pin that memory.
const maxDocs = 1024

// document returns the JSON document a string value holds, parsed once per
// event, or nil.
func (e *Event) document(v *fastjson.Value) *fastjson.Value {
	for i := range e.docs {
		if e.docs[i].src == v {
			return e.docs[i].doc
		}
	}
	if len(e.docs) >= maxDocs {
		return nil
	}
	b := trimSpace(v.GetStringBytes())
	var doc *fastjson.Value
	if len(b) >= 2 && (b[0] == '{' || b[0] == '[') {
		doc, _ = e.sc.Parse(b)
	}
	e.docs = append(e.docs, parsed{src: v, doc: doc})
	return doc
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// jsonText returns the compact JSON text of v, written once per event.
func (e *Event) jsonText(v *fastjson.Value) string {
	for i := range e.texts {
		if e.texts[i].v == v {
			return e.texts[i].s
		}
	}
	s := e.keep(v.MarshalTo)
	if len(e.texts) < maxDocs { // bounds the linear search above
		e.texts = append(e.texts, marshalled{v: v, s: s})
	}
	return s
}
