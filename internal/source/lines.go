package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
// parses: workers do.
func (fr *fileReader) readLines(s *stream) error {
	// Offsets are the file's: a byte-order mark sniff passed over counts.
	line, off := max(fr.in.line, 1), fr.in.from+int64(s.bom)
	var carry []byte
	for {
		buf := getChunk()[:0:fr.batchReach()]
		buf = append(buf, carry...)
		carry = nil
		n, err := io.ReadFull(s, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			// A read error (a truncated gzip stream, a bomb): use what came
			// before it, then say what happened.
			if len(buf) > 0 {
				fr.send(&batch{fs: fr.fs, data: buf, lines: true, firstLine: line, baseOff: off, last: true, pooled: true})
			}
			return err
		}
		if err != nil {
			if len(buf) > 0 {
				fr.send(&batch{fs: fr.fs, data: buf, lines: true, firstLine: line, baseOff: off, last: true, pooled: true})
			}
			return nil
		}
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 {
			// One line fills the whole chunk: read it to its end.
			done, n, err := fr.longLine(s, buf, line, off)
			if err != nil || done {
				return err
			}
			off += n
			line++
			continue
		}
		carry = append(carry, buf[i+1:]...)
		data := buf[:i+1]
		fr.send(&batch{fs: fr.fs, data: data, lines: true, firstLine: line, baseOff: off, pooled: true})
		line += bytes.Count(data, nl)
		off += int64(len(data))
	}
}

var nl = []byte{'\n'}

// longLine reads the rest of a line that starts with buf, a full chunk,
// and sends it as a batch of its own; past the record cap it reports the
// line and passes over it. It returns the line's length with its newline,
// and done when the stream ended.
func (fr *fileReader) longLine(s *stream, buf []byte, line int, off int64) (done bool, n int64, err error) {
	max := fr.lim.MaxRecord
	if len(buf) < max {
		l := append(make([]byte, 0, 2*len(buf)), buf...)
		putChunk(buf)
		for len(l) < max {
			b, err := s.ReadSlice('\n')
			l = append(l, b...)
			switch {
			case err == nil && len(l)-1 < max:
				fr.send(&batch{fs: fr.fs, data: l, lines: true, firstLine: line, baseOff: off})
				return false, int64(len(l)), nil
			case err == nil:
				fr.tooLong(line, off)
				return false, int64(len(l)), nil
			case errors.Is(err, errBufferFull):
			case errors.Is(err, io.EOF) && len(l) >= max:
				fr.tooLong(line, off)
				return true, 0, nil
			case errors.Is(err, io.EOF):
				fr.send(&batch{fs: fr.fs, data: l, lines: true, firstLine: line, baseOff: off, last: true})
				return true, int64(len(l)), nil
			default:
				fr.send(&batch{fs: fr.fs, data: l, lines: true, firstLine: line, baseOff: off, last: true})
				return true, int64(len(l)), err
			}
		}
		buf = l
	} else {
		putChunk(buf)
	}
	skipped, err := skipLine(s)
	fr.tooLong(line, off)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return true, 0, nil
		}
		return true, 0, err
	}
	return false, int64(len(buf)) + skipped, nil
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
