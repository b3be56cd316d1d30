package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// What a hunt learns as it reads, that a later cycle's records need
// (enrich.Learned): Batch accounts' and clusters' regions (regions), the
// sizes autoscale settings' targets' writes named (scale_sizes), the
// principals' writes of those targets (scale_writes), and the sizes,
// counts and regions the writes of resources machines are started from
// named (start_writes), and each tenant's own addresses and ranges its
// public IP and prefix writes named (owned_addrs). A service kept them
// in memory, at most 65,536 of each, for as long as it ran, and lost them
// at a restart; the store keeps them now, each dropped once no rule can
// need it, and gives each cycle's hunt what it kept.
const learnedTables = `
CREATE TABLE IF NOT EXISTS scale_sizes (
	target TEXT PRIMARY KEY,
	size   TEXT NOT NULL,
	seen   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS start_writes (
	resource TEXT PRIMARY KEY,
	size     TEXT NOT NULL,
	size_at  INTEGER NOT NULL,
	count    INTEGER NOT NULL,
	count_at INTEGER NOT NULL,
	region   TEXT NOT NULL,
	seen     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS owned_addrs (
	tenant TEXT NOT NULL,
	prefix TEXT NOT NULL,
	seen   INTEGER NOT NULL,
	PRIMARY KEY (tenant, prefix)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scale_writes (
	target    TEXT NOT NULL,
	principal TEXT NOT NULL,
	at        INTEGER NOT NULL,
	count     INTEGER NOT NULL,
	seen      INTEGER NOT NULL,
	PRIMARY KEY (target, principal, at)
) WITHOUT ROWID;
`

// factsKept is how long, in wall time, a region or a target's size is
// kept after the last cycle that learned it or asked for it. No rule's
// window bounds them: a pool is created in an account, a setting written
// on a scale set, any time after the account's or the set's write. Azure
// keeps the Activity Log 90 days: a hunt over a tenant's Activity Log
// knows no write older, and the store knows none it did not read again
// or use within as long.
const factsKept = 90 * 24 * time.Hour

// writesKept is how long, in wall time, a principal's write of an
// autoscale target is kept after the cycle that read it: a setting takes
// it off its floor only within an hour of it (mass_deployment's
// timespan), and a day covers a log that arrives a day late, as the
// carried records' Reach + 24 h does.
const writesKept = 25 * time.Hour

// Learned is what the store keeps of what hunts learned: enrich.Learned's
// fields.
type Learned struct {
	Regions map[string]string // resource id, lower case, to region
	Sizes   map[string]string // autoscale target id, lower case, to size
	Writes  []event.ScaleWrite
	// Starts are the writes of resources machines are started from
	// (StartWrites gives them; Learned does not).
	Starts []event.StartWrite
	// Owned are the tenants' own addresses and ranges (a single address
	// as its /32 or /128), kept as long as a region (Owned gives them;
	// Learned does not).
	Owned []event.OwnedAddr
	// Capped: past the bound Learned was asked for, the store held more
	// (the most recently seen are given); in a cycle, a table of the hunt
	// was full.
	Capped bool
}

