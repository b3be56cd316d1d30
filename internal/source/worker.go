package source

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/source/activitylog"
	"github.com/mamori-sec/mamori/internal/source/entra"
	"github.com/mamori-sec/mamori/internal/source/host"
	"github.com/mamori-sec/mamori/internal/source/network"
)

// Handler receives each decoded event. worker identifies the calling
// goroutine (0 ≤ worker < Options.Workers) so the handler can keep state
// per worker without locks. The event, and Raw in particular, is valid
// only until the handler returns.
type Handler func(worker int, ev *event.Event)

// worker parses and decodes batches. Each has its own parsers: fastjson
// parsers are not safe for concurrent use and are reused record to record.
type worker struct {
	id    int
	p     fastjson.Parser
	sc    record.Scratch
	arena fastjson.Arena
	evs   []event.Event
	t     *tally
	h     Handler
	onErr func(*ParseError)
	file  string
	prog  *Progress
	text  []byte // the text being parsed, while record runs
	// wanted: the line being parsed is one BriefLine found the hunt
	// wants, which decode need not ask Wants again.
	wanted bool
	elems  []element // the records of an envelope line (records)
	words  []uint64  // the quote bitmap of a line that did not parse (joined)
	short  event.Event
	audit  host.AuditBuilder
	sysmon host.SysmonBuilder
}

func (w *worker) do(b *batch) {
	if b.pull != nil {
		nb := b.pull.take()
		b.done()
		if nb == nil {
			return
		}
		b = nb
	}
	w.t.reset()
	w.file = b.fs.File
	if b.lines {
		w.lines(b)
	} else {
		for _, s := range b.spans {
			w.span(b.data[s.start:s.end], s)
		}
	}
	if w.prog != nil {
		w.prog.Bytes.Add(int64(len(b.data)))
		w.prog.Events.Add(w.t.events)
	}
	b.fs.add(w.t)
	b.done()
}

var jsonHint = record.Hint{Format: "json"}

// span reads one record of a batch of spans, building it first from the
// host text it was framed from.
func (w *worker) span(b []byte, s span) {
	loc := event.Location{File: w.file, Line: s.line, Offset: s.off}
	wanted := false
	switch s.text {
	case textAuditd:
		if b = w.audit.BuildProcess(b); b == nil {
			// No process start: its record would decode to nothing. It is
			// counted as decode counts it, unwritten and unparsed.
			w.t.records++
			w.t.shapes[host.ShapeAuditd]++
			return
		}
	case textSysmon:
		var err error
		if b, err = w.sysmon.BuildProcess(b); err != nil {
			w.skip(loc, err) // as the reader reports what it cannot frame
			return
		}
		if b == nil { // no process start: counted as decode counts it
			w.t.records++
			w.t.shapes[host.ShapeSysmon]++
			return
		}
	default:
		var brief bool
		if start := recordsStart(b); start >= 0 {
			brief = w.records(b, start, loc, s.hint)
		} else {
			brief, wanted = w.briefRecord(b, loc, s.hint)
		}
		if brief {
			return
		}
	}
	w.recordKnown(b, loc, s.hint, false, wanted)
}

// lines splits a chunk of JSON lines; CRLF ends and blank lines are fine.
func (w *worker) lines(b *batch) {
	data, line, off := b.data, b.firstLine, b.baseOff
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data = data, nil
		} else {
			l, data = data[:i], data[i+1:]
		}
		if t := bytes.TrimSpace(l); len(t) > 0 {
			// Only the stream's final line may lack its newline; when it
			// does not parse, it is a record still being written. The
			// offset is the record's first byte, white space before it
			// passed over (t is a part of l: their capacities differ by
			// where it starts), as a record found further on in the line
			// (joined) is placed by its own.
			loc := event.Location{File: w.file, Line: line, Offset: off + int64(cap(l)-cap(t))}
			w.line(t, loc, b.last && i < 0)
		}
		line++
		off += int64(len(l)) + 1
	}
}

