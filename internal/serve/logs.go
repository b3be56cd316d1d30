package serve

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// A service is only as good as the logs that reach it. An export that
// stops (its diagnostic setting deleted, the storage account it wrote to
// rotated, a collector down) leaves no error anywhere: the rules that read
// that log simply never fire again. So the store counts each kind of log
// as it arrives, and a log the rules read that has not arrived for a while
// is said to be quiet.

// cycleLogs is what a cycle read of each kind of log: the records of its
// new inputs (files holds their stats; the records read again for open
// windows are not arrivals), and the span of every event read (those read
// again lie inside the spans the store already holds).
func cycleLogs(hr *hunt.Result, files []*source.FileStats, now time.Time) []store.LogSeen {
	var recs [event.KindCount]int64
	for _, fs := range files {
		for shape, n := range fs.Shapes {
			recs[event.KindOfShape(shape)] += n
		}
	}
	var out []store.LogSeen
	for _, r := range hr.Read {
		l := store.LogSeen{Kind: r.Kind.String(), Records: recs[r.Kind], First: r.First, Last: r.Last, Unnamed: hr.Unnamed[r.Kind]}
		if l.Records > 0 {
			l.Arrived = now
		}
		out = append(out, l)
	}
	return out
}

// cycleTenantLogs is when each tenant's logs' events fall in a cycle's
// hunt, stamped with the cycle's wall time (the store moves a log's
// arrival on only when its latest event did).
func cycleTenantLogs(hr *hunt.Result, now time.Time) []store.TenantLogSeen {
	out := make([]store.TenantLogSeen, len(hr.Tenants))
	for i, t := range hr.Tenants {
		out[i] = store.TenantLogSeen{Tenant: t.Tenant, Subscription: t.Subscription, Kind: t.Kind.String(), First: t.Span.First, Last: t.Span.Last, Arrived: now, Events: t.Events}
	}
	return out
}

// Quiet is a log the rules read that arrived before and has not since
// Arrived (wall time) for longer than the limit: the store's whole log of
// a kind, or one tenant's (Tenant set) while other tenants' go on, or one
// subscription's Activity Log (Subscription set too) while the tenant's
// other subscriptions' go on.
type Quiet struct {
	Kind         event.Kind
	Tenant       string
	Subscription string
	Source       string    // the log's name, as NOT SEEN names it
	Arrived      time.Time // the last cycle that read new records of it
	Last         time.Time // its latest event read
}

// Health is what a store's logs say of a service's sight.
type Health struct {
	Logs    []store.LogSeen       // every kind the store has read, in kind order
	Tenants []store.TenantLogSeen // every tenant's and subscription's logs, by tenant, subscription, kind
	// Quiet are the logs the rules read that arrived once and not for
	// the limit: the store's, then the tenants' (of kinds that are not
	// quiet as a whole) and their subscriptions' (of tenants' logs that
	// are not quiet as a whole).
	Quiet   []Quiet
	NotSeen []coverage.Gap // read by the rules, never arrived
	// NotSeenByTenant are, in a store of several tenants, the logs that
	// name tenants of which one tenant's never arrived while others' did
	// (coverage.MissingPerTenant over Tenancy, for the tenants whose
	// exports the store reads: those that own a subscription or a
	// folder).
	NotSeenByTenant []coverage.TenantGaps
	// Tenancy is each tenant's part of the logs (tenancy), against which
	// an incident of a store of several tenants is measured, as a hunt
	// measures it (coverage.Uncovered).
	Tenancy *coverage.Tenancy
	// Unsized are the compute creates the store's cycles read, each
	// operation once whatever cycles its records fell to, and those of
	// them none of whose records named a size: a hunt's NOT JUDGED.
	Unsized coverage.Unsized
	// LearnedCapped is the wall time of the last cycle whose hunt found
	// a table of what it learns full (store.LearnedCapped); zero for
	// never.
	LearnedCapped time.Time
	// NotifyHeld is how many alerts the store holds for serve's webhook,
	// which did not take them, since NotifyHeldSince (store.HeldCount).
	NotifyHeld      int
	NotifyHeldSince time.Time
	// NotifyWaiting is how many alerts wait for their incident's next
	// telling (serve's --notify-every): not a failure.
	NotifyWaiting int
	// NewsHeld is how many pieces of news (a log stopped or arriving
	// again, a reader failing or reading again) the store holds for
	// receivers that did not take them, since NewsHeldSince
	// (store.NewsHeldCount).
	NewsHeld      int
	NewsHeldSince time.Time
}

