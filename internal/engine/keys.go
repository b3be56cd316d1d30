package engine

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"runtime"
	"slices"
	"sync"
)

// Finding duplicates when hits were spilled: each run of hits has a run
// of key records beside it, what deduplication reads of each hit (its
// header, a hash of its rule and dedup key, the key), sorted by byKey so
// that the copies of one record under one rule meet, earliest first. The
// end of the hunt merges those (about a tenth of the hits' bytes) into a
// dropList, and reads the hits themselves once, by time.

// keyAt is a key record's hash and place in keyScratch.buf: the records
// are sorted by these, comparing integers in one array, a fraction of
// the cost of comparing entries through their bytes.
type keyAt struct {
	hash       uint64
	start, end int
}

// keyRecords makes the key records of ents, sorted by byKey. Its
// buffers are made anew at each spill rather than kept by the worker:
// held from spill to spill they would be live memory all along, and the
// heap's size follows what is live.
func (e *Engine) keyRecords(ents []entry) []entry {
	buf := make([]byte, 0, len(ents)*(headerLen+8+24))
	at := make([]keyAt, 0, len(ents))
	out := make([]entry, 0, len(ents))
	for _, en := range ents {
		key := en.key()
		start := len(buf)
		buf = append(buf, en.rec[:min(headerLen, len(en.rec))]...)
		// The rule is mixed in so that hashes tie only for one rule's key.
		h := maphash.Bytes(e.seeds[0], key) ^ uint64(uint32(en.rule))*0x9e3779b97f4a7c15
		buf = binary.LittleEndian.AppendUint64(buf, h)
		buf = appendBytes(buf, key)
		at = append(at, keyAt{h, start, len(buf)})
	}
	rec := func(k keyAt) entry {
		en, _ := entryOf(buf[k.start:k.end:k.end])
		return en
	}
	slices.SortFunc(at, func(a, b keyAt) int {
		if a.hash != b.hash {
			return cmp.Compare(a.hash, b.hash)
		}
		return byKey(rec(a), rec(b))
	})
	for _, k := range at {
		out = append(out, rec(k))
	}
	return out
}

// keyHash is a key record's hash of rule and key.
func keyHash(e entry) uint64 {
	if len(e.rec) < headerLen+8 {
		return 0
	}
	return binary.LittleEndian.Uint64(e.rec[headerLen:])
}

// keyOf is a key record's dedup key (nil if malformed).
func keyOf(e entry) []byte {
	if len(e.rec) < headerLen+8 {
		return nil
	}
	b := e.rec[headerLen+8:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil
	}
	return b[k : k+int(n)]
}

// byKey orders key records so that those of one rule and key are
// adjacent, earliest first: by hash (one comparison of integers, nearly
// always enough), then rule, key and time. Which rule and key comes first
// does not matter, only that the order is total.
func byKey(a, b entry) int {
	if c := cmp.Compare(keyHash(a), keyHash(b)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.rule, b.rule); c != 0 {
		return c
	}
	if c := bytes.Compare(keyOf(a), keyOf(b)); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec))
}

// splitOffset is where, in a run of key records sorted by byKey, the
// hashes of 1<<63 and more begin: the run's length before the first.
func splitOffset(keys []entry) int64 {
	var n [binary.MaxVarintLen64]byte
	off := int64(0)
	for _, k := range keys {
		if keyHash(k) >= 1<<63 {
			break
		}
		off += int64(binary.PutUvarint(n[:], uint64(len(k.rec))) + len(k.rec))
	}
	return off
}

// sameKey says two key records are of one record under one rule.
func sameKey(a, b entry) bool {
	return a.rule == b.rule && keyHash(a) == keyHash(b) && bytes.Equal(keyOf(a), keyOf(b))
}

// countedCopy says whether a copy of a record under rule counts in
// Stats.Duplicates: not under a rule whose matches are thinned, where
// which copies a worker kept depends on which batches it read, so the
// count would differ between two hunts of the same input (thin.go). A
// garbled header's rule, out of range, is not counted.
func (e *Engine) countedCopy(rule int32) bool {
	return rule >= 0 && int(rule) < len(e.rules) && e.rules[rule].thin == 0
}

// dropList names the copies of duplicated records that the merge by time
// leaves out: for a record and rule seen more than once, its copies at
// times later than its earliest (dropAll, one entry per such time) and,
// when it was seen more than once at its earliest time, all of those but
// the first the merge meets (keepFirst). Among hits of one time and rule
// the merge meets them in the order of their encodings, so the copy kept
// is the one with the least encoding, the one a sort by record would have
// kept. Each entry is a hit's header and key with the mode as its body,
// sorted by time like the hits. The list is empty unless records were
// delivered twice.
type dropList struct {
	mem  []entry
	runs []string
}

// Modes of a dropList entry.
const (
	keepFirst byte = 1 + iota
	dropAll
)

