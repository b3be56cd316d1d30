// Package hunt runs one hunt from inputs to alerts: read and decode every
// record, enrich it, run the catalogue, then merge matches into alerts.
// The command line, the scenario tests and benchmarks all call Run, so
// they exercise the same path a user does.
package hunt

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/engine"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/owner"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/suppress"
)

// Config is what a hunt needs besides its inputs.
type Config struct {
	Rules    *rules.Set
	Enricher *enrich.Enricher
	Workers  int
	Limits   source.Limits
	OnError  func(*source.ParseError)
	Progress *source.Progress
	Suppress *suppress.Set // nil: nothing suppressed
	// Baseline is first_seen's learning period; zero keeps each rule's
	// window. The rules' windows stay theirs.
	Baseline time.Duration
	// Seen is first_seen's memory when it outlives the hunt (a store's,
	// when serving); nil keeps it for this hunt only. Since is, per
	// tenant, when that memory begins: first_seen learns for one window
	// from there, not from the hunt's first event. Its tenants count as
	// the data's when the hunt gives records that name none the data's
	// only tenant.
	Seen  correlate.Baseline
	Since map[string]time.Time
	// Carry is told where each record a windowed correlation read was
	// found (engine.Correlations.Carry), for a service that hunts in
	// cycles to read it again with the next cycle's records.
	Carry func(tenant string, t time.Time, loc event.Location)
	// Incidents are how alerts are grouped and priced (the gap, how many
	// may share an address, the price table); the zero value is the
	// defaults.
	Incidents incident.Options
	// HitMemory bounds the rule hits held in memory, in bytes of their
	// compact encoding; past it they are sorted into temporary files in
	// TempDir ("": the system's) and merged at the end, so a hunt's memory
	// does not grow with its input. Zero means engine.DefaultMemory.
	HitMemory int
	TempDir   string
	// ForStore gives Result what a store keeps of a hunt beyond its
	// alerts, for later hunts' incidents and counts: every compute create
	// read in Created, not only those of the principals the alerts name,
	// and every compute operation in ComputeOps.Ops (a hunt alone holds
	// neither past the point it needs them).
	ForStore bool
	// Names are the names of principals earlier hunts learned
	// (Result.Names), by object id in lower case: alerts by an id this
	// hunt's records do not name get the earlier name.
	Names map[string]string
	// Sightings are earlier hunts' counts of the records that named each
	// tenant, per subscription and folder (Result.Sightings): with this
	// hunt's, they say whose the records that name no tenant are.
	Sightings owner.Sightings
	// Reread are the files whose records below an offset an earlier hunt
	// read, and this one reads again (a service's carried records, for
	// the windows still open): they were counted in the earlier hunt's
	// Result.Sightings and ComputeOps, and are not counted again in this
	// one's.
	Reread map[string]int64
	// KeySecret, when set, makes the records' keys with it (a store's:
	// event.KeyHash), the same in every process, and the result hands
	// back the keys its sample kept (Result.Keys), for a service's store
	// to count each record once over every cycle. KeyLevels are the
	// levels the sample starts at (the store's: what it keeps no more).
	KeySecret []byte
	KeyLevels event.KeyLevels
	// DecodeAll reads every record in full, also those no rule can use
	// (which a hunt otherwise reads only briefly, event.Brief): the
	// result is the same, only slower. For tests and comparisons.
	DecodeAll bool
}

