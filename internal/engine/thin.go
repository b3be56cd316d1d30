package engine

import (
	"cmp"
	"encoding/binary"
	"slices"
	"time"
)

// Thinning the matches of first_seen's base rules.
//
// A first_seen correlation fires for a match whose key (a principal, a
// tenant's region) no match of that key precedes within its window. A
// match that lies strictly between two others of its key, themselves
// within the window of each other, can never fire nor change what fires:
// the earlier of the two precedes it within the window, and any match
// after it that would see it in its window sees one of the two as well.
// Such a match need not be kept. The base rules of the catalogue's
// first_seen correlations match every compute create, and a tenant's
// creates come from few principals in few regions: on a large hunt, two of
// every three hits were theirs, kept, spilled, merged and fed to
// correlations that could only pass over nearly all of them.
//
// So each worker keeps, per key, the times of the matches it kept, and
// drops a match that falls strictly between two of them lying within the
// window of each other. Logs mostly come in time order, where a new match
// is the latest and has nothing after it: the latest match is held back
// (pending) until a later one comes; it is dropped if that one is within
// the window of the latest kept match, else kept. A match dropped between
// a kept match and the pending one keeps its pair when the pending one is
// dropped in turn: the later match that drops it is within the window of
// the kept match before it. The hunt's last match of a key is always kept,
// so the baseline a service stores for its next cycle is the same.
//
// Only where nothing else can differ: every correlation that reads the
// rule is a first_seen (correlate.Set.FirstSeenWindow), the rule makes no
// alert of its own and does not read whether an address is owned (a hit
// that stops matching at the end could be one of a pair), the hit names
// its tenant and a value for every field its correlations read (a tenant
// or region given at the end could differ per hit), and its dedup key
// holds its time (a copy read from another export, kept in its place, is
// then at the same time).

// thinMargin is taken off the window: times are compared here to the
// nanosecond, by the correlations in their own units, and two copies of
// one record from two exports are equal only to the millisecond.
const thinMargin = time.Second

// thinKeys bounds the keys a worker tracks, and thinTimes the kept times
// it notes per key: past the first, the pending matches are kept and
// tracking starts again; past the second, more are kept than need be.
// Keeping is always right.
const (
	thinKeys  = 4096
	thinTimes = 64
)

// thinSlot is one key's state on one worker.
type thinSlot struct {
	kept    []entry // times of the matches kept, in order (no records)
	pending []byte  // the latest match, held back, encoded; nil for none
	at      entry   // its time
}

// thinWindows gives each rule whose hits may be thinned its window.
func (e *Engine) thinWindows() {
	for _, r := range e.rules {
		if e.corr == nil || !r.silent || r.Compiled.Refreshed() {
			continue
		}
		if w, ok := e.corr.FirstSeenWindow(r.Name); ok && w > thinMargin {
			r.thin = w - thinMargin
		}
	}
}

// offer keeps, holds back or drops hit rec of rule index rule (encoded,
// its needs from needsAt on).
func (e *Engine) offer(ws *workerState, rule int, tenant string, rec []byte, needsAt int) {
	k := binary.LittleEndian.AppendUint32(ws.thinKey[:0], uint32(rule))
	k = append(appendStr(k, tenant), rec[needsAt:]...)
	ws.thinKey = k
	t, _ := entryOf(rec) // a full header: keepHits wrote it
	t.rec = nil          // only its time is kept
	w := e.rules[rule].thin
	s := ws.thin[string(k)]
	if s == nil {
		if len(ws.thin) >= thinKeys {
			e.flushThin(ws)
		}
		if ws.thin == nil {
			ws.thin = map[string]*thinSlot{}
		}
		s = &thinSlot{}
		ws.thin[string(k)] = s
	}
	last := len(s.kept) - 1
	switch {
	case s.pending != nil && later(t, s.at):
		// The latest: the held one is dropped or kept, this one held.
		if last >= 0 && later(s.at, s.kept[last]) && within(s.kept[last], t, w) {
			ws.thinned++
		} else {
			e.keepThin(ws, s, s.pending, s.at)
		}
		s.hold(rec, t)
	case s.pending == nil && (last < 0 || later(t, s.kept[last])):
		s.hold(rec, t)
	case s.between(t, w):
		ws.thinned++
	default:
		e.keepThin(ws, s, rec, t)
	}
}

// between reports whether t lies strictly between two kept matches, or a
// kept one and the pending one, within w of each other.
func (s *thinSlot) between(t entry, w time.Duration) bool {
	i, _ := slices.BinarySearchFunc(s.kept, t, compareTime) // kept[i-1] <= t
	if i == 0 || !later(t, s.kept[i-1]) {
		return false
	}
	for j := i; j < len(s.kept); j++ {
		if later(s.kept[j], t) {
			return within(s.kept[i-1], s.kept[j], w)
		}
	}
	return s.pending != nil && later(s.at, t) && within(s.kept[i-1], s.at, w)
}

// keepThin keeps rec, at t, and notes its time among the key's kept ones.
func (e *Engine) keepThin(ws *workerState, s *thinSlot, rec []byte, t entry) {
	e.keepHit(ws, rec)
	if len(s.kept) >= thinTimes {
		return // any kept matches make pairs: fewer are dropped
	}
	i, _ := slices.BinarySearchFunc(s.kept, t, compareTime)
	s.kept = slices.Insert(s.kept, i, t)
}

// hold makes rec, at t, the pending match (copied: rec is the worker's
// scratch; the one held before was kept or dropped).
func (s *thinSlot) hold(rec []byte, t entry) {
	s.pending, s.at = append(s.pending[:0], rec...), t
}

// flushThin keeps every pending match of the worker and forgets the keys.
func (e *Engine) flushThin(ws *workerState) {
	for _, s := range ws.thin {
		if s.pending != nil {
			e.keepHit(ws, s.pending)
		}
	}
	clear(ws.thin)
}

// compareTime orders entries by their time alone.
func compareTime(a, b entry) int {
	return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec))
}

// later reports whether a's time is after b's.
func later(a, b entry) bool { return compareTime(a, b) > 0 }

// within reports whether b's time is no more than w after a's (a before b).
func within(a, b entry, w time.Duration) bool {
	d := b.sec - a.sec
	if d > int64(w/time.Second)+1 {
		return false
	}
	return time.Duration(d)*time.Second+time.Duration(b.nsec-a.nsec) <= w
}
