package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Checkpoint is how far an input file has been read. A file that only
// grows by whole lines (Azure's hourly PT1H.json blobs while the hour is
// open) is read on from Offset, numbering lines from Line; any other
// change means reading it again whole.
type Checkpoint struct {
	Path    string
	Size    int64
	ModTime time.Time
	Offset  int64 // bytes read: the end of the last whole line for Lines files
	Line    int   // the line number at Offset
	Lines   bool  // JSON lines, plain: can be read on from Offset
	// Head is a digest of the file's beginning (Lines files): a file
	// rewritten under the same name is told from one that grew; of the
	// whole file for any other (read whole): a file touched and not
	// changed is not read again.
	Head string
	// Tail is a digest of the 4 KiB before Offset (Lines files; "" in a
	// checkpoint of a store before schema 14): with Head, what a file whose
	// stamp could not vouch for it (Looked) is checked by.
	Tail string
	// Ctime and Inode are the file's status change time and inode number
	// (zero where the system gives none, and in a checkpoint of a store
	// before schema 14: not compared). A file rewritten in place whose
	// writer put its old time back (rsync -t, cp -p, touch -r) has a new
	// ctime, which no program can set; one replaced by renaming another
	// onto its name (an export written to a temporary file first) has
	// another inode.
	Ctime time.Time
	Inode uint64
	// Looked is the wall time of the look the stamp (Size, ModTime, Ctime)
	// was taken at (zero before schema 14). A file whose time was within
	// a timestamp's granularity of the look may have been written again in
	// the same tick, its stamp unchanged (git's "racy" index entries): it
	// is checked by its content once more at the next look.
	Looked time.Time
}

func putCheckpoints(ctx context.Context, tx *sql.Tx, cps []Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	// Prepared once: a first cycle writes a checkpoint per file, thousands.
	st, err := tx.PrepareContext(ctx, `INSERT INTO checkpoints (path, size, mtime, offset, line, lines, head, tail, ctime, inode, looked)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, offset = excluded.offset,
		line = excluded.line, lines = excluded.lines, head = excluded.head, tail = excluded.tail, ctime = excluded.ctime,
		inode = excluded.inode, looked = excluded.looked`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, c := range cps {
		// SQLite's integers are signed: an inode's bits are kept as they are.
		if _, err := st.ExecContext(ctx, c.Path, c.Size, c.ModTime.UnixNano(), c.Offset, c.Line, c.Lines, c.Head, c.Tail,
			nanosOrZero(c.Ctime), int64(c.Inode), nanosOrZero(c.Looked)); err != nil {
			return err
		}
	}
	return nil
}

// Checkpoints returns every input's checkpoint by path.
func (s *Store) Checkpoints(ctx context.Context) (map[string]Checkpoint, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT path, size, mtime, offset, line, lines, head, tail, ctime, inode, looked FROM checkpoints")
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string]Checkpoint{}
	for rows.Next() {
		var c Checkpoint
		var mt, ct, ino, looked int64
		if err := rows.Scan(&c.Path, &c.Size, &mt, &c.Offset, &c.Line, &c.Lines, &c.Head, &c.Tail, &ct, &ino, &looked); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		c.ModTime, c.Ctime, c.Inode, c.Looked = time.Unix(0, mt).UTC(), timeOrZero(ct), uint64(ino), timeOrZero(looked)
		out[c.Path] = c
	}
	return out, rows.Err()
}

// ForgetFiles removes the checkpoints of files that are gone.
func (s *Store) ForgetFiles(ctx context.Context, paths []string) error {
	return s.deleteEach(ctx, "DELETE FROM checkpoints WHERE path = ?", paths)
}

// deleteEach runs a one-argument statement for each key, in one
// transaction (an export's retention removes a day of hourly blobs at
// once).
func (s *Store) deleteEach(ctx context.Context, query string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, k := range keys {
			if _, err := st.ExecContext(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	return nil
}

// checkpointColumns are schema version 14's columns of checkpoints, added
// to the table an older mamori made (addColumn): 0 and "" say "not known".
var checkpointColumns = []string{"tail TEXT NOT NULL DEFAULT ''", "ctime INTEGER NOT NULL DEFAULT 0",
	"inode INTEGER NOT NULL DEFAULT 0", "looked INTEGER NOT NULL DEFAULT 0"}

// nanosOrZero is t in Unix nanoseconds, 0 for the zero time (not known).
func nanosOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// timeOrZero reads nanosOrZero back.
func timeOrZero(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