// CheckLogs judges a store's logs against the rules: which of the logs
// they read never arrived, and which arrived and then stopped for longer
// than quiet before now (none when quiet is 0), as a whole or for one
// tenant. Security alerts are never judged quiet: they arrive only when a
// product finds something.
//
// A tenant's or subscription's log is judged only once its events have
// spanned the limit: a tenant the store meets only through a few records
// (a partner's delegated administrator acting in the tenant, a guest's
// home tenant) has no export of its own to stop, nor has a subscription
// a few of whose resources another's records name.
func CheckLogs(logs []store.LogSeen, tenants []store.TenantLogSeen, set *rules.Set, now time.Time, quiet time.Duration) Health {
	h := Health{Logs: slices.SortedFunc(slices.Values(logs), func(a, b store.LogSeen) int {
		return cmp.Or(cmp.Compare(event.KindNamed(a.Kind), event.KindNamed(b.Kind)), strings.Compare(a.Kind, b.Kind))
	}), Tenants: tenants}
	seen := map[string]store.LogSeen{}
	for _, l := range logs {
		seen[l.Kind] = l
	}
	recs, _ := storeRecords(logs)
	h.NotSeen = coverage.Missing(set, recs)
	if quiet <= 0 {
		return h
	}
	// The kinds the rules read are those Missing names when nothing
	// was read.
	read := map[string]coverage.Gap{}
	for _, g := range coverage.Missing(set, [event.KindCount]int64{}) {
		if coverage.Findings(g.Kind) {
			// Alerts and risk detections come when something is found: a
			// day without one is no export stopped.
			continue
		}
		read[g.Kind.String()] = g
		l, ok := seen[g.Kind.String()]
		if !ok || l.Arrived.IsZero() || now.Sub(l.Arrived) <= quietAfter(l.First, l.Last, l.Records-l.Repeats, quiet) {
			continue
		}
		h.Quiet = append(h.Quiet, Quiet{Kind: g.Kind, Source: g.Source, Arrived: l.Arrived, Last: l.Last})
	}
	// A tenant's logs come before its subscriptions' (TenantLogs' order).
	for _, t := range tenants {
		g, ok := read[t.Kind]
		if !ok || now.Sub(t.Arrived) <= quietAfter(t.First, t.Last, t.Events, quiet) || t.Last.Sub(t.First) < quiet || slices.ContainsFunc(h.Quiet, func(q Quiet) bool {
			return q.Kind == g.Kind && (q.Tenant == "" || q.Tenant == t.Tenant && q.Subscription == "")
		}) {
			continue
		}
		h.Quiet = append(h.Quiet, Quiet{Kind: g.Kind, Tenant: t.Tenant, Subscription: t.Subscription, Source: g.Source, Arrived: t.Arrived, Last: t.Last})
	}
	return h
}

// A sparse log (an idle subscription's Activity Log, a small tenant's
// directory audits) can be silent for longer than --quiet with nothing
// wrong, and told quiet and back again, week after week, a team learns
// to ignore the word. Each log is judged by its own pace as well: it is
// quiet once silent for --quiet and for paceFactor of its usual gaps
// between events (its events' span over their number), as a Poisson
// stream of that rate is silent that long once in a thousand times;
// but never later than paceCap.
const (
	paceFactor = 7
	paceCap    = 7 * 24 * time.Hour
)

// quietAfter is how long a log whose events spanned first to last, events
// of them (0: not counted, as an older store's subscriptions), may be
// silent before it is quiet.
func quietAfter(first, last time.Time, events int64, quiet time.Duration) time.Duration {
	if events < 2 || !last.After(first) {
		return quiet
	}
	usual := last.Sub(first) / time.Duration(events-1)
	return max(quiet, min(paceFactor*usual, paceCap))
}

