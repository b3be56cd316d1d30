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
}

func putCheckpoints(ctx context.Context, tx *sql.Tx, cps []Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	// Prepared once: a first cycle writes a checkpoint per file, thousands.
	st, err := tx.PrepareContext(ctx, `INSERT INTO checkpoints (path, size, mtime, offset, line, lines, head) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, offset = excluded.offset,
		line = excluded.line, lines = excluded.lines, head = excluded.head`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, c := range cps {
		if _, err := st.ExecContext(ctx, c.Path, c.Size, c.ModTime.UnixNano(), c.Offset, c.Line, c.Lines, c.Head); err != nil {
			return err
		}
	}
	return nil
}

// Checkpoints returns every input's checkpoint by path.
func (s *Store) Checkpoints(ctx context.Context) (map[string]Checkpoint, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT path, size, mtime, offset, line, lines, head FROM checkpoints")
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string]Checkpoint{}
	for rows.Next() {
		var c Checkpoint
		var mt int64
		if err := rows.Scan(&c.Path, &c.Size, &mt, &c.Offset, &c.Line, &c.Lines, &c.Head); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		c.ModTime = time.Unix(0, mt).UTC()
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	defer tx.Rollback() // a no-op once committed
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	defer st.Close()
	for _, k := range keys {
		if _, err := st.ExecContext(ctx, k); err != nil {
			return fmt.Errorf("store %s: %w", s.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	return nil
}
