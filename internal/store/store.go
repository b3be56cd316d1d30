// Package store keeps what mamori learns across runs in an embedded
// SQLite database (modernc.org/sqlite, no cgo): first_seen's baseline,
// when each tenant's data began, the alerts found and how far each input
// has been read, and where the records are that windowed correlations
// must see again next cycle. `mamori serve` commits each cycle's alerts, baseline and
// checkpoints in one transaction, so a crash replays at most one cycle and
// the replay changes nothing (alert ids are deterministic).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// schemaVersion is PRAGMA user_version of a store this mamori writes.
const schemaVersion = 1

// schema creates version 1. Times are Unix nanoseconds (UTC).
const schema = `
CREATE TABLE baseline (
	tenant    TEXT NOT NULL,
	rule      TEXT NOT NULL,
	key       TEXT NOT NULL,
	last_seen INTEGER NOT NULL,
	PRIMARY KEY (tenant, rule, key)
) WITHOUT ROWID;
CREATE TABLE tenants (
	tenant TEXT PRIMARY KEY,
	since  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE alerts (
	id       TEXT PRIMARY KEY,
	tenant   TEXT NOT NULL,
	rule     TEXT NOT NULL,
	severity INTEGER NOT NULL,
	time     INTEGER NOT NULL,
	stored   INTEGER NOT NULL,
	body     TEXT NOT NULL
);
CREATE INDEX alerts_by_time ON alerts (tenant, time);
CREATE TABLE checkpoints (
	path   TEXT PRIMARY KEY,
	size   INTEGER NOT NULL,
	mtime  INTEGER NOT NULL,
	offset INTEGER NOT NULL,
	line   INTEGER NOT NULL,
	lines  INTEGER NOT NULL,
	head   TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE carry (
	path   TEXT NOT NULL,
	offset INTEGER NOT NULL,
	line   INTEGER NOT NULL,
	tenant TEXT NOT NULL,
	time   INTEGER NOT NULL,
	PRIMARY KEY (path, offset)
) WITHOUT ROWID;
CREATE INDEX carry_by_time ON carry (tenant, time);
PRAGMA user_version = 1;
`

// Store is an open store. It is safe for concurrent use; writes are
// serialised (SQLite has one writer).
type Store struct {
	db   *sql.DB
	path string
}

// Open opens the store at path, creating it when absent.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: no path")
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("store %s: is a folder, not a database file", path)
	}
	// WAL lets a reader (a second `mamori` looking at the alerts) work
	// while serve writes; the busy timeout waits for the writer instead
	// of failing at once.
	dsn := (&url.URL{Scheme: "file", Opaque: path, RawQuery: "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	// One connection: every statement of a cycle goes through the same
	// transaction, and SQLite gains nothing from more writers.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrate creates the schema in a new database and refuses one it does
// not know.
func (s *Store) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("store %s: not a mamori store (%v)", s.path, err)
	}
	switch {
	case v == schemaVersion:
		return nil
	case v > schemaVersion:
		return fmt.Errorf("store %s: written by a newer mamori (schema %d; this one knows %d)", s.path, v, schemaVersion)
	case v == 0:
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
			return fmt.Errorf("store %s: not a mamori store (%v)", s.path, err)
		}
		if n > 0 {
			return fmt.Errorf("store %s: an SQLite database that is not a mamori store", s.path)
		}
		if _, err := s.db.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("store %s: creating the schema: %w", s.path, err)
		}
		return nil
	}
	return fmt.Errorf("store %s: unknown schema %d", s.path, v)
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }
