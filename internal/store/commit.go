package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/owner"
)

// Cycle is what one run of the hunt over new input leaves in the store.
type Cycle struct {
	Alerts []alert.Alert
	// Since is each tenant's earliest event in the cycle: the store keeps
	// the earliest ever, where first_seen's learning period begins.
	Since       map[string]time.Time
	Checkpoints []Checkpoint
	// Carry adds records for the next cycles' windows; Lost removes those
	// that could not be found again (with the cycle, so that a file
	// unreadable for a moment loses nothing when the cycle fails); Drop
	// removes, per tenant, those older than the time given.
	Carry []Carried
	Lost  []Carried
	Drop  map[string]time.Time
	// Stale, when set, drops the records first carried before it (wall
	// time), whatever their tenant's records since.
	Stale time.Time
	// Baseline holds the first_seen keys the cycle recorded; nil when the
	// cycle ran no first_seen correlation.
	Baseline *Baseline
	// Logs are the kinds of log the cycle read (LogSeen.Arrived set for
	// those of which new records came).
	Logs []LogSeen
	// TenantLogs are the tenants' logs the cycle read (Arrived: the
	// cycle's wall time).
	TenantLogs []TenantLogSeen
	// Learned is what the hunt learned, or was asked for, of regions and
	// autoscale targets (enrich.Enricher.Learned); nil for nothing.
	Learned *Learned
	// Names are the service principals' names the hunt learned (object id,
	// lower case, to name: hunt.Result.Names).
	Names map[string]string
	// Sightings are the cycle's counts of the records that named each
	// tenant, per subscription and folder (hunt.Result.Sightings), added
	// to the store's.
	Sightings owner.Sightings
	// Compute are the compute creates the cycle read, by operation
	// (hunt.Result.ComputeOps); nil for none.
	Compute *ComputeCycle
	// Created are the compute creates the cycle's engine reported, alerted
	// on or not (hunt.Result.Created), for incidents grouped over the
	// store to be priced as a hunt's are (Store.Created).
	Created []incident.Created
	// Keys are the cycle's samples of its records' keys, by kind of log
	// (hunt.Result.Keys), for Logs to count the records read again
	// across cycles.
	Keys map[string]coverage.KeySample
	// Now stamps the alerts stored; zero means time.Now.
	Now time.Time
	// KeepAlerts forgets the alerts no cycle stored or added to for this
	// long (wall time, not the events': a backfill of last year's exports
	// keeps its alerts as long as any); 0 keeps every one.
	KeepAlerts time.Duration
}

// Commit is CommitCycle for the alerts new to the store alone.
func (s *Store) Commit(ctx context.Context, c Cycle) ([]alert.Alert, error) {
	done, err := s.CommitCycle(ctx, c)
	return done.Fresh, err
}

