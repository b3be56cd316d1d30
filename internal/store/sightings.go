package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mamori-sec/mamori/internal/owner"
)

// sightingsTable is schema version 7's addition: how many records named
// each tenant, per subscription and per folder (owner.Sightings). A cycle
// that reads only flow logs or a host's log, which name no tenant, places
// them by what earlier cycles read, as one hunt over all the data would.
const sightingsTable = `
CREATE TABLE IF NOT EXISTS owner_sightings (
	kind    TEXT NOT NULL,
	key     TEXT NOT NULL,
	tenant  TEXT NOT NULL,
	records INTEGER NOT NULL,
	PRIMARY KEY (kind, key, tenant)
) WITHOUT ROWID;
`

// The kinds of key owner_sightings holds.
const (
	sightSubscription = "subscription"
	sightFolder       = "folder"
)

// putSightings adds a cycle's counts to the store's.
func putSightings(ctx context.Context, tx *sql.Tx, s owner.Sightings) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO owner_sightings (kind, key, tenant, records) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind, key, tenant) DO UPDATE SET records = records + excluded.records`)
	if err != nil {
		return err
	}
	defer st.Close()
	for kind, m := range map[string]map[string]map[string]int64{sightSubscription: s.Subscriptions, sightFolder: s.Folders} {
		for key, byTenant := range m {
			for tenant, n := range byTenant {
				if _, err := st.ExecContext(ctx, kind, key, tenant, n); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Sightings returns the counts every cycle added (hunt.Config.Sightings).
func (s *Store) Sightings(ctx context.Context) (owner.Sightings, error) {
	var out owner.Sightings
	rows, err := s.db.QueryContext(ctx, "SELECT kind, key, tenant, records FROM owner_sightings")
	if err != nil {
		return out, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, key, tenant string
		var n int64
		if err := rows.Scan(&kind, &key, &tenant, &n); err != nil {
			return out, fmt.Errorf("store %s: %w", s.path, err)
		}
		// Every folder above another is a row of its own: kept as it is.
		m := &out.Subscriptions
		if kind == sightFolder {
			m = &out.Folders
		}
		if *m == nil {
			*m = map[string]map[string]int64{}
		}
		if (*m)[key] == nil {
			(*m)[key] = map[string]int64{}
		}
		(*m)[key][tenant] += n
	}
	return out, rows.Err()
}

// Owners are the tenants that own a subscription or a folder, sorted: as
// Sightings' owner.Table.Tenants gives them (owner.Share of a key's
// records), counted by SQLite rather than loaded, for a service that asks
// each cycle (TestOwnersAsTheTableDecides).
func (s *Store) Owners(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT o.tenant FROM owner_sightings o
		JOIN (SELECT kind, key, sum(records) AS total FROM owner_sightings GROUP BY kind, key) t ON o.kind = t.kind AND o.key = t.key
		WHERE o.records > 0 AND o.tenant != '' AND o.records >= ? * t.total ORDER BY 1`, owner.Share)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ForgetFolders removes the sightings of folders that no longer hold a
// file (serve, after a walk without errors): a record later read in one
// takes the tenant of the nearest folder above it that still has them.
func (s *Store) ForgetFolders(ctx context.Context, dirs []string) error {
	return s.deleteEach(ctx, "DELETE FROM owner_sightings WHERE kind = '"+sightFolder+"' AND key = ?", dirs)
}
