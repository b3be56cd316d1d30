package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// serve posts each cycle's alerts to a webhook (--notify). A post the
// receiver did not take (it was down, the network was, its URL was
// revoked and is being replaced) would lose the page for good: the alerts
// are written out and committed, so no later cycle finds them new. The
// store holds them instead (notify_held, schema 21), and the next cycle,
// of serve or of a later `serve --once`, tells them with its own. Only
// the alert's id is held; its body is the store's, settled when read, so
// a held alert a later cycle revised is told as it now stands.

// heldTable is schema version 21's addition, with the index by which
// serve's --keep-alerts forgets old alerts (Cycle.KeepAlerts). since is
// the wall time of the cycle whose post first failed; revised says the
// alert was to be told as written again (Committed.Revised).
const heldTable = `
CREATE TABLE IF NOT EXISTS notify_held (
	alert   TEXT PRIMARY KEY,
	revised INTEGER NOT NULL,
	since   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alerts_by_stored ON alerts (stored);
`

// HeldKept is how long an alert is held for a receiver that keeps
// refusing: a week, after which a page would be news to no one (the
// alerts are still listed by `mamori alerts`).
const HeldKept = 7 * 24 * time.Hour

// Held is what the store holds for the webhook.
type Held struct {
	Fresh, Revised []alert.Alert // settled, oldest first
	// Dropped counts alerts held longer than HeldKept, or whose alert is
	// no longer stored, forgotten by this look.
	Dropped int
	// Since is when the oldest alert still held was first not told; At
	// is when each was (by id), for a service whose tenants' receivers
	// differ.
	Since time.Time
	At    map[string]time.Time
}

// Held returns the alerts held for the webhook, and forgets those held
// since before now less HeldKept.
func (s *Store) Held(ctx context.Context, now time.Time) (Held, error) {
	var h Held
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM notify_held WHERE since < ?
			OR NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = notify_held.alert)`, now.Add(-HeldKept).UnixNano())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		h.Dropped = int(n)
		rows, err := tx.QueryContext(ctx, "SELECT a.body, h.revised, h.since FROM notify_held h JOIN alerts a ON a.id = h.alert")
		if err != nil {
			return err
		}
		defer rows.Close()
		var all []alert.Alert
		for rows.Next() {
			var body []byte
			var revised bool
			var since int64
			if err := rows.Scan(&body, &revised, &since); err != nil {
				return err
			}
			var a alert.Alert
			if json.Unmarshal(body, &a) != nil {
				h.Dropped++ // one this mamori cannot read: listed by none either
				continue
			}
			a.Revised = revised
			all = append(all, a)
			t := time.Unix(0, since).UTC()
			if h.Since.IsZero() || t.Before(h.Since) {
				h.Since = t
			}
			if h.At == nil {
				h.At = map[string]time.Time{}
			}
			h.At[a.ID] = t
		}
		if err := rows.Err(); err != nil {
			return err
		}
		refused, err := lookupRefused(ctx, tx, event.NewKeyHash(s.RecordKeySecret()), all)
		if err != nil {
			return err
		}
		slices.SortFunc(all, func(a, b alert.Alert) int {
			return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
		})
		for i := range all {
			refused.settle(&all[i])
			if all[i].Revised {
				h.Revised = append(h.Revised, all[i])
			} else {
				h.Fresh = append(h.Fresh, all[i])
			}
		}
		return nil
	})
	if err != nil {
		return Held{}, fmt.Errorf("store %s: alerts held for the webhook: %w", s.path, err)
	}
	return h, nil
}

// Hold keeps alerts the webhook did not take, to be told by a later
// cycle; an alert held already keeps when it was first not told, and is
// held as revised once either telling was.
func (s *Store) Hold(ctx context.Context, fresh, revised []alert.Alert, now time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		put, err := tx.PrepareContext(ctx, `INSERT INTO notify_held (alert, revised, since) VALUES (?, ?, ?)
			ON CONFLICT (alert) DO UPDATE SET revised = max(revised, excluded.revised)`)
		if err != nil {
			return err
		}
		defer put.Close()
		for i, as := range [][]alert.Alert{fresh, revised} {
			for j := range as {
				if _, err := put.ExecContext(ctx, as[j].ID, i, now.UnixNano()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %s: holding alerts for the webhook: %w", s.path, err)
	}
	return nil
}

// Release forgets the held alerts once the webhook took them.
func (s *Store) Release(ctx context.Context, ids []string) error {
	return s.deleteEach(ctx, "DELETE FROM notify_held WHERE alert = ?", ids)
}

// HeldCount is how many alerts the store holds for the webhook, and when
// the first of the posts that did not get through was; it changes
// nothing (`mamori status` reads it beside a serve).
func (s *Store) HeldCount(ctx context.Context) (n int, since time.Time, err error) {
	var first sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*), min(since) FROM notify_held").Scan(&n, &first); err != nil {
		return 0, time.Time{}, fmt.Errorf("store %s: alerts held for the webhook: %w", s.path, err)
	}
	if first.Valid {
		since = time.Unix(0, first.Int64).UTC()
	}
	return n, since, nil
}

// SetIncidents notes in each stored alert's body the incident it was
// written and told in (alert id → incident id), as the store's alerts
// made it (serve names a cycle's alerts after its commit): an incident
// whose id changes later (an earlier alert joined) can say what it was
// told as before.
func (s *Store) SetIncidents(ctx context.Context, ids map[string]string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		set, err := tx.PrepareContext(ctx, `UPDATE alerts SET body = json_set(body, '$.incident', ?)
			WHERE id = ? AND json_extract(body, '$.incident') IS NOT ?`)
		if err != nil {
			return err
		}
		defer set.Close()
		for id, inc := range ids {
			if _, err := set.ExecContext(ctx, inc, id, inc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %s: alerts' incidents: %w", s.path, err)
	}
	return nil
}