// Result is what a hunt found and read.
type Result struct {
	Alerts     []alert.Alert
	Incidents  []incident.Incident // kill-chain order inside, one per connected attack
	Files      []*source.FileStats
	Engine     engine.Stats
	Rules      int // detection rules run
	Suppressed int // alerts marked suppressed
	// Kinds is how many events of each kind of log were read; NotSeen
	// the kinds the rules read that none was, with the rules they leave
	// idle: what this hunt could not have found.
	Kinds [event.KindCount]int64
	// Unnamed are, per kind, the events of Kinds placed in no tenant:
	// they named none, and neither their subscription nor their folder
	// has an owner (owner.Table).
	Unnamed [event.KindCount]int64
	NotSeen []coverage.Gap
	// Unsized counts the compute creates read none of whose records named
	// a size: what the rules on GPUs, sizes and costs could not judge.
	// ComputeOps are the same creates by operation, for a store to join
	// with those of earlier hunts (a service's cycles); its Ops only with
	// Config.ForStore.
	Unsized    coverage.Unsized
	ComputeOps ComputeOps
	// LearnedFull says a table of what the hunt learns as it reads (the
	// sizes machines were written with, for their starts; Batch
	// accounts' regions; autoscale targets' sizes and writes) was full
	// and let something go: a start may be unsized, a pool without its
	// region, an autoscale floor counted whole.
	LearnedFull bool
	// Read is the kinds read, with their counts (each record once, the
	// readings of records read before told apart: Repeats) and when
	// their events fall (to the second); Outside the incidents that began before (or
	// ended after) a log their rules read: the part of the attack that
	// log's export did not reach.
	Read    []coverage.Read
	Outside []coverage.Outside
	// NotSeenByTenant are, in data of several tenants, the logs a
	// tenant's exports lacked while others' held them.
	NotSeenByTenant []coverage.TenantGaps
	// TenantStart is each tenant's earliest event read, for a store to
	// remember where its data began.
	TenantStart map[string]time.Time
	// Tenants is when each tenant's logs' events fall, and each
	// subscription's Activity Log's, by tenant, subscription, then kind:
	// the kinds whose records name their tenant.
	Tenants []TenantRead
	// Names are the names this hunt learned for principals it met by
	// object id (lower case): service principals' and managed identities'
	// display names, users' UPNs; for a store to give the next hunt
	// (Config.Names).
	Names map[string]string
	// Sightings are this hunt's counts of the records that named each
	// tenant, per subscription and folder: for a store to add to those of
	// earlier hunts (Config.Sightings).
	Sightings owner.Sightings
	// Created are the compute creates the engine reported, alerted on or
	// not (bounded at incident.MaxCreated), that priced Incidents: those
	// of the principals an alert names, or with Config.ForStore every
	// one, for a store to keep, so that incidents grouped again over its
	// alerts of many hunts are priced as one hunt over everything prices
	// them.
	Created []incident.Created
	// Keys are, with Config.KeySecret, the keys of the records the hunt
	// read, per kind, as its sample kept them (the records a service read
	// again for open windows left out): for a store to count the records
	// read again across its cycles.
	Keys [event.KindCount]coverage.KeySample
}