// duplicates merges the runs of key records, sorted by byKey, and says
// which copies to drop and how many it counts (countedCopy). With splits (where
// each run's upper half of hashes begins) and two cores, the two halves
// are merged apart, at the same time: a record and rule's copies share a
// hash, so they are all in one half. This merge is the part of the end
// of the hunt that nothing else overlaps.
func (e *Engine) duplicates(runs []string, splits []int64) (*dropList, int, error) {
	budget := max(e.memory()/4, 1)
	if splits == nil || len(splits) != len(runs) || runtime.GOMAXPROCS(0) < 2 {
		return e.duplicatesIn(runs, nil, budget, true)
	}
	lo, hi := make([]section, len(runs)), make([]section, len(runs))
	for i, at := range splits {
		lo[i], hi[i] = section{0, at}, section{at, -1}
	}
	type half struct {
		d      *dropList
		copies int
		err    error
	}
	var h [2]half
	var wg sync.WaitGroup
	wg.Go(func() { h[0].d, h[0].copies, h[0].err = e.duplicatesIn(runs, lo, max(budget/2, 1), true) })
	wg.Go(func() { h[1].d, h[1].copies, h[1].err = e.duplicatesIn(runs, hi, max(budget/2, 1), false) })
	wg.Wait()
	if err := errors.Join(h[0].err, h[1].err); err != nil {
		return nil, 0, err
	}
	d := &dropList{runs: append(h[0].d.runs, h[1].d.runs...)}
	if len(h[0].d.mem)+len(h[1].d.mem) > 0 {
		d.mem = append(slices.Clip(h[0].d.mem), h[1].d.mem...)
		sortByTime(d.mem)
	}
	var err error
	if d.runs != nil {
		d.runs, err = e.spill.reduce(d.runs, timeOrder)
	}
	return d, h[0].copies + h[1].copies, err
}

// duplicatesIn is duplicates over sections of the runs (nil: whole
// runs). The list is held within budget, else written into runs by time.
// probe says whether to call the memory test's probe. The count is of
// copies (countedCopy).
func (e *Engine) duplicatesIn(runs []string, secs []section, budget int, probe bool) (*dropList, int, error) {
	buf := newHitBuf(budget)
	d := &dropList{}
	flush := func() error {
		sortByTime(buf.ents)
		path, err := e.spill.writeRun(buf.ents)
		buf.reset()
		d.runs = append(d.runs, path)
		return err
	}
	var first, rec []byte // the record's first (earliest) key, a drop entry
	var firstTwice bool   // the first time was seen twice: keepFirst is listed
	var lastSec int64     // the time of the last dropAll listed
	var lastNsec int32
	kept, copies := 0, 0
	err := e.spill.mergeOf(runs, secs, nil, keyOrder, func(en entry) error {
		f, ok := entryOf(first)
		if !ok || !sameKey(f, en) {
			first = append(first[:0], en.rec...)
			firstTwice, lastSec, lastNsec = false, 0, -1
			kept++
			if probe && e.probe != nil && kept%probeEvery == 0 {
				e.probe()
			}
			return nil
		}
		if e.countedCopy(en.rule) {
			copies++
		}
		mode := dropAll
		switch {
		case en.sec == f.sec && en.nsec == f.nsec:
			if firstTwice {
				return nil
			}
			firstTwice, mode = true, keepFirst
		case en.sec == lastSec && en.nsec == lastNsec:
			return nil
		default:
			lastSec, lastNsec = en.sec, en.nsec
		}
		rec = append(appendBytes(append(rec[:0], en.rec[:headerLen]...), keyOf(en)), mode)
		buf.add(rec)
		if buf.size > budget {
			return flush()
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if d.runs == nil {
		sortByTime(buf.ents)
		d.mem = buf.ents
		e.hold(buf) // the list reads its blocks to the end
		return d, copies, nil
	}
	if len(buf.ents) > 0 {
		if err := flush(); err != nil {
			return nil, 0, err
		}
	}
	buf.release()
	d.runs, err = e.spill.reduce(d.runs, timeOrder)
	return d, copies, err
}

// dropFilter reads a dropList alongside the hits, one time and rule at a
// time: the entries of the current one are in modes, by key.
type dropFilter struct {
	m     *merger
	more  bool
	group entry // time and rule of the entries in modes
	begun bool
	modes map[string]byte
}

// filter opens the list for one pass over the hits; nil for a list
// without entries.
func (d *dropList) filter(s *spiller) (*dropFilter, error) {
	if d == nil || d.mem == nil && d.runs == nil {
		return nil, nil
	}
	m, err := s.newMerger(d.runs, [][]entry{d.mem}, timeOrder)
	f := &dropFilter{m: m, modes: map[string]byte{}}
	if err != nil {
		return f, err
	}
	f.more, err = m.next()
	return f, err
}

func (f *dropFilter) close() {
	if f != nil && f.m != nil {
		f.m.close()
	}
}

// keep says whether the merge keeps hit en, the next in time order.
func (f *dropFilter) keep(en entry) (bool, error) {
	if f == nil {
		return true, nil
	}
	if !f.begun || sameInstant(en, f.group) != 0 {
		f.begun, f.group = true, en
		clear(f.modes)
		for f.more {
			d := f.m.cur()
			c := sameInstant(d, en)
			if c > 0 {
				break
			}
			if k, body := d.split(); c == 0 && len(body) == 1 {
				f.modes[string(k)] = body[0]
			}
			var err error
			if f.more, err = f.m.next(); err != nil {
				return false, err
			}
		}
	}
	if len(f.modes) == 0 {
		return true, nil
	}
	k := en.key()
	switch f.modes[string(k)] {
	case keepFirst:
		f.modes[string(k)] = dropAll
		return true, nil
	case dropAll:
		return false, nil
	}
	return true, nil
}

// sameInstant compares two hits' time and rule.
func sameInstant(a, b entry) int {
	return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec), cmp.Compare(a.rule, b.rule))
}
