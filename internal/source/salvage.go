package source

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/record"
)

// salvage reads, one at a time, the records of a line that did not parse
// as a whole but holds a list of them: an Event Hub message's
// {"records":[…]}, an ARM or Graph page's {"value":[…]}, or an array. One
// bad record, or a line cut short at the end of a file still being
// written, would otherwise lose the fifty lookups or Activity Log records
// beside it, where a pretty-printed envelope loses only the bad one. The
// document scanner splits the line (it checks structure only) and each
// record is parsed alone and reported alone, by its place in the line;
// whatever is wrong outside the records is reported once. next is where
// in the line a record written after this text starts (joined), -1 when
// the text ends the line. It reports false, having read nothing, when the
// line holds no such list.
func (w *worker) salvage(b []byte, loc event.Location, h record.Hint, lastLine bool, whole error, next int) bool {
	if !holdsList(b) {
		return false
	}
	d := newDocScanner(bytes.NewReader(b), len(b), make([]byte, 0, docBufferSize))
	n, bad := 0, 0
	err := d.walk(func(el []byte, _ int, off int64) {
		l := loc
		l.Record, l.Offset = n, loc.Offset+off
		n++
		v, err := w.p.ParseBytes(el)
		if err != nil {
			bad++
			w.t.records++
			w.skip(l, fmt.Errorf("invalid JSON in record %d of the line: %s", l.Record+1, shortErr(err)))
			return
		}
		w.text = el // parsed alone, a record has its own text, as a document's do
		w.value(v, l, h, 0)
		w.text = nil
	})
	if n == 0 {
		return false
	}
	var se *errStructure
	switch {
	case err != nil && next >= 0 && errors.As(err, &se) && se.cut:
		w.t.records++
		w.skip(loc, fmt.Errorf("list cut short after %s, the next record written after it on the same line (read, from byte %d of the line): %w", plural.Count(n, "record", "records"), next, ErrTruncated))
	case err != nil && next >= 0:
		w.t.records++
		w.skip(loc, fmt.Errorf("invalid JSON after record %d of the line, before the next record on it (read, from byte %d): %s", n, next, shortErr(err)))
	case err != nil && lastLine:
		w.t.records++
		w.skip(loc, fmt.Errorf("line ends early after %s (a partly written last line?): %w", plural.Count(n, "record", "records"), ErrTruncated))
	case err != nil:
		w.t.records++
		w.skip(loc, fmt.Errorf("invalid JSON after record %d of the line, rest of line not read: %s", n, shortErr(err)))
	case bad == 0:
		// The records were whole and read: the fault is around them (a
		// bad value of another member).
		w.t.records++
		w.skip(loc, fmt.Errorf("invalid JSON outside the line's records (%s, read): %s", plural.Count(n, "record", "records"), shortErr(whole)))
	}
	return true
}

// holdsList reports whether b opens as a list of records the document
// scanner splits: an array, or an object whose first member is "records"
// or "value" holding one.
func holdsList(b []byte) bool {
	i := jsonwalk.SkipWS(b, 0)
	if i < len(b) && b[i] == '[' {
		return true
	}
	return recordsStart(b) >= 0 || listStart(b, `"value"`) >= 0
}