// StoreHealth is CheckLogs over what the store holds of its logs, as a
// whole and per tenant (tenancy), with the tenants whose exports lacked a
// log, the compute creates the store could not judge, and when a table of
// what the hunts learn was last full.
func StoreHealth(ctx context.Context, st *store.Store, set *rules.Set, now time.Time, quiet time.Duration) (Health, error) {
	logs, err := st.Logs(ctx)
	if err != nil {
		return Health{}, err
	}
	tenants, err := st.TenantLogs(ctx)
	if err != nil {
		return Health{}, err
	}
	owners, err := st.Owners(ctx)
	if err != nil {
		return Health{}, err
	}
	cc, err := st.ComputeCreates(ctx)
	if err != nil {
		return Health{}, err
	}
	h := CheckLogs(logs, tenants, set, now, quiet)
	recs, ten := tenancy(logs, tenants)
	h.Tenancy = ten
	h.NotSeenByTenant = coverage.MissingPerTenant(set, recs, ten, owners)
	h.Unsized = coverage.Unsized{Creates: cc.Creates, Unsized: cc.Unsized, Jobs: cc.Jobs, Capped: cc.Capped}
	if h.LearnedCapped, err = st.LearnedCapped(ctx); err != nil {
		return Health{}, err
	}
	held, err := st.HeldCount(ctx)
	if err != nil {
		return Health{}, err
	}
	h.NotifyHeld, h.NotifyHeldSince, h.NotifyWaiting = held.Held, held.Since, held.Waiting
	if h.NewsHeld, h.NewsHeldSince, err = st.NewsHeldCount(ctx); err != nil {
		return Health{}, err
	}
	return h, nil
}

// keyLevels are the store's levels of its samples of record keys, by
// kind (a kind a newer mamori wrote is passed over).
func keyLevels(byName map[string]int) event.KeyLevels {
	var out event.KeyLevels
	for name, level := range byName {
		if k := event.KindNamed(name); k != event.KindUnknown && int(k) < len(out) {
			out[k] = level
		}
	}
	return out
}

// cycleKeys are a cycle's samples of its records' keys, by kind name,
// for the store to count the records read again across cycles.
func cycleKeys(hr *hunt.Result) map[string]coverage.KeySample {
	out := map[string]coverage.KeySample{}
	for k, s := range hr.Keys {
		if len(s.Keys) > 0 || s.Level > 0 {
			out[event.Kind(k).String()] = s
		}
	}
	return out
}

// cycleCompute is what a cycle's hunt read of compute creates, for the
// store to join with its earlier cycles' (the records it read again for
// open windows left out: the hunt counted them in the cycle that first
// read them).
func cycleCompute(hr *hunt.Result) *store.ComputeCycle {
	c := hr.ComputeOps
	ops := make(map[uint64]store.OpState, c.Ops.Len())
	for k, s := range c.Ops.All() {
		ops[k] = storeOp(s)
	}
	return &store.ComputeCycle{Ops: ops, Alone: c.Alone, AloneUnsized: c.AloneUnsized, AloneJobs: c.AloneJobs, Capped: c.Capped}
}

// storeOp says in the store's bits what a hunt's says: the store keeps
// them, so each is named, not copied as a number.
func storeOp(s hunt.OpState) store.OpState {
	var o store.OpState
	for _, b := range [...]struct {
		h hunt.OpState
		s store.OpState
	}{{hunt.OpSized, store.OpSized}, {hunt.OpNone, store.OpNone}, {hunt.OpJob, store.OpJob}, {hunt.OpFailed, store.OpFailed}, {hunt.OpQuota, store.OpQuota}} {
		if s&b.h != 0 {
			o |= b.s
		}
	}
	return o
}

// storeRecords is, per kind of log the store has read, its records (at
// least 1: read) and those placed in no tenant.
func storeRecords(logs []store.LogSeen) (recs, unplaced [event.KindCount]int64) {
	for _, l := range logs {
		if k := event.KindNamed(l.Kind); k != event.KindUnknown {
			recs[k], unplaced[k] = max(l.Records, 1), l.Unnamed
		}
	}
	return recs, unplaced
}

