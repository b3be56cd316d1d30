package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// TenantLogSeen is what a store knows of one tenant's log of one kind:
// when its events fall, and when the last cycle that brought a later
// event than any before ran. One tenant's export that stops is hidden in
// the count of a log that other tenants' exports go on filling; this is
// where it shows.
//
// Arrival is judged by the events, not by the records: a cycle also reads
// again records of earlier cycles (for the windows they are in), and it
// does not know which tenant's those are, but they never fall after what
// the store already holds.
type TenantLogSeen struct {
	Tenant  string
	Kind    string // event.Kind's name
	First   time.Time
	Last    time.Time // latest event time read (UTC, to the second)
	Arrived time.Time // wall time of the last cycle that moved Last on
}

// tenantLogsTable is schema version 3's addition; times are Unix
// seconds, as in logs.
const tenantLogsTable = `
CREATE TABLE IF NOT EXISTS tenant_logs (
	tenant  TEXT NOT NULL,
	kind    TEXT NOT NULL,
	first   INTEGER NOT NULL,
	last    INTEGER NOT NULL,
	arrived INTEGER NOT NULL,
	PRIMARY KEY (tenant, kind)
) WITHOUT ROWID;
`

// putTenantLogs adds a cycle's tenant logs (Arrived: the cycle's wall
// time): the span widens, and Arrived moves on only when the cycle read a
// later event of the tenant's log than the store held.
func putTenantLogs(ctx context.Context, tx *sql.Tx, logs []TenantLogSeen) error {
	for _, l := range logs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tenant_logs (tenant, kind, first, last, arrived) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant, kind) DO UPDATE SET first = min(first, excluded.first), last = max(last, excluded.last),
			arrived = CASE WHEN excluded.last > last THEN max(arrived, excluded.arrived) ELSE arrived END`,
			l.Tenant, l.Kind, l.First.Unix(), l.Last.Unix(), l.Arrived.Unix()); err != nil {
			return err
		}
	}
	return nil
}

// TenantLogs returns every tenant's logs the store has read, by tenant
// then kind name.
func (s *Store) TenantLogs(ctx context.Context) ([]TenantLogSeen, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT tenant, kind, first, last, arrived FROM tenant_logs ORDER BY tenant, kind")
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []TenantLogSeen
	for rows.Next() {
		var l TenantLogSeen
		var first, last, arrived int64
		if err := rows.Scan(&l.Tenant, &l.Kind, &first, &last, &arrived); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		l.First, l.Last, l.Arrived = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC(), time.Unix(arrived, 0).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// ForgetTenant removes what the store knows of a tenant's logs (a tenant
// the service no longer watches: its logs would stay quiet for ever) and
// reports how many logs that was.
func (s *Store) ForgetTenant(ctx context.Context, tenant string) (int64, error) {
	r, err := s.db.ExecContext(ctx, "DELETE FROM tenant_logs WHERE tenant = ?", tenant)
	if err != nil {
		return 0, fmt.Errorf("store %s: %w", s.path, err)
	}
	return r.RowsAffected()
}
