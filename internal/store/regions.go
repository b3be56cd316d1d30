package store

import (
	"context"
	"database/sql"
	"fmt"
)

// regionsTable is schema version 5's addition: where the Batch accounts
// the hunts have seen are. A pool's records name no region in a REST or
// Log Analytics export, only its account's write does, and a pool may be
// created cycles (or `serve --once` runs) after its account: the region
// is kept here so that each hunt knows what earlier ones learned.
const regionsTable = `
CREATE TABLE IF NOT EXISTS regions (
	resource TEXT PRIMARY KEY,
	region   TEXT NOT NULL
) WITHOUT ROWID;
`

// putRegions keeps the regions learned (resource id, lower case, to
// region); one learned again is left as it is.
func putRegions(ctx context.Context, tx *sql.Tx, regions map[string]string) error {
	for id, region := range regions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO regions (resource, region) VALUES (?, ?)
			ON CONFLICT (resource) DO UPDATE SET region = excluded.region WHERE region <> excluded.region`, id, region); err != nil {
			return err
		}
	}
	return nil
}

// Regions returns the regions of the resources earlier cycles learned
// (the Batch accounts' ids, lower case, to their regions).
func (s *Store) Regions(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT resource, region FROM regions")
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, region string
		if err := rows.Scan(&id, &region); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		out[id] = region
	}
	return out, rows.Err()
}
