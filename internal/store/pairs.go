package store

import (
	"context"
	"database/sql"
	"fmt"
)

// pairs is a table that keeps a map of strings across runs: what a hunt
// learns that later ones need (namesTable).
type pairs struct{ table, key, value string }

// put keeps m's pairs; a key put again with another value takes it.
func (p pairs) put(ctx context.Context, tx *sql.Tx, m map[string]string) error {
	// The names are the constants below, not input.
	q := fmt.Sprintf(`INSERT INTO %[1]s (%[2]s, %[3]s) VALUES (?, ?)
		ON CONFLICT (%[2]s) DO UPDATE SET %[3]s = excluded.%[3]s WHERE %[3]s <> excluded.%[3]s`, p.table, p.key, p.value)
	for k, v := range m {
		if _, err := tx.ExecContext(ctx, q, k, v); err != nil {
			return err
		}
	}
	return nil
}

// all returns the table's pairs.
func (p pairs) all(ctx context.Context, s *Store) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf("SELECT %s, %s FROM %s", p.key, p.value, p.table))
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		out[k] = v
	}
	return out, rows.Err()
}
