package engine

import (
	"errors"
	"os"
	"slices"
	"sync"
)

// DefaultMemory is how many bytes of encoded hits a hunt holds in memory
// (all workers together) before it sorts them and writes them to a
// temporary file. It is small because the hunt runs with a high GC target
// (mamori hunt sets 400%): each live byte costs about five of RSS.
const DefaultMemory = 8 << 20

// hitSeq is every kept hit, duplicates removed, in event-time order
// (byTime): in memory, or as sorted runs on disk merged as they are read.
// It can be read more than once, always in the same order.
type hitSeq struct {
	mem   []entry
	runs  []string
	spill *spiller
}

// each calls fn with every hit's encoding, valid only during the call.
func (s *hitSeq) each(fn func(rec []byte) error) error {
	if s.runs == nil {
		for _, e := range s.mem {
			if err := fn(e.rec); err != nil {
				return err
			}
		}
		return nil
	}
	return s.spill.merge(s.runs, byTime, func(e entry) error { return fn(e.rec) })
}

// memory is the budget for hits held in memory.
func (e *Engine) memory() int {
	if e.Memory <= 0 {
		return DefaultMemory
	}
	return e.Memory
}

// share is one worker's part of the budget. It is at least 1 MiB (unless
// the budget is smaller), so that with many cores runs do not become
// tiny and many; memory is then up to workers × 1 MiB.
func (e *Engine) share() int {
	m := e.memory()
	return max(m/len(e.work), min(m, 1<<20))
}

// keepHit stores a worker's encoded hit, spilling the worker's hits to a
// sorted run when they exceed its share of the budget.
func (e *Engine) keepHit(ws *workerState, rec []byte) {
	if ws.buf == nil {
		ws.buf = newHitBuf(e.share())
	}
	ws.buf.add(rec)
	ws.hits++
	if ws.buf.size > e.share() {
		if err := e.spillWorker(ws); err != nil {
			e.fail(err)
		}
	}
}

// spillWorker sorts a worker's hits by record and writes them as a run,
// dropping the duplicates it sees on the way.
func (e *Engine) spillWorker(ws *workerState) error {
	if ws.buf == nil || len(ws.buf.ents) == 0 {
		return nil
	}
	slices.SortFunc(ws.buf.ents, byRecord)
	path, err := e.spill.writeRun(ws.buf.ents, sameRecord)
	ws.buf.reset()
	if err != nil {
		return err
	}
	e.runsMu.Lock()
	e.runs = append(e.runs, path)
	e.runsMu.Unlock()
	return nil
}

// sorted removes duplicate hits (the same record under the same rule,
// the earliest kept) and orders the rest by event time. Hits that fit the
// budget are sorted in memory. Otherwise it is an external sort in two
// passes, each over runs on disk: the runs sorted by record are merged to
// drop duplicates, and what is left is sorted again, by time, into new
// runs that are merged as they are read.
func (e *Engine) sorted() (*hitSeq, Stats, error) {
	var st Stats
	for i := range e.work {
		st.Hits += e.work[i].hits
	}
	if len(e.runs) == 0 {
		var all []entry
		for i := range e.work {
			if b := e.work[i].buf; b != nil {
				all = append(all, b.ents...)
			}
		}
		slices.SortFunc(all, byRecord)
		all = slices.CompactFunc(all, sameRecord)
		st.Duplicates = st.Hits - len(all)
		slices.SortFunc(all, byTime)
		return &hitSeq{mem: all}, st, nil
	}
	// Everything goes to disk, so the memory of the first pass is free
	// for the second. Each worker's hits are sorted and written on a
	// goroutine of their own: the workers are done, the cores are free.
	errs := make([]error, len(e.work))
	var wg sync.WaitGroup
	for i := range e.work {
		wg.Go(func() {
			errs[i] = e.spillWorker(&e.work[i])
			e.work[i].buf = nil
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, st, err
	}
	runs, err := e.spill.reduce(e.runs, byRecord)
	if err != nil {
		return nil, st, err
	}
	kept, timed, err := e.dedupRuns(runs)
	if err != nil {
		return nil, st, err
	}
	st.Duplicates = st.Hits - kept
	return timed, st, nil
}

// dedupRuns merges runs sorted by record, keeps the first hit of each
// record and rule, and sorts those by time: in memory if they fit the
// budget, else into runs.
//
// The budget is split between two buffers: while one is sorted and
// written on a goroutine of its own, the merge fills the other, so on two
// cores the writing costs no time, and memory stays within the budget.
func (e *Engine) dedupRuns(runs []string) (int, *hitSeq, error) {
	budget := e.memory()
	half := max(budget/2, 1)
	buf, spare := newHitBuf(half), newHitBuf(half)
	var timed []string
	var prev []byte // the last kept record, for its rule and key
	kept := 0
	// One write at most is in flight; wait returns its error.
	var flushing chan error
	wait := func() error {
		if flushing == nil {
			return nil
		}
		err := <-flushing
		flushing = nil
		return err
	}
	flush := func() error {
		if err := wait(); err != nil {
			return err
		}
		full := buf
		buf, spare = spare, full
		f, err := e.spill.create()
		if err != nil {
			return err
		}
		timed = append(timed, f.Name())
		flushing = make(chan error, 1)
		go func(done chan<- error) {
			slices.SortFunc(full.ents, byTime)
			err := writeEntries(f, full.ents, nil)
			full.reset()
			done <- err
		}(flushing)
		return nil
	}
	err := e.spill.merge(runs, byRecord, func(en entry) error {
		if p, ok := entryOf(prev); ok && sameRecord(p, en) {
			return nil
		}
		prev = append(prev[:0], en.rec...)
		kept++
		if e.probe != nil && kept%probeEvery == 0 {
			e.probe()
		}
		buf.add(en.rec)
		if buf.size > half {
			return flush()
		}
		return nil
	})
	if werr := wait(); err == nil {
		err = werr
	}
	for _, p := range runs {
		os.Remove(p) // read: the second pass needs the disk, not these
	}
	if err != nil {
		return 0, nil, err
	}
	if timed == nil {
		slices.SortFunc(buf.ents, byTime)
		return kept, &hitSeq{mem: buf.ents}, nil
	}
	if len(buf.ents) > 0 {
		if err := flush(); err != nil {
			return 0, nil, err
		}
		if err := wait(); err != nil {
			return 0, nil, err
		}
	}
	timed, err = e.spill.reduce(timed, byTime)
	return kept, &hitSeq{runs: timed, spill: &e.spill}, err
}
