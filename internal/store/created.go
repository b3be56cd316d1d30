package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
)

// createdTable is schema version 13's addition: the compute creates the
// cycles' engines reported (engine.Engine.Created, hunt.Result.Created),
// alerted on or not, so that an incident grouped again over the store's
// alerts (mamori alerts, serve's tests) is priced from every create its
// principals made, as one hunt over everything prices it
// (incident.Options.Created), not only from those of the cycle that read
// them. A row is one report; the same report read again (a carried
// record, a replayed cycle) is the same key and stored once; the reports
// of one create by several rules or records stay apart and are counted
// once by incident's merge, as in the hunt.
const createdTable = `
CREATE TABLE IF NOT EXISTS compute_created (
	key    BLOB PRIMARY KEY,
	tenant TEXT NOT NULL,
	time   INTEGER NOT NULL,
	body   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS compute_created_by_tenant ON compute_created (tenant, time);
CREATE INDEX IF NOT EXISTS compute_created_by_time ON compute_created (time);
`

// createdKept is how far, in event time, before its tenant's latest
// create a create is kept. An incident's span has no bound of its own
// (alerts a day apart chain for as long as they come), so the bound is
// chosen: 90 days, the time Azure keeps a tenant's Activity Log itself,
// so the longest an export read afresh reaches back, plus
// incident.DefaultCreatedAfter, the hour past an incident's end its
// creates are still its own. Event time, not wall time: a store fed last
// quarter's exports keeps their creates. An incident older than that is
// priced from its alerts' creates alone, as before schema 13.
const createdKept = 90*24*time.Hour + incident.DefaultCreatedAfter

// maxCreatedRows bounds the rows over every tenant (past it, the oldest
// go): as many as incident.Build reads. A variable for the test of the
// bound.
var maxCreatedRows int64 = incident.MaxCreated

// createdBody is a row's body: who created what.
type createdBody struct {
	Principals []string      `json:"principals"`
	Compute    alert.Compute `json:"compute"`
}

// putCreated adds a cycle's compute creates and prunes those its
// tenants' newest leave behind by createdKept, then the oldest past
// maxCreatedRows.
func putCreated(ctx context.Context, tx *sql.Tx, cs []incident.Created) error {
	if len(cs) == 0 {
		return nil
	}
	put, err := tx.PrepareContext(ctx, `INSERT INTO compute_created (key, tenant, time, body) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`)
	if err != nil {
		return err
	}
	defer put.Close()
	tenants := map[string]bool{}
	for _, c := range cs {
		body, err := json.Marshal(createdBody{Principals: c.Principals, Compute: c.Compute})
		if err != nil {
			return err
		}
		// The key is the whole report: tenant, time and body.
		h := sha256.New()
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(c.Tenant)))
		h.Write(n[:])
		h.Write([]byte(c.Tenant))
		binary.BigEndian.PutUint64(n[:], uint64(c.Time.UnixNano()))
		h.Write(n[:])
		h.Write(body)
		if _, err := put.ExecContext(ctx, h.Sum(nil), c.Tenant, c.Time.UnixNano(), body); err != nil {
			return err
		}
		tenants[c.Tenant] = true
	}
	for t := range tenants {
		if _, err := tx.ExecContext(ctx, `DELETE FROM compute_created WHERE tenant = ?1
			AND time < (SELECT max(time) FROM compute_created WHERE tenant = ?1) - ?2`, t, int64(createdKept)); err != nil {
			return err
		}
	}
	// The bound over every tenant: the count is a walk of the smaller
	// index, the cut a walk of maxCreatedRows entries of it, and only when
	// past the bound.
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM compute_created").Scan(&n); err != nil || n <= maxCreatedRows {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM compute_created WHERE time <
		(SELECT time FROM compute_created ORDER BY time DESC LIMIT 1 OFFSET ?)`, maxCreatedRows-1)
	return err
}

// Created returns the compute creates the store holds at or after from,
// oldest first, for incident.Options.Created.
func (s *Store) Created(ctx context.Context, from time.Time) ([]incident.Created, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT tenant, time, body FROM compute_created WHERE time >= ? ORDER BY time LIMIT ?", from.UnixNano(), maxCreatedRows)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []incident.Created
	for rows.Next() {
		var tenant string
		var t int64
		var body []byte
		if err := rows.Scan(&tenant, &t, &body); err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		var b createdBody
		if err := json.Unmarshal(body, &b); err != nil {
			return nil, fmt.Errorf("store %s: compute create: %w", s.path, err)
		}
		out = append(out, incident.Created{Tenant: tenant, Time: time.Unix(0, t).UTC(), Principals: b.Principals, Compute: b.Compute})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store %s: %w", s.path, err)
	}
	refused, err := s.refused(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(c incident.Created) bool { return refused.of(c.Compute) }), nil
}
