package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
// serve's --keep-alerts forgets old alerts (Cycle.KeepAlerts), and 22's:
// the waiting column and the notify_told table (serve's --notify-every
// tells an incident's new alerts at most once a span: those of an
// incident told within it wait, waiting 1, and notify_told is when each
// incident was last told, at which severity). since is the wall time of
// the cycle whose post first failed (or that first kept the alert
// waiting); revised says the alert was to be told as written again
// (Committed.Revised).
const heldTable = `
CREATE TABLE IF NOT EXISTS notify_held (
	alert   TEXT PRIMARY KEY,
	revised INTEGER NOT NULL,
	since   INTEGER NOT NULL,
	` + heldWaiting + `
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alerts_by_stored ON alerts (stored);
CREATE TABLE IF NOT EXISTS notify_told (
	incident TEXT PRIMARY KEY,
	severity INTEGER NOT NULL,
	at       INTEGER NOT NULL
) WITHOUT ROWID;
`

// heldWaiting is notify_held's column of schema 22, added to a store of
// 21 by the upgrade.
const heldWaiting = "waiting INTEGER NOT NULL DEFAULT 0"

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
	// Waiting are the alerts (by id) held because their incident was told
	// within serve's --notify-every, not because a receiver refused them;
	// Since is not theirs.
	Waiting map[string]bool
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
		rows, err := tx.QueryContext(ctx, "SELECT a.body, h.revised, h.since, h.waiting FROM notify_held h JOIN alerts a ON a.id = h.alert")
		if err != nil {
			return err
		}
		defer rows.Close()
		var all []alert.Alert
		for rows.Next() {
			var body []byte
			var revised, waiting bool
			var since int64
			if err := rows.Scan(&body, &revised, &since, &waiting); err != nil {
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
			if h.At == nil {
				h.At, h.Waiting = map[string]time.Time{}, map[string]bool{}
			}
			h.At[a.ID] = t
			if waiting {
				h.Waiting[a.ID] = true
			} else if h.Since.IsZero() || t.Before(h.Since) {
				h.Since = t
			}
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

// Hold keeps alerts the webhook did not take (waiting false), or that
// wait for their incident's next telling (true), to be told by a later
// cycle; an alert held already keeps when it was first not told, and is
// held as revised once either telling was. An alert that waited and was
// then refused is held as refused, since the refusal.
func (s *Store) Hold(ctx context.Context, fresh, revised []alert.Alert, now time.Time, waiting bool) error {
	if len(fresh)+len(revised) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		put, err := tx.PrepareContext(ctx, `INSERT INTO notify_held (alert, revised, since, waiting) VALUES (?, ?, ?, ?)
			ON CONFLICT (alert) DO UPDATE SET revised = max(revised, excluded.revised),
				since = CASE WHEN waiting > excluded.waiting THEN excluded.since ELSE since END,
				waiting = min(waiting, excluded.waiting)`)
		if err != nil {
			return err
		}
		defer put.Close()
		for i, as := range [][]alert.Alert{fresh, revised} {
			for j := range as {
				if _, err := put.ExecContext(ctx, as[j].ID, i, now.UnixNano(), waiting); err != nil {
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

// HeldCounts are how many alerts the store holds for the receivers.
type HeldCounts struct {
	Held    int       // refused by a receiver
	Since   time.Time // the first of the posts that did not get through
	Waiting int       // waiting for their incident's next telling
}

// HeldCount counts what the store holds for the receivers; it changes
// nothing (`mamori status` reads it beside a serve).
func (s *Store) HeldCount(ctx context.Context) (HeldCounts, error) {
	var c HeldCounts
	var first sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE waiting = 0), min(since) FILTER (WHERE waiting = 0),
		count(*) FILTER (WHERE waiting = 1) FROM notify_held`).Scan(&c.Held, &first, &c.Waiting)
	if err != nil {
		return HeldCounts{}, fmt.Errorf("store %s: alerts held for the webhook: %w", s.path, err)
	}
	if first.Valid {
		c.Since = time.Unix(0, first.Int64).UTC()
	}
	return c, nil
}

// Told is when an incident was last told, and at which severity.
type Told struct {
	Severity alert.Severity
	At       time.Time
}

// ToldOf returns when each of the incidents was last told (those never
// told are absent).
func (s *Store) ToldOf(ctx context.Context, ids []string) (map[string]Told, error) {
	out := map[string]Told{}
	get, err := s.db.PrepareContext(ctx, "SELECT severity, at FROM notify_told WHERE incident = ?")
	if err != nil {
		return nil, fmt.Errorf("store %s: incidents told: %w", s.path, err)
	}
	defer get.Close()
	for _, id := range ids {
		var sev int
		var at int64
		switch err := get.QueryRowContext(ctx, id).Scan(&sev, &at); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("store %s: incidents told: %w", s.path, err)
		default:
			out[id] = Told{Severity: alert.Severity(sev), At: time.Unix(0, at).UTC()}
		}
	}
	return out, nil
}

// SetTold keeps that the incidents were told now, at their severities,
// and forgets those told more than HeldKept ago (an attack quiet for a
// week that comes back is news again).
func (s *Store) SetTold(ctx context.Context, told map[string]alert.Severity, now time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM notify_told WHERE at < ?", now.Add(-HeldKept).UnixNano()); err != nil {
			return err
		}
		put, err := tx.PrepareContext(ctx, `INSERT INTO notify_told (incident, severity, at) VALUES (?, ?, ?)
			ON CONFLICT (incident) DO UPDATE SET severity = excluded.severity, at = excluded.at`)
		if err != nil {
			return err
		}
		defer put.Close()
		for id, sev := range told {
			if _, err := put.ExecContext(ctx, id, int(sev), now.UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %s: incidents told: %w", s.path, err)
	}
	return nil
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
