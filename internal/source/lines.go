package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// readLines cuts a JSON lines stream into batches of whole lines. It never
// parses: workers do. A line longer than the record cap is reported and
// passed over up to its end, so the lines after it are still read.
func (fr *fileReader) readLines(s *stream) error {
	line, off := max(fr.in.line, 1), fr.in.from
	var carry []byte
	for {
		buf := getChunk()
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
		end := err != nil
		if end {
			if len(buf) > 0 {
				fr.send(&batch{fs: fr.fs, data: buf, lines: true, firstLine: line, baseOff: off, last: true, pooled: true})
			}
			return nil
		}
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 {
			// One line fills the whole chunk: keep growing it up to the cap.
			if len(buf) >= fr.lim.MaxRecord {
				skipped, err := skipLine(s)
				fr.fail(line, off, fmt.Errorf("line longer than %d bytes: %w (raise --max-record)", fr.lim.MaxRecord, ErrTooLarge))
				putChunk(buf)
				off += int64(len(buf)) + skipped
				line++
				if err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return err
				}
				continue
			}
			carry = append(make([]byte, 0, 2*len(buf)), buf...)
			putChunk(buf)
			continue
		}
		carry = append([]byte(nil), buf[i+1:]...)
		data := buf[:i+1]
		fr.send(&batch{fs: fr.fs, data: data, lines: true, firstLine: line, baseOff: off, pooled: true})
		line += bytes.Count(data, nl)
		off += int64(len(data))
	}
}

var nl = []byte{'\n'}

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
