package store

import (
	"context"
	"database/sql"
	"time"
)

// firesTable is schema version 19's addition: when each first_seen that a
// windowed correlation is chained on fired (correlate.FireMemory), by its
// key's hash and the record's time. A service reads such a first_seen's
// records again in the next cycle (they are carried), and by then the key
// is in the baseline, seen: the record it fired on must fire again, or a
// sign-in exported a cycle after the compute it precedes finds nothing to
// pair with. A fire is dropped with its tenant's carried records (the
// cycle's Drop and Stale): once its record is no longer read again, no
// one asks.
const firesTable = `
CREATE TABLE IF NOT EXISTS first_fires (
	tenant TEXT NOT NULL,
	rule   TEXT NOT NULL,
	key    BLOB NOT NULL,
	time   INTEGER NOT NULL,
	since  INTEGER NOT NULL,
	PRIMARY KEY (tenant, rule, key, time)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS first_fires_by_time ON first_fires (tenant, time);
`

// fire is a key's hash and the time (Unix ns) it fired at.
type fire struct {
	key hash
	t   int64
}

// Fired implements correlate.FireMemory.
func (b *Baseline) Fired(tenant, rule, key string, t time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.loadFires(pair{tenant, rule})[fire{b.hasher.of(key), t.UnixNano()}]
	return ok
}

// NoteFire implements correlate.FireMemory.
func (b *Baseline) NoteFire(tenant, rule, key string, t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, f := b.loadFires(pair{tenant, rule}), fire{b.hasher.of(key), t.UnixNano()}
	if _, ok := m[f]; !ok {
		m[f] = 0 // not yet committed (writeFires)
	}
}

// loadFires returns the fires of p, reading them on first use; a failed
// read is reported by the next Commit, as load's are.
func (b *Baseline) loadFires(p pair) map[fire]int64 {
	if m, ok := b.fires[p]; ok {
		return m
	}
	m := map[fire]int64{}
	b.fires[p] = m
	b.scan("SELECT key, time, since FROM first_fires WHERE tenant = ? AND rule = ?", p, func(k hash, v []int64) { m[fire{k, v[0]}] = v[1] })
	return m
}

// writeFires saves the cycle's new fires (those not yet committed),
// noted at now: the cycle's wall time, as its carried records are.
func (b *Baseline) writeFires(ctx context.Context, tx *sql.Tx, now time.Time) error {
	var st *sql.Stmt
	for p, m := range b.fires {
		for f, since := range m {
			if since != 0 {
				continue
			}
			if st == nil {
				var err error
				if st, err = tx.PrepareContext(ctx, `INSERT INTO first_fires (tenant, rule, key, time, since) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (tenant, rule, key, time) DO NOTHING`); err != nil {
					return err
				}
				defer st.Close()
			}
			if _, err := st.ExecContext(ctx, p.tenant, p.rule, f.key[:], f.t, now.UnixNano()); err != nil {
				return err
			}
			m[f] = now.UnixNano()
		}
	}
	return nil
}

// dropFires forgets, in the file and in memory (b may be nil), the fires
// whose records are no longer carried: per tenant before drop's time, and
// every fire first noted before stale (wall time), as putCarry drops the
// records themselves.
func dropFires(ctx context.Context, tx *sql.Tx, b *Baseline, drop map[string]time.Time, stale time.Time) error {
	for tenant, t := range drop {
		if _, err := tx.ExecContext(ctx, "DELETE FROM first_fires WHERE tenant = ? AND time < ?", tenant, t.UnixNano()); err != nil {
			return err
		}
	}
	if !stale.IsZero() {
		if _, err := tx.ExecContext(ctx, "DELETE FROM first_fires WHERE since < ?", stale.UnixNano()); err != nil {
			return err
		}
	}
	if b == nil {
		return nil
	}
	for p, m := range b.fires {
		cut, ok := drop[p.tenant]
		for f, since := range m {
			if ok && f.t < cut.UnixNano() || !stale.IsZero() && since != 0 && since < stale.UnixNano() {
				delete(m, f)
			}
		}
	}
	return nil
}
