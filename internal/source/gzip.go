package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// A gzip file is often many members: logs rotated, compressed and put
// together (cat *.gz > all.gz), a collector appending a member a batch.
// One damaged member (a bad sector, a copy cut short with the next member
// appended after it) ended the file: everything after the damage was lost,
// every later member with it, and the report said only "flate: corrupt
// input before offset 529". gzipReader reads a file member by member. When
// one is damaged, the damage is reported (the member, the byte it starts
// at and the byte it failed at, why) and reading goes on at the next
// member's header (1f 8b 08) when there is one. A member found so is taken
// only once it decodes (gzipProbe bytes of text, or all of it with its
// checksum), so three bytes of compressed data that look like a header
// are passed over. The damaged member's text from the damage on is lost,
// never guessed at, and the line it cut is ended there (lineEnd): the next
// member's text starts on a line of its own, and the cut record or row is
// reported, not read joined to the next one.
//
// The next member's header may lie behind where the damage was found: a
// member cut short and the next appended after it read as one deflate
// stream until the decoder chokes, a few hundred bytes past the join and
// seldom over 8 KiB (2,000 such cuts of real logs, session 25: at most
// 6.3 KiB). So the compressed bytes lately read are kept (rawStream), and
// the search starts at the damaged member's second byte, as far back as
// they reach.

// gzipProbe is how much text a member found after damage must decode to
// be taken, unless it ends whole before.
const gzipProbe = 64 << 10

// gzipBuffer is the buffer flate reads the compressed bytes from: a
// *bufio.Reader, which it reads byte by byte without an interface call.
// It is much smaller than the kept bytes (rawStream), so that they reach
// well behind where the decoder is.
const gzipBuffer = 32 << 10

var gzipHeader = []byte{0x1f, 0x8b, 0x08}

// gzipReader is a gzip file's text, member after member, read on past a
// damaged member; it also stops a decompression bomb before it fills
// memory or disk time.
type gzipReader struct {
	raw     *rawStream
	zb      *bufio.Reader
	zr      gzip.Reader
	lim     Limits
	out     int64   // text handed on
	member  int     // members begun, the one being read last
	start   int64   // where the member being read starts in the file
	open    bool    // a member is being read
	pending []byte  // text to hand on before reading more: a found member's first (try)
	probe   []byte  // pending's room
	tail    [2]byte // the last two bytes handed on
	lines   bool    // a line end was handed on
	whole   bool    // a member was read whole
	resumed int64   // where the text of a member read after damage before any whole one starts
	sep     []byte  // what ends a line: "\n", or UTF-16's (utf8Stream)
	// report is told of damage read past, with the offset in the text it
	// cut (onDamage); until it is set, damage met is held in held (the
	// first bytes are read as the stream opens, for a byte-order mark).
	report func(off int64, err error)
	held   []heldDamage
	err    error // what ended the reading
}

type heldDamage struct {
	off int64
	err error
}

// onDamage has report told of damage read past, that met so far first.
// Sniff sets none: it says what a file is, not what is wrong in it.
func (g *gzipReader) onDamage(report func(off int64, err error)) {
	g.report = report
	for _, d := range g.held {
		report(d.off, d.err)
	}
	g.held = nil
}

// gzipBuffers holds flate's buffers, as bufferPool holds the streams': a
// folder of hourly blobs, gzipped, opens thousands.
var gzipBuffers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, gzipBuffer) }}

func newGzipReader(r io.Reader, lim Limits) *gzipReader {
	raw := &rawStream{r: r, win: docBuffers.Get()}
	zb := gzipBuffers.Get().(*bufio.Reader)
	zb.Reset(raw)
	return &gzipReader{raw: raw, zb: zb, lim: lim, sep: nl}
}

// close gives the buffers back: nothing is read after.
func (g *gzipReader) close() {
	if g.raw.win != nil {
		docBuffers.Put(g.raw.win[:0])
		g.raw.win = nil
		g.zb.Reset(nil)
		gzipBuffers.Put(g.zb)
		g.zb = nil
	}
}

func (g *gzipReader) Read(p []byte) (int, error) {
	for {
		if len(g.pending) > 0 {
			n := copy(p, g.pending)
			g.pending = g.pending[n:]
			return g.handed(p[:n])
		}
		if g.err != nil {
			return 0, g.err
		}
		if !g.open {
			g.begin()
			continue
		}
		n, err := g.zr.Read(p)
		if _, herr := g.handed(p[:n]); herr != nil {
			return n, herr
		}
		switch {
		case err == io.EOF: // whole: its checksum and length agree
			g.open, g.whole = false, true
		case err != nil:
			g.open = false
			g.damaged(err, false)
		}
		if n > 0 {
			return n, nil
		}
	}
}

