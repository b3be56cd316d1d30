package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// computeTables are schema version 11's addition: the compute creates the
// cycles read, for NOT JUDGED (coverage.Unsized). An operation's records
// fall to different cycles (its Start, with the size, read as the hour's
// blob grows; its Success, without, a minute later): compute_ops keeps
// each operation seen lately by its key (hunt.OpKey of its correlation
// id, a hash) and whether a record of it named a size, so that an
// operation is counted once and judged by all its records, as one hunt
// over everything judges it. compute_creates keeps the counts, which
// outlive the operations pruned.
const computeTables = `
CREATE TABLE IF NOT EXISTS compute_ops (
	op    INTEGER PRIMARY KEY,
	sized INTEGER NOT NULL,
	seen  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS compute_creates (
	one     INTEGER PRIMARY KEY CHECK (one = 1),
	creates INTEGER NOT NULL,
	unsized INTEGER NOT NULL,
	capped  INTEGER NOT NULL
);
`

// computeOpsKept is how long, in wall time, an operation is kept after a
// cycle last read a record of it: its records come minutes apart, hours
// for the slowest, and a backlog delivers them together. A file read
// whole again after that (rewritten) counts its operations again, as the
// logs table counts its records again.
const computeOpsKept = 7 * 24 * time.Hour

// ComputeCycle is what a cycle read of compute creates (hunt.ComputeOps).
type ComputeCycle struct {
	Sized               map[uint64]bool // per operation key, a record named a size
	Alone, AloneUnsized int64           // records without a correlation id, each an operation
	Capped              bool            // the hunt met more operations than it tracks
}

// ComputeCreates is what the store counts of the compute creates read
// over every cycle: each operation once, unsized when none of its
// records named a size.
type ComputeCreates struct {
	Creates, Unsized int64
	Capped           bool // some cycle tracked only part of its operations
}

// putCompute adds a cycle's compute creates: an operation new to the
// store is counted, one stored unsized that a record now sizes leaves the
// unsized count, one read again changes nothing. Operations no cycle
// read for computeOpsKept are dropped.
func putCompute(ctx context.Context, tx *sql.Tx, c *ComputeCycle, now time.Time) error {
	if c == nil {
		return nil
	}
	get, err := tx.PrepareContext(ctx, "SELECT sized FROM compute_ops WHERE op = ?")
	if err != nil {
		return err
	}
	defer get.Close()
	put, err := tx.PrepareContext(ctx, `INSERT INTO compute_ops (op, sized, seen) VALUES (?, ?, ?)
		ON CONFLICT (op) DO UPDATE SET sized = max(sized, excluded.sized), seen = max(seen, excluded.seen)`)
	if err != nil {
		return err
	}
	defer put.Close()
	creates, unsized := c.Alone, c.AloneUnsized
	for k, sized := range c.Sized {
		op := int64(k) // SQLite's integers are signed: the bits are the key
		var was bool
		switch err := get.QueryRowContext(ctx, op).Scan(&was); {
		case errors.Is(err, sql.ErrNoRows):
			creates++
			if !sized {
				unsized++
			}
		case err != nil:
			return err
		case !was && sized:
			unsized--
		}
		if _, err := put.ExecContext(ctx, op, sized, now.UnixNano()); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO compute_creates (one, creates, unsized, capped) VALUES (1, ?, ?, ?)
		ON CONFLICT (one) DO UPDATE SET creates = creates + excluded.creates, unsized = unsized + excluded.unsized,
		capped = max(capped, excluded.capped)`, creates, unsized, c.Capped); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM compute_ops WHERE seen < ?", now.Add(-computeOpsKept).UnixNano())
	return err
}

// ComputeCreates returns the compute creates the store counts (zero when
// no cycle read any).
func (s *Store) ComputeCreates(ctx context.Context) (ComputeCreates, error) {
	var c ComputeCreates
	err := s.db.QueryRowContext(ctx, "SELECT creates, unsized, capped FROM compute_creates WHERE one = 1").Scan(&c.Creates, &c.Unsized, &c.Capped)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ComputeCreates{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	return c, nil
}