// CommitCycle writes a cycle in one transaction and returns the alerts
// that were new to the store (an alert already stored, as after a replay
// of the same records, is not new) and those stored before that the
// cycle revised (revised.go). On failure nothing is written, and the
// baseline's memory is dropped so that the next cycle reads what the
// file holds.
func (s *Store) CommitCycle(ctx context.Context, c Cycle) (done Committed, err error) {
	b := c.Baseline
	if b != nil {
		b.mu.Lock()
		defer b.mu.Unlock()
		defer func() {
			if err != nil {
				b.reset()
			}
		}()
		if b.err != nil {
			return Committed{}, b.err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Committed{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer tx.Rollback() // a no-op once committed
	fresh, err := putAlerts(ctx, tx, c.Alerts, cmpNow(c.Now))
	if err == nil && c.KeepAlerts > 0 {
		_, err = tx.ExecContext(ctx, "DELETE FROM alerts WHERE stored < ?", cmpNow(c.Now).Add(-c.KeepAlerts).UnixNano())
	}
	if err != nil {
		return Committed{}, fmt.Errorf("store %s: alerts: %w", s.path, err)
	}
	key := event.NewKeyHash(s.RecordKeySecret())
	if err = putAlertOps(ctx, tx, key, c.Alerts, cmpNow(c.Now)); err != nil {
		return Committed{}, fmt.Errorf("store %s: alerts' compute: %w", s.path, err)
	}
	if err = putSince(ctx, tx, c.Since); err != nil {
		return Committed{}, fmt.Errorf("store %s: tenants: %w", s.path, err)
	}
	if b != nil {
		if err = b.write(ctx, tx); err != nil {
			return Committed{}, fmt.Errorf("store %s: baseline: %w", s.path, err)
		}
		if err = b.writeFires(ctx, tx, cmpNow(c.Now)); err != nil {
			return Committed{}, fmt.Errorf("store %s: first_seen fires: %w", s.path, err)
		}
	}
	if err = putCheckpoints(ctx, tx, c.Checkpoints); err != nil {
		return Committed{}, fmt.Errorf("store %s: checkpoints: %w", s.path, err)
	}
	if err = putCarry(ctx, tx, c.Carry, c.Lost, c.Drop, cmpNow(c.Now), c.Stale); err != nil {
		return Committed{}, fmt.Errorf("store %s: carried records: %w", s.path, err)
	}
	if err = dropFires(ctx, tx, b, c.Drop, c.Stale); err != nil {
		return Committed{}, fmt.Errorf("store %s: first_seen fires: %w", s.path, err)
	}
	if err = putTenantLogs(ctx, tx, c.TenantLogs); err != nil {
		return Committed{}, fmt.Errorf("store %s: tenant logs: %w", s.path, err)
	}
	if err = putLogs(ctx, tx, c.Logs); err != nil {
		return Committed{}, fmt.Errorf("store %s: logs: %w", s.path, err)
	}
	if err = putKeys(ctx, tx, c.Keys); err != nil {
		return Committed{}, fmt.Errorf("store %s: record keys: %w", s.path, err)
	}
	if err = putLearned(ctx, tx, c.Learned, cmpNow(c.Now)); err != nil {
		return Committed{}, fmt.Errorf("store %s: what the hunt learned: %w", s.path, err)
	}
	if err = names.put(ctx, tx, c.Names); err != nil {
		return Committed{}, fmt.Errorf("store %s: principal names: %w", s.path, err)
	}
	if err = putSightings(ctx, tx, c.Sightings); err != nil {
		return Committed{}, fmt.Errorf("store %s: owners' sightings: %w", s.path, err)
	}
	refusedNow, err := putCompute(ctx, tx, c.Compute, cmpNow(c.Now))
	if err != nil {
		return Committed{}, fmt.Errorf("store %s: compute creates: %w", s.path, err)
	}
	if err = putCreated(ctx, tx, c.Created); err != nil {
		return Committed{}, fmt.Errorf("store %s: compute creates: %w", s.path, err)
	}
	if done, err = settleCycle(ctx, tx, key, fresh, refusedNow); err != nil {
		return Committed{}, fmt.Errorf("store %s: refused creates: %w", s.path, err)
	}
	if err = tx.Commit(); err != nil {
		return Committed{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	if b != nil {
		b.dirty, b.prunes = map[pair]map[hash]bool{}, map[pair]int64{}
	}
	return done, nil
}

func cmpNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

func putAlerts(ctx context.Context, tx *sql.Tx, as []alert.Alert, now time.Time) ([]alert.Alert, error) {
	st, err := tx.PrepareContext(ctx, `INSERT INTO alerts (id, tenant, rule, severity, time, stored, body)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// An alert found again (the same rule and group) holds the records
	// that arrived since, or the records of a window read again: the store
	// keeps both as one (alert.Merge), for mamori alerts. It is not new,
	// so not written out again.
	get, err := tx.PrepareContext(ctx, `SELECT body FROM alerts WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	defer get.Close()
	// stored becomes the cycle's: an alert still growing is not one an
	// operator's retention (Cycle.KeepAlerts) forgets.
	set, err := tx.PrepareContext(ctx, `UPDATE alerts SET body = ?, severity = ?, time = ?, stored = max(stored, ?) WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	defer set.Close()
	var fresh []alert.Alert
	for _, a := range as {
		body, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		res, err := st.ExecContext(ctx, a.ID, a.Tenant, a.Rule, int(a.Severity), a.Time.UnixNano(), now.UnixNano(), body)
		if err != nil {
			return nil, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, err
		}
		if n == 1 {
			fresh = append(fresh, a)
			continue
		}
		var stored []byte
		if err := get.QueryRowContext(ctx, a.ID).Scan(&stored); err != nil {
			return nil, err
		}
		var old alert.Alert
		if json.Unmarshal(stored, &old) != nil {
			// A body this mamori cannot read (written by hand, or by a
			// newer one) is left as it is rather than stop every cycle.
			continue
		}
		m := alert.Merge(old, a)
		merged, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(merged, stored) {
			continue // nothing more
		}
		if _, err := set.ExecContext(ctx, merged, int(m.Severity), m.Time.UnixNano(), now.UnixNano(), a.ID); err != nil {
			return nil, err
		}
	}
	return fresh, nil
}

func putSince(ctx context.Context, tx *sql.Tx, since map[string]time.Time) error {
	for tenant, t := range since {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tenants (tenant, since) VALUES (?, ?)
			ON CONFLICT (tenant) DO UPDATE SET since = min(since, excluded.since)`, tenant, t.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// write saves what the baseline changed: pruning first, so a key
// recorded after its rule's prune survives it.
func (b *Baseline) write(ctx context.Context, tx *sql.Tx) error {
	for p, cut := range b.prunes {
		if _, err := tx.ExecContext(ctx, "DELETE FROM baseline WHERE tenant = ? AND rule = ? AND last_seen < ?", p.tenant, p.rule, cut); err != nil {
			return err
		}
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO baseline (tenant, rule, key, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant, rule, key) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for p, keys := range b.dirty {
		for k := range keys {
			// A blob: the hash is bytes, not text.
			if _, err := st.ExecContext(ctx, p.tenant, p.rule, k[:], b.keys[p][k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Since returns each tenant's earliest event the store has seen.
func (s *Store) Since(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT tenant, since FROM tenants")
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var tenant string
		var t int64
		if err := rows.Scan(&tenant, &t); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		out[tenant] = time.Unix(0, t).UTC()
	}
	return out, rows.Err()
}

// Alerts returns the stored alerts whose first event is at or after
// from, oldest first.
func (s *Store) Alerts(ctx context.Context, from time.Time) ([]alert.Alert, error) {
	// Counted first: a week of a busy service's alerts is tens of
	// thousands, and growing the slice copied each several times over.
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM alerts WHERE time >= ?", from.UnixNano()).Scan(&n); err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT body FROM alerts WHERE time >= ? ORDER BY time, id", from.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := make([]alert.Alert, 0, n)
	for rows.Next() {
		var body []byte
		var a alert.Alert
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		if err := json.Unmarshal(body, &a); err != nil {
			return nil, fmt.Errorf("store %s: alert: %w", s.path, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	refused, err := s.refused(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		refused.settle(&out[i])
	}
	return out, nil
}
