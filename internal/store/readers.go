package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// serve reads some logs from Azure itself: the Event Hubs a tenant's
// diagnostic settings stream to (--eventhub) and the APIs (--fetch). A
// reader that fails (a namespace's key rotated, a consent withdrawn)
// leaves its logs quiet a day later, which says that something stopped,
// not what. The store keeps how each reader's reads went (readers, schema
// 24), for `mamori status` to say which is failing, since when and why,
// the hour it starts.

// readersTable is schema version 24's addition. kind is "eventhub" or
// "fetch", source the namespace or tenant ("" for the credential's);
// tried is the wall time of its last read, whole that of the last that
// read all it was to (0: none yet), failing when the reads began to fail
// (0: the last read was whole); said is what the last read said was
// wrong (a failure, or logs it may not read), items the messages or
// events read over every read, waiting what the last read left in the
// hubs; told is 1 once serve told its failing (--failing), until it was
// told reading again.
const readersTable = `
CREATE TABLE IF NOT EXISTS readers (
	kind    TEXT NOT NULL,
	source  TEXT NOT NULL,
	tried   INTEGER NOT NULL,
	whole   INTEGER NOT NULL,
	failing INTEGER NOT NULL,
	said    TEXT NOT NULL,
	items   INTEGER NOT NULL,
	waiting INTEGER NOT NULL,
	told    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, source)
) WITHOUT ROWID;
`

// Kinds of reader.
const (
	ReaderEventHub = "eventhub"
	ReaderFetch    = "fetch"
)

// ReadNoted is one read of a reader, as serve notes it.
type ReadNoted struct {
	Kind, Source string
	At           time.Time
	Whole        bool   // it read all it was to
	Said         string // what it said was wrong, if anything
	Items        int64  // messages or events it read
	Waiting      int64  // messages it left in the hubs
}

// Reader is what the store knows of one of serve's readers.
type Reader struct {
	Kind, Source string
	Tried        time.Time // its last read
	Whole        time.Time // its last whole read; zero for none
	Failing      time.Time // since when its reads fail; zero when the last was whole
	Said         string
	Items        int64
	Waiting      int64
	Told         bool // serve told its failing, and not yet its reading again
}

// NoteRead records a reader's read: a failure after a whole read starts
// its failing span, a whole read ends it.
func (s *Store) NoteRead(ctx context.Context, r ReadNoted) error {
	at := r.At.UnixNano()
	_, err := s.db.ExecContext(ctx, `
INSERT INTO readers (kind, source, tried, whole, failing, said, items, waiting)
VALUES (?1, ?2, ?3, CASE WHEN ?4 THEN ?3 ELSE 0 END, CASE WHEN ?4 THEN 0 ELSE ?3 END, ?5, ?6, ?7)
ON CONFLICT (kind, source) DO UPDATE SET
	tried = excluded.tried,
	whole = CASE WHEN ?4 THEN excluded.tried ELSE readers.whole END,
	failing = CASE WHEN ?4 THEN 0 WHEN readers.failing = 0 THEN excluded.tried ELSE readers.failing END,
	said = excluded.said,
	items = readers.items + excluded.items,
	waiting = excluded.waiting`,
		r.Kind, strings.ToLower(r.Source), at, r.Whole, r.Said, r.Items, r.Waiting)
	return err
}

// Readers returns serve's readers, by kind and source.
func (s *Store) Readers(ctx context.Context) ([]Reader, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT kind, source, tried, whole, failing, said, items, waiting, told FROM readers ORDER BY kind, source")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reader
	for rows.Next() {
		var r Reader
		var tried, whole, failing int64
		if err := rows.Scan(&r.Kind, &r.Source, &tried, &whole, &failing, &r.Said, &r.Items, &r.Waiting, &r.Told); err != nil {
			return nil, err
		}
		r.Tried, r.Whole, r.Failing = timeOrZero(tried), timeOrZero(whole), timeOrZero(failing)
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkTold records that serve told a reader's failing (told), or its
// reading again.
func (s *Store) MarkTold(ctx context.Context, kind, source string, told bool) error {
	_, err := s.db.ExecContext(ctx, "UPDATE readers SET told = ? WHERE kind = ? AND source = ?", told, kind, strings.ToLower(source))
	return err
}

// KeepReaders forgets the readers not among keep (kind and source): a
// serve started without a namespace or tenant it read before no longer
// reads it, and its last failure is nobody's to mend. It returns how many
// it forgot.
func (s *Store) KeepReaders(ctx context.Context, keep []ReadNoted) (int, error) {
	have, err := s.Readers(ctx)
	if err != nil {
		return 0, err
	}
	kept := map[[2]string]bool{}
	for _, k := range keep {
		kept[[2]string{k.Kind, strings.ToLower(k.Source)}] = true
	}
	n := 0
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range have {
			if kept[[2]string{r.Kind, r.Source}] {
				continue
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM readers WHERE kind = ? AND source = ?", r.Kind, r.Source); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
