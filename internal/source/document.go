package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/slab"
)

var errBufferFull = bufio.ErrBufferFull

// docScanner splits a JSON document that spans many lines (a portal
// download, `az monitor activity-log list`, a Graph page, a pretty-printed
// {"records":[…]} blob) into its records without holding the whole
// document: the elements of a top-level array, and of a "records" or
// "value" array at the top of an object, come out one at a time. Other
// top-level objects come out whole. It checks structure only; the worker's
// parser validates each record.
type docScanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte in buf
	mark int   // start of the value being kept, -1 when none
	base int64 // stream offset of buf[0]
	line int   // line number at buf[lpos]
	lpos int
	eof  bool
	rerr error
	max  int
	lent []byte // the pooled buffer buf started as (docBuffers), or nil
}

// docBufferSize is a document scanner's first buffer; it grows for a
// record larger than it.
const docBufferSize = 256 << 10

// docBuffers holds the scanners' first buffers: a folder of hourly blobs
// is thousands of documents, and a fresh 256 KiB for each (zeroed, new
// pages) was about 570 MB of allocation over a simulated large tenant.
var docBuffers = slab.For(docBufferSize)

// newDocScanner scans r into buf (empty; it grows past its capacity for a
// record larger than it).
func newDocScanner(r io.Reader, max int, buf []byte) *docScanner {
	return &docScanner{r: r, buf: buf[:0], mark: -1, line: 1, max: max}
}

// newPooledDocScanner is newDocScanner with a pooled buffer: call close
// when done, after which no record it gave may be read.
func newPooledDocScanner(r io.Reader, max int) *docScanner {
	d := newDocScanner(r, max, docBuffers.Get())
	d.lent = d.buf
	return d
}

// close gives the pooled buffer back (the first one: one grown past it is
// the collector's).
func (d *docScanner) close() {
	if d.lent != nil {
		docBuffers.Put(d.lent)
		d.lent, d.buf = nil, nil
	}
}

// fill reads more input, first dropping bytes nobody needs any more.
func (d *docScanner) fill() bool {
	if d.eof {
		return false
	}
	keep := d.pos
	if d.mark >= 0 && d.mark < keep {
		keep = d.mark
	}
	if keep > 0 {
		d.lineAt(keep)
		copy(d.buf, d.buf[keep:])
		d.buf = d.buf[:len(d.buf)-keep]
		d.base += int64(keep)
		d.pos -= keep
		d.lpos -= keep
		if d.mark >= 0 {
			d.mark -= keep
		}
	}
	if len(d.buf) == cap(d.buf) {
		d.buf = append(d.buf, make([]byte, cap(d.buf))...)[:len(d.buf)]
	}
	n, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
	d.buf = d.buf[:len(d.buf)+n]
	if err != nil {
		d.eof = true
		if !errors.Is(err, io.EOF) {
			d.rerr = err
		}
	}
	return n > 0 || !d.eof
}

// lineAt returns the line number of buf[p].
func (d *docScanner) lineAt(p int) int {
	if p > d.lpos {
		d.line += bytes.Count(d.buf[d.lpos:p], nl)
		d.lpos = p
	}
	return d.line
}

// peek returns the next byte that is not white space, reading as needed.
func (d *docScanner) peek() (byte, bool) {
	for {
		for d.pos < len(d.buf) {
			switch c := d.buf[d.pos]; c {
			case ' ', '\t', '\r', '\n':
				d.pos++
			default:
				return c, true
			}
		}
		if !d.fill() {
			return 0, false
		}
	}
}

// errStructure is a document that is not JSON past some point.
type errStructure struct {
	line int
	msg  string
	cut  bool // the text ended inside a value: cut short, not mistyped
}

func (e *errStructure) Error() string { return e.msg }

func (d *docScanner) bad(format string, a ...any) error {
	return &errStructure{line: d.lineAt(d.pos), msg: fmt.Sprintf(format, a...)}
}

func (d *docScanner) truncated() error {
	if d.rerr != nil {
		return d.rerr
	}
	return &errStructure{line: d.lineAt(min(d.pos, len(d.buf))), msg: "document ends inside a record: " + ErrTruncated.Error(), cut: true}
}

// skipValue moves past one JSON value starting at pos (after white space),
// tracking nesting and strings. Values bigger than the record cap are
// still skipped, but not kept: kept reports whether they fit.
func (d *docScanner) skipValue() (kept bool, err error) {
	if _, ok := d.peek(); !ok {
		return false, d.truncated()
	}
	depth := 0
	kept = true
	for {
		if d.pos >= len(d.buf) {
			if d.mark >= 0 && d.pos-d.mark > d.max {
				d.mark, kept = -1, false // too big to keep: stop holding it
			}
			if !d.fill() {
				return false, d.truncated()
			}
			continue
		}
		c := d.buf[d.pos]
		switch c {
		case '"':
			if err := d.skipString(); err != nil {
				return false, err
			}
			if depth == 0 {
				return kept, nil
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return false, d.bad("unexpected %q", c)
			}
			if depth == 0 {
				d.pos++
				return kept, nil
			}
		case ',', ':', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return kept, nil // end of a scalar
			}
		default:
			if depth == 0 && !isScalarByte(c) {
				return false, d.bad("unexpected %q", c)
			}
		}
		d.pos++
	}
}

func isScalarByte(c byte) bool {
	return c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// skipString moves past a string starting at pos.
func (d *docScanner) skipString() error {
	d.pos++ // opening quote
	for {
		i := jsonwalk.IndexQuoteOrBackslash(d.buf[d.pos:])
		if i < 0 {
			d.pos = len(d.buf)
			if d.mark >= 0 && d.pos-d.mark > d.max {
				d.mark = -1
			}
			if !d.fill() {
				return d.truncated()
			}
			continue
		}
		d.pos += i
		if d.buf[d.pos] == '"' {
			d.pos++
			return nil
		}
		// A backslash escapes the next byte, which may not be read yet.
		for d.pos+1 >= len(d.buf) {
			if !d.fill() {
				return d.truncated()
			}
		}
		d.pos += 2
	}
}

// readKey returns the object key at pos. Compaction may move the buffer
// while the key is read, so its start is held relative to the mark.
func (d *docScanner) readKey() (string, error) {
	outer := d.mark
	if outer < 0 {
		d.mark = d.pos
	}
	rel := d.pos - d.mark
	if err := d.skipString(); err != nil {
		return "", err
	}
	if d.mark < 0 {
		return "", d.bad("object key longer than the record cap")
	}
	start := d.mark + rel
	k := string(d.buf[start+1 : d.pos-1])
	if outer < 0 {
		d.mark = -1
	}
	return k, nil
}

// expect consumes byte c after white space.
func (d *docScanner) expect(c byte) error {
	got, ok := d.peek()
	if !ok {
		return d.truncated()
	}
	if got != c {
		return d.bad("expected %q, found %q", c, got)
	}
	d.pos++
	return nil
}
