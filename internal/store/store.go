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
	"strings"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver
)

// ApplicationID is PRAGMA application_id of a store since schema 9
// ("mamo"): what tells a folder's reader (mamori hunt over the folder
// serve watches, its store kept there) that the file is mamori's store,
// not a log it could not read.
const ApplicationID = 0x6d616d6f

// schemaVersion is PRAGMA user_version of a store this mamori writes:
// 1 had no logs table, 2 adds it, 3 the tenant_logs table, 4 the
// subscription_logs table, 5 the regions table, 6 the principal_names
// table, 7 the owner_sightings table and logs' unnamed column, 8
// tenant_logs' events column (upgrade), 9 keeps baseline keys hashed (a
// key is a blob, its SHA-256: the keys an older mamori wrote in clear are
// hashed by the upgrade), 10 keys those hashes with the store's salt (the
// meta table; the upgrade keys a SHA-256 without its key: keyer), 11 the
// compute_ops and compute_creates tables, 12 compute_creates' jobs column,
// 13 the compute_created table (created.go; a table alone, made by the
// upgrade's CREATE IF NOT EXISTS like the others), 14 the checkpoints' tail,
// ctime, inode and looked columns, 15 the regions' seen column (stamped with
// the upgrade's time) and the scale_sizes and scale_writes tables, 16 the
// record_keys table and logs' key_level column, 17 the start_writes table,
// 18 the owned_addrs table, 19 the first_fires table (fires.go), 20 the
// alert_ops table (revised.go), 21 the notify_held table (held.go), 22
// notify_held's waiting column and the notify_told table, 23
// subscription_logs' events column, 24 the readers table (readers.go), 25
// the notify_news table (news.go).
const schemaVersion = 25

// schema creates version 25, at once: a process opening the new store at
// the same time waits for the lock, then finds every table there, and the
// salt the first made. Times are Unix nanoseconds (UTC).
const schema = `
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS baseline (
	tenant    TEXT NOT NULL,
	rule      TEXT NOT NULL,
	key       BLOB NOT NULL,
	last_seen INTEGER NOT NULL,
	PRIMARY KEY (tenant, rule, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tenants (
	tenant TEXT PRIMARY KEY,
	since  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
	id       TEXT PRIMARY KEY,
	tenant   TEXT NOT NULL,
	rule     TEXT NOT NULL,
	severity INTEGER NOT NULL,
	time     INTEGER NOT NULL,
	stored   INTEGER NOT NULL,
	body     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (tenant, time);
CREATE TABLE IF NOT EXISTS checkpoints (
	path   TEXT PRIMARY KEY,
	size   INTEGER NOT NULL,
	mtime  INTEGER NOT NULL,
	offset INTEGER NOT NULL,
	line   INTEGER NOT NULL,
	lines  INTEGER NOT NULL,
	head   TEXT NOT NULL,
	tail   TEXT NOT NULL DEFAULT '',
	ctime  INTEGER NOT NULL DEFAULT 0,
	inode  INTEGER NOT NULL DEFAULT 0,
	looked INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS carry (
	path   TEXT NOT NULL,
	offset INTEGER NOT NULL,
	line   INTEGER NOT NULL,
	tenant TEXT NOT NULL,
	time   INTEGER NOT NULL,
	since  INTEGER NOT NULL,
	PRIMARY KEY (path, offset)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS carry_by_time ON carry (tenant, time);
` + logsTable + tenantLogsTable + subscriptionLogsTable + regionsTable + namesTable + sightingsTable + metaTable + computeTables + createdTable + learnedTables + recordKeysTable + firesTable + alertOpsTable + heldTable + readersTable + newsTable + `
PRAGMA user_version = 25;
PRAGMA application_id = 1835101551;
COMMIT;
`

// upgrade turns a version 1 to 24 store into version 25 (each table is
// created only when missing, the salt only when there is none). A key
// still text (before 9) becomes its keyed hash; a SHA-256 (9), whose key
// is gone, becomes the same keyed hash by sealing it (keyer): a key seen
// before the upgrade is seen after. A SHA-256 is sealed only while the
// version, read in the transaction, is below 10: a process upgrading the
// same store at the same time waits for the lock, then changes nothing
// (sealing twice would lose the baseline). Secure delete overwrites the
// keys and SHA-256 hashes where they were, in the pages the update
// rewrites.
const upgrade = `
PRAGMA secure_delete = ON;
BEGIN IMMEDIATE;
` + logsTable + tenantLogsTable + subscriptionLogsTable + regionsTable + namesTable + sightingsTable + metaTable + computeTables + createdTable + learnedTables + recordKeysTable + firesTable + alertOpsTable + heldTable + readersTable + newsTable + `
UPDATE baseline SET key = ` + sealSQL + `((SELECT value FROM meta WHERE name = 'baseline_salt'),
		CASE typeof(key) WHEN 'text' THEN ` + keyHashSQL + `(key) ELSE key END)
	WHERE typeof(key) = 'text'
		OR typeof(key) = 'blob' AND length(key) = 32 AND (SELECT user_version FROM pragma_user_version) < 10;
UPDATE regions SET seen = unixepoch() * 1000000000 WHERE seen = 0;
PRAGMA user_version = 25;
PRAGMA application_id = 1835101551;
COMMIT;
PRAGMA secure_delete = OFF;
`

