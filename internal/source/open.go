package source

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
)

// Input is one stream to read: a file, or standard input.
type Input struct {
	Name string // the path as the user gave it (or found it), "-" for stdin
	open func() (io.ReadCloser, error)
	from int64  // where a FileSection starts in the file
	line int    // the line number there (0: 1)
	kind string // known container (LinesSection, TextSection): not sniffed
}

// From is where the input starts in its file: 0 but for a section.
func (in Input) From() int64 { return in.from }

// Expand turns the command line's arguments (files, folders walked
// recursively, "-" for standard input) into inputs, in a stable order.
// Hidden files and folders (a leading dot) inside walked folders are
// passed over, as are obvious non-log files by their content later.
//
// Symbolic links: one named as an argument is followed, to a folder too.
// Inside a walked folder, a link to a file is read like the file; a link
// to a folder is not followed (it could lead back up the tree), and is
// named in the error, as is a link that resolves to nothing (dangling, or
// a loop): each would otherwise leave its logs unread without a word.
func Expand(args []string, stdin io.Reader) ([]Input, error) {
	var out []Input
	var errs []error
	for _, a := range args {
		if a == "-" {
			out = append(out, Input{Name: "-", open: func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }})
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			out = append(out, fileInput(a))
			continue
		}
		found, werrs := walk(a)
		errs = append(errs, werrs...)
		out = append(out, found...)
	}
	return out, errors.Join(errs...)
}

// linkInput is the input a symbolic link met inside a walked folder
// stands for: the file it leads to, nil for anything else that is not
// read (a device, a pipe), or an error naming the link when it leads to a
// folder or to nothing.
func linkInput(p string) (*Input, error) {
	st, err := os.Stat(p)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is named once, below
	}
	switch {
	case err != nil:
		return nil, &LinkError{Path: p, Why: "a symbolic link that leads nowhere: " + err.Error()}
	case st.IsDir():
		return nil, &LinkError{Path: p, Why: "a symbolic link to a folder, not followed: name the folder itself to read it"}
	case st.Mode().IsRegular():
		in := fileInput(p)
		return &in, nil
	}
	return nil, nil
}

// LinkError is a symbolic link inside a walked folder that Expand did not
// follow. The walk itself went on: everything else under the folder was
// listed, so a caller may still trust the listing as whole (serve forgets
// the files no longer there).
type LinkError struct {
	Path, Why string
}

func (e *LinkError) Error() string { return e.Path + ": " + e.Why }

// SplitLinkErrors separates Expand's error into the links it did not
// follow and the rest (nil when there is none).
func SplitLinkErrors(err error) (links []*LinkError, rest error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	var others []error
	for _, e := range errs {
		if l, ok := e.(*LinkError); ok {
			links = append(links, l)
		} else {
			others = append(others, e)
		}
	}
	return links, errors.Join(others...)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func fileInput(p string) Input {
	return Input{Name: p, open: func() (io.ReadCloser, error) {
		f, err := openFile(p)
		if err != nil {
			return nil, err
		}
		return f, nil
	}}
}

// Limits bound what one input may cost.
type Limits struct {
	MaxRecord       int   // largest record (or line) accepted, bytes
	MaxDecompressed int64 // largest decompressed stream, bytes
	MaxRatio        int64 // largest decompressed:compressed ratio once past 64 MiB
}

// DefaultLimits are generous for real logs (an Event Hub message is at most
// 1 MiB, real logs compress 10-30×) and stop decompression bombs.
func DefaultLimits() Limits {
	return Limits{MaxRecord: 16 << 20, MaxDecompressed: 64 << 30, MaxRatio: 250}
}

var gzipMagic = []byte{0x1f, 0x8b}

// stream is an opened input after decompression, with counters.
type stream struct {
	*bufio.Reader
	closer     io.Closer
	compressed bool
	utf16      bool            // UTF-16 text read as UTF-8 (utf8Stream)
	counted    *countingReader // decompressed bytes
	bom        int             // bytes of a byte-order mark sniff passed over
	bufs       [2]*bufio.Reader
	gz         *gzipReader // the gzip layer, when compressed
}

// Close closes the input and gives the stream's buffers back: nothing
// read from a stream keeps a reference into them (batches copy what they
// carry), and the stream is not read after.
func (s *stream) Close() error {
	for i, b := range s.bufs {
		if b != nil {
			putBuffer(b)
			s.bufs[i] = nil
		}
	}
	if s.gz != nil {
		s.gz.close()
	}
	s.Reader = nil
	return s.closer.Close()
}

// streamBuffer is the size of a stream's buffers: room for the sniff
// (sniffSize), and smaller than a batch of lines, which bufio then reads
// straight into the batch's chunk, where a larger buffer was filled by the
// kernel and copied out again (1 MiB buffers cost the 1 GiB hunt about 6%
// of its CPU and 850 page faults).
const streamBuffer = 128 << 10

// A folder of Azure's hourly files opens thousands of inputs, and making
// and clearing two buffers of 1 MiB (as they were) for each was a tenth of a hunt over such
// a folder (and half its peak memory): they are pooled.
var bufferPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, streamBuffer) }}

func getBuffer(r io.Reader) *bufio.Reader {
	b := bufferPool.Get().(*bufio.Reader)
	b.Reset(r)
	return b
}

func putBuffer(b *bufio.Reader) {
	b.Reset(nil) // hold no reader
	bufferPool.Put(b)
}

// openStream opens an input and undoes gzip (detected by content, not by
// name; concatenated members are read as one stream).
func openStream(in Input, lim Limits) (*stream, error) {
	rc, err := in.open()
	if err != nil {
		return nil, err
	}
	br := getBuffer(rc)
	head, _ := br.Peek(2)
	if !bytes.Equal(head, gzipMagic) {
		c := &countingReader{r: br}
		out := getBuffer(c)
		return utf8Stream(&stream{Reader: out, closer: rc, counted: c, bufs: [2]*bufio.Reader{br, out}}), nil
	}
	// Read member by member, on past a damaged one (gzipReader); a
	// header that is not one is such damage too, said when read.
	gz := newGzipReader(br, lim)
	c := &countingReader{r: gz}
	out := getBuffer(c)
	return utf8Stream(&stream{Reader: out, closer: rc, compressed: true, counted: c, bufs: [2]*bufio.Reader{br, out}, gz: gz}), nil
}

// utf8Stream reads a UTF-16 stream (known by its byte-order mark) as the
// UTF-8 text every reader takes: a responder's export from Windows
// PowerShell 5.1 (> and Out-File write UTF-16) was refused whole. Its
// offsets are then those of the UTF-8 text, as a gzip file's are of what
// it holds, and it is read whole, never on from an offset.
func utf8Stream(s *stream) *stream {
	head, _ := s.Peek(2)
	order := utf16BOM(head)
	if order == nil {
		return s
	}
	s.Discard(2)
	s.Reader = bufio.NewReaderSize(&utf16Reader{r: s.Reader, order: order}, 64<<10)
	s.utf16 = true
	if s.gz != nil { // a line cut by a damaged member is ended in UTF-16
		s.gz.sep = make([]byte, 2)
		order.PutUint16(s.gz.sep, '\n')
	}
	return s
}

// countingReader counts the bytes that pass through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// BytesInput is an input held in memory, for tests and for callers that
// already have the bytes (a message from a queue).
func BytesInput(name string, b []byte) Input {
	return Input{Name: name, open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}