// tenancy is what the store read of each kind of log (storeRecords) and
// each tenant's part of the logs every record of which was placed in a
// tenant (LogSeen.Unnamed 0: a log some records of which went unplaced
// says nothing of who lacks it), with the events and span the tenant's
// records held: as a hunt's (coverage.NewTenancy). A tenant's log counted
// by a store before schema 8 holds 1 event, read but too sparse for its
// first and last events to mark its export's edges.
func tenancy(logs []store.LogSeen, tenants []store.TenantLogSeen) (recs [event.KindCount]int64, ten *coverage.Tenancy) {
	recs, unplaced := storeRecords(logs)
	own := map[string][]coverage.Read{}
	for _, t := range tenants {
		if k := event.KindNamed(t.Kind); t.Subscription == "" && k != event.KindUnknown {
			own[t.Tenant] = append(own[t.Tenant], coverage.Read{Kind: k, Source: coverage.Source(k), Events: max(t.Events, 1),
				Span: coverage.Span{First: t.First, Last: t.Last}})
		}
	}
	return recs, coverage.NewTenancy(recs, unplaced, own)
}

// TenantReads is what the store read of the tenants' own logs (each
// tenant's part of each kind, merged over the tenants), as Reads is of
// every tenant's: a report for one customer of a service over many. The
// store does not count records read again per tenant: no repeats.
func (h Health) TenantReads(tenants []string) (reads []coverage.Read, arrived []time.Time) {
	at := map[event.Kind]int{}
	for _, t := range h.Tenants {
		k := event.KindNamed(t.Kind)
		if t.Subscription != "" || k == event.KindUnknown || !slices.Contains(tenants, strings.ToLower(t.Tenant)) {
			continue
		}
		i, ok := at[k]
		if !ok {
			i, at[k] = len(reads), len(reads)
			reads, arrived = append(reads, coverage.Read{Kind: k, Source: coverage.Source(k)}), append(arrived, time.Time{})
		}
		reads[i].Events += max(t.Events, 1)
		reads[i].Span.Merge(coverage.Span{First: t.First, Last: t.Last})
		if t.Arrived.After(arrived[i]) {
			arrived[i] = t.Arrived
		}
	}
	// In kind order, as Reads gives them.
	order := make([]int, len(reads))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return int(reads[a].Kind) - int(reads[b].Kind) })
	sr, sa := make([]coverage.Read, len(reads)), make([]time.Time, len(reads))
	for j, i := range order {
		sr[j], sa[j] = reads[i], arrived[i]
	}
	return sr, sa
}

// changes compares the quiet logs with those of the cycle before: the
// logs that went quiet since, and those that arrived again.
func changes(before, now []Quiet) (wentQuiet, back []Quiet) {
	was := func(qs []Quiet, w Quiet) bool {
		return slices.ContainsFunc(qs, func(q Quiet) bool {
			return q.Kind == w.Kind && q.Tenant == w.Tenant && q.Subscription == w.Subscription
		})
	}
	for _, q := range now {
		if !was(before, q) {
			wentQuiet = append(wentQuiet, q)
		}
	}
	for _, q := range before {
		if !was(now, q) {
			back = append(back, q)
		}
	}
	return wentQuiet, back
}

// Reads are the store's logs as a hunt's LOGS READ gives them (Events
// holding records, each once however many exports or cycles read it,
// and the readings of records read before: Repeats), in kind order, for coverage.Uncovered: an incident made
// again over the store's alerts that began before a log's first record;
// arrived is when each last arrived, in the same order.
func (h Health) Reads() (reads []coverage.Read, arrived []time.Time) {
	for _, l := range h.Logs {
		k := event.KindNamed(l.Kind)
		if k == event.KindUnknown {
			continue // a kind a newer mamori wrote
		}
		reads = append(reads, coverage.Read{Kind: k, Source: coverage.Source(k), Events: l.Records - l.Repeats,
			Repeats: coverage.Repeats{Events: l.Repeats, Estimated: l.RepeatsEstimated}, Span: coverage.Span{First: l.First, Last: l.Last}})
		arrived = append(arrived, l.Arrived)
	}
	return reads, arrived
}
