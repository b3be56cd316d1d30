package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LogSeen is what a store knows of one kind of log across every cycle:
// how many of its records arrived, when its events fall, and when the
// last of them arrived. A service learns from it that an export stopped
// (a diagnostic setting deleted, a sign-in export's storage account
// rotated): the log goes quiet while the others go on.
type LogSeen struct {
	Kind    string    // event.Kind's name ("signin", "activity" …)
	Records int64     // records read, over every cycle
	First   time.Time // earliest event time read (UTC, to the second); zero if none had one
	Last    time.Time // latest event time read
	Arrived time.Time // wall time of the last cycle that read new records of it
	// Unnamed counts its records that named no tenant (a Graph page of
	// directory audits): while it is 0, each tenant's records of the log
	// say what that tenant's export holds (status's per-tenant NOT SEEN).
	Unnamed int64
	// Repeats are the readings of Records that read a record read before
	// (two exports of the same days, a record Azure delivered twice), as
	// the store's sample of record keys says (recordKeysTable); estimated
	// past its bound. Records counted before schema 16 have no key.
	Repeats          int64
	RepeatsEstimated bool
}

// logsTable is schema version 2's addition. Event times are Unix seconds,
// not nanoseconds as elsewhere: a record may claim any year, and
// nanoseconds hold only 1678 to 2262.
const logsTable = `
CREATE TABLE IF NOT EXISTS logs (
	kind    TEXT PRIMARY KEY,
	records INTEGER NOT NULL,
	first   INTEGER,
	last    INTEGER,
	arrived INTEGER,
	unnamed INTEGER NOT NULL DEFAULT 0,
	key_level INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`

// logsUnnamed is schema version 7's column of logs, added to the table
// an older mamori made (addColumn).
const logsUnnamed = "unnamed INTEGER NOT NULL DEFAULT 0"

// putLogs adds a cycle's logs to the table: records add up, the span
// widens, and Arrived moves on only for a log of which new records came.
func putLogs(ctx context.Context, tx *sql.Tx, logs []LogSeen) error {
	for _, l := range logs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO logs (kind, records, first, last, arrived, unnamed) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind) DO UPDATE SET records = records + excluded.records, unnamed = unnamed + excluded.unnamed,
			first = coalesce(min(first, excluded.first), first, excluded.first),
			last = coalesce(max(last, excluded.last), last, excluded.last),
			arrived = coalesce(max(arrived, excluded.arrived), arrived, excluded.arrived)`,
			l.Kind, l.Records, unixOrNull(l.First), unixOrNull(l.Last), unixOrNull(l.Arrived), l.Unnamed); err != nil {
			return err
		}
	}
	return nil
}

// unixOrNull is t in Unix seconds, or NULL for the zero time.
func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// Logs returns every kind of log the store has read, in no set order.
func (s *Store) Logs(ctx context.Context) ([]LogSeen, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, records, first, last, arrived, unnamed, key_level,
		(SELECT coalesce(sum(readings) - count(*), 0) FROM record_keys WHERE record_keys.kind = logs.kind) FROM logs`)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []LogSeen
	for rows.Next() {
		var l LogSeen
		var first, last, arrived sql.NullInt64
		var level int
		var again int64
		if err := rows.Scan(&l.Kind, &l.Records, &first, &last, &arrived, &l.Unnamed, &level, &again); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		// A sample at level L holds one key in 2^L: its repeats, so
		// many times over (and never more than were read).
		l.Repeats, l.RepeatsEstimated = min(again<<level, max(l.Records-1, 0)), level > 0
		l.First, l.Last, l.Arrived = fromUnix(first), fromUnix(last), fromUnix(arrived)
		out = append(out, l)
	}
	return out, rows.Err()
}

func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}
