package store

import (
	"context"
	"database/sql"
	"fmt"
)

// namesTable is schema version 6's addition: the display names of service
// principals the hunts have learned (hunt.Result.Names). The Activity Log
// names a service principal by object id only, and the records that name
// it (its sign-ins, Entra's audit log) may come cycles before its writes:
// kept here, the alerts of a later cycle still say who acted.
const namesTable = `
CREATE TABLE IF NOT EXISTS principal_names (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
) WITHOUT ROWID;
`

// putNames keeps the names learned (object id, lower case, to name); a
// cycle that learns another name for an id replaces it (a renamed service
// principal: the latest hunt read the newer records).
func putNames(ctx context.Context, tx *sql.Tx, names map[string]string) error {
	for id, name := range names {
		if _, err := tx.ExecContext(ctx, `INSERT INTO principal_names (id, name) VALUES (?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE name <> excluded.name`, id, name); err != nil {
			return err
		}
	}
	return nil
}

// PrincipalNames returns the names earlier cycles learned, by object id in
// lower case (hunt.Config.Names).
func (s *Store) PrincipalNames(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM principal_names")
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		out[id] = name
	}
	return out, rows.Err()
}