// putLearned keeps a cycle's learning, stamped with the cycle's wall
// time, notes when a table was full, and drops what is older than it is
// kept.
func putLearned(ctx context.Context, tx *sql.Tx, l *Learned, now time.Time) error {
	if l == nil {
		return nil
	}
	ns := now.UnixNano()
	for _, t := range []struct {
		query string
		m     map[string]string
	}{
		{`INSERT INTO regions (resource, region, seen) VALUES (?, ?, ?)
			ON CONFLICT (resource) DO UPDATE SET region = excluded.region, seen = max(seen, excluded.seen)`, l.Regions},
		{`INSERT INTO scale_sizes (target, size, seen) VALUES (?, ?, ?)
			ON CONFLICT (target) DO UPDATE SET size = excluded.size, seen = max(seen, excluded.seen)`, l.Sizes},
	} {
		st, err := tx.PrepareContext(ctx, t.query)
		if err != nil {
			return err
		}
		for k, v := range t.m {
			if _, err := st.ExecContext(ctx, k, v, ns); err != nil {
				st.Close()
				return err
			}
		}
		st.Close()
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO scale_writes (target, principal, at, count, seen) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (target, principal, at) DO UPDATE SET count = max(count, excluded.count), seen = max(seen, excluded.seen)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, w := range l.Writes {
		if _, err := st.ExecContext(ctx, w.Target, w.Principal, w.At.UnixNano(), w.Count, ns); err != nil {
			return err
		}
	}
	if err := putStarts(ctx, tx, l.Starts, ns); err != nil {
		return err
	}
	if err := putOwned(ctx, tx, l.Owned, ns); err != nil {
		return err
	}
	if l.Capped {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES ('learned_capped', ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, ns); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		table string
		kept  time.Duration
	}{{"regions", factsKept}, {"scale_sizes", factsKept}, {"start_writes", factsKept}, {"owned_addrs", factsKept}, {"scale_writes", writesKept}} {
		// The names are this package's constants, not input.
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+d.table+" WHERE seen < ?", now.Add(-d.kept).UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// Learned returns what the store keeps of what hunts learned, as seen at
// now (wall time: what is older than it is kept is not given, though a
// commit has yet to drop it): of each table the most recently seen most
// entries, Capped when it held more.
func (s *Store) Learned(ctx context.Context, now time.Time, most int) (Learned, error) {
	l := Learned{Regions: map[string]string{}, Sizes: map[string]string{}}
	facts := now.Add(-factsKept).UnixNano()
	for _, t := range []struct {
		query string
		m     map[string]string
	}{
		{"SELECT resource, region FROM regions WHERE seen >= ? ORDER BY seen DESC LIMIT ?", l.Regions},
		{"SELECT target, size FROM scale_sizes WHERE seen >= ? ORDER BY seen DESC LIMIT ?", l.Sizes},
	} {
		n, err := s.eachPair(ctx, t.query, facts, most+1, func(k, v string) { t.m[k] = v })
		if err != nil {
			return Learned{}, err
		}
		l.Capped = l.Capped || n > most
	}
	rows, err := s.db.QueryContext(ctx, "SELECT target, principal, at, count FROM scale_writes WHERE seen >= ? ORDER BY seen DESC, at DESC LIMIT ?",
		now.Add(-writesKept).UnixNano(), most+1)
	if err != nil {
		return Learned{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var w event.ScaleWrite
		var at int64
		if err := rows.Scan(&w.Target, &w.Principal, &at, &w.Count); err != nil {
			return Learned{}, fmt.Errorf("store %s: %w", s.path, err)
		}
		if len(l.Writes) == most {
			l.Capped = true
			break
		}
		w.At = time.Unix(0, at).UTC()
		l.Writes = append(l.Writes, w)
	}
	if err := rows.Err(); err != nil {
		return Learned{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	return l, nil
}

// eachPair reads up to limit rows of two strings seen since then, calls
// fn with all but the last of limit, and says how many it read.
func (s *Store) eachPair(ctx context.Context, query string, since int64, limit int, fn func(a, b string)) (int, error) {
	rows, err := s.db.QueryContext(ctx, query, since, limit)
	if err != nil {
		return 0, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return 0, fmt.Errorf("store %s: %w", s.path, err)
		}
		if n++; n < limit {
			fn(a, b)
		}
	}
	return n, rows.Err()
}

// LearnedCapped is the wall time of the last cycle whose hunt found a
// table of what it learns full (zero for never): past it, a setting
// counted its whole floor, a pool or a target went without its region or
// size (mamori status says so).
func (s *Store) LearnedCapped(ctx context.Context) (time.Time, error) {
	var ns int64
	err := s.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = 'learned_capped'").Scan(&ns)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	return time.Unix(0, ns).UTC(), nil
}

// putOwned keeps the addresses a cycle's records taught were a tenant's
// own.
func putOwned(ctx context.Context, tx *sql.Tx, os []event.OwnedAddr, seen int64) error {
	if len(os) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO owned_addrs (tenant, prefix, seen) VALUES (?, ?, ?)
		ON CONFLICT (tenant, prefix) DO UPDATE SET seen = max(seen, excluded.seen)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, o := range os {
		if _, err := st.ExecContext(ctx, o.Tenant, o.Prefix.String(), seen); err != nil {
			return err
		}
	}
	return nil
}

// Owned returns the tenants' own addresses and ranges the store keeps, as
// seen at now (Learned): the most recently seen most, and whether it held
// more. A service is told them at its first cycle, and keeps what it
// learns. A row that is no prefix (the file edited by hand) is passed
// over: it makes no address a tenant's.
func (s *Store) Owned(ctx context.Context, now time.Time, most int) ([]event.OwnedAddr, bool, error) {
	var out []event.OwnedAddr
	n, err := s.eachPair(ctx, "SELECT tenant, prefix FROM owned_addrs WHERE seen >= ? ORDER BY seen DESC LIMIT ?",
		now.Add(-factsKept).UnixNano(), most+1, func(tenant, text string) {
			if p, err := netip.ParsePrefix(text); err == nil {
				out = append(out, event.OwnedAddr{Tenant: tenant, Prefix: p})
			}
		})
	if err != nil {
		return nil, false, err
	}
	return out, n > most, nil
}

// putStarts keeps what a cycle read or used of the writes of resources
// machines are started from, merged with what the store kept as the
// hunt merges two writes (enrich's startTable): of two sizes or counts
// the later, of two at the same instant the greater; of two regions the
// greater.
func putStarts(ctx context.Context, tx *sql.Tx, ws []event.StartWrite, seen int64) error {
	if len(ws) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO start_writes (resource, size, size_at, count, count_at, region, seen)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (resource) DO UPDATE SET
			size = CASE WHEN excluded.size != '' AND (size = '' OR excluded.size_at > size_at
				OR excluded.size_at = size_at AND excluded.size > size) THEN excluded.size ELSE size END,
			size_at = CASE WHEN excluded.size != '' AND (size = '' OR excluded.size_at > size_at
				OR excluded.size_at = size_at AND excluded.size > size) THEN excluded.size_at ELSE size_at END,
			count = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.count_at > count_at
				OR excluded.count_at = count_at AND excluded.count > count) THEN excluded.count ELSE count END,
			count_at = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.count_at > count_at
				OR excluded.count_at = count_at AND excluded.count > count) THEN excluded.count_at ELSE count_at END,
			region = max(region, excluded.region),
			seen = max(seen, excluded.seen)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, w := range ws {
		if _, err := st.ExecContext(ctx, w.ID, w.Size, micros(w.SizeAt), w.Count, micros(w.CountAt), w.Region, seen); err != nil {
			return err
		}
	}
	return nil
}

// micros is t in Unix microseconds, 0 for the zero time (none named).
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// StartWrites returns what the store keeps of the writes of resources
// machines are started from, as seen at now: the most recently seen
// most, and capped true when it held more. A service's process is told
// them once, at its first cycle (enrich.Enricher.Know), and keeps them.
func (s *Store) StartWrites(ctx context.Context, now time.Time, most int) (ws []event.StartWrite, capped bool, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT resource, size, size_at, count, count_at, region FROM start_writes
		WHERE seen >= ? ORDER BY seen DESC, resource LIMIT ?`, now.Add(-factsKept).UnixNano(), most+1)
	if err != nil {
		return nil, false, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var w event.StartWrite
		var sizeAt, countAt int64
		if err := rows.Scan(&w.ID, &w.Size, &sizeAt, &w.Count, &countAt, &w.Region); err != nil {
			return nil, false, fmt.Errorf("store %s: %w", s.path, err)
		}
		if len(ws) == most {
			capped = true
			break
		}
		if sizeAt != 0 {
			w.SizeAt = time.UnixMicro(sizeAt).UTC()
		}
		if countAt != 0 {
			w.CountAt = time.UnixMicro(countAt).UTC()
		}
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store %s: %w", s.path, err)
	}
	return ws, capped, nil
}
