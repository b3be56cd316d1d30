package correlate

import (
	"cmp"
	"slices"
)

// Process runs a hunt: it orders the matches per tenant by time (ties by
// rule, id and Ref, so the input order does not matter), streams them,
// flushes, and returns the fires sorted by SortFires.
func (s *Set) Process(ms []Match, opt Options) []Fire {
	order := make([]*Match, len(ms))
	for i := range ms {
		order[i] = &ms[i]
	}
	slices.SortFunc(order, func(a, b *Match) int {
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), a.Time.Compare(b.Time),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Ref, b.Ref))
	})
	st := s.Stream(opt)
	var out []Fire
	for _, m := range order {
		out = append(out, st.Add(*m)...)
	}
	out = append(out, st.Flush()...)
	SortFires(out)
	return out
}
