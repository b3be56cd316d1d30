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
// each operation seen lately by its key (event.KeyHash.OpKey of its correlation
// id, a hash) and what its records said (sized: OpState's bits; 0 and 1,
// all version 11 wrote, are unsized and sized), so that an operation is
// counted once and judged by all its records, as one hunt over
// everything judges it. compute_creates keeps the counts, which outlive
// the operations pruned; version 12 adds its jobs column.
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
	capped  INTEGER NOT NULL,
	` + computeCreatesJobs + `
);
`

// computeCreatesJobs is schema version 12's column of compute_creates,
// added to the table a version 11 store has: the unsized creates that are
// Azure ML jobs' writes (ComputeCreates.Jobs).
const computeCreatesJobs = "jobs INTEGER NOT NULL DEFAULT 0"

// OpState is what a cycle's records of one compute operation said, as
// hunt.OpState says it: bits, OR'd over the records and the cycles.
type OpState uint8

const (
	// OpSized: a record named a size or carried a body.
	OpSized OpState = 1 << iota
	// OpNone: a record's body said the write creates no compute: the
	// operation is no compute create, unless another's said it is
	// (OpSized).
	OpNone
	// OpJob: an Azure ML job's write, which without a body may run on a
	// cluster of its workspace.
	OpJob
	// OpFailed: a record said Azure refused the create: the store prices
	// none of its machines (refused.go).
	OpFailed
	// OpQuota: the failure was on an exceeded quota.
	OpQuota
)

// tally is what one operation adds to the counts: a create, unsized, an
// unsized job.
func (s OpState) tally() (creates, unsized, jobs int64) {
	if s&OpSized != 0 {
		return 1, 0, 0
	}
	if s&OpNone != 0 {
		return 0, 0, 0
	}
	if s&OpJob != 0 {
		return 1, 1, 1
	}
	return 1, 1, 0
}

// computeOpsKept is how long, in wall time, an operation is kept after a
// cycle last read a record of it: its records come minutes apart, hours
// for the slowest, and a backlog delivers them together. A file read
// whole again after that (rewritten) counts its operations again, as the
// logs table counts its records again.
const computeOpsKept = 7 * 24 * time.Hour

// ComputeCycle is what a cycle read of compute creates (hunt.ComputeOps).
type ComputeCycle struct {
	Ops map[uint64]OpState // per operation key, what its records said
	// Records without a correlation id, each an operation: those unsized,
	// and the Azure ML jobs of those.
	Alone, AloneUnsized, AloneJobs int64
	Capped                         bool // the hunt met more operations than it tracks
}

// ComputeCreates is what the store counts of the compute creates read
// over every cycle: each operation once, unsized when none of its
// records named a size; Jobs are the unsized that are Azure ML jobs.
type ComputeCreates struct {
	Creates, Unsized, Jobs int64
	Capped                 bool // some cycle tracked only part of its operations
}

// putCompute adds a cycle's compute creates: an operation new to the
// store is counted, one stored unsized that a record now sizes leaves the
// unsized count, one a body now shows to create no compute leaves the
// counts, one read again changes nothing. Operations no cycle read for
// computeOpsKept are dropped. It returns the operations the cycle's
// records are the first to say Azure refused.
func putCompute(ctx context.Context, tx *sql.Tx, c *ComputeCycle, now time.Time) (refusedNow []uint64, err error) {
	if c == nil {
		return nil, nil
	}
	get, err := tx.PrepareContext(ctx, "SELECT sized FROM compute_ops WHERE op = ?")
	if err != nil {
		return nil, err
	}
	defer get.Close()
	put, err := tx.PrepareContext(ctx, `INSERT INTO compute_ops (op, sized, seen) VALUES (?, ?, ?)
		ON CONFLICT (op) DO UPDATE SET sized = sized | excluded.sized, seen = max(seen, excluded.seen)`)
	if err != nil {
		return nil, err
	}
	defer put.Close()
	creates, unsized, jobs := c.Alone, c.AloneUnsized, c.AloneJobs
	for k, s := range c.Ops {
		op := int64(k) // SQLite's integers are signed: the bits are the key
		var was int64
		switch err := get.QueryRowContext(ctx, op).Scan(&was); {
		case errors.Is(err, sql.ErrNoRows):
			was = -1
		case err != nil:
			return nil, err
		}
		if s&OpFailed != 0 && OpState(max(was, 0))&OpFailed == 0 {
			refusedNow = append(refusedNow, k)
		}
		// What the operation counted before this cycle, and after.
		var c0, u0, j0 int64
		if was >= 0 {
			c0, u0, j0 = OpState(was).tally()
		}
		c1, u1, j1 := (OpState(max(was, 0)) | s).tally()
		creates, unsized, jobs = creates+c1-c0, unsized+u1-u0, jobs+j1-j0
		if _, err := put.ExecContext(ctx, op, int64(s), now.UnixNano()); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO compute_creates (one, creates, unsized, capped, jobs) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (one) DO UPDATE SET creates = creates + excluded.creates, unsized = unsized + excluded.unsized,
		capped = max(capped, excluded.capped), jobs = jobs + excluded.jobs`, creates, unsized, c.Capped, jobs); err != nil {
		return nil, err
	}
	// A refused operation is kept as long as the creates it unprices.
	_, err = tx.ExecContext(ctx, "DELETE FROM compute_ops WHERE seen < ? AND (sized & ? = 0 OR seen < ?)",
		now.Add(-computeOpsKept).UnixNano(), OpFailed, now.Add(-createdKept).UnixNano())
	return refusedNow, err
}

// ComputeCreates returns the compute creates the store counts (zero when
// no cycle read any).
func (s *Store) ComputeCreates(ctx context.Context) (ComputeCreates, error) {
	var c ComputeCreates
	err := s.db.QueryRowContext(ctx, "SELECT creates, unsized, jobs, capped FROM compute_creates WHERE one = 1").Scan(&c.Creates, &c.Unsized, &c.Jobs, &c.Capped)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ComputeCreates{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	return c, nil
}
