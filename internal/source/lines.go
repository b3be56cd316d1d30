package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// A JSON lines stream is cut into batches of whole lines: each batch ends
// at the last newline within chunkCap bytes (batchReach) of where it starts. A line
// with no newline in that span is a batch of its own when it ends within
// the record cap, and is reported and passed over otherwise, so the lines
// after it are still read.
//
// Files are read with read(2) into pooled chunks, not mapped: on the
// virtual machines mamori is measured on, reading a mapped file's pages
// costs four to five times the copy (TLB misses through nested paging,
// every 4 KiB), and a hunt of the 1 GiB benchmark file took a fifth
// longer mapped (docs/performance.md, "Files are read, not mapped").

// readLines cuts a JSON lines stream into batches of whole lines. It never
// parses: workers do. A regular file's batches are read by the workers
// themselves (pullLines); a decompressed stream's here, as decompressing
// is a worker's worth of work of its own.
func (fr *fileReader) readLines(s *stream) error {
	c := &lineCutter{fr: fr, s: s, line: max(fr.in.line, 1), off: fr.in.from + int64(s.bom)}
	defer func() { fr.fs.setLines(int64(c.line - max(fr.in.line, 1))) }()
	defer c.close()
	if fr.pulls > 0 && isRegular(s) {
		return fr.pullLines(c)
	}
	for !c.done {
		if b := c.next(); b != nil && !fr.send(b) {
			b.done()
			return nil
		}
	}
	return c.err
}

// lineCutter cuts a stream of JSON lines into batches, one a call of
// next. Offsets are the file's: a byte-order mark sniff passed over
// counts.
type lineCutter struct {
	fr    *fileReader
	s     *stream
	line  int
	off   int64
	carry []byte    // the start of a line the last batch did not hold
	over  *overLine // a line over the record cap, being read record by record
	done  bool      // the stream has ended
	err   error     // the read error that ended it, if any
	// For pullLines: the workers cut batches one at a time, and give
	// back a pull once they have.
	mu    sync.Mutex
	pulls chan struct{}
}

// next reads the stream's next batch of lines; nil when there is none to
// read (the end, a line too long, passed over).
func (c *lineCutter) next() *batch {
	fr := c.fr
	if c.over != nil {
		return c.overBatch()
	}
	chunk := getChunk()
	buf := chunk[:0:fr.batchReach()]
	buf = append(buf, c.carry...)
	n, err := io.ReadFull(c.s, buf[len(buf):cap(buf)])
	buf = buf[:len(buf)+n]
	if err != nil {
		// The end, or a read error (a truncated gzip stream, a bomb): use
		// what came before it; readLines says what happened.
		c.done = true
		if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			c.err = err
		}
		if len(buf) == 0 {
			putChunk(chunk)
			return nil
		}
		b := &batch{fs: fr.fs, data: buf, lines: true, firstLine: c.line, baseOff: c.off, last: true, chunk: chunk}
		c.line += bytes.Count(buf, nl) // for FileStats.Lines
		return b
	}
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 {
		// One line fills the whole chunk: read it to its end.
		b, over, done, n, err := fr.longLine(c.s, chunk, buf, c.line, c.off)
		c.carry = c.carry[:0]
		if over != nil {
			c.over = over
			return c.overBatch()
		}
		if err != nil || done {
			c.done, c.err = true, err
			return b
		}
		c.off += n
		c.line++
		return b
	}
	c.carry = append(c.carry[:0], buf[i+1:]...)
	data := buf[:i+1]
	b := &batch{fs: fr.fs, data: data, lines: true, firstLine: c.line, baseOff: c.off, chunk: chunk}
	c.line += bytes.Count(data, nl)
	c.off += int64(len(data))
	return b
}

// pullLines has the workers read a regular file's batches: each pull it
// sends asks a worker to cut the next batch, which that worker then reads
// at once, the kernel's copy of it still in its core's cache. Handing
// batches read here to the workers cost them about a tenth more time
// reading (docs/performance.md, "Workers read their own batches"). At most
// fr.pulls are out at a time. The last read marks the stream done; the
// pulls still out then find it so and read nothing. It returns once every
// pull is back all the same, so that a hunt cancelled midway does not close
// the stream under a worker reading it.
func (fr *fileReader) pullLines(c *lineCutter) error {
	c.pulls = make(chan struct{}, fr.pulls)
	for range fr.pulls {
		c.pulls <- struct{}{}
	}
	for {
		<-c.pulls // a worker gives every pull back, cut or (the hunt over) not
		c.mu.Lock()
		done := c.done
		c.mu.Unlock()
		if done || !fr.send(&batch{fs: fr.fs, pull: c}) {
			c.pulls <- struct{}{}
			break
		}
	}
	for range fr.pulls {
		<-c.pulls
	}
	return c.err
}

// take cuts the next batch for a worker; nil when there is none.
func (c *lineCutter) take() *batch {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil
	}
	return c.next()
}

// isRegular reports whether s reads a regular file as it is on disk.
func isRegular(s *stream) bool {
	f, ok := s.closer.(*os.File)
	if !ok || s.compressed || s.utf16 {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode().IsRegular()
}

var nl = []byte{'\n'}

// longLine reads the rest of a line that starts with buf, a full chunk
// (read into chunk, which it gives back), and returns it as a batch of its
// own. A line past the record cap is returned as over, to be read record
// by record (overLine). It returns the line's length with its newline, and
// done when the stream ended.
func (fr *fileReader) longLine(s *stream, chunk, buf []byte, line int, off int64) (b *batch, over *overLine, done bool, n int64, err error) {
	max := fr.lim.MaxRecord
	if len(buf) >= max {
		held := append([]byte(nil), buf...)
		putChunk(chunk)
		return nil, newOverLine(s, held, false, false, max, line, off), false, 0, nil
	}
	l := append(make([]byte, 0, 2*len(buf)), buf...)
	putChunk(chunk)
	for len(l) < max {
		rest, err := s.ReadSlice('\n')
		l = append(l, rest...)
		one := &batch{fs: fr.fs, data: l, lines: true, firstLine: line, baseOff: off}
		switch {
		case err == nil && len(l)-1 < max:
			return one, nil, false, int64(len(l)), nil
		case err == nil:
			return nil, newOverLine(s, l, true, false, max, line, off), false, 0, nil
		case errors.Is(err, errBufferFull):
		case errors.Is(err, io.EOF) && len(l) >= max:
			return nil, newOverLine(s, l, true, true, max, line, off), false, 0, nil
		case errors.Is(err, io.EOF):
			one.last = true
			return one, nil, true, int64(len(l)), nil
		default:
			one.last = true
			return one, nil, true, int64(len(l)), err
		}
	}
	return nil, newOverLine(s, l, false, false, max, line, off), false, 0, nil
}

// tooLong reports a line longer than the record cap.
func (fr *fileReader) tooLong(line int, off int64) {
	fr.fail(line, off, fmt.Errorf("line longer than %d bytes: %w (raise --max-record)", fr.lim.MaxRecord, ErrTooLarge))
}

// skipLine discards the rest of the current line, newline included.
func skipLine(s *stream) (int64, error) {
	var n int64
	for {
		b, err := s.ReadSlice('\n')
		n += int64(len(b))
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, errBufferFull) {
			return n, err
		}
	}
}
