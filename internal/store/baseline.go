package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"
)

// Baseline is first_seen's memory kept in the store (a
// correlate.Baseline and correlate.Forgetter): "when serving, the baseline
// is what the store has seen". A tenant and rule's keys are read from the
// database the first time a hunt asks for them and kept in memory; what a
// cycle changes is written by Store.Commit, in the cycle's transaction.
//
// A key is kept as its hash (keyer), in memory and in the file: a rule
// may group by a command line, whose secrets must not reach the store, and
// first_seen only ever asks whether it has seen a key, never what keys it
// has seen.
type Baseline struct {
	s   *Store
	ctx context.Context

	mu     sync.Mutex
	hasher *keyer                  // keys' hashes, with the store's salt
	keys   map[pair]map[hash]int64 // loaded: tenant, rule -> key's hash -> last seen (Unix ns)
	dirty  map[pair]map[hash]bool  // keys' hashes changed since the last commit
	prunes map[pair]int64          // forget keys last seen before this
	fires  map[pair]map[fire]int64 // loaded: first_seen fires (FireMemory) -> when committed (Unix ns, wall; 0 not yet)
	err    error                   // the first failed read: Commit reports it
}

type pair struct{ tenant, rule string }

// Baseline returns the store's first_seen memory. Reads use ctx.
func (s *Store) Baseline(ctx context.Context) *Baseline {
	b := &Baseline{s: s, ctx: ctx, hasher: newKeyer(s.salt)}
	b.reset()
	return b
}

// reset forgets what is in memory, a failed read included: the next
// cycle reads the file again.
func (b *Baseline) reset() {
	b.keys, b.dirty, b.prunes = map[pair]map[hash]int64{}, map[pair]map[hash]bool{}, map[pair]int64{}
	b.fires = map[pair]map[fire]int64{}
	b.err = nil
}

// Drop forgets what is in memory, as a failed commit does: a cycle whose
// hunt failed is read again, and what it recorded must fire again.
func (b *Baseline) Drop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reset()
}

// load returns the keys of p, reading them on first use. A failed read
// leaves them empty and is reported by the next Commit, which then
// refuses to write: a cycle that could not see the baseline must not
// record one.
func (b *Baseline) load(p pair) map[hash]int64 {
	if m, ok := b.keys[p]; ok {
		return m
	}
	m := map[hash]int64{}
	b.keys[p] = m
	b.scan("SELECT key, last_seen FROM baseline WHERE tenant = ? AND rule = ?", p, func(k hash, t []int64) { m[k] = t[0] })
	return m
}

// scan reads p's rows of query, a key and n integers, into add; a row
// whose key is not a hash is passed over (no key matches it). A failed
// read is recorded for Commit to report.
func (b *Baseline) scan(query string, p pair, add func(k hash, ints []int64)) {
	rows, err := b.s.db.QueryContext(b.ctx, query, p.tenant, p.rule)
	if err != nil {
		b.fail(err)
		return
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		b.fail(err)
		return
	}
	var k []byte
	ints := make([]int64, len(cols)-1)
	dst := []any{&k}
	for i := range ints {
		dst = append(dst, &ints[i])
	}
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			b.fail(err)
			return
		}
		if len(k) == len(hash{}) {
			add(hash(k), ints)
		}
	}
	if err := rows.Err(); err != nil {
		b.fail(err)
	}
}

func (b *Baseline) fail(err error) {
	if b.err == nil {
		b.err = fmt.Errorf("store %s: reading the baseline: %w", b.s.path, err)
	}
}

// A hash is what the store keeps of a key: HMAC-SHA-256 keyed with the
// store's salt (keyer). A plain SHA-256 is one dictionary for every
// store: hash a list of user names and regions once, and it tells who did
// what in any store. Keyed, no list hashed in advance matches, two
// stores' baselines share no hash, and a guess must be hashed for each
// store with its salt, which is in the same file: whoever holds the file
// can still test guesses against it, one store at a time.
type hash = [sha256.Size]byte

// Seen implements correlate.Baseline.
func (b *Baseline) Seen(tenant, rule, key string) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.load(pair{tenant, rule})[b.hasher.of(key)]
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, t).UTC(), true
}

// Record implements correlate.Baseline: the latest time is kept.
func (b *Baseline) Record(tenant, rule, key string, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := pair{tenant, rule}
	m := b.load(p)
	k := b.hasher.of(key)
	t := at.UnixNano()
	if old, ok := m[k]; ok && old >= t {
		return
	}
	m[k] = t
	d := b.dirty[p]
	if d == nil {
		d = map[hash]bool{}
		b.dirty[p] = d
	}
	d[k] = true
}

// Forget implements correlate.Forgetter: keys last seen before the
// window would fire anyway, so neither memory nor the file keeps them.
func (b *Baseline) Forget(tenant, rule string, before time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := pair{tenant, rule}
	cut := before.UnixNano()
	for k, t := range b.load(p) {
		if t < cut {
			delete(b.keys[p], k)
			delete(b.dirty[p], k)
		}
	}
	if cut > b.prunes[p] {
		b.prunes[p] = cut
	}
}
