package correlate

import (
	"slices"
)

// source is what feeds a correlation input: a match, or the fire of a
// correlation it is chained on.
type source struct {
	t, first instant
	ref      int
	sub      []int // a chained fire's members
	fields   fieldSet
}

// fieldSet is a match's fields: a map, or names and their values.
type fieldSet struct {
	m     map[string][]string
	names []string
	vals  [][]string
}

// get returns the values of a field, nil when it is absent.
func (f fieldSet) get(name string) []string {
	if f.m != nil {
		return f.m[name]
	}
	for i, n := range f.names {
		if n == name && i < len(f.vals) {
			return f.vals[i]
		}
	}
	return nil
}

// feed adds a match to the groups it belongs to for one input.
func (st *Stream) feed(ts *tenant, in *input, src source) {
	c := in.c
	if c.sp.kind == firstSeen {
		st.firstSeen(ts, in, src)
		return
	}
	e := entry{t: src.t, first: src.first, ref: src.ref, sub: src.sub, pos: in.pos}
	fill(&e, c.sp.kind, in.value, src.fields)
	span := instant(c.sp.span)
	groups(in.group, src.fields, func(key string, vals []string) {
		gs := ts.groups[c.idx]
		g := gs[key]
		if g == nil {
			g = &group{key: key, vals: slices.Clone(vals), agg: newAggregator(c)}
			gs[key] = g
			st.stats.Groups++
			if c.sliding {
				st.arm(ts, c, g, src.t+span+1) // release when idle
			} else {
				g.end = src.t + span
				st.arm(ts, c, g, g.end+1)
			}
		}
		if c.sliding && !g.incident {
			st.stats.Entries -= g.evictBefore(src.t - span)
		}
		g.push(e)
		st.stats.Entries++
		if c.sliding && !g.incident && c.sp.cond.holds(g.agg.value(g.live())) {
			// Triggered: absorb the group's matches for one timespan,
			// then emit one fire for them all.
			g.incident, g.end = true, src.t+span
			st.arm(ts, c, g, g.end+1)
			st.trigger(ts, c, g, src.t)
		}
	})
}

// expire handles a group's timer, due at t.
func (st *Stream) expire(ts *tenant, c *corr, g *group, t instant) {
	switch {
	case !c.sliding:
		// The window [first match, end] is complete: decide it once.
		if v := g.agg.value(g.live()); c.sp.cond.holds(v) {
			st.emit(ts, c, g, v)
			st.trigger(ts, c, g, g.end)
		}
		st.drop(ts, c, g)
	case g.incident:
		st.emit(ts, c, g, g.agg.value(g.live()))
		st.drop(ts, c, g)
	default:
		// Idle check: forget what fell out of the window.
		st.stats.Entries -= g.evictBefore(t - instant(c.sp.span))
		es := g.live()
		if len(es) == 0 {
			st.drop(ts, c, g)
			return
		}
		st.arm(ts, c, g, es[len(es)-1].t+instant(c.sp.span)+1)
	}
}

// drop forgets a group; its key starts afresh at its next match.
func (st *Stream) drop(ts *tenant, c *corr, g *group) {
	st.stats.Entries -= len(g.live())
	st.stats.Groups--
	g.dead, g.es, g.head = true, nil, 0
	delete(ts.groups[c.idx], g.key)
}

// emit reports a fire of the group's entries, unless the correlation is
// silent (only chained on).
func (st *Stream) emit(ts *tenant, c *corr, g *group, v float64) {
	if c.silent {
		return
	}
	es := g.live()
	r := c.rule
	key := make(map[string]string, len(c.sp.groupBy))
	for i, name := range c.sp.groupBy {
		key[name] = g.vals[i]
	}
	st.out = append(st.out, Fire{
		Rule: r.Name, RuleID: r.ID, Title: r.Title, Level: r.Level, Tags: slices.Clone(r.Tags),
		Type: c.sp.kind.String(), Tenant: ts.name,
		Time: firstOf(es).time(), LastTime: es[len(es)-1].t.time(),
		GroupKey: key, Members: st.members(es), Count: len(es), Value: v, Fields: slices.Clone(c.sp.fields),
	})
}

// trigger feeds the correlations chained on c with the group's fire, at
// time t: a match carrying the group-by values as its fields.
func (st *Stream) trigger(ts *tenant, c *corr, g *group, t instant) {
	if len(c.feeds) == 0 {
		return
	}
	es := g.live()
	fields := make(map[string][]string, len(c.sp.groupBy))
	for i, name := range c.sp.groupBy {
		fields[name] = []string{g.vals[i]}
	}
	src := source{t: t, first: firstOf(es), ref: -1, sub: st.members(es), fields: fieldSet{m: fields}}
	for _, in := range c.feeds {
		st.feed(ts, in, src)
	}
}

// firstOf is the earliest underlying match of a window.
func firstOf(es []entry) instant {
	f := es[0].first
	for i := range es {
		f = min(f, es[i].first)
	}
	return f
}

// members lists the Refs behind entries, capped, each once.
func (st *Stream) members(es []entry) []int {
	limit := st.opt.MaxMembers
	out := make([]int, 0, min(limit, len(es)))
	var seen map[int]bool
	for i := range es {
		e := &es[i]
		if e.sub == nil {
			if seen == nil || !seen[e.ref] {
				out = append(out, e.ref)
			}
		} else {
			if seen == nil {
				seen = make(map[int]bool, len(out))
				for _, r := range out {
					seen[r] = true
				}
			}
			for _, r := range e.sub {
				if !seen[r] && len(out) < limit {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
		if seen != nil && e.sub == nil {
			seen[e.ref] = true
		}
		if len(out) >= limit {
			break
		}
	}
	return out
}