// Run hunts over inputs.
func Run(ctx context.Context, inputs []source.Input, cfg Config) (*Result, error) {
	if cfg.Rules == nil || cfg.Enricher == nil {
		return nil, fmt.Errorf("hunt: rules and enrichment are required")
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	corr := cfg.Rules.Correlations()
	eng, err := engine.New(cfg.Rules, workers, corr)
	if err != nil {
		return nil, err
	}
	eng.Refresh = cfg.Enricher.Refresh
	eng.LateRegion = cfg.Enricher.LateRegion
	eng.LateRequest = cfg.Enricher.LateRequest
	eng.LateScale = cfg.Enricher.LateScale
	// An autoscale setting's floor and its writer's own write of the
	// target are one request when a window of the sum of compute.count
	// holds both: the rules say how long that is.
	if corr != nil {
		cfg.Enricher.SetCountWindow(corr.SumWindow("compute.count"))
	}
	eng.Managed = cfg.Enricher.Managed
	eng.Remediated = cfg.Enricher.Remediated
	eng.LateCapacity = cfg.Enricher.LateCapacity
	eng.SourceAzure = cfg.Enricher.Azure
	eng.PoolKind = cfg.Enricher.PoolKind
	eng.Memory, eng.TempDir = cfg.HitMemory, cfg.TempDir
	eng.Known = cfg.Since
	// Every compute create a rule kept, to price incidents from all their
	// principals' creates, not only their alerts' (incident.Created).
	created := &createdLog{parent: cfg.TempDir}
	defer created.close()
	eng.Created = func(tenant string, t time.Time, principals []string, c alert.Compute) {
		created.add(incident.Created{Tenant: tenant, Time: t, Principals: principals, Compute: c})
	}
	defer eng.Close() // the temporary files go, however the hunt ends
	// A hit that cannot be kept (the temporary folder is full) stops the
	// reading: the alerts would be incomplete.
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	// Records no rule can use are read briefly (event.Brief): the engine
	// knows from the rules' operations and outcomes which those are, and
	// the readers keep decoding in full what enrichment learns from.
	names := newPrincipalNames(cfg.Names, workers)
	opt := source.Options{Limits: cfg.Limits, Workers: workers, OnError: cfg.OnError, Progress: cfg.Progress,
		Wants: func(g *event.Glance) bool { return names.want(g) || eng.Wants(g) }}
	if cfg.DecodeAll {
		opt.Wants = nil
	}
	// Each worker counts the kinds of event it reads, and the span of
	// their times, in its own cache lines (the padding), as it owns the
	// rest of its state.
	kinds := make([]readSlot, workers)
	ops := &opTable{}
	for i := range kinds {
		kinds[i].compute.table = ops
		kinds[i].tenants.reread = cfg.Reread
		kinds[i].compute.reread = cfg.Reread
		kinds[i].keys.reread = cfg.Reread
		kinds[i].keys.levels = cfg.KeyLevels
		if cfg.KeySecret != nil {
			kinds[i].keys.hash = event.NewKeyHash(cfg.KeySecret)
			kinds[i].compute.hash = kinds[i].keys.hash
		}
	}
	// A worker's readers make only the keys its sample counts.
	opt.KeyLevels = func(w int) *event.KeyLevels { return &kinds[w].keys.levels }
	if cfg.KeySecret != nil {
		opt.KeyHash = func(w int) *event.KeyHash { return kinds[w].keys.hash }
	}
	needsPool := eng.NeedsPool(event.KindFlow)
	files := source.Read(readCtx, inputs, opt,
		func(w int, ev *event.Event) {
			kinds[w].add(ev)
			kinds[w].keys.add(ev)
			kinds[w].compute.add(ev)
			if !ev.Brief && ev.Flow != nil && !cfg.DecodeAll && !wantsFlow(eng, cfg.Enricher, ev, needsPool) {
				ev.Brief = true
			}
			if !ev.Brief {
				cfg.Enricher.Apply(ev)
				names.learn(w, ev)
			}
			eng.Eval(w, ev)
			if eng.Err() != nil {
				stop()
			}
		})
	var cs *engine.Correlations
	if corr != nil {
		cs = &engine.Correlations{Set: corr, Rules: cfg.Rules, Options: correlate.Options{Baseline: cfg.Baseline, Store: cfg.Seen, TenantStart: cfg.Since},
			Carry: cfg.Carry}
	}
	// Whose the records that name no tenant are: decided from this hunt's
	// records and what earlier ones saw (a service's cycles).
	seen := sightings(kinds)
	all := owner.Sightings{}
	all.Add(cfg.Sightings)
	all.Add(seen)
	eng.Owners = all.Decide()
	// The operations are counted now, and let go unless a store keeps
	// them: the end of the hunt is when its memory peaks.
	computeOps := computeOpsOf(kinds, ops)
	unsized := computeOps.Unsized()
	if !cfg.ForStore {
		computeOps.Ops, ops.ops = nil, nil
	}
	alerts, st, err := eng.Alerts(cs)
	if err != nil {
		return nil, err
	}
	markOwned(alerts, cfg.Enricher)
	learned := names.learned()
	names.name(alerts)
	// Suppressed alerts stay in the result, marked, so they are counted
	// and shown, never silently dropped.
	kept, sup := cfg.Suppress.Apply(alerts)
	for _, s := range sup {
		kept = append(kept, s.Alert) // marked
	}
	// Grouping reads no creates: the incidents, once grouped, say which
	// creates they are priced from (incident.CreatedSpans), and only
	// those are read back; a store's hunt gives it every one.
	iopts := cfg.Incidents
	incs := incident.BuildMarked(kept, iopts)
	var whose map[string][]incident.Span
	if !cfg.ForStore {
		whose = pricedBy(incident.CreatedSpans(incs, kept, iopts.CreatedAfter))
	}
	if iopts.Created, err = created.of(whose); err != nil {
		return nil, err
	}
	if len(iopts.Created) > 0 {
		incs = incident.BuildMarked(kept, iopts)
	}
	engine.Sort(kept)
	res := &Result{Alerts: kept, Incidents: incs, Files: files, Engine: st, Rules: eng.Rules(), Suppressed: len(sup),
		TenantStart: eng.TenantStart(), Names: learned, Sightings: seen, Created: iopts.Created}
	var spans [event.KindCount]coverage.Span
	for _, k := range kinds {
		for i, n := range k.n {
			res.Kinds[i] += n
			res.Unnamed[i] += k.unnamed[i]
			spans[i].Merge(k.span(i))
		}
	}
	var unplaced [event.KindCount]int64
	res.Tenants, unplaced = tenantReads(kinds, eng.Owners)
	for k, n := range unplaced {
		res.Unnamed[k] += n
	}
	res.ComputeOps, res.Unsized = computeOps, unsized
	res.LearnedFull = cfg.Enricher.Capped()
	res.NotSeen = coverage.Missing(cfg.Rules, res.Kinds)
	samples := keySamples(kinds)
	res.Read = coverage.Reads(res.Kinds, spans, repeats(samples))
	if cfg.KeySecret != nil {
		res.Keys = samples
	}
	ten := tenancy(res.Tenants, res.Kinds, res.Unnamed)
	res.Outside = coverage.Uncovered(cfg.Rules, incs, res.Read, ten)
	res.NotSeenByTenant = coverage.MissingPerTenant(cfg.Rules, res.Kinds, ten, eng.Owners.Tenants())
	return res, ctx.Err()
}

// wantsFlow reports whether a rule could match flow event ev: its pool
// (which its destination, port and host decide) first. Flow logs are the
// largest of a tenant's logs, a tuple an event, and nearly none goes to a
// pool: the others are not enriched (two address look-ups and an
// allocation each) nor evaluated, as the records readers read briefly.
// needsPool is the engine's NeedsPool for flows: then a flow without a
// pool is decided without asking.
func wantsFlow(eng *engine.Engine, enr *enrich.Enricher, ev *event.Event, needsPool bool) bool {
	pool := enr.FlowPoolKind(ev)
	if pool == "" && needsPool {
		return false
	}
	g := event.Glance{Kind: event.KindFlow, Operation: ev.Operation, Outcome: ev.Outcome, SourceIP: ev.SourceIP,
		NoQuota: true, Pool: pool, PoolKnown: true}
	return eng.Wants(&g)
}

// readSlot is one worker's count of the events it read per kind of log,
// and their span. It is padded so that two workers' slots share no cache
// line.
type readSlot struct {
	n [event.KindCount]int64
	// unnamed counts the events without a time that named neither a
	// tenant nor a subscription: the tenant spans place the others, by
	// their folder (tenantSpans.addInFolder).
	unnamed [event.KindCount]int64
	// first and last are seconds since the zero time.Time, 0 for none:
	// integers compare three times faster than time.Time on this path,
	// and seconds, unlike UnixNano, hold any year a record may claim.
	first, last [event.KindCount]int64
	tenants     tenantSpans
	compute     computeOps
	keys        keyCounts // the records' keys, to count those read again
	_           [64]byte
}

// zeroUnix is the zero time.Time's Unix time (TestReadSlotAllocatesNothing
// checks it).
const zeroUnix = -62135596800

// add counts one event: it runs once per event read, so it allocates
// nothing and costs a few nanoseconds (TestReadSlotAllocatesNothing,
// BenchmarkReadSlot).
// An event without a time is counted, not spanned.
func (s *readSlot) add(ev *event.Event) {
	k := ev.Kind
	s.n[k]++
	if ev.Time.IsZero() {
		if ev.Tenant == "" && ev.Subscription == "" {
			s.unnamed[k]++
		}
		return
	}
	u := ev.Time.Unix() - zeroUnix // above 0 for every time but the zero one
	if s.first[k] == 0 || u < s.first[k] {
		s.first[k] = u
	}
	s.last[k] = max(s.last[k], u)
	s.tenants.add(ev, u)
}

// span is the slot's span of kind k.
func (s *readSlot) span(k int) coverage.Span {
	if s.first[k] == 0 {
		return coverage.Span{}
	}
	return coverage.Span{First: fromSlot(s.first[k]), Last: fromSlot(s.last[k])}
}

// markOwned notes each alert's public addresses that are the tenant's own,
// as the end of the hunt knows them (owned ranges learned from the records
// included): an office's egress is no sign that two people are one
// attacker, and the incidents, built here and again by 'mamori alerts'
// over a store, link no one through it.
func markOwned(alerts []alert.Alert, enr *enrich.Enricher) {
	for i := range alerts {
		a := &alerts[i]
		a.OwnedIPs = a.OwnedIPs[:0]
		for _, s := range a.IPs {
			ip, err := netip.ParseAddr(s)
			if err == nil && !record.PrivateAddr(ip.Unmap()) && enr.IPOf(a.Tenant, ip).Owned {
				a.OwnedIPs = append(a.OwnedIPs, s)
			}
		}
		if len(a.OwnedIPs) == 0 {
			a.OwnedIPs = nil
		}
	}
}