// handed counts text handed on, stops a bomb, and keeps the last bytes.
func (g *gzipReader) handed(b []byte) (int, error) {
	n := len(b)
	g.out += int64(n)
	if !g.lines {
		g.lines = bytes.IndexByte(b, '\n') >= 0
	}
	switch {
	case n == 0:
		return 0, nil
	case n == 1:
		g.tail = [2]byte{g.tail[1], b[0]}
	default:
		g.tail = [2]byte{b[n-2], b[n-1]}
	}
	if g.lim.MaxDecompressed > 0 && g.out > g.lim.MaxDecompressed {
		g.err = fmt.Errorf("gzip: decompressed size passes %d bytes: %w (raise --max-decompressed)", g.lim.MaxDecompressed, ErrTooLarge)
	} else if g.lim.MaxRatio > 0 && g.out > 64<<20 && g.raw.end() > 0 && g.out/g.raw.end() > g.lim.MaxRatio {
		g.err = fmt.Errorf("gzip: expands more than %d× (possible decompression bomb): %w", g.lim.MaxRatio, ErrTooLarge)
	}
	return n, g.err
}

// begin reads the next member's header: the end of the file, or what is
// there instead of a header, is found here.
func (g *gzipReader) begin() {
	g.start = g.pos()
	switch err := g.zr.Reset(g.zb); {
	case err == io.EOF:
		g.err = io.EOF
	case err != nil:
		g.damaged(err, true)
	default:
		g.zr.Multistream(false) // each member's end is seen, and where the next starts
		g.open = true
		g.member++
	}
}

// pos is where in the file the decoder is.
func (g *gzipReader) pos() int64 { return g.raw.pos - int64(g.zb.Buffered()) }

// damaged reports the member (or, header, the bytes where a member's
// header should be) that failed with err and goes on at the next member
// that decodes; without one, err, said in the file's terms, ends the
// reading.
func (g *gzipReader) damaged(err error, header bool) {
	at, cut, member, start := g.pos(), g.out, g.member, g.start
	next := g.resume(start + 1)
	var what string
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) && next < 0 && !header:
		// The file ends inside a member: cut short, as a log still being
		// compressed is.
		g.err = fmt.Errorf("gzip stream ends early after %d compressed bytes: %w", g.raw.end(), ErrTruncated)
		return
	case header && next < 0:
		what = fmt.Sprintf("bytes %d to the end of the file are not a gzip member (%v)", start, err)
	case header:
		what = fmt.Sprintf("bytes %d to %d of the file are not a gzip member (%v)", start, next, err)
	case errors.Is(err, gzip.ErrChecksum):
		// Its text was all read: some of it is wrong, where is not known.
		what = fmt.Sprintf("member %d, from byte %d of the file to byte %d, fails its checksum: its text was read, and some of it is wrong", member, start, at)
	default:
		what = fmt.Sprintf("member %d, from byte %d of the file, cannot be read past byte %d (%v): its text from there on is lost", member, start, at, err)
	}
	if next < 0 {
		// Said by the reader of the text when it stops (the cause is not
		// wrapped: its io.ErrUnexpectedEOF would read as a plain end).
		g.err = fmt.Errorf("damaged gzip member: %s; no member follows it", what)
		return
	}
	err = fmt.Errorf("damaged gzip member: %s; read on from the member at byte %d", what, next)
	if g.report == nil {
		g.held = append(g.held, heldDamage{cut, err})
		return
	}
	g.report(cut, err)
}

// resume finds, from the byte from on, the first member that decodes
// (try) and makes it the one being read, its first text pending after the
// end of the line the damage cut; -1 when the file holds none.
func (g *gzipReader) resume(from int64) int64 {
	for {
		c := g.raw.find(from)
		if c < 0 {
			return -1
		}
		if n, ok := g.try(c); ok {
			g.start = c
			g.member++
			end := g.lineEnd()
			if !g.whole && g.resumed == 0 {
				g.resumed = g.out + int64(len(end))
			}
			g.whole = g.whole || !g.open // read whole by try
			copy(g.probe[probeRoom-len(end):], end)
			g.pending = g.probe[probeRoom-len(end) : probeRoom+n]
			return c
		}
		from = c + 1
	}
}

// probeRoom is the room before a found member's first text for the end of
// the line the damage cut.
const probeRoom = 4

