package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// A compute create Azure refused logs its Start record, which names the
// machines asked for, then a Failure, which names none. One hunt reads
// both and prices none of them (the engine's failed.go); a service may
// read the Start in one cycle, the alert and the create it reports then
// stored, and the Failure in the next. The cycles note each operation's
// failure in compute_ops (OpFailed, and OpQuota when on quota), and the
// alerts and creates the store gives back leave out the compute of a
// refused operation, whichever cycle read what; an alert on the refused
// create alone says so, as one hunt's does (alert.RefusedSummary).

// refusedOps are the keys of the compute operations Azure refused, made
// with the store's secret (event.KeyHash.OpKey), as the cycles' hunts make
// them.
type refusedOps struct {
	keys map[uint64]OpState // OpFailed, with OpQuota or not
	hash *event.KeyHash
}

// refused reads them.
func (s *Store) refused(ctx context.Context) (refusedOps, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT op, sized FROM compute_ops WHERE sized & ? != 0", OpFailed)
	if err != nil {
		return refusedOps{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	defer rows.Close()
	out := refusedOps{keys: map[uint64]OpState{}, hash: event.NewKeyHash(s.RecordKeySecret())}
	for rows.Next() {
		var op, sized int64
		if err := rows.Scan(&op, &sized); err != nil {
			return refusedOps{}, fmt.Errorf("store %s: %w", s.path, err)
		}
		out.keys[uint64(op)] = OpState(sized)
	}
	if err := rows.Err(); err != nil {
		return refusedOps{}, fmt.Errorf("store %s: %w", s.path, err)
	}
	return out, nil
}

// of reports whether c is the compute of a refused operation.
func (r refusedOps) of(c alert.Compute) bool {
	_, ok := r.state(c)
	return ok
}

func (r refusedOps) state(c alert.Compute) (OpState, bool) {
	if len(r.keys) == 0 || c.Operation == "" {
		return 0, false
	}
	s, ok := r.keys[r.hash.OpKey(c.Operation)]
	return s, ok
}

// settle leaves out of a the compute of refused operations; an alert whose
// one create was refused says so.
func (r refusedOps) settle(a *alert.Alert) {
	if len(a.Compute) == 1 {
		if s, ok := r.state(a.Compute[0]); ok {
			a.Summary = alert.RefusedSummary(a.Summary, a.Compute[0].Resource, s&OpQuota != 0)
		}
	}
	if slices.ContainsFunc(a.Compute, r.of) {
		// A copy: the alert's compute may be the hunt's, which others read.
		a.Compute = slices.DeleteFunc(slices.Clone(a.Compute), r.of)
	}
}
