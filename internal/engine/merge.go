package engine

import "io"

// source is one sorted sequence a merge reads: a run on disk, or entries
// sorted in memory (a list of duplicates that fit the budget).
type source struct {
	idx int // among the merge's runs (paths), then its slices (mem)
	run *runReader
	mem []entry
	cur entry
}

// next moves to the source's following record; io.EOF at its end.
func (s *source) next() error {
	if s.run != nil {
		err := s.run.next()
		s.cur = s.run.cur
		return err
	}
	if len(s.mem) == 0 {
		return io.EOF
	}
	s.cur, s.mem = s.mem[0], s.mem[1:]
	return nil
}

// ordering is an order of hits for merging: cmp, and head, two integers
// that order as cmp does wherever they differ. Most comparisons of a merge
// end at the heads, which the merge keeps beside each source.
type ordering struct {
	cmp  func(a, b entry) int
	head func(e entry) [2]uint64
}

// timeOrder is byTime; keyOrder is byKey.
var (
	timeOrder = ordering{byTime, func(e entry) [2]uint64 {
		return [2]uint64{uint64(e.sec) ^ 1<<63, uint64(uint32(e.nsec)^1<<31)<<32 | uint64(uint32(e.rule)^1<<31)}
	}}
	keyOrder = ordering{byKey, func(e entry) [2]uint64 {
		return [2]uint64{keyHash(e), uint64(uint32(e.rule)^1<<31) << 32}
	}}
)

// merger reads sorted sources as one sequence in order: a binary heap of
// the sources by their current record, written out rather than through
// container/heap, whose interface calls cost as much as the comparisons.
type merger struct {
	s     *spiller
	heap  []node
	order ordering
	open  []*runReader
	begun bool
}

// node is a source in the heap, with the head of its current record.
type node struct {
	head [2]uint64
	src  *source
}

func (m *merger) less(a, b *node) bool {
	if a.head != b.head {
		return a.head[0] < b.head[0] || a.head[0] == b.head[0] && a.head[1] < b.head[1]
	}
	return m.order.cmp(a.src.cur, b.src.cur) < 0
}

// newMerger opens the runs and readies a merge of them and of the sorted
// entry slices mem. Call close when done, also after an error.
func (s *spiller) newMerger(paths []string, mem [][]entry, order ordering) (*merger, error) {
	return s.newMergerOf(paths, nil, mem, order)
}

// newMergerOf is newMerger over sections of the runs (secs[i] of
// paths[i]; nil: whole runs).
func (s *spiller) newMergerOf(paths []string, secs []section, mem [][]entry, order ordering) (*merger, error) {
	m := &merger{s: s, order: order}
	srcs := make([]source, 0, len(paths)+len(mem))
	for i, p := range paths {
		sec := section{0, -1}
		if secs != nil {
			sec = secs[i]
		}
		r, err := s.openPart(p, sec)
		if err != nil {
			return m, err
		}
		m.open = append(m.open, r)
		srcs = append(srcs, source{idx: len(srcs), run: r})
	}
	for _, es := range mem {
		srcs = append(srcs, source{idx: len(srcs), mem: es})
	}
	for i := range srcs {
		switch err := srcs[i].next(); err {
		case nil:
			m.heap = append(m.heap, node{order.head(srcs[i].cur), &srcs[i]})
		case io.EOF:
		default:
			return m, err
		}
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	return m, nil
}

// next moves to the following record of the merge; false at the end.
func (m *merger) next() (bool, error) {
	if m.begun && len(m.heap) > 0 {
		top := &m.heap[0]
		switch err := top.src.next(); err {
		case nil:
			top.head = m.order.head(top.src.cur)
		case io.EOF:
			last := len(m.heap) - 1
			m.heap[0] = m.heap[last]
			m.heap = m.heap[:last]
		default:
			return false, err
		}
		m.down(0)
	}
	m.begun = true
	return len(m.heap) > 0, nil
}

// cur is the current record, valid until the next call to next.
func (m *merger) cur() entry { return m.heap[0].src.cur }

// where says which run (its index among the merge's paths) the current
// record is read from, and at what offset its length begins.
func (m *merger) where() (run int, at int64) {
	s := m.heap[0].src
	if s.run == nil {
		return s.idx, -1
	}
	return s.idx, s.run.at
}

func (m *merger) down(i int) {
	h := m.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		j := l
		if r := l + 1; r < len(h) && m.less(&h[r], &h[l]) {
			j = r
		}
		if !m.less(&h[j], &h[i]) {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// close releases the merge's runs.
func (m *merger) close() {
	for _, r := range m.open {
		m.s.release(r)
	}
	m.open = nil
}

// merge calls fn with every record of the runs and of mem, in order. The
// entry's bytes are valid only during the call.
func (s *spiller) merge(paths []string, mem [][]entry, order ordering, fn func(entry) error) error {
	return s.mergeOf(paths, nil, mem, order, fn)
}

// mergeOf is merge over sections of the runs (see newMergerOf).
func (s *spiller) mergeOf(paths []string, secs []section, mem [][]entry, order ordering, fn func(entry) error) error {
	m, err := s.newMergerOf(paths, secs, mem, order)
	defer m.close()
	if err != nil {
		return err
	}
	for {
		ok, err := m.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(m.cur()); err != nil {
			return err
		}
	}
}
