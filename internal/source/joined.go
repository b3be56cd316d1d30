package source

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
)

// A collector writing JSON lines can be cut mid-record (killed, a full
// disk) and then append the next record without the newline the cut one
// never got: {"time":…,"operationName":"Micro{"time":…}. Read as one line
// that did not parse, both records were lost, the whole one with the cut
// one; two whole records joined (two exports put together with cat, the
// first without its last newline) were lost alike.
//
// joined finds the whole records on such a line. A record is taken only
// where it can be told apart from the text around it: it opens with a
// brace, it is whole JSON, it ends where the line ends or another record
// begins, and, when it follows a broken one, the readers recognise it (a
// family's record, an envelope, a table's row, mamori's own output). So a
// nested object of the cut record is not taken for one: it is followed by
// its parent's comma or brace, not by the line's end; nor is a brace in
// one of its strings: a quote follows it at once only when the string ends
// there, where the next record's first key cannot be what JSON needs
// after a string. What is broken is reported by its place in the line,
// and the cut record is never guessed at. It runs only on lines that did
// not parse: lines that do pay nothing for it. The brief readers
// (activitylog.BriefLine, network.BriefDNS, entra.BriefSignIn) and the
// envelope walk (records) take a line only when it is one JSON value
// throughout, so a joined line always comes here, whatever the hunt wants;
// its records are then read the full way.

// joined reads a line that did not parse as the records written on it one
// after another: whole ones are read, broken ones reported. It reports
// false, having read nothing, when the line begins with no whole record
// and holds none after its broken start: the caller reports the line as
// it did before.
func (w *worker) joined(b []byte, loc event.Location, h record.Hint, lastLine bool) bool {
	wk := jsonwalk.New(b, &w.words)
	defer func() {
		if cap(w.words) > maxJoinedWords {
			w.words = nil // a long broken line's bitmap is not kept for the next
		}
	}()
	next := joinedStart(&wk, h, &w.p) // where the next whole record after a broken one starts
	if next < 0 {
		return false
	}
	for at := 0; at < len(b); {
		l := loc
		l.Offset += int64(at)
		if end := wholeAt(&wk, at); end >= 0 {
			w.whole(b[at:end], l, h)
			at = jsonwalk.SkipWS(b, end)
			continue
		}
		if next <= at {
			next = nextRecord(&wk, at, at+1, h, &w.p)
		}
		if next < 0 {
			w.broken(b[at:], l, h, lastLine, -1)
			break
		}
		w.broken(b[at:next], l, h, false, next)
		at = next
	}
	return true
}

// joinedStart returns where the line's first whole record starts: 0 when
// it opens with one, else the first that follows its broken start
// (nextRecord); -1 when it holds none, and joined reads nothing.
func joinedStart(wk *jsonwalk.Walker, h record.Hint, p *fastjson.Parser) int {
	if wholeAt(wk, 0) >= 0 {
		return 0
	}
	return nextRecord(wk, 0, 1, h, p)
}

// maxJoinedWords bounds the bitmap words a worker keeps from one line to
// the next (two per 64 bytes): those of a line of 256 KiB, a batch's.
const maxJoinedWords = 2 * chunkCap / 64

// wholeAt returns the end of the object that starts at i when it is whole
// and what follows it on the line is another object or nothing; else -1.
func wholeAt(wk *jsonwalk.Walker, i int) int {
	b := wk.B
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	end := wk.SkipValue(i, 0)
	if end < 0 {
		return -1
	}
	if j := jsonwalk.SkipWS(b, end); j < len(b) && b[j] != '{' {
		return -1
	}
	return end
}

// nextRecord returns where, at or after from, the first whole record the
// readers recognise starts (wholeAt, known), or -1. An object that
// follows a list's opening or comma (at the start of the line, or after
// at) is that list's element, not a record written after a broken one:
// salvage reads it so.
func nextRecord(wk *jsonwalk.Walker, at, from int, h record.Hint, p *fastjson.Parser) int {
	b := wk.B
	for from < len(b) {
		i := bytes.IndexByte(b[from:], '{')
		if i < 0 {
			return -1
		}
		next := from + i
		if end := wholeAt(wk, next); end >= 0 && !inList(wk, at, next) {
			if v, err := p.ParseBytes(b[next:end]); err == nil && known(v, h) {
				return next
			}
		}
		from = next + 1
	}
	return -1
}

