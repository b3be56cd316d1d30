package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mamori-sec/mamori/internal/coverage"
)

// recordKeysTable is schema version 16's addition: a sample of the keys
// of the records the cycles read (hunt.Result.Keys: what every export of
// a record writes alike, hashed with a secret of the store's, so that the
// same record read by two cycles, or two processes, has the same key),
// with how often each was read. A hunt's LOGS READ counts each record
// once, however many exports held it; the logs table counts every
// reading, cycle after cycle, and the sample says how many of them were
// readings of records read before (Logs: Repeats). As a hunt's, it is
// bounded (maxStoredKeys a kind): a key is kept when its unit ends in at
// least its kind's level of zero bits (logs.key_level), and the level
// goes up, and half the keys go, when the sample is full; a key kept was
// kept from its first reading, so the repeats of the sample, times
// 2^level, are the store's, exact at level 0.
const recordKeysTable = `
CREATE TABLE IF NOT EXISTS record_keys (
	kind     TEXT NOT NULL,
	key      INTEGER NOT NULL,
	readings INTEGER NOT NULL,
	unit     INTEGER NOT NULL,
	PRIMARY KEY (kind, key)
) WITHOUT ROWID;
`

// logsKeyLevel is schema version 16's column of logs, added to the table
// an older mamori made (addColumn). The records an older mamori counted
// have no key: counted as read once each.
const logsKeyLevel = "key_level INTEGER NOT NULL DEFAULT 0"

// maxStoredKeys bounds the keys the store keeps of a kind of log (about
// 1 MiB each in the file): past it the repeats are estimated, as a
// hunt's are past its bound, within a few percent.
const maxStoredKeys = 1 << 14

// RecordKeySecret is the secret the cycles' hunts make the records' keys
// with (hunt.Config.KeySecret): made from the store's salt, apart from the
// baseline's hashes. Never logged.
func (s *Store) RecordKeySecret() []byte {
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte("mamori record keys"))
	return m.Sum(nil)
}

// KeyLevels returns the level each kind's sample is at (by kind name; a
// kind absent is at 0): a cycle's hunt makes no key below it.
func (s *Store) KeyLevels(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT kind, key_level FROM logs")
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind string
		var level int
		if err := rows.Scan(&kind, &level); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		out[kind] = level
	}
	return out, rows.Err()
}

// putKeys adds a cycle's samples to the store's, kind by kind, after
// putLogs has made each kind's row: at the higher of the two levels, the
// readings of a key read before added to its own, then the level raised
// until the sample fits.
func putKeys(ctx context.Context, tx *sql.Tx, samples map[string]coverage.KeySample) error {
	put, err := tx.PrepareContext(ctx, `INSERT INTO record_keys (kind, key, readings, unit) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind, key) DO UPDATE SET readings = readings + excluded.readings`)
	if err != nil {
		return err
	}
	defer put.Close()
	for kind, sample := range samples {
		var level int
		switch err := tx.QueryRowContext(ctx, "SELECT key_level FROM logs WHERE kind = ?", kind).Scan(&level); {
		case errors.Is(err, sql.ErrNoRows):
			continue // no record of the kind was read
		case err != nil:
			return err
		}
		level = max(level, sample.Level)
		for _, k := range sample.Keys {
			if int(k.Unit) < level {
				continue
			}
			// SQLite's integers are signed: the bits are the key.
			if _, err := put.ExecContext(ctx, kind, int64(k.Key), k.Readings, k.Unit); err != nil {
				return err
			}
		}
		for {
			if _, err := tx.ExecContext(ctx, "DELETE FROM record_keys WHERE kind = ? AND unit < ?", kind, level); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM record_keys WHERE kind = ?", kind).Scan(&n); err != nil {
				return err
			}
			if n <= maxStoredKeys {
				break
			}
			level++
		}
		if _, err := tx.ExecContext(ctx, "UPDATE logs SET key_level = ? WHERE kind = ?", level, kind); err != nil {
			return err
		}
	}
	return nil
}
