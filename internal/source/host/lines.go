package host

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// errLongLine is the reason given for a line over the reader's bound: such
// a line is reported and skipped rather than buffered without limit.
func errLongLine(max int) error { return fmt.Errorf("line longer than %d bytes", max) }

// lineReader yields the lines of a text stream with their 1-based numbers,
// without the line ending.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	max  int // longest line kept whole
	num  int
	long bool // the last line returned was cut at max
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line, valid until the following call, or io.EOF.
// A line over lr.max is returned cut, with lr.long set.
func (lr *lineReader) next() ([]byte, error) {
	lr.buf, lr.long = lr.buf[:0], false
	for {
		frag, err := lr.r.ReadSlice('\n')
		if len(lr.buf)+len(frag) > lr.max {
			lr.long = true
			frag = frag[:max(0, lr.max-len(lr.buf))]
		}
		lr.buf = append(lr.buf, frag...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (err != io.EOF || len(lr.buf) == 0) {
			return nil, err
		}
		lr.num++
		return bytes.TrimRight(lr.buf, "\r\n"), nil
	}
}

// stripBOM removes a UTF-8 byte order mark.
func stripBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }

// months are the BSD syslog month abbreviations.
var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// syslogHost returns the host named by a syslog header ("<13>Mar  1
// 00:10:05 vm1 audispd:", RFC 5424 "<13>1 2019-03-01T00:10:05Z vm1 …" or
// rsyslog's "2019-03-01T00:10:05+00:00 vm1 tag:"), or "" when the prefix
// is no header it knows.
func syslogHost(p []byte) string {
	p = bytes.TrimSpace(p)
	if len(p) > 2 && p[0] == '<' {
		if i := bytes.IndexByte(p, '>'); i > 0 && i <= 4 {
			p = p[i+1:]
		}
	}
	f := bytes.Fields(p)
	switch {
	case len(f) >= 4 && isMonth(f[0]):
		return string(f[3])
	case len(f) >= 3 && string(f[0]) == "1" && bytes.ContainsRune(f[1], 'T'):
		return string(f[2])
	case len(f) >= 2 && bytes.ContainsRune(f[0], 'T') && bytes.Count(f[0], []byte(":")) >= 2:
		return string(f[1])
	}
	return ""
}

func isMonth(b []byte) bool {
	for _, m := range months {
		if string(b) == m {
			return true
		}
	}
	return false
}
