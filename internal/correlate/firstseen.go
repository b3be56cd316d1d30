package correlate

import (
	"sync"
	"time"
)

// Baseline keeps first_seen's memory: per tenant, correlation (its id,
// else name, else title) and key (BaselineKey of the group values), when
// the key was last seen. A store implementing it seeds the baseline from
// earlier runs and keeps it for the next.
type Baseline interface {
	Seen(tenant, rule, key string) (last time.Time, ok bool)
	// Record notes that key was seen at t; a store keeps the latest time.
	Record(tenant, rule, key string, t time.Time)
}

// Forgetter is a Baseline that can drop the keys of a rule not seen since
// before: they would fire anyway. A Stream calls it every quarter window
// of event time.
type Forgetter interface {
	Forget(tenant, rule string, before time.Time)
}

// MemoryBaseline is the default Baseline, in memory. It is safe for
// concurrent use.
type MemoryBaseline struct {
	mu sync.Mutex
	m  map[[2]string]map[string]instant // tenant, rule -> key -> last seen
	n  int
}

// NewMemoryBaseline returns an empty baseline.
func NewMemoryBaseline() *MemoryBaseline {
	return &MemoryBaseline{m: map[[2]string]map[string]instant{}}
}

// Seen implements Baseline.
func (b *MemoryBaseline) Seen(tenant, rule, key string) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.m[[2]string{tenant, rule}][key]
	if !ok {
		return time.Time{}, false
	}
	return t.time(), true
}

// Record implements Baseline.
func (b *MemoryBaseline) Record(tenant, rule, key string, t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := [2]string{tenant, rule}
	m := b.m[k]
	if m == nil {
		m = map[string]instant{}
		b.m[k] = m
	}
	i := at(t)
	if old, ok := m[key]; !ok {
		b.n++
	} else if old > i {
		return
	}
	m[key] = i
}

// Forget implements Forgetter.
func (b *MemoryBaseline) Forget(tenant, rule string, before time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cut := at(before)
	m := b.m[[2]string{tenant, rule}]
	for k, t := range m {
		if t < cut {
			delete(m, k)
			b.n--
		}
	}
}

// Len returns how many keys the baseline holds.
func (b *MemoryBaseline) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// FireMemory is a Baseline that also remembers when its first_seen
// correlations fired. A service hunting in cycles reads again, with the
// next cycle's records, the records a windowed correlation reads (Set.Carry):
// when that correlation is chained on a first_seen (a sign-in followed by
// compute in a region new to the identity), the record the first_seen fired
// on is by then in the Baseline, seen, and would not fire again; the
// sign-in arriving a cycle later would find nothing to pair with. A
// Stream whose Baseline is a FireMemory asks it, for such first_seens only.
type FireMemory interface {
	// Fired reports whether the key fired at t.
	Fired(tenant, rule, key string, t time.Time) bool
	// NoteFire notes that the key fired at t.
	NoteFire(tenant, rule, key string, t time.Time)
}

// firstSeen runs a first_seen input: learn the key, and fire when it is
// new after the learning period.
func (st *Stream) firstSeen(ts *tenant, in *input, src source) {
	c := in.c
	// The hunt's --baseline sets how long the data learns, not the rule's
	// memory: a short export learning for 5 days must still know a data
	// scientist who creates GPU machines every 6 days.
	w, learn := instant(c.sp.span), instant(c.sp.span)
	if c.sp.learning > 0 {
		learn = instant(c.sp.learning)
	}
	if st.opt.Baseline > 0 {
		learn = instant(min(st.opt.Baseline, maxSpan))
	}
	learning := !c.sp.noLearning && src.t < ts.start+learn
	// A match that lacks a group-by field says nothing of what is new:
	// it is neither learned nor new (as Elastic's new terms pass over
	// documents without the field). A Batch pool whose account's region
	// was never learned would otherwise be a region "" new to the tenant.
	for _, name := range in.group {
		if len(src.fields.get(name)) == 0 {
			return
		}
	}
	groups(in.group, src.fields, func(key string, vals []string) {
		last, seen := st.store.Seen(ts.name, c.ident, key)
		st.store.Record(ts.name, c.ident, key, src.t.time())
		if learning || seen && src.t-at(last) <= w {
			// A record read again (Set.Carry) that this key fired on
			// fires again: the windowed correlation chained on this one
			// starts afresh each cycle and needs it.
			if !c.replays || st.fires == nil || !st.fires.Fired(ts.name, c.ident, key, src.t.time()) {
				return
			}
		} else if c.replays && st.fires != nil {
			st.fires.NoteFire(ts.name, c.ident, key, src.t.time())
		}
		g := &group{vals: vals, es: []entry{{t: src.t, first: src.first, ref: src.ref, sub: src.sub, pos: in.pos}}}
		st.emit(ts, c, g, 1)
		st.trigger(ts, c, g, src.t)
	})
	if f, ok := st.store.(Forgetter); ok && src.t >= ts.forget[c.idx] {
		f.Forget(ts.name, c.ident, (src.t - w).time())
		ts.forget[c.idx] = src.t + w/4
	}
}
