package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Carried is a record a windowed correlation read (a compute create that
// counts toward a burst, a role grant a later quota change joins): where
// it is in its JSON lines file, so that the next cycle reads it again and
// a window open at a cycle's edge still sees it.
type Carried struct {
	Path   string
	Offset int64 // where its line starts
	Line   int
	Tenant string
	Time   time.Time
}

func putCarry(ctx context.Context, tx *sql.Tx, add, lost []Carried, drop map[string]time.Time, now, stale time.Time) error {
	for _, c := range lost {
		if _, err := tx.ExecContext(ctx, "DELETE FROM carry WHERE path = ? AND offset = ?", c.Path, c.Offset); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		// A record read again where one was carried is the file's record
		// there now (a log rotated under the same name): its line and time
		// replace the old ones, and a different record is carried anew.
		st, err := tx.PrepareContext(ctx, `INSERT INTO carry (path, offset, line, tenant, time, since) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (path, offset) DO UPDATE SET line = excluded.line, tenant = excluded.tenant, time = excluded.time,
			since = CASE WHEN time = excluded.time THEN since ELSE excluded.since END`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range add {
			if _, err := st.ExecContext(ctx, c.Path, c.Offset, c.Line, c.Tenant, c.Time.UnixNano(), now.UnixNano()); err != nil {
				return err
			}
		}
	}
	// A tenant gone quiet would otherwise keep its last window's records,
	// read again every cycle, until its next record.
	if !stale.IsZero() {
		if _, err := tx.ExecContext(ctx, "DELETE FROM carry WHERE since < ?", stale.UnixNano()); err != nil {
			return err
		}
	}
	for tenant, t := range drop {
		if _, err := tx.ExecContext(ctx, "DELETE FROM carry WHERE tenant = ? AND time < ?", tenant, t.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// Carried returns the records carried into the next cycle, by file and
// position.
func (s *Store) Carried(ctx context.Context) ([]Carried, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT path, offset, line, tenant, time FROM carry ORDER BY path, offset")
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []Carried
	for rows.Next() {
		var c Carried
		var t int64
		if err := rows.Scan(&c.Path, &c.Offset, &c.Line, &c.Tenant, &t); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		c.Time = time.Unix(0, t).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