// line reads one JSON line (white space trimmed): an envelope record by
// record (records), else briefly when it can (brief), else the full way.
// It reports whether a text reader took it.
func (w *worker) line(t []byte, loc event.Location, last bool) (took bool) {
	var wanted bool
	if start := recordsStart(t); start >= 0 {
		took = w.records(t, start, loc, jsonHint)
	} else {
		took, wanted = w.brief(t, loc)
	}
	if !took {
		w.recordKnown(t, loc, jsonHint, last, wanted)
	}
	return took
}

// brief reads a line no rule wants without parsing it into a tree (an
// Activity Log record, activitylog.BriefLine, a firewall DNS lookup,
// network.BriefDNS, or a sign-in, entra.BriefSignIn) and hands on its
// event as decode would, Raw aside;
// false sends the line the full way, and wanted says the hunt is known to
// want it.
func (w *worker) brief(b []byte, loc event.Location) (brief, wanted bool) {
	if w.sc.Wants == nil {
		return false, false
	}
	if brief, wanted = activitylog.BriefLine(&w.sc, b, &w.short); !brief && !wanted {
		brief, wanted = network.BriefDNS(&w.sc, b, &w.short)
	}
	if !brief && !wanted {
		brief, wanted = entra.BriefSignIn(&w.sc, b, &w.short)
	}
	if !brief {
		return false, wanted
	}
	w.handBrief(&w.short, b, loc)
	return true, false
}

// briefRecord is brief for a record a document holds, where DNS lookups
// and sign-ins (a Log Analytics export is an array of rows) are the
// records to read briefly (envelopes go to records). A sign-in whose hint
// names its table (a CSV row) takes the full path, which reads the hint.
func (w *worker) briefRecord(b []byte, loc event.Location, h record.Hint) (brief, wanted bool) {
	if w.sc.Wants == nil {
		return false, false
	}
	if brief, wanted = network.BriefDNS(&w.sc, b, &w.short); !brief && !wanted && h.Table == "" {
		brief, wanted = entra.BriefSignIn(&w.sc, b, &w.short)
	}
	if brief {
		w.handBrief(&w.short, b, loc)
	}
	return brief, wanted
}

// recordsStart returns the position of the first element of b when b
// opens as an Event Hub message's envelope ({"records":[…), else -1. A
// firewall's DNS log is such lines, fifty lookups each, and an Event Hubs
// Capture file such bodies.
func recordsStart(b []byte) int { return listStart(b, `"records"`) }

// listStart returns the position of the first element of b when b opens
// as an object whose first member, name (quoted), holds an array, else -1.
func listStart(b []byte, name string) int {
	i := jsonwalk.SkipWS(b, 1)
	if len(b) == 0 || b[0] != '{' || !bytes.HasPrefix(b[i:], []byte(name)) {
		return -1
	}
	if i = jsonwalk.Colon(b, i+len(name)-1); i < 0 || i >= len(b) || b[i] != '[' {
		return -1
	}
	return i + 1
}