// Store is an open store. It is safe for concurrent use; writes are
// serialised (SQLite has one writer).
type Store struct {
	db      *sql.DB
	path    string
	lock    *os.File // flock(2)'s descriptor (lock_unix.go), kept until Close
	serving bool     // Serve holds the lock
	salt    []byte   // keys the baseline's hashes (keyer); never logged
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
	// SQLite reads the name as a URI: a '%', '?' or '#' in the path is
	// escaped so that it stays part of the file's name (unescaped, "a?b.db"
	// would open "a" and lose the pragmas).
	name := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	dsn := (&url.URL{Scheme: "file", Opaque: name, RawQuery: "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	// One connection: every statement of a cycle goes through the same
	// transaction, and SQLite gains nothing from more writers.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: path}
	// A new store another process is switching to WAL at the same moment
	// is busy, and SQLite does not wait for that: look again shortly.
	for wait := 10 * time.Millisecond; ; wait *= 2 {
		err = s.migrate(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || wait > time.Second {
			break
		}
		time.Sleep(wait)
	}
	if err == nil {
		s.salt, err = s.readSalt(ctx)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	// A new or upgraded store's header is in the WAL until a checkpoint:
	// copied into the file now, the application id tells a hunt over the
	// folder the store is in that it is the store (source.Sniff). Best
	// effort: a reader holding the WAL only delays it.
	_, _ = db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	return s, nil
}

// Primary result codes: SQLITE_BUSY, a locked database; SQLITE_READONLY,
// one that may not be written; SQLITE_CANTOPEN, a file that cannot be
// opened; SQLITE_NOTADB, a file that is not a database.
const (
	sqliteBusy     = 5
	sqliteReadOnly = 8
	sqliteCantOpen = 14
	sqliteNotADB   = 26
)

// migrate creates the schema in a new database and refuses one it does
// not know.
func (s *Store) migrate(ctx context.Context) error {
	// One statement, so one snapshot: a schema another process is
	// creating is seen whole or not at all.
	var v, n int
	if err := s.db.QueryRowContext(ctx, "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema)").Scan(&v, &n); err != nil {
		// Only a file that is not a database is "not a mamori store": an
		// operator told so of a good store it could not open (a stop, a
		// read-only folder) might delete it.
		var code int
		if se := (*sqlite.Error)(nil); errors.As(err, &se) {
			code = se.Code() & 0xff
		}
		switch code {
		case sqliteCantOpen:
			return fmt.Errorf("store %s: cannot open or create it: is its folder there, and writable? (%w)", s.path, err)
		case sqliteReadOnly:
			return fmt.Errorf("store %s: cannot write it: are it and its folder writable? (%w)", s.path, err)
		case sqliteNotADB:
			return fmt.Errorf("store %s: not a mamori store (%w)", s.path, err)
		}
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	switch {
	case v == schemaVersion:
		return nil
	case v >= 1 && v < schemaVersion:
		release, err := s.notServed(v)
		if err != nil {
			return err
		}
		defer release()
		// The column first: a store left at an older version by a crash
		// in between only gets it again.
		for _, c := range []struct {
			since         int // the version that made the table
			table, column string
			def           string
		}{{2, "logs", "unnamed", logsUnnamed}, {3, "tenant_logs", "events", tenantLogsEvents}, {11, "compute_creates", "jobs", computeCreatesJobs},
			{1, "checkpoints", "tail", checkpointColumns[0]}, {1, "checkpoints", "ctime", checkpointColumns[1]},
			{1, "checkpoints", "inode", checkpointColumns[2]}, {1, "checkpoints", "looked", checkpointColumns[3]},
			{5, "regions", "seen", regionsSeen}, {2, "logs", "key_level", logsKeyLevel},
			{21, "notify_held", "waiting", heldWaiting}, {4, "subscription_logs", "events", subscriptionLogsEvents}} {
			if v < c.since {
				continue // the upgrade below makes the table with it
			}
			if err := s.addColumn(ctx, c.table, c.column, c.def); err != nil {
				return fmt.Errorf("store %s: upgrading the schema from %d to %d: %w", s.path, v, schemaVersion, err)
			}
		}
		if _, err := s.db.ExecContext(ctx, upgrade); err != nil {
			return fmt.Errorf("store %s: upgrading the schema from %d to %d: %w", s.path, v, schemaVersion, err)
		}
		// Secure delete overwrites only what the upgrade rewrote: the keys
		// an older mamori pruned stay in the file's free space, and the
		// WAL may still hold pages as they were (its cycles not yet
		// checkpointed). VACUUM writes the file anew, and the checkpoint
		// empties the WAL: neither keeps a plain hash. Once, and best
		// effort: a reader holding the WAL keeps it until the last one
		// closes the store.
		_, _ = s.db.ExecContext(ctx, "VACUUM")
		_, _ = s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		return nil
	case v > schemaVersion:
		return fmt.Errorf("store %s: written by a newer mamori (schema %d; this one knows %d)", s.path, v, schemaVersion)
	case v == 0:
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

// addColumn adds a column to a table an older mamori made, unless it is
// there: another process upgrading the same store may just have added it.
func (s *Store) addColumn(ctx context.Context, table, column, def string) error {
	var n int
	// The names are the constants of this package, not input.
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?", table, column).Scan(&n); err != nil || n > 0 {
		return err
	}
	_, err := s.db.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN "+def)
	if err != nil && strings.Contains(err.Error(), "duplicate column name") {
		return nil
	}
	return err
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op once committed
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.lock != nil {
		s.lock.Close() // releases flock(2)'s locks; after the database (lock_unix.go)
	}
	return err
}

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }
