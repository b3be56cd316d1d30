package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
)

// maxFanIn bounds the runs merged at once (one read buffer each); more
// runs are first merged into fewer.
const maxFanIn = 64

// spiller owns the hunt's temporary folder of sorted runs: made at the
// first spill, removed (with every run) by close.
type spiller struct {
	parent *string // where the folder goes; "" is os.TempDir()
	mu     sync.Mutex
	dir    string
	closed bool
	// free are read buffers of finished merges, and writers the write
	// buffers of closed runs: reused, not reallocated for each (the
	// garbage would count against the GC target).
	free    []*bufio.Reader
	writers []*bufio.Writer
}

// create opens a new run file in the hunt's temporary folder.
func (s *spiller) create() (*os.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("keeping rule hits: the hunt's temporary files were already removed")
	}
	if s.dir == "" {
		// Only this user reads the folder: hits carry log contents.
		parent := ""
		if s.parent != nil {
			parent = *s.parent
		}
		d, err := os.MkdirTemp(parent, "mamori-hits-")
		if err != nil {
			return nil, fmt.Errorf("keeping rule hits: a temporary folder: %w", err)
		}
		s.dir = d
	}
	f, err := os.CreateTemp(s.dir, "run-*")
	if err != nil {
		return nil, fmt.Errorf("keeping rule hits: %w", err)
	}
	return f, nil
}

// close removes the temporary folder and everything in it.
func (s *spiller) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.dir == "" {
		return nil
	}
	err := os.RemoveAll(s.dir)
	s.dir = ""
	return err
}

// writeRun writes sorted entries as a new run: each record is its length
// (uvarint) and its bytes.
func (s *spiller) writeRun(ents []entry) (string, error) {
	f, err := s.create()
	if err != nil {
		return "", err
	}
	w := s.newRunWriter(f)
	for _, e := range ents {
		w.write(e.rec)
	}
	return f.Name(), w.close()
}

// runWriter writes records to a run file; the first error sticks.
type runWriter struct {
	s   *spiller
	f   *os.File
	w   *bufio.Writer
	n   [binary.MaxVarintLen64]byte
	err error
}

// newRunWriter starts writing f, with a write buffer from the free list.
func (s *spiller) newRunWriter(f *os.File) *runWriter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.writers); n > 0 {
		w := s.writers[n-1]
		s.writers = s.writers[:n-1]
		w.Reset(f)
		return &runWriter{s: s, f: f, w: w}
	}
	return &runWriter{s: s, f: f, w: bufio.NewWriterSize(f, 256<<10)}
}

func (w *runWriter) write(rec []byte) {
	if w.err != nil {
		return
	}
	k := binary.PutUvarint(w.n[:], uint64(len(rec)))
	if _, err := w.w.Write(w.n[:k]); err != nil {
		w.err = err
		return
	}
	_, w.err = w.w.Write(rec)
}

func (w *runWriter) close() error {
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	w.w.Reset(nil)
	w.s.mu.Lock()
	w.s.writers = append(w.s.writers, w.w)
	w.s.mu.Unlock()
	if w.err != nil {
		return fmt.Errorf("keeping rule hits: writing %s: %w", w.f.Name(), w.err)
	}
	return nil
}

// runReader reads a run back, one record at a time.
type runReader struct {
	f   *os.File
	r   *bufio.Reader
	buf []byte
	cur entry
	// held is how many bytes of the reader's buffer cur still points
	// into: they are discarded at the next call, not copied out.
	held int
	// at is where cur's length begins in the file, pos where the next
	// record's does.
	at, pos int64
	// size is the file's: a length that reaches past it is corruption,
	// found before a buffer of that length is made.
	size int64
}

// open opens a run for reading, with a read buffer from the free list.
func (s *spiller) open(path string) (*runReader, error) {
	return s.openPart(path, section{0, -1})
}

// section is a part of a run: the bytes from from to to (-1: the end).
type section struct{ from, to int64 }

// openPart opens a section of a run, which must begin at a record.
func (s *spiller) openPart(path string, sec section) (*runReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keeping rule hits: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("keeping rule hits: %w", err)
	}
	var src io.Reader = f
	if sec.from != 0 || sec.to >= 0 {
		to := sec.to
		if to < 0 {
			to = 1 << 62
		}
		src = io.NewSectionReader(f, sec.from, max(to-sec.from, 0))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var br *bufio.Reader
	if n := len(s.free); n > 0 {
		br = s.free[n-1]
		s.free = s.free[:n-1]
		br.Reset(src)
	} else {
		br = bufio.NewReaderSize(src, runBuffer)
	}
	return &runReader{f: f, r: br, pos: sec.from, size: st.Size()}, nil
}

// runBuffer is a run reader's buffer: records shorter than it are read in
// place, without a copy.
const runBuffer = 32 << 10

// release closes a run and keeps its read buffer for the next merge.
func (s *spiller) release(r *runReader) {
	r.f.Close()
	r.r.Reset(nil)
	s.mu.Lock()
	s.free = append(s.free, r.r)
	s.mu.Unlock()
}

// next reads the following record into cur (valid until the next call);
// io.EOF at the end. A record that fits the read buffer is read where it
// lies (Peek, then Discard at the next call); a longer one is copied.
func (r *runReader) next() error {
	if r.held > 0 {
		r.r.Discard(r.held) // peeked: cannot fail
		r.held = 0
	}
	head, _ := r.r.Peek(binary.MaxVarintLen64) // fewer near the end
	n, k := binary.Uvarint(head)
	if k <= 0 || n > uint64(max(r.size-r.pos-int64(k), 0)) {
		if len(head) == 0 {
			if _, err := r.r.ReadByte(); err == io.EOF {
				return io.EOF
			} else if err != nil {
				return r.corrupt(err)
			}
		}
		return r.corrupt(nil)
	}
	var rec []byte
	r.at = r.pos
	r.pos += int64(k) + int64(n)
	if k+int(n) <= runBuffer {
		b, err := r.r.Peek(k + int(n))
		if err != nil {
			return r.corrupt(err)
		}
		rec, r.held = b[k:], k+int(n)
	} else {
		r.r.Discard(k)
		if uint64(cap(r.buf)) < n {
			r.buf = make([]byte, n)
		}
		r.buf = r.buf[:n]
		if _, err := io.ReadFull(r.r, r.buf); err != nil {
			return r.corrupt(err)
		}
		rec = r.buf
	}
	e, ok := entryOf(rec)
	if !ok {
		return r.corrupt(nil)
	}
	r.cur = e
	return nil
}

func (r *runReader) corrupt(err error) error {
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("keeping rule hits: reading %s: %w", r.f.Name(), err)
}

// reduce merges runs until at most maxFanIn are left, so the final merge
// holds few read buffers however many runs the input made.
func (s *spiller) reduce(paths []string, order ordering) ([]string, error) {
	paths = slices.Clone(paths)
	for len(paths) > maxFanIn {
		f, err := s.create()
		if err != nil {
			return nil, err
		}
		w := s.newRunWriter(f)
		err = s.merge(paths[:maxFanIn], nil, order, func(e entry) error {
			w.write(e.rec)
			return w.err
		})
		if cerr := w.close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		for _, p := range paths[:maxFanIn] {
			os.Remove(p)
		}
		paths = append(paths[maxFanIn:], f.Name())
	}
	return paths, nil
}
