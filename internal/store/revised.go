package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// mamori serve writes an alert once, in the cycle that first stores it.
// What it said can change after: a create's Start, which names the
// machines, is alerted on as created in one cycle, and its Failure, read
// in the next, makes it a create Azure refused (refused.go). The store
// settles the alerts it gives back; the one already written out said
// "created". So the store keeps which alerts report which compute
// operations (alert_ops, schema 20), and the cycle that notes an
// operation's refusal gives back, settled, the alerts of earlier cycles
// that report it (Committed.Revised), for serve to write again. An alert
// an older mamori stored is not in alert_ops: a refusal read after the
// upgrade does not revise it (the store's copy is still settled).

// alertOpsTable is schema version 20's addition. seen is the wall time
// of the last cycle that stored the alert with the operation: a refusal
// comes minutes after its Start, so rows are kept as long as compute_ops
// keeps an operation's records (computeOpsKept).
const alertOpsTable = `
CREATE TABLE IF NOT EXISTS alert_ops (
	op    INTEGER NOT NULL,
	alert TEXT NOT NULL,
	seen  INTEGER NOT NULL,
	PRIMARY KEY (op, alert)
) WITHOUT ROWID;
`

// Committed is what a cycle's commit gives back.
type Committed struct {
	// Fresh are the alerts new to the store, settled against the
	// refusals it knows (a Failure read in a cycle before its Start).
	Fresh []alert.Alert
	// Revised are alerts of earlier cycles that report a create this
	// cycle learned Azure refused: settled, Revised set.
	Revised []alert.Alert
}

// putAlertOps notes the compute operations each alert reports, keyed as
// compute_ops keys them, and forgets those no cycle stored lately.
func putAlertOps(ctx context.Context, tx *sql.Tx, key *event.KeyHash, as []alert.Alert, now time.Time) error {
	put, err := tx.PrepareContext(ctx, `INSERT INTO alert_ops (op, alert, seen) VALUES (?, ?, ?)
		ON CONFLICT (op, alert) DO UPDATE SET seen = max(seen, excluded.seen)`)
	if err != nil {
		return err
	}
	defer put.Close()
	for i := range as {
		for _, c := range as[i].Compute {
			if c.Operation == "" {
				continue
			}
			if _, err := put.ExecContext(ctx, int64(key.OpKey(c.Operation)), as[i].ID, now.UnixNano()); err != nil {
				return err
			}
		}
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM alert_ops WHERE seen < ?", now.Add(-computeOpsKept).UnixNano())
	return err
}

// revisedAlerts returns, settled and marked Revised, oldest first, the
// stored alerts that report an operation of refusedNow, but those of
// fresh (written this cycle, settled already).
func revisedAlerts(ctx context.Context, tx *sql.Tx, key *event.KeyHash, refusedNow []uint64, fresh []alert.Alert) ([]alert.Alert, error) {
	if len(refusedNow) == 0 {
		return nil, nil
	}
	skip := make(map[string]bool, len(fresh))
	for i := range fresh {
		skip[fresh[i].ID] = true
	}
	get, err := tx.PrepareContext(ctx, "SELECT a.id, a.body FROM alert_ops o JOIN alerts a ON a.id = o.alert WHERE o.op = ?")
	if err != nil {
		return nil, err
	}
	defer get.Close()
	var out []alert.Alert
	for _, op := range refusedNow {
		rows, err := get.QueryContext(ctx, int64(op))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var body []byte
			if err := rows.Scan(&id, &body); err != nil {
				rows.Close()
				return nil, err
			}
			var a alert.Alert
			if skip[id] || json.Unmarshal(body, &a) != nil {
				continue // one this mamori cannot read is left as it is, as putAlerts leaves it
			}
			skip[id] = true // an alert of two refused creates is written again once
			out = append(out, a)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	refused, err := lookupRefused(ctx, tx, key, out)
	if err != nil {
		return nil, err
	}
	for i := range out {
		refused.settle(&out[i])
		out[i].Revised = true
	}
	slices.SortFunc(out, func(a, b alert.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// settleCycle settles the cycle's fresh alerts against the refusals the
// store knows, and finds the alerts of earlier cycles the cycle revised.
func settleCycle(ctx context.Context, tx *sql.Tx, key *event.KeyHash, fresh []alert.Alert, refusedNow []uint64) (Committed, error) {
	done := Committed{Fresh: fresh}
	refused, err := lookupRefused(ctx, tx, key, fresh)
	if err != nil {
		return Committed{}, err
	}
	for i := range fresh {
		refused.settle(&fresh[i])
	}
	done.Revised, err = revisedAlerts(ctx, tx, key, refusedNow, fresh)
	return done, err
}

// lookupRefused reads, of the operations the alerts report, those Azure
// refused: each looked up by its key, not the whole table read, since
// most cycles' alerts report no create at all.
func lookupRefused(ctx context.Context, tx *sql.Tx, key *event.KeyHash, as []alert.Alert) (refusedOps, error) {
	out := refusedOps{keys: map[uint64]OpState{}, hash: key}
	get, err := tx.PrepareContext(ctx, "SELECT sized FROM compute_ops WHERE op = ? AND sized & ? != 0")
	if err != nil {
		return refusedOps{}, err
	}
	defer get.Close()
	for i := range as {
		for _, c := range as[i].Compute {
			if c.Operation == "" {
				continue
			}
			op := key.OpKey(c.Operation)
			var sized int64
			switch err := get.QueryRowContext(ctx, int64(op), OpFailed).Scan(&sized); {
			case err == nil:
				out.keys[op] = OpState(sized)
			case !errors.Is(err, sql.ErrNoRows):
				return refusedOps{}, err
			}
		}
	}
	return out, nil
}
