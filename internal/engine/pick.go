package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// A correlation's fire names its member hits by position (ref) among the
// kept hits, and most fires are known only once their window closes,
// long after the hits went by. Where hits were spilled, scan notes where
// each one lies (hitLocs) and pickAt reads the members there, instead of
// merging every run a second time.

// hitLocs records where each kept hit lies in the runs, in the order of
// their refs: eight bytes a hit, on disk, so memory does not grow with
// the hits. The first error sticks.
type hitLocs struct {
	f   *os.File
	w   *bufio.Writer
	n   int
	err error
}

// newHitLocs starts a record of hits' places in the hunt's folder.
func (s *spiller) newHitLocs() (*hitLocs, error) {
	f, err := s.create()
	if err != nil {
		return nil, err
	}
	return &hitLocs{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// locBits are the bits of a place that hold the offset; the run's index
// is above them.
const locBits = 48

// add notes where the next kept hit lies: which run, at what offset.
func (l *hitLocs) add(run int, at int64) {
	if l.err != nil {
		return
	}
	if run < 0 || run >= 1<<(64-locBits) || at < 0 || at >= 1<<locBits {
		l.err = fmt.Errorf("keeping rule hits: a hit at %d in run %d cannot be noted", at, run)
		return
	}
	l.n++
	_, l.err = l.w.Write(binary.LittleEndian.AppendUint64(l.w.AvailableBuffer(), uint64(run)<<locBits|uint64(at)))
}

// done ends the writing.
func (l *hitLocs) done() error {
	if l.err == nil {
		l.err = l.w.Flush()
	}
	return l.err
}

// at says where the hit at ref lies.
func (l *hitLocs) at(ref int) (run int, off int64, err error) {
	if ref < 0 || ref >= l.n {
		return 0, 0, errCorrupt
	}
	var b [8]byte
	if _, err := l.f.ReadAt(b[:], int64(ref)*8); err != nil {
		return 0, 0, fmt.Errorf("keeping rule hits: reading %s: %w", l.f.Name(), err)
	}
	v := binary.LittleEndian.Uint64(b[:])
	return int(v >> locBits), int64(v & (1<<locBits - 1)), nil
}

func (l *hitLocs) close() {
	if l != nil {
		l.f.Close()
	}
}

// pickAt reads the hits at the given refs (a fire's members) where locs
// says they lie in seq's runs.
func (e *Engine) pickAt(seq *hitSeq, locs *hitLocs, whose tenantFor, want map[int]*keptHit) error {
	files := make([]*os.File, len(seq.runs))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	refs := make([]int, 0, len(want))
	for r := range want {
		refs = append(refs, r)
	}
	slices.Sort(refs) // the file is read forward, not that it matters much
	var buf []byte
	for _, ref := range refs {
		run, off, err := locs.at(ref)
		if err != nil {
			return err
		}
		if run >= len(files) {
			return errCorrupt
		}
		if files[run] == nil {
			if files[run], err = os.Open(seq.runs[run]); err != nil {
				return fmt.Errorf("keeping rule hits: %w", err)
			}
		}
		if buf, err = readRecordAt(files[run], off, buf); err != nil {
			return err
		}
		h, err := e.decode(buf, whose)
		if err != nil {
			return err
		}
		want[ref] = h
	}
	return nil
}

// readRecordAt reads the record whose length begins at off, into buf.
func readRecordAt(f *os.File, off int64, buf []byte) ([]byte, error) {
	var head [binary.MaxVarintLen64]byte
	m, err := f.ReadAt(head[:], off)
	if err != nil && !(errors.Is(err, io.EOF) && m > 0) {
		return nil, fmt.Errorf("keeping rule hits: reading %s: %w", f.Name(), orUnexpected(err))
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keeping rule hits: reading %s: %w", f.Name(), err)
	}
	// A length past the file's end is corruption, told before a buffer
	// of that length is made.
	n, k := binary.Uvarint(head[:m])
	if k <= 0 || n > uint64(max(st.Size()-off-int64(k), 0)) {
		return nil, fmt.Errorf("keeping rule hits: reading %s: %w", f.Name(), io.ErrUnexpectedEOF)
	}
	buf = slices.Grow(buf[:0], int(n))[:n]
	if _, err := f.ReadAt(buf, off+int64(k)); err != nil {
		return nil, fmt.Errorf("keeping rule hits: reading %s: %w", f.Name(), orUnexpected(err))
	}
	return buf, nil
}

// orUnexpected says a record cut short is cut short, not at its end.
func orUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// pick reads again the hits at the given positions among those kept (a
// fire's members) when they are held in memory, decoding no other, and
// stops after the last of them: dropped says which hits of seq scan
// dropped, unread which rules' hits it passed over (as scan's).
func (e *Engine) pick(seq *hitSeq, whose tenantFor, unread []bool, dropped []int, want map[int]*keptHit) error {
	ref, i, left := 0, -1, len(want)
	err := seq.each(func(rec []byte) error {
		if en, ok := entryOf(rec); ok && en.in(unread) {
			return nil
		}
		i++
		if len(dropped) > 0 && dropped[0] == i {
			dropped = dropped[1:]
			return nil
		}
		r := ref
		ref++
		if _, ok := want[r]; !ok {
			return nil
		}
		h, err := e.decode(rec, whose)
		want[r] = h
		if left--; err == nil && left == 0 {
			return errPicked
		}
		return err
	})
	if err == errPicked {
		return nil
	}
	return err
}

// errPicked ends pick's pass once every member is read.
var errPicked = errors.New("every member read")
