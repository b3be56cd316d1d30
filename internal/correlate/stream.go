package correlate

import (
	"container/heap"
	"math"
	"slices"
	"time"
)

// DefaultMaxMembers is how many member Refs a Fire lists by default.
const DefaultMaxMembers = 200

// Options tune a Stream.
type Options struct {
	// Baseline overrides the window of every first_seen correlation (the
	// hunt's --baseline); zero keeps each rule's timespan (14 days when
	// it sets none).
	Baseline time.Duration
	// Store keeps first_seen's keys; nil keeps them in memory.
	Store Baseline
	// DataStart is when the data begins for every tenant, TenantStart per
	// tenant: first_seen learns for one baseline window from there. A
	// tenant with neither (nor a Stream.Start call) learns from its first
	// match.
	DataStart   time.Time
	TenantStart map[string]time.Time
	// MaxMembers caps Fire.Members; zero means DefaultMaxMembers.
	MaxMembers int
}

// Stats says what a stream holds, for tests and monitoring.
type Stats struct {
	Groups  int // open groups, over all correlations and tenants
	Entries int // matches held in their windows
	Timers  int // pending window timers, stale ones included
}

// Stream runs a Set's correlations over matches arriving in time order
// per tenant. It is not safe for concurrent use; streams of one Set are
// independent (a shared Store must be safe for concurrent use).
type Stream struct {
	set     *Set
	opt     Options
	store   Baseline
	fires   FireMemory // the store's, when it is one
	tenants map[string]*tenant
	seq     uint64
	stats   Stats
	out     []Fire
}

// tenant is one tenant's state: its clock, its groups and their timers.
type tenant struct {
	name     string
	wm       instant // latest time seen (watermark)
	clocked  bool    // wm is set
	start    instant // where the data starts, for first_seen
	hasStart bool    // start is known
	explicit bool    // start was given, not taken from the first match
	groups   []map[string]*group
	timers   timers
	forget   []instant // per correlation: next first_seen pruning
}

// Stream starts streaming with fresh state.
func (s *Set) Stream(opt Options) *Stream {
	if opt.MaxMembers <= 0 {
		opt.MaxMembers = DefaultMaxMembers
	}
	st := &Stream{set: s, opt: opt, store: opt.Store, tenants: map[string]*tenant{}}
	if st.store == nil {
		st.store = NewMemoryBaseline()
	}
	st.fires, _ = st.store.(FireMemory)
	return st
}

// Start says the tenant's data begins at t (its first event, or when the
// baseline store began): first_seen learns for one window from there.
// Several calls keep the earliest.
func (st *Stream) Start(tenantName string, t time.Time) {
	ts := st.tenant(tenantName)
	if i := at(t); !ts.explicit || i < ts.start {
		ts.start, ts.explicit, ts.hasStart = i, true, true
	}
}

func (st *Stream) tenant(name string) *tenant {
	ts := st.tenants[name]
	if ts != nil {
		return ts
	}
	n := len(st.set.corrs)
	ts = &tenant{name: name, groups: make([]map[string]*group, n), forget: make([]instant, n)}
	for i := range ts.groups {
		ts.groups[i] = map[string]*group{}
	}
	if t, ok := st.opt.TenantStart[name]; ok {
		ts.start, ts.explicit, ts.hasStart = at(t), true, true
	} else if !st.opt.DataStart.IsZero() {
		ts.start, ts.explicit, ts.hasStart = at(st.opt.DataStart), true, true
	}
	st.tenants[name] = ts
	return ts
}

// Add processes one match and returns the fires it completed: windows of
// the tenant that closed before the match, and first_seen fires. Matches
// of one tenant must come in time order; an older one is taken as arriving
// at the latest time seen.
func (st *Stream) Add(m Match) []Fire {
	ins := st.set.byRule[m.Rule]
	var more []*input
	if m.RuleID != m.Rule {
		more = st.set.byRule[m.RuleID]
	}
	ts := st.tenant(m.Tenant)
	t := st.advance(ts, at(m.Time))
	if !ts.hasStart {
		ts.start, ts.hasStart = t, true
	}
	src := source{t: t, first: t, ref: m.Ref, fields: fieldSet{m.Fields, m.Names, m.Values}}
	for _, in := range ins {
		st.feed(ts, in, src)
	}
	for _, in := range more {
		if !slices.Contains(ins, in) {
			st.feed(ts, in, src)
		}
	}
	return st.take()
}

// Advance moves every tenant's clock to t (a watermark: no match older
// than t will come) and returns the fires of windows that closed.
func (st *Stream) Advance(t time.Time) []Fire {
	i := at(t)
	for _, name := range st.tenantNames() {
		st.advance(st.tenants[name], i)
	}
	return st.take()
}

// Flush closes every open window and incident and returns their fires.
// The stream stays usable; windows start afresh. first_seen keys stay.
func (st *Stream) Flush() []Fire {
	for _, name := range st.tenantNames() {
		st.expireUntil(st.tenants[name], math.MaxInt64)
	}
	return st.take()
}

// Stats reports what the stream holds.
func (st *Stream) Stats() Stats {
	s := st.stats
	for _, ts := range st.tenants {
		s.Timers += len(ts.timers)
	}
	return s
}

func (st *Stream) tenantNames() []string {
	names := make([]string, 0, len(st.tenants))
	for n := range st.tenants {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// advance moves a tenant's clock to t, closing what ended before, and
// returns the time a match at t counts at.
func (st *Stream) advance(ts *tenant, t instant) instant {
	if !ts.clocked {
		ts.wm, ts.clocked = t, true
		return t
	}
	if t > ts.wm {
		st.expireUntil(ts, t)
		ts.wm = t
	}
	return ts.wm
}

func (st *Stream) take() []Fire {
	out := st.out
	st.out = nil
	return out
}

// timer is a group's pending deadline: at is the first instant at which
// the window (or incident) is over.
type timer struct {
	at  instant
	seq uint64
	c   *corr
	g   *group
}

type timers []timer

func (h timers) Len() int { return len(h) }
func (h timers) Less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].seq < h[j].seq
}
func (h timers) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timers) Push(x any)   { *h = append(*h, x.(timer)) }
func (h *timers) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// arm sets the group's one live timer; an earlier one becomes stale.
func (st *Stream) arm(ts *tenant, c *corr, g *group, t instant) {
	st.seq++
	g.timer = st.seq
	heap.Push(&ts.timers, timer{at: t, seq: st.seq, c: c, g: g})
}

// expireUntil runs, in time order, the timers due at or before t.
func (st *Stream) expireUntil(ts *tenant, t instant) {
	for len(ts.timers) > 0 && ts.timers[0].at <= t {
		tm := heap.Pop(&ts.timers).(timer)
		if tm.g.dead || tm.g.timer != tm.seq {
			continue // replaced by a later timer, or the group is gone
		}
		tm.g.timer = 0
		st.expire(ts, tm.c, tm.g, tm.at)
	}
}
