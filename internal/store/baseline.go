package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Baseline is first_seen's memory kept in the store (a
// correlate.Baseline and correlate.Forgetter): "when serving, the baseline
// is what the store has seen". A tenant and rule's keys are read from the
// database the first time a hunt asks for them and kept in memory; what a
// cycle changes is written by Store.Commit, in the cycle's transaction.
type Baseline struct {
	s   *Store
	ctx context.Context

	mu     sync.Mutex
	keys   map[pair]map[string]int64 // loaded: tenant, rule -> key -> last seen (Unix ns)
	dirty  map[pair]map[string]bool  // keys changed since the last commit
	prunes map[pair]int64            // forget keys last seen before this
	err    error                     // the first failed read: Commit reports it
}

type pair struct{ tenant, rule string }

// Baseline returns the store's first_seen memory. Reads use ctx.
func (s *Store) Baseline(ctx context.Context) *Baseline {
	b := &Baseline{s: s, ctx: ctx}
	b.reset()
	return b
}

// reset forgets what is in memory, a failed read included: the next
// cycle reads the file again.
func (b *Baseline) reset() {
	b.keys, b.dirty, b.prunes = map[pair]map[string]int64{}, map[pair]map[string]bool{}, map[pair]int64{}
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
func (b *Baseline) load(p pair) map[string]int64 {
	if m, ok := b.keys[p]; ok {
		return m
	}
	m := map[string]int64{}
	b.keys[p] = m
	rows, err := b.s.db.QueryContext(b.ctx, "SELECT key, last_seen FROM baseline WHERE tenant = ? AND rule = ?", p.tenant, p.rule)
	if err != nil {
		b.fail(err)
		return m
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var t int64
		if err := rows.Scan(&k, &t); err != nil {
			b.fail(err)
			return m
		}
		m[k] = t
	}
	if err := rows.Err(); err != nil {
		b.fail(err)
	}
	return m
}

func (b *Baseline) fail(err error) {
	if b.err == nil {
		b.err = fmt.Errorf("store %s: reading the baseline: %w", b.s.path, err)
	}
}

// Seen implements correlate.Baseline.
func (b *Baseline) Seen(tenant, rule, key string) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.load(pair{tenant, rule})[key]
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
	t := at.UnixNano()
	if old, ok := m[key]; ok && old >= t {
		return
	}
	m[key] = t
	d := b.dirty[p]
	if d == nil {
		d = map[string]bool{}
		b.dirty[p] = d
	}
	d[key] = true
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
