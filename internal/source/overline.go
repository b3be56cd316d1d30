package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/mamori-sec/mamori/internal/plural"
)

// A JSON line longer than the record cap is most often a list of records
// written on one line: a flow log's hourly blob is one {"records":[…]}
// without a newline, tens of MB for a busy network, and compact JSON (jq
// -c, a REST page saved by curl) is one line too. Passed over whole, every
// flow of the hour was lost, a connection to a mining pool among them, and
// raising --max-record only traded that for memory the size of the line.
// So the line is read as a document is, its records one at a time
// (docScanner): only a record itself over the cap is passed over, and
// memory stays that of one record. Lines before and after it are read as
// lines.

// overLine is a line over the record cap being read record by record.
// Its records come out through next, in batches of spans (overBatch),
// on whichever goroutine cuts the file's batches.
type overLine struct {
	next   func() (overRecord, bool)
	stop   func()
	rest   *lineRest // the part of the line not read yet; nil when held whole
	held   int64     // bytes of the line read before it was known to be over the cap
	atEOF  bool      // held is the whole line and the stream ended with it
	line   int
	off    int64 // the line's offset in the file
	first  int64 // offset in the line of its first value: a value there is the line itself
	n      int   // records found
	failed bool  // the walk stopped at a fault, reported
}

// overRecord is one record of the line (b nil: over the cap), or, last,
// the fault that ended the walk.
type overRecord struct {
	b   []byte
	off int64
	err error
}

// newOverLine reads the line that begins with held: its rest from s,
// up to its newline, unless whole says held is all of it.
func newOverLine(s *stream, held []byte, whole, atEOF bool, max, line int, off int64) *overLine {
	o := &overLine{held: int64(len(held)), atEOF: atEOF, line: line, off: off}
	o.first = int64(len(held) - len(bytes.TrimLeft(held, " \t\r")))
	var r io.Reader = bytes.NewReader(held)
	if !whole {
		o.rest = &lineRest{s: s}
		r = io.MultiReader(r, o.rest)
	}
	var records iter.Seq[overRecord] = func(yield func(overRecord) bool) {
		d := newPooledDocScanner(r, max)
		defer d.close() // each record was copied into a batch before the next was asked for
		more := true
		err := d.walk(func(b []byte, _ int, off int64) {
			if more {
				more = yield(overRecord{b: b, off: off})
			}
			if !more && o.rest != nil {
				o.rest.stopped = true // the hunt is over: read no further
			}
		})
		if more && err != nil {
			yield(overRecord{err: err})
		}
	}
	o.next, o.stop = iter.Pull(records)
	return o
}

// overBatch returns the next batch of the line's records, nil when none
// was left to put in one; the line read to its end, the cutter goes on
// past it.
func (c *lineCutter) overBatch() *batch {
	o, fr := c.over, c.fr
	chunk := getChunk()
	b := &batch{fs: fr.fs, data: chunk[:0], chunk: chunk}
	for len(b.data) < chunkSize {
		r, ok := o.next()
		if !ok {
			c.endOver()
			break
		}
		switch {
		case r.err != nil:
			var se *errStructure
			if !errors.As(r.err, &se) {
				continue // a read error: the stream's, said when the line ends (endOver)
			}
			o.failed = true
			if o.atEOF || o.rest != nil && o.rest.eof {
				fr.fail(o.line, o.off, fmt.Errorf("line ends early after %s (a partly written last line?): %w", plural.Count(o.n, "record", "records"), ErrTruncated))
			} else if o.n == 0 {
				// Nothing of it read: a line of something else, not a list
				// broken part way.
				fr.fail(o.line, o.off, fmt.Errorf("invalid JSON, line not read: %s", se.msg))
			} else {
				fr.fail(o.line, o.off, fmt.Errorf("invalid JSON after record %d of the line, rest of line not read: %s", o.n, se.msg))
			}
		case r.b == nil || len(r.b) > fr.lim.MaxRecord:
			// (The scanner keeps a record up to its buffer's size past the
			// cap: the cap is held here.)
			if r.off == o.first {
				fr.tooLong(o.line, o.off) // one record, the whole line
				continue
			}
			o.n++
			fr.fail(o.line, o.off+r.off, fmt.Errorf("record larger than %d bytes: %w (raise --max-record)", fr.lim.MaxRecord, ErrTooLarge))
		default:
			o.n++
			sp := span{start: len(b.data), line: o.line, off: o.off + r.off, hint: jsonHint}
			b.data = append(b.data, r.b...)
			sp.end = len(b.data)
			b.spans = append(b.spans, sp)
		}
	}
	if len(b.spans) == 0 {
		b.done()
		return nil
	}
	return b
}

// endOver moves the cutter past the line: to the next line, or to the end
// of the stream when the line was its last.
func (c *lineCutter) endOver() {
	o := c.over
	c.over = nil
	o.stop()
	n, eof := o.held, o.atEOF
	if r := o.rest; r != nil {
		n += r.n
		if !r.ended && !r.eof && r.err == nil {
			// The walk stopped at a fault before the line's end.
			skipped, err := skipLine(c.s)
			n += skipped
			if err != nil {
				eof = true
				if !errors.Is(err, io.EOF) {
					c.err = err
				}
			}
		}
		if r.eof || r.err != nil {
			eof, c.err = true, r.err
		}
	}
	if eof {
		c.done = true
		return
	}
	c.off += n
	c.line++
}

// close ends a line still being read when the hunt is over.
func (c *lineCutter) close() {
	if c.over != nil {
		c.over.stop()
		c.over = nil
	}
}

// lineRest reads s up to and including its next newline, then reports
// the end.
type lineRest struct {
	s       *stream
	n       int64 // bytes read
	ended   bool  // the newline was read
	eof     bool  // the stream ended first
	err     error // a read error ended it first
	stopped bool
}

func (r *lineRest) Read(p []byte) (int, error) {
	if r.ended || r.eof || r.err != nil || r.stopped {
		return 0, io.EOF
	}
	if r.s.Buffered() == 0 {
		if _, err := r.s.Peek(1); err != nil {
			if !errors.Is(err, io.EOF) {
				r.err = err
				return 0, err
			}
			r.eof = true
			return 0, io.EOF
		}
	}
	b, _ := r.s.Peek(min(len(p), r.s.Buffered()))
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b, r.ended = b[:i+1], true
	}
	n := copy(p, b)
	r.s.Discard(n)
	r.n += int64(n)
	return n, nil
}