// records reads a line (or a document) that is one {"records":[…]}
// envelope, its first element at start (recordsStart), record by record,
// as the full path would read it: a DNS lookup
// (network.ReadDNSIn, with the line's quote bitmap) or an Activity Log
// record (activitylog.BriefRecord) no rule wants is read briefly from its
// text, any other record parsed alone and read as the envelope's element
// it is (depth 2, its index, no text of its own). It takes only a line
// that is JSON throughout and has no member but the array, and asks and
// hands on nothing before it knows that; false sends the line the full
// way.
func (w *worker) records(b []byte, start int, loc event.Location, h record.Hint) bool {
	if w.sc.Wants == nil {
		return false
	}
	wk := jsonwalk.New(b, &w.sc.Words)
	w.elems = w.elems[:0]
	i := jsonwalk.SkipWS(b, start)
	if i < len(b) && b[i] == ']' {
		i++
	} else {
		for more := true; more; {
			el := element{start: i}
			if el.dns, el.end = network.ReadDNSIn(&wk, i); el.end < 0 {
				// An envelope that starts with neither a lookup this
				// reader takes nor an Activity Log record (a flow log's)
				// is parsed whole: walking it first would only add to
				// that.
				if len(w.elems) == 0 && !activitylog.IsCategory(category(&wk, i)) {
					return false
				}
				if el.end = wk.SkipValue(i, 2); el.end < 0 {
					return false
				}
				el.other = true
			}
			if w.elems = append(w.elems, el); len(w.elems) > maxElems {
				return false
			}
			if i, more = jsonwalk.Next(b, el.end, ']'); i < 0 {
				return false
			}
		}
	}
	if i = jsonwalk.SkipWS(b, i); i >= len(b) || b[i] != '}' || jsonwalk.SkipWS(b, i+1) != len(b) {
		return false
	}
	for k := range w.elems {
		el := &w.elems[k]
		l := loc
		l.Record = k
		rec := b[el.start:el.end]
		var brief, wanted bool
		if el.other {
			brief, wanted = activitylog.BriefRecord(&w.sc, rec, &w.short)
		} else {
			brief, wanted = el.dns.Decide(&w.sc, &w.short)
		}
		if brief {
			w.handBrief(&w.short, nil, l) // an element has no text of its own
			continue
		}
		v, err := w.p.ParseBytes(rec)
		if err != nil { // not seen: the walker accepts nothing fastjson rejects (FuzzWalker)
			w.t.records++
			w.skip(l, fmt.Errorf("invalid JSON: %s", shortErr(err)))
			continue
		}
		w.wanted = wanted // as recordKnown, for an element
		w.value(v, l, h, 2)
		w.wanted = false
	}
	clear(w.elems) // they hold the line
	if cap(w.elems) > maxElems {
		w.elems = nil
	}
	return true
}

// category returns the category of the object at i as written when it
// names one before anything this walk cannot pass, else nil: enough to
// tell a flow log's envelope from the logs records reads.
func category(wk *jsonwalk.Walker, i int) []byte {
	var c []byte
	if i < len(wk.B) && wk.B[i] == '{' {
		wk.Members(i+1, func(key []byte, at int) int {
			if string(key) != "category" {
				return wk.SkipValue(at, 3)
			}
			if at < len(wk.B) && wk.B[at] == '"' {
				if e := wk.StrEnd(at + 1); e > at {
					c = wk.B[at+1 : e]
				}
			}
			return -1 // found: stop
		})
	}
	return c
}

// maxElems bounds the records of an envelope that records reads one by
// one, and so the memory it keeps for them (a few hundred bytes each): an
// Event Hub message holds at most 1 MB, fifty records as Azure writes
// them. A larger envelope is parsed whole, as before.
const maxElems = 4096

// element is one record of an envelope line (worker.records): where it
// is, and what the DNS reader read of it unless other.
type element struct {
	start, end int
	other      bool
	dns        network.DNSText
}

// handBrief counts and hands on a brief event as decode would.
func (w *worker) handBrief(ev *event.Event, b []byte, loc event.Location) {
	ev.Loc, ev.RawText = loc, b
	w.t.records++
	w.t.shapes[ev.Shape]++
	w.t.events++
	if w.h != nil {
		w.h(w.id, ev)
	}
	ev.RawText = nil // the line's chunk goes back to the pool
}

// recordKnown is record for a text the hunt is known to want (wanted):
// decode need not ask again.
func (w *worker) recordKnown(b []byte, loc event.Location, h record.Hint, lastLine, wanted bool) {
	w.wanted = wanted
	w.record(b, loc, h, lastLine)
	w.wanted = false
}

// record parses one record (or envelope) and decodes what it holds.
func (w *worker) record(b []byte, loc event.Location, h record.Hint, lastLine bool) {
	v, err := w.p.ParseBytes(b)
	if err != nil {
		if w.joined(b, loc, h, lastLine) || w.salvage(b, loc, h, lastLine, err, -1) {
			return
		}
		w.t.records++
		if lastLine {
			w.skip(loc, fmt.Errorf("record ends early (a partly written last line?): %w", ErrTruncated))
			return
		}
		w.skip(loc, fmt.Errorf("invalid JSON: %s", shortErr(err)))
		return
	}
	w.text = b
	w.value(v, loc, h, 0)
	w.text = nil
}

