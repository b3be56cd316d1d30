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
// (byTime): in memory, or as runs sorted by time merged as they are read,
// the duplicates that drops lists left out on the way. It can be read
// more than once, always in the same order.
type hitSeq struct {
	mem   []entry  // every hit, when none was spilled
	runs  []string // spilled runs, by time
	drops *dropList
	spill *spiller
}

// each calls fn with every hit's encoding, valid only during the call.
func (s *hitSeq) each(fn func(rec []byte) error) error {
	return s.eachAt(func(rec []byte, _ int, _ int64) error { return fn(rec) })
}

// eachAt is each, also telling fn where the hit lies: in which of runs,
// at what offset (for hits in memory: -1, and the index in mem).
func (s *hitSeq) eachAt(fn func(rec []byte, run int, at int64) error) error {
	if s.runs == nil {
		for i, e := range s.mem {
			if err := fn(e.rec, -1, int64(i)); err != nil {
				return err
			}
		}
		return nil
	}
	m, err := s.spill.newMerger(s.runs, nil, timeOrder)
	defer m.close()
	if err != nil {
		return err
	}
	f, err := s.drops.filter(s.spill)
	defer f.close()
	if err != nil {
		return err
	}
	for {
		ok, err := m.next()
		if err != nil || !ok {
			return err
		}
		en := m.cur()
		keep, err := f.keep(en)
		if err != nil {
			return err
		}
		if keep {
			run, at := m.where()
			if err := fn(en.rec, run, at); err != nil {
				return err
			}
		}
	}
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

// spillWorker writes a worker's hits as two runs: the hits sorted by time,
// which the end of the hunt merges into alerts, and their key records
// (keyRecords), which it merges to find duplicates (see sorted). Sorting
// twice costs less here, on the workers, than a second pass over every
// hit at the end.
func (e *Engine) spillWorker(ws *workerState) error {
	if ws.buf == nil || len(ws.buf.ents) == 0 {
		return nil
	}
	ents := ws.buf.ents
	defer ws.buf.reset()
	keyRecs := e.keyRecords(ents)
	split := splitOffset(keyRecs)
	keys, err := e.spill.writeRun(keyRecs)
	if err != nil {
		return err
	}
	sortByTime(ents)
	path, err := e.spill.writeRun(ents)
	if err != nil {
		return err
	}
	e.runsMu.Lock()
	e.runs = append(e.runs, path)
	e.keys = append(e.keys, keys)
	e.keySplits = append(e.keySplits, split)
	e.runsMu.Unlock()
	return nil
}

// sortByTime sorts hits by byTime. Logs are mostly written in time order
// and a worker keeps its hits in the order it read them, so they often
// are in order already: checking costs one pass, sorting much more.
func sortByTime(ents []entry) {
	if !slices.IsSortedFunc(ents, byTime) {
		slices.SortFunc(ents, byTime)
	}
}

// sorted removes duplicate hits (the same record under the same rule,
// the earliest kept) and orders the rest by event time. Hits that fit the
// budget are sorted in memory. Otherwise the hits are in runs sorted by
// time, which are merged once, as they are read; duplicates are found
// beforehand from the runs of keys alone (a tenth of the bytes): where a
// record was delivered more than once, which copies to leave out (see
// dropList).
func (e *Engine) sorted() (*hitSeq, Stats, error) {
	var st Stats
	for i := range e.work {
		e.flushThin(&e.work[i])
		st.Hits += e.work[i].hits + e.work[i].thinned
	}
	if err := e.Err(); err != nil { // keeping the held-back hits failed
		return nil, st, err
	}
	if len(e.runs) == 0 {
		var all []entry
		for i := range e.work {
			if b := e.work[i].buf; b != nil {
				all = append(all, b.ents...)
			}
		}
		// all reads the workers' blocks to the end: Close releases them.
		slices.SortFunc(all, byRecord)
		// Compact the copies away, counting them as they go.
		n := 0
		for _, en := range all {
			if n > 0 && sameRecord(all[n-1], en) {
				if e.countedCopy(en.rule) {
					st.Duplicates++
				}
				continue
			}
			all[n] = en
			n++
		}
		all = all[:n]
		slices.SortFunc(all, byTime)
		return &hitSeq{mem: all}, st, nil
	}
	// Each worker's last hits are written as runs on a goroutine of
	// their own: the workers are done, the cores are free.
	errs := make([]error, len(e.work))
	var wg sync.WaitGroup
	for i := range e.work {
		wg.Go(func() {
			errs[i] = e.spillWorker(&e.work[i])
			if b := e.work[i].buf; b != nil {
				b.release() // written into runs
			}
			e.work[i].buf = nil
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, st, err
	}
	runs, err := e.spill.reduce(e.runs, timeOrder)
	if err != nil {
		return nil, st, err
	}
	keyRuns, err := e.spill.reduce(e.keys, keyOrder)
	if err != nil {
		return nil, st, err
	}
	var splits []int64 // where each run's upper half of hashes begins
	if len(keyRuns) == len(e.keys) {
		splits = e.keySplits // no run was merged into another
	}
	drops, copies, err := e.duplicates(keyRuns, splits)
	for _, p := range keyRuns {
		os.Remove(p) // read: the merge needs the disk, not these
	}
	if err != nil {
		return nil, st, err
	}
	st.Duplicates = copies
	return &hitSeq{runs: runs, drops: drops, spill: &e.spill}, st, nil
}
