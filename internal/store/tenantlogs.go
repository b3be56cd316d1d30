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
//
// With Subscription set it is one subscription's log of the tenant (the
// Activity Log, whose diagnostic settings are made per subscription).
type TenantLogSeen struct {
	Tenant       string
	Subscription string
	Kind         string // event.Kind's name
	First        time.Time
	Last         time.Time // latest event time read (UTC, to the second)
	Arrived      time.Time // wall time of the last cycle that moved Last on
	// Events is how many events with a time the tenant's log held, over
	// every cycle (not those read again for open windows): whether its
	// first and last events say where its export begins and ends
	// (coverage.Read.Sparse), and how often it has one (a sparse log is
	// judged quiet by its own pace). 0 when a store before schema 8 (a
	// subscription's: 23) counted none.
	Events int64
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
	` + tenantLogsEvents + `,
	PRIMARY KEY (tenant, kind)
) WITHOUT ROWID;
`

// tenantLogsEvents is schema version 8's column of tenant_logs, added to
// the table of an older store.
const tenantLogsEvents = "events INTEGER NOT NULL DEFAULT 0"

// subscriptionLogsTable is schema version 4's addition: tenant_logs per
// subscription.
const subscriptionLogsTable = `
CREATE TABLE IF NOT EXISTS subscription_logs (
	tenant       TEXT NOT NULL,
	subscription TEXT NOT NULL,
	kind         TEXT NOT NULL,
	first        INTEGER NOT NULL,
	last         INTEGER NOT NULL,
	arrived      INTEGER NOT NULL,
	` + subscriptionLogsEvents + `,
	PRIMARY KEY (tenant, subscription, kind)
) WITHOUT ROWID;
`

// subscriptionLogsEvents is schema version 23's column of
// subscription_logs, added to the table of an older store.
const subscriptionLogsEvents = "events INTEGER NOT NULL DEFAULT 0"

// putTenantLogs adds a cycle's tenant and subscription logs (Arrived: the
// cycle's wall time): the span widens, and Arrived moves on only when the
// cycle read a later event of the log than the store held.
func putTenantLogs(ctx context.Context, tx *sql.Tx, logs []TenantLogSeen) error {
	const widen = `first = min(first, excluded.first), last = max(last, excluded.last),
			arrived = CASE WHEN excluded.last > last THEN max(arrived, excluded.arrived) ELSE arrived END`
	for _, l := range logs {
		var err error
		if l.Subscription == "" {
			_, err = tx.ExecContext(ctx, `INSERT INTO tenant_logs (tenant, kind, first, last, arrived, events) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant, kind) DO UPDATE SET events = events + excluded.events, `+widen,
				l.Tenant, l.Kind, l.First.Unix(), l.Last.Unix(), l.Arrived.Unix(), l.Events)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO subscription_logs (tenant, subscription, kind, first, last, arrived, events) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant, subscription, kind) DO UPDATE SET events = events + excluded.events, `+widen,
				l.Tenant, l.Subscription, l.Kind, l.First.Unix(), l.Last.Unix(), l.Arrived.Unix(), l.Events)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// TenantLogs returns every tenant's logs the store has read, and every
// subscription's, by tenant, subscription ("" first: the tenant's), then
// kind name.
func (s *Store) TenantLogs(ctx context.Context) ([]TenantLogSeen, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tenant, '', kind, first, last, arrived, events FROM tenant_logs
		UNION ALL SELECT tenant, subscription, kind, first, last, arrived, events FROM subscription_logs ORDER BY 1, 2, 3`)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []TenantLogSeen
	for rows.Next() {
		var l TenantLogSeen
		var first, last, arrived int64
		if err := rows.Scan(&l.Tenant, &l.Subscription, &l.Kind, &first, &last, &arrived, &l.Events); err != nil {
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
	var n int64
	for _, table := range []string{"tenant_logs", "subscription_logs"} {
		r, err := s.db.ExecContext(ctx, "DELETE FROM "+table+" WHERE tenant = ?", tenant)
		if err != nil {
			return 0, fmt.Errorf("store %s: %w", s.path, err)
		}
		k, err := r.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store %s: %w", s.path, err)
		}
		n += k
	}
	return n, nil
}
