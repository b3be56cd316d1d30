package engine

import (
	"bufio"
	"container/heap"
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
	// free are read buffers of finished merges: reused, not reallocated
	// for each merge (the garbage would count against the GC target).
	free []*bufio.Reader
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

// writeRun writes sorted entries as a new run (writeEntries).
func (s *spiller) writeRun(ents []entry, drop func(prev, cur entry) bool) (string, error) {
	f, err := s.create()
	if err != nil {
		return "", err
	}
	return f.Name(), writeEntries(f, ents, drop)
}

// writeEntries writes sorted entries to f as one run and closes it: each
// record is its length (uvarint) and its bytes. drop, when set, skips an
// entry (a duplicate of the one before).
func writeEntries(f *os.File, ents []entry, drop func(prev, cur entry) bool) error {
	w := newRunWriter(f)
	for i, e := range ents {
		if drop != nil && i > 0 && drop(ents[i-1], e) {
			continue
		}
		w.write(e.rec)
	}
	return w.close()
}

// runWriter writes records to a run file; the first error sticks.
type runWriter struct {
	f   *os.File
	w   *bufio.Writer
	n   [binary.MaxVarintLen64]byte
	err error
}

func newRunWriter(f *os.File) *runWriter {
	return &runWriter{f: f, w: bufio.NewWriterSize(f, 256<<10)}
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
}

// open opens a run for reading, with a read buffer from the free list.
func (s *spiller) open(path string) (*runReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keeping rule hits: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var br *bufio.Reader
	if n := len(s.free); n > 0 {
		br = s.free[n-1]
		s.free = s.free[:n-1]
		br.Reset(f)
	} else {
		br = bufio.NewReaderSize(f, 32<<10)
	}
	return &runReader{f: f, r: br}, nil
}

// release closes a run and keeps its read buffer for the next merge.
func (s *spiller) release(r *runReader) {
	r.f.Close()
	r.r.Reset(nil)
	s.mu.Lock()
	s.free = append(s.free, r.r)
	s.mu.Unlock()
}

// next reads the following record into cur (valid until the next call);
// io.EOF at the end.
func (r *runReader) next() error {
	n, err := binary.ReadUvarint(r.r)
	if err == io.EOF {
		return io.EOF
	}
	if err != nil || n > 1<<31 {
		return r.corrupt(err)
	}
	if uint64(cap(r.buf)) < n {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		return r.corrupt(err)
	}
	e, ok := entryOf(r.buf)
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

// mergeHeap orders open runs by their current record.
type mergeHeap struct {
	rs  []*runReader
	cmp func(a, b entry) int
}

func (h *mergeHeap) Len() int           { return len(h.rs) }
func (h *mergeHeap) Less(i, j int) bool { return h.cmp(h.rs[i].cur, h.rs[j].cur) < 0 }
func (h *mergeHeap) Swap(i, j int)      { h.rs[i], h.rs[j] = h.rs[j], h.rs[i] }
func (h *mergeHeap) Push(x any)         { h.rs = append(h.rs, x.(*runReader)) }
func (h *mergeHeap) Pop() any {
	r := h.rs[len(h.rs)-1]
	h.rs = h.rs[:len(h.rs)-1]
	return r
}

// merge calls fn with every record of the runs, in cmp order. The entry's
// bytes are valid only during the call.
func (s *spiller) merge(paths []string, order func(a, b entry) int, fn func(entry) error) error {
	h := &mergeHeap{cmp: order}
	var open []*runReader
	defer func() {
		for _, r := range open {
			s.release(r)
		}
	}()
	for _, p := range paths {
		r, err := s.open(p)
		if err != nil {
			return err
		}
		open = append(open, r)
		switch err := r.next(); err {
		case nil:
			h.rs = append(h.rs, r)
		case io.EOF:
		default:
			return err
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		r := h.rs[0]
		if err := fn(r.cur); err != nil {
			return err
		}
		switch err := r.next(); err {
		case nil:
			heap.Fix(h, 0)
		case io.EOF:
			heap.Pop(h)
		default:
			return err
		}
	}
	return nil
}

// reduce merges runs until at most maxFanIn are left, so the final merge
// holds few read buffers however many runs the input made.
func (s *spiller) reduce(paths []string, order func(a, b entry) int) ([]string, error) {
	paths = slices.Clone(paths)
	for len(paths) > maxFanIn {
		f, err := s.create()
		if err != nil {
			return nil, err
		}
		w := newRunWriter(f)
		err = s.merge(paths[:maxFanIn], order, func(e entry) error {
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