// maxNesting bounds how deep envelopes may nest (an array of Event Hub
// messages each holding records is two levels).
const maxNesting = 4

// value unwraps envelopes and arrays, then decodes each record.
func (w *worker) value(v *fastjson.Value, loc event.Location, h record.Hint, depth int) {
	switch v.Type() {
	case fastjson.TypeArray:
		if depth >= maxNesting {
			w.t.records++
			w.skip(loc, errors.New("arrays nested too deep"))
			return
		}
		a, _ := v.Array()
		for i, el := range a {
			l := loc
			l.Record = i
			w.value(el, l, h, depth+1)
		}
		return
	case fastjson.TypeObject:
	default:
		w.t.records++
		w.skip(loc, fmt.Errorf("a JSON %s is not a log record", v.Type()))
		return
	}
	if inner := envelope(v, &w.arena); inner != nil && depth < maxNesting {
		w.value(inner, loc, h, depth+1)
		return
	}
	var text []byte
	if depth == 0 {
		text = w.text // the record is the whole text parsed
	}
	w.decode(v, text, loc, h)
}

// envelope returns what a wrapper object holds: "records" (diagnostic
// settings, Event Hub), "value" (ARM and Graph lists), "Results" (the
// Advanced Hunting API and Graph runHuntingQuery), the REST spec
// example's responses.200.body, or the rows of a Log Analytics query API
// response turned into objects. It returns nil for a plain record.
func envelope(v *fastjson.Value, a *fastjson.Arena) *fastjson.Value {
	// One pass over the members finds the first of each wrapper name (a
	// lookup per name cost more than the whole decode of some records);
	// the order of envelopeKeys then decides between them.
	var m [len(envelopeKeys)]*fastjson.Value
	o, _ := v.Object()
	o.Visit(func(k []byte, x *fastjson.Value) {
		if i := envelopeKey(k); i >= 0 && m[i] == nil {
			m[i] = x
		}
	})
	for _, x := range m[:envResponses] {
		if x != nil && x.Type() == fastjson.TypeArray {
			return x
		}
	}
	if x := m[envResponses].Get("200", "body"); x != nil {
		return x
	}
	if t := m[envTables].GetArray(); len(t) > 0 && t[0].Get("rows") != nil {
		return tableRows(t, a)
	}
	return nil
}

// envelopeKeys are the member names of wrappers, the arrays first in the
// order they are preferred.
var envelopeKeys = [...]string{"records", "value", "Records", "Value", "Results", "results", "responses", "tables"}

// Positions in envelopeKeys of the two wrappers that are not plain arrays.
const (
	envResponses = 6
	envTables    = 7
)

// envelopeKey returns the position of k in envelopeKeys, or -1.
func envelopeKey(k []byte) int {
	if len(k) < 5 || len(k) > 9 { // no record field of another length is compared
		return -1
	}
	for i, e := range envelopeKeys {
		if string(k) == e {
			return i
		}
	}
	return -1
}

// tableRows converts the Log Analytics query API's column/row tables into
// one object per row, so they decode like any export.
func tableRows(tables []*fastjson.Value, a *fastjson.Arena) *fastjson.Value {
	out := a.NewArray()
	n := 0
	for _, t := range tables {
		cols := t.GetArray("columns")
		for _, row := range t.GetArray("rows") {
			cells := row.GetArray()
			o := a.NewObject()
			for i, c := range cells {
				if i < len(cols) {
					if name := cols[i].GetStringBytes("name"); len(name) > 0 {
						o.Set(string(name), c)
					}
				}
			}
			out.SetArrayItem(n, o)
			n++
		}
	}
	return out
}