// try decodes the member whose header is at c until it has given
// gzipProbe bytes of text (into probe, after probeRoom) or ended whole;
// it reports false when it fails first.
func (g *gzipReader) try(c int64) (int, bool) {
	g.raw.seek(c)
	g.zb.Reset(g.raw)
	if g.zr.Reset(g.zb) != nil {
		return 0, false
	}
	g.zr.Multistream(false)
	if g.probe == nil {
		g.probe = make([]byte, probeRoom+gzipProbe)
	}
	buf := g.probe[probeRoom:]
	for n := 0; n < len(buf); {
		m, err := g.zr.Read(buf[n:])
		n += m
		if err == io.EOF {
			g.open = false
			return n, true
		}
		if err != nil {
			return 0, false
		}
	}
	g.open = true
	return len(buf), true
}

// lineEnd is what ends the line the damage cut (sep), unless the text
// handed on ended one there; UTF-16 text (utf8Stream) has its unit
// completed first. A first line cut is not ended: the format is told from
// the first lines, and a JSON record cut after a brace or a comma, ended
// there, would read as a document's opening (the whole file then read as
// one, broken at its first record); joined on, the next member's first
// record is read after it (joined).
func (g *gzipReader) lineEnd() []byte {
	var end []byte
	if g.out%int64(len(g.sep)) != 0 {
		end = []byte{0} // a unit cut in two
	}
	if g.lines && (end != nil || !bytes.HasSuffix(g.tail[2-len(g.sep):], g.sep)) {
		end = append(end, g.sep...)
	}
	return end
}

// rawStream reads a gzip file's compressed bytes, keeping the latest (win)
// so that reading can go back to a member found behind where damage was.
type rawStream struct {
	r    io.Reader
	win  []byte // the bytes lately read: win[0] is the file's byte base
	base int64
	pos  int64 // the next byte Read returns
	err  error // r's, once it returned one
}

// end is how many bytes were read from r: the end of those kept.
func (s *rawStream) end() int64 { return s.base + int64(len(s.win)) }

func (s *rawStream) Read(p []byte) (int, error) {
	if s.pos < s.end() {
		n := copy(p, s.win[s.pos-s.base:])
		s.pos += int64(n)
		return n, nil
	}
	if s.err != nil {
		return 0, s.err
	}
	// Read straight into p (flate's buffer, or its own for a stored
	// block), then kept.
	n, err := s.r.Read(p)
	s.keep(p[:n])
	s.pos += int64(n)
	s.err = err
	return n, err
}

// keep adds b, just read, to the kept bytes, forgetting their older half
// when there is no room (and as much more as b needs).
func (s *rawStream) keep(b []byte) {
	if len(b) >= cap(s.win) {
		s.drop(len(s.win))
		s.base += int64(len(b) - cap(s.win))
		b = b[len(b)-cap(s.win):]
	} else if over := len(s.win) + len(b) - cap(s.win); over > 0 {
		s.drop(max(over, len(s.win)-cap(s.win)/2))
	}
	s.win = append(s.win, b...)
}

// drop forgets the d oldest bytes kept.
func (s *rawStream) drop(d int) {
	copy(s.win, s.win[d:])
	s.win = s.win[:len(s.win)-d]
	s.base += int64(d)
}

// fill reads more into the kept bytes; false at the end of the file.
func (s *rawStream) fill() bool {
	if s.err != nil {
		return false
	}
	if len(s.win) == cap(s.win) {
		s.drop(len(s.win) - cap(s.win)/2)
	}
	n, err := s.r.Read(s.win[len(s.win):cap(s.win)])
	s.win = s.win[:len(s.win)+n]
	s.err = err
	return n > 0 || err == nil
}

// seek makes off, a byte still kept, the next one Read returns.
func (s *rawStream) seek(off int64) { s.pos = off }

// find returns where, at or after from (or the oldest byte kept), the
// next member header starts: gzip's magic, deflate, no reserved flag. It
// reads on as needed; -1 when the file ends first.
func (s *rawStream) find(from int64) int64 {
	for {
		from = max(from, s.base)
		w := s.win[from-s.base:]
		for i := 0; ; {
			j := bytes.Index(w[i:], gzipHeader)
			if j < 0 {
				from += int64(max(len(w)-len(gzipHeader)+1, 0)) // a header may span the next read
				break
			}
			if i += j; i+3 >= len(w) {
				from += int64(i) // its flags are not read yet
				break
			}
			if w[i+3]>>5 == 0 {
				return from + int64(i)
			}
			i++
		}
		if !s.fill() {
			return -1
		}
	}
}