// inList reports whether the object at next is the next element of a
// list the text from at opens (an array, an envelope's records or value),
// its elements before it whole.
func inList(wk *jsonwalk.Walker, at, next int) bool {
	b, head := wk.B, wk.B[at:next]
	start := -1
	if i := jsonwalk.SkipWS(head, 0); i < len(head) && head[i] == '[' {
		start = i + 1
	} else if start = recordsStart(head); start < 0 {
		start = listStart(head, `"value"`)
	}
	if start < 0 {
		return false
	}
	for i := at + start; ; i++ {
		if i = jsonwalk.SkipWS(b, i); i >= next {
			return true // the list's next element is the object
		}
		if i = wk.SkipValue(i, 1); i < 0 || i >= next {
			return false
		}
		if i = jsonwalk.SkipWS(b, i); i >= next || b[i] != ',' {
			return false
		}
	}
}

// holdsJoined reports whether a line that is not one JSON value holds
// whole records joined would read: one followed by another, or one after a
// broken start. A file whose first lines are such is JSON lines, not a
// document (jsonMode); a line that starts with a comma is a document's,
// a list written a record a line, comma first.
func holdsJoined(line []byte) bool {
	if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == ',' {
		return false
	}
	var words []uint64
	wk := jsonwalk.New(line, &words)
	var p fastjson.Parser
	return joinedStart(&wk, jsonHint, &p) >= 0
}

// known reports whether v is something the readers recognise: a record
// of some family, an envelope of records, a row of a table mamori does not
// read, or mamori's own output; not whatever object happens to be whole.
func known(v *fastjson.Value, h record.Hint) bool {
	if v.Type() != fastjson.TypeObject {
		return false
	}
	var a fastjson.Arena // a query API's rows are made only for a table's envelope
	if envelope(v, &a) != nil {
		return true
	}
	if _, _, ok := classify(v, h); ok {
		return true
	}
	return ownRecord(v) != "" || tableOf(v, h) != ""
}

// whole reads one whole record of a joined line, as record reads a line.
func (w *worker) whole(b []byte, loc event.Location, h record.Hint) {
	v, err := w.p.ParseBytes(b)
	if err != nil { // not seen: the walker accepts nothing fastjson rejects
		w.t.records++
		w.skip(loc, fmt.Errorf("invalid JSON: %s", shortErr(err)))
		return
	}
	w.text = b
	w.value(v, loc, h, 0)
	w.text = nil
}

// broken reports the part of a joined line that is no whole record; next
// is where in the line the record after it starts (read), -1 when the
// line ends with it. A list's records before its break are read, as
// salvage reads them on a line of its own.
func (w *worker) broken(b []byte, loc event.Location, h record.Hint, lastLine bool, next int) {
	v, err := w.p.ParseBytes(b)
	if err == nil { // a value the walk does not take (an array, a number): read as a line's
		w.value(v, loc, h, 0)
		return
	}
	if w.salvage(b, loc, h, lastLine, err, next) {
		return
	}
	w.t.records++
	switch {
	case next >= 0 && strings.HasSuffix(err.Error(), `unparsed tail: ""`):
		// fastjson ran out of text: the record was cut, not mistyped.
		w.skip(loc, fmt.Errorf("record cut short, the next one written after it on the same line (read, from byte %d of the line): %w", next, ErrTruncated))
	case next >= 0:
		w.skip(loc, fmt.Errorf("invalid JSON before the next record on the line (read, from byte %d): %s", next, shortErr(err)))
	case lastLine:
		w.skip(loc, fmt.Errorf("record ends early (a partly written last line?): %w", ErrTruncated))
	default:
		w.skip(loc, fmt.Errorf("invalid JSON: %s", shortErr(err)))
	}
}