// decode runs the switchboard on one record and hands its events on.
func (w *worker) decode(v *fastjson.Value, text []byte, loc event.Location, h record.Hint) {
	w.t.records++
	f, shape, ok := classify(v, h)
	if !ok {
		if t := ownRecord(v); t != "" {
			w.t.ignored[t]++ // mamori's own output, in the folder it hunts
			return
		}
		if t := tableOf(v, h); t != "" {
			w.t.ignored[t]++
			return
		}
		w.skip(loc, fmt.Errorf("unrecognised record (keys: %s)", keyList(v)))
		return
	}
	w.sc.Reset()
	w.sc.Text = text
	wants := w.sc.Wants
	if w.wanted {
		// The text reader asked already: decode in full (Wants nil),
		// as its answer would have it.
		w.sc.Wants = nil
	}
	evs, err := f.decode(&w.sc, v, shape, w.evs[:0])
	w.sc.Text, w.sc.Wants = nil, wants
	w.evs = evs[:0]
	if inc, ok := err.(record.Incomplete); ok {
		// Read for what it holds: counted, told once per file.
		w.t.incomplete[string(inc)]++
	} else if err != nil {
		w.skip(loc, err)
		if len(evs) == 0 {
			return
		}
	}
	w.t.shapes[shape]++
	for i := range evs {
		ev := &evs[i]
		ev.Loc.File, ev.Loc.Line, ev.Loc.Offset, ev.Loc.Record = loc.File, loc.Line, loc.Offset, loc.Record
		ev.Raw, ev.RawText = v, text
		w.t.events++
		if w.h != nil {
			w.h(w.id, ev)
		}
	}
	clear(evs) // drop references to strings and values the events held
}

// skip counts and reports a record (or part of one) that was not read.
func (w *worker) skip(loc event.Location, err error) {
	pe := &ParseError{File: loc.File, Line: loc.Line, Offset: loc.Offset, Err: err}
	if loc.Line > 0 {
		pe.Offset = 0
	}
	w.t.skipped++
	w.t.reasons[reasonOf(err)]++
	if len(w.t.errs) < maxKeptErrors {
		w.t.errs = append(w.t.errs, keptErr{line: loc.Line, off: loc.Offset, text: pe.Error()})
	}
	if w.onErr != nil {
		w.onErr(pe)
	}
}

// keyList names a few keys of an unrecognised record, to help the user
// see what it is.
func keyList(v *fastjson.Value) string {
	var ks []string
	o, _ := v.Object()
	o.Visit(func(k []byte, _ *fastjson.Value) {
		if len(ks) < 6 {
			ks = append(ks, record.Clip(string(k), 48))
		}
	})
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

// shortErr keeps the reason of fastjson's error and drops the input it
// quotes: the unparsed tail, the tail after a whole value (two records on
// one line) and, for a bad literal, everything from it to the record's end.
// That input is the rest of the record, and the message goes to standard
// error and serve's journal: a command line's password, a connection
// string or a SAS token in it must not.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, "; unparsed tail"); i > 0 {
		s = s[:i]
	}
	for _, quoting := range [...]string{"unexpected tail: ", "unexpected value found: "} {
		if i := strings.Index(s, quoting); i >= 0 {
			s = s[:i+len(quoting)-2] // the words, not the quoted input
		}
	}
	if len(s) > 200 {
		// fastjson says "cannot parse …: " for each level a record nests
		// at its fault, and the reason comes last: a record nested past
		// its depth limit was said as 200 characters of "cannot parse
		// array value: cannot parse array: …", never why. The outermost
		// words and the innermost, which hold the reason, are kept.
		if i := strings.LastIndex(s, "cannot parse "); i > 0 && len(s)-i <= 150 {
			return s[:strings.Index(s, ": ")+2] + "… " + s[i:]
		}
		s = s[:200] + "…"
	}
	return s
}

// reasonOf groups errors for the statistics.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, ErrTruncated):
		return "truncated"
	case errors.Is(err, ErrTooLarge):
		return "too large"
	}
	s := err.Error()
	if strings.HasPrefix(s, "invalid JSON") {
		return "invalid JSON"
	}
	if strings.HasPrefix(s, "unrecognised record") {
		return "unrecognised record"
	}
	if i := strings.IndexAny(s, ":(\""); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) > 48 {
		s = s[:48]
	}
	return s
}
