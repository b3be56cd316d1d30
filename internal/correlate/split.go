package correlate

import (
	"cmp"
	"slices"
)

// Split divides the set's correlations into at most n parts that streams
// can run apart, each on a goroutine of its own, with the same fires in
// all as one stream of the whole set gives. Each part is a Set whose
// streams run only its correlations; Needs, Silent, Carry and Reach stay
// those of the whole set. weight estimates how many matches a detection
// rule (by name, else id) brings, so the parts get about the same work.
//
// Correlations stay in one part when one is chained on the other (fires
// feed matches), when they share an identity (first_seen's baseline keys
// are namespaced by it) or a name and id (SortFires keeps the order in
// which such fires were made when all else ties). Nothing else ties them:
// a stream's state is per correlation and tenant, and a tenant's clock
// only decides when windows are closed, never what they hold (a window
// closes at its own deadline, before any later match of its correlation
// is added), so a part that sees fewer of a tenant's matches closes its
// windows later but no differently. A shared Baseline store must then be
// safe for concurrent use, as Stream's documentation asks.
//
// One thing ties every part: where a tenant's data starts (first_seen
// learns until a window past it). The streams must be told it
// (Options.TenantStart or DataStart), as the engine tells them each
// tenant's earliest event: left to find it, a part takes its own first
// match, which may be later than the whole set's first match of the
// tenant, and its first_seen would then still be learning where the
// whole set's fires.
func (s *Set) Split(n int, weight func(rule string) int) []*Set {
	if n <= 1 || len(s.corrs) <= 1 {
		return []*Set{s}
	}
	parent := make([]int, len(s.corrs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	union := func(a, b int) {
		a, b = find(a), find(b)
		parent[max(a, b)] = min(a, b) // the root is the first correlation
	}
	byIdent := map[string]int{}
	byName := map[[2]string]int{}
	for _, c := range s.corrs {
		for _, in := range c.inputs {
			if in.inner != nil {
				union(c.idx, in.inner.idx)
			}
		}
		if j, ok := byIdent[c.ident]; ok {
			union(j, c.idx)
		} else {
			byIdent[c.ident] = c.idx
		}
		k := [2]string{c.rule.Name, c.rule.ID}
		if j, ok := byName[k]; ok {
			union(j, c.idx)
		} else {
			byName[k] = c.idx
		}
	}
	// Each group of correlations weighs the matches it reads (one more
	// for each correlation, so that groups without matches spread too).
	type group struct{ root, weight int }
	weights := map[int]int{}
	for _, c := range s.corrs {
		w := 1
		for _, in := range c.inputs {
			for _, d := range in.dets {
				w += max(weight(cmp.Or(d.Name, d.ID)), 0)
			}
		}
		weights[find(c.idx)] += w
	}
	groups := make([]group, 0, len(weights))
	for root, w := range weights {
		groups = append(groups, group{root, w})
	}
	// Heaviest first, each to the lightest part: the usual greedy
	// balance, in an order that does not depend on the map's.
	slices.SortFunc(groups, func(a, b group) int { return cmp.Or(cmp.Compare(b.weight, a.weight), cmp.Compare(a.root, b.root)) })
	load := make([]int, min(n, len(groups)))
	partOf := map[int]int{}
	for _, g := range groups {
		p := 0
		for i := range load {
			if load[i] < load[p] {
				p = i
			}
		}
		load[p] += g.weight
		partOf[g.root] = p
	}
	if len(load) == 1 {
		return []*Set{s}
	}
	parts := make([]*Set, len(load))
	for i := range parts {
		parts[i] = s.feeding(func(c *corr) bool { return partOf[find(c.idx)] == i })
	}
	return parts
}

// feeding returns the set whose detection rules feed only the
// correlations keep says yes to; Needs, Silent, Carry and Reach stay the
// whole set's.
func (s *Set) feeding(keep func(*corr) bool) *Set {
	out := &Set{corrs: s.corrs, byRule: map[string][]*input{}, needs: s.needs, silent: s.silent, carry: s.carry, reach: s.reach}
	for rule, ins := range s.byRule {
		for _, in := range ins {
			if keep(in.c) {
				out.byRule[rule] = append(out.byRule[rule], in) // in the whole set's order
			}
		}
	}
	return out
}
