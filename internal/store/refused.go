package store

import (
	"context"
	"fmt"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// A compute create Azure refused logs its Start record, which names the
// machines asked for, then a Failure, which names none. One hunt reads
// both and prices none of them (the engine's failed.go); a service may
// read the Start in one cycle, the alert and the create it reports then
// stored, and the Failure in the next. The cycles note each operation's
// failure in compute_ops (OpFailed), and the alerts and creates the store
// gives back leave out the compute of a refused operation, whichever
// cycle read what.

// refusedOps are the keys of the compute operations Azure refused, made
// with the store's secret (event.KeyHash.OpKey), as the cycles' hunts make
// them.
type refusedOps struct {
	keys map[uint64]bool
	hash *event.KeyHash
}

// refused reads them.
func (s *Store) refused(ctx context.Context) (refusedOps, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT op FROM compute_ops WHERE sized & ? != 0", OpFailed)
	if err != nil {
		return refusedOps{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := refusedOps{keys: map[uint64]bool{}, hash: event.NewKeyHash(s.RecordKeySecret())}
	for rows.Next() {
		var op int64
		if err := rows.Scan(&op); err != nil {
			return refusedOps{}, fmt.Errorf("store %s: %w", s.path, err)
		}
		out.keys[uint64(op)] = true
	}
	if err := rows.Err(); err != nil {
		return refusedOps{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	return out, nil
}

// of reports whether c is the compute of a refused operation.
func (r refusedOps) of(c alert.Compute) bool {
	return len(r.keys) > 0 && c.Operation != "" && r.keys[r.hash.OpKey(c.Operation)]
}
