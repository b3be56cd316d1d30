package enrich

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// An autoscale setting's write asks for the instances Azure keeps on its
// target (event.Compute.Target): its floor, which mass_deployment adds to
// what its writer asked for elsewhere. A principal that writes a scale set
// of 30 and its setting of minimum 30 asked for 30 machines, not 60: the
// target's own write counted them already. The setting names no size
// either: its target's writes do. Which comes first in the input is
// anyone's guess (the REST API lists newest first, workers read files side
// by side), so the hunt learns both as records are read and settles the
// setting's request at the end (LateRequest), as it gives a Batch pool its
// account's region (LateRegion). Autoscale's own actions on the target,
// logged under the autoscale service's name, are settled the same way
// (LateScale): whose they are is known from the setting's writes, and
// what they add from what those writes counted.
const opAutoscale = "microsoft.insights/autoscalesettings/write"

// A Batch pool's create and resizes are in the Batch service log whoever
// asked for them: a thief through the Batch API with the account's key, or
// Resource Manager for a pool written through it (opBatchPool in the
// Activity Log, by its caller). The service log's events name the pool as
// their target (event.Compute.Target), and are settled as a setting is:
// any principal's ARM write of the pool within the count window asked for its nodes
// already, and a resize, which names no size, gets the one the pool's
// create or ARM write named.
const (
	opBatchPool = event.OpBatchPoolWrite
	batchPools  = "/pools/"
)

// MaxLearned bounds each table an Enricher keeps of what it learns
// (regions, settings' targets, targets' sizes, principals' writes, and
// the rest of what autoscale is weighed by), so that its memory stays
// flat (a few MiB at the bound) whatever a hunt reads; past it, a setting
// counts its whole floor (an overlap missed counts machines twice, it
// never hides them), a new target's size or a new account's region is
// not known, and Learned says so (Capped) for the tables a store keeps.
// A service gives each cycle's hunt only what its store kept lately
// (ForgetLearned, Know), so the bound is of what a cycle needs, not of
// everything a long-running service ever read.
const MaxLearned = 1 << 16

// bucket is the span of event time the writes of a target by a
// principal are kept by (scaleKey.bucket): a setting looks among the
// buckets its window (Enricher.countWindow) reaches.
const bucket = time.Hour

// defaultCountWindow is the window of the sum of compute.count when the
// hunt names none (SetCountWindow): the built-in mass_deployment's.
const defaultCountWindow = time.Hour

// maxBucketWrites bounds the writes of one target by one principal kept
// for one bucket; past it a write is not kept, and a setting takes off
// less (an overlap missed counts machines twice, it never hides them).
const maxBucketWrites = 8

// maxSeen bounds what the hunt keeps of one target's instances and of one
// setting's writes: the latest by event time. What is let go is older
// than all that is kept, so an action or a write after the oldest kept
// is weighed as if nothing had been let go; one before it finds nothing
// (its setting's write unknown: it counts all it added, attributed to
// the setting; its target's instances unknown: the setting counts its
// whole floor), counting more, never hiding.
const maxSeen = 16

// scaleKey is a target written by a principal, both lower case, in one
// bucket of event time (bucketOf).
type scaleKey struct {
	target, principal string
	bucket            int64
}

// scaleWrite is a write's Start record: when, and how many instances;
// fresh when this Enricher read it (not Know). The instances seen on a
// target (scaleTable.seen) use it too, fresh unused.
type scaleWrite struct {
	at    time.Time
	n     int
	fresh bool
}

func (w scaleWrite) when() time.Time { return w.at }

// settingWrite is a write of an autoscale setting that did not fail:
// when, its floor (the instances it keeps on its target, Compute.Count)
// and who wrote it.
type settingWrite struct {
	at    time.Time
	floor int
	who   event.Principal
}

func (w settingWrite) when() time.Time { return w.at }

// bucketOf numbers the bucket of event time that holds t.
func bucketOf(t time.Time) int64 { return t.Truncate(bucket).Unix() / int64(bucket/time.Second) }

// scaleTable is what the hunt learned of autoscale settings and their
// targets, ids in lower case. Settings and scale-set writes are few beside
// the records that are neither, so one lock will do.
type scaleTable struct {
	mu      sync.Mutex
	targets map[string]string // setting id -> its target's id
	// wrote are the Start records, the records mass_deployment counts, of
	// a principal's writes of a target.
	wrote    map[scaleKey][]scaleWrite
	sizes    map[string]fact   // target id -> a size its writes named (they seldom differ)
	regions  map[string]string // target id -> its region, as its writes or its setting's named it
	services map[string]string // target id -> the service its instances count as
	// seen are the instances the logs showed on a target, and when: its
	// writes', any principal's, and what autoscale's completed actions
	// left it (event.Compute.New), the latest maxSeen.
	seen map[string][]scaleWrite
	// settings are the writes of each setting, the latest maxSeen.
	settings map[string][]settingWrite
	// last is each setting's and target's latest record (Unix µs of
	// event time) and newest the latest of all: a service forgets the
	// settings and targets quiet for scaleQuiet (forgetQuiet), so that
	// over the months it runs the tables do not fill and refuse every
	// setting and target after. Only a service's table notes them
	// (aging, set by forgetQuiet, which begins each cycle): one hunt
	// over files forgets nothing, and keeps no times.
	last   map[string]int64
	newest int64
	aging  bool
}

// scaleQuiet is how long, in event time before the newest record, a
// service keeps a setting or target none of whose records it read. A
// setting that scales its target is touched by each of its actions, and
// a stolen account's setting scales within hours; one quiet for a month
// that acts again has its actions counted whole, under the setting's
// name (no writer known), as after a restart: more machines, never
// fewer.
const scaleQuiet = 30 * 24 * time.Hour

// touch notes a record of setting or target id at t. The caller holds
// s.mu. It reports false when the table is full (it holds both settings
// and targets: twice the others' bound) and id is not kept, so that a
// service says so (Capped).
func (s *scaleTable) touch(id string, t time.Time) bool {
	if !s.aging {
		return true
	}
	at := t.UnixMicro()
	s.newest = max(s.newest, at)
	if old, ok := s.last[id]; ok {
		s.last[id] = max(old, at)
		return true
	}
	if len(s.last) >= 2*MaxLearned {
		return false
	}
	if s.last == nil {
		s.last = map[string]int64{}
	}
	s.last[id] = at
	return true
}

// forgetQuiet drops the settings and targets quiet for scaleQuiet before
// the newest record, with all that was learned of them: what a
// service's next cycle no longer needs (ForgetLearned).
func (s *scaleTable) forgetQuiet() {
	s.aging = true
	forgetQuiet(s.last, s.newest, scaleQuiet, func(id string) {
		delete(s.targets, id)
		delete(s.settings, id)
		delete(s.seen, id)
		delete(s.services, id)
		delete(s.regions, id)
	})
}

// SetCountWindow says over how long the rules sum compute.count (the
// longest timespan of the value_sum correlations on it:
// correlate.Set.SumWindow), which is how near in time a principal's write
// of a target and its setting must be for the setting's floor to hold
// machines the write asked for already. Farther apart, no window of the
// sum holds both, and the setting asks for its whole floor: a write of the
// target by the same account weeks before (a long hunt, serve's life)
// must not hide it. Zero or less keeps the default, mass_deployment's
// hour. Set it before the records are read.
func (e *Enricher) SetCountWindow(d time.Duration) {
	if d <= 0 {
		d = defaultCountWindow
	}
	e.countWindow.Store(int64(d))
}

// window is the count window SetCountWindow set, or the default.
func (e *Enricher) window() time.Duration {
	if d := time.Duration(e.countWindow.Load()); d > 0 {
		return d
	}
	return defaultCountWindow
}

// learnScale keeps what the end of the hunt weighs autoscale's instances
// by (LateRequest, LateScale): a setting's target and its writes (when,
// floor, who); what a principal's write of a scaled resource asked for,
// the size and region that write named and the instances it gave the
// target; and the instances autoscale's own completed actions left on
// their targets.
func (e *Enricher) learnScale(ev *event.Event) {
	c := ev.Compute
	if c == nil {
		return
	}
	setting := ev.Operation == opAutoscale
	action := event.IsAutoscaleAction(ev.Operation)
	pool := ev.Operation == opBatchPool
	hdi := ev.Operation == event.OpHDInsightWrite || ev.Operation == event.OpHDInsightResize
	if !setting && !action && !pool && !hdi && !event.WritesAutoscaleTarget(ev.Operation) {
		return
	}
	id := resourceKey(ev.ResourceID)
	failed := ev.Outcome == event.OutcomeFailed
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	e.keep(s.touch(id, ev.Time))
	switch {
	case hdi:
		s.learnHDInsight(e, ev, id, failed)
	case setting:
		if c.Target != "" {
			target := resourceKey(c.Target)
			e.keep(s.touch(target, ev.Time))
			keep(&s.targets, id, target)
			s.learnTarget(target, c.Service, ev.Region, failed)
		}
		if !failed {
			keepLatest(&s.settings, id, settingWrite{ev.Time, c.Count, ev.Principal}, settingWrite.when)
		}
	case action:
		target := resourceKey(c.Target)
		if target != "" {
			keep(&s.targets, id, target)
			s.learnTarget(target, c.Service, "", false)
		} else {
			target = s.targets[id]
		}
		if target != "" {
			e.keep(s.touch(target, ev.Time))
		}
		// Only a completed action left the target its new count; its
		// start says what autoscale meant to do.
		if target != "" && !c.NoBody && event.AutoscaleCompleted(ev.Operation) && ev.Outcome == event.OutcomeSucceeded {
			keepLatest(&s.seen, target, scaleWrite{at: ev.Time, n: c.New}, scaleWrite.when)
		}
	case pool:
		if c.Size != "" && !failed {
			e.keep(keep(&s.sizes, id, fact{c.Size, true}))
		}
		// An ARM write's Start, whoever wrote it: the service log's own
		// events (their target the pool) are what is settled.
		if c.Target == "" && ev.Outcome == event.OutcomeStarted && c.Count > 0 {
			s.keepWrote(e, scaleKey{id, "", bucketOf(ev.Time)}, scaleWrite{ev.Time, c.Count, true})
		}
	default:
		s.learnTarget(id, c.Service, ev.Region, failed)
		if c.Size != "" && !failed {
			e.keep(keep(&s.sizes, id, fact{c.Size, true}))
		}
		if c.Count > 0 && !failed && !c.NoBody {
			keepLatest(&s.seen, id, scaleWrite{at: ev.Time, n: c.Count}, scaleWrite.when)
		}
		if ev.Outcome == event.OutcomeStarted && c.Count > 0 && ev.Principal.ID != "" {
			s.keepWrote(e, scaleKey{id, strings.ToLower(ev.Principal.ID), bucketOf(ev.Time)}, scaleWrite{ev.Time, c.Count, true})
		}
	}
}

// keepWrote keeps a write's Start record under k, once (a record read
// again, for a window or from another export, is the same write), no
// more than maxBucketWrites of them. The caller holds s.mu.
func (s *scaleTable) keepWrote(e *Enricher, k scaleKey, w scaleWrite) {
	ws := s.wrote[k]
	for i, o := range ws {
		if o.at.Equal(w.at) && o.n == w.n {
			ws[i].fresh = ws[i].fresh || w.fresh
			return
		}
	}
	if len(ws) < maxBucketWrites {
		e.keep(keep(&s.wrote, k, append(ws, w)))
	}
}

// learnTarget keeps a target's service and, from a record that did not
// fail, its region.
func (s *scaleTable) learnTarget(target, service, region string, failed bool) {
	if service != "" {
		keep(&s.services, target, service)
	}
	if region != "" && region != "global" && !failed {
		keep(&s.regions, target, region)
	}
}

// keep sets m[k], making m on first use, and reports whether it did: a
// new key past MaxLearned is not kept.
func keep[K comparable, V any](m *map[K]V, k K, v V) bool {
	if *m == nil {
		*m = map[K]V{}
	}
	if _, ok := (*m)[k]; ok || len(*m) < MaxLearned {
		(*m)[k] = v
		return true
	}
	return false
}

// keepLatest adds v to m[k], a list kept in order of time and no longer
// than maxSeen: past it, the earliest goes (v itself when it is). A value
// the list holds already is not added again: a record read again (a
// service's cycle reads its open windows again, two exports hold the same
// days) would push older ones out of the latest maxSeen, the write that
// named what a target had among them. (Values compare with ==: their
// times are events', UTC without a monotonic reading, alike when read
// again.)
func keepLatest[V comparable](m *map[string][]V, k string, v V, at func(V) time.Time) {
	vs := (*m)[k]
	if slices.Contains(vs, v) {
		return
	}
	i := len(vs)
	for i > 0 && at(vs[i-1]).After(at(v)) {
		i--
	}
	if len(vs) >= maxSeen {
		if i == 0 {
			return
		}
		vs = append(vs[:0:0], vs[1:]...)
		i--
	}
	keep(m, k, slices.Insert(vs, i, v))
}

// latest is the last of vs (in order of time) at or before t.
func latest[V any](vs []V, t time.Time, at func(V) time.Time) (V, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if !at(vs[i]).After(t) {
			return vs[i], true
		}
	}
	var zero V
	return zero, false
}

// covered is how many of a target's instances a write of its setting, by
// principal at at, finds running or asked for already: the most the logs
// last showed on the target at or before the write (its writes', anyone's;
// autoscale's completed actions'), and the most the same principal asked
// of the target in a write of its own within the count window of the
// setting, before or after it (the REST API lists newest first: a
// template's scale set may be read after its setting). An ops team's
// setting of minimum 10 over another team's scale set of 10 asks for
// nothing; a stolen account's minimum of 200 over a set of one asks for
// 199.
func (s *scaleTable) covered(target, principal string, at time.Time, w time.Duration) int {
	most := 0
	if n, ok := latest(s.seen[target], at, func(x scaleWrite) time.Time { return x.at }); ok {
		most = n.n
	}
	if principal != "" {
		most = max(most, s.asked(target, strings.ToLower(principal), at, w))
	}
	return most
}

// asked is the most principal (lower case; "" for any principal's ARM
// writes of a Batch pool) asked of target in a Start record within w of
// at, before or after it. The caller holds the lock.
func (s *scaleTable) asked(target, principal string, at time.Time, w time.Duration) int {
	most := 0
	for b := bucketOf(at.Add(-w)); b <= bucketOf(at.Add(w)); b++ {
		for _, x := range s.wrote[scaleKey{target, principal, b}] {
			if d := x.at.Sub(at); -w <= d && d <= w {
				most = max(most, x.n)
			}
		}
	}
	return most
}

// LateRequest is what an autoscale setting's request of floor instances,
// written by principal (an object id) at at, comes to by the end of the
// hunt: added, what it adds to that principal's count, is floor less what
// the target had or the principal asked of it already (covered), none
// below zero: a target whose instances the logs do not show before the
// setting, nor the principal's own write near it, takes nothing off, and
// the setting asks for its whole floor. target is the target's id and
// size the size its writes named, "" when the hunt read neither.
//
// A Batch pool's event of the Batch service log (setting is the pool, its
// target itself) is settled alike: added is its count less the most any
// principal asked for the pool in an ARM write within the count window,
// target "" and size the size the pool's create or ARM write named.
//
// A start of machines that exist (the setting is the started resource)
// is settled by lateStart: added is what it woke, size its writes' size.
//
// An HDInsight cluster's resize (the setting is the resized role, its
// target the cluster) adds the workers it asks for beyond those the
// cluster last had before it (workersBefore); size is the worker role's.
func (e *Enricher) LateRequest(setting, principal string, at time.Time, floor int) (added int, target, size string) {
	if n, target, size, ok := e.lateStart(setting, floor); ok { // a start: started.go
		return n, target, size
	}
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	id := resourceKey(setting)
	target, ok := s.targets[id]
	if ok && isHDInsightCluster(target) {
		return max(floor-s.workersBefore(target, at), 0), target, e.workerSize(target)
	}
	if !ok {
		if isBatchPool(id) {
			return max(floor-s.asked(id, "", at, e.window()), 0), "", s.size(id)
		}
		return floor, "", ""
	}
	return max(floor-s.covered(target, principal, at, e.window()), 0), target, s.size(target)
}

// size is the size a target's (or a pool's) writes named, "" when none
// was read or told. One told by the store (Know) is asked for now: a
// store keeps it as long again (Learned). The caller holds s.mu.
func (s *scaleTable) size(target string) string {
	f := s.sizes[target]
	if f.value != "" && !f.fresh {
		s.sizes[target] = fact{f.value, true}
	}
	return f.value
}

// LateScale is what autoscale's completed action on setting at at, which
// took its target (as the record named it, "" when it did not) from
// instances from to instances to, comes to by the end of the hunt.
//
// Its instances are credited to the principal who last wrote the setting
// at or before the action, as the hunt read that write: the autoscale
// service acts for whoever set it up, and a CPU rule over a miner's own
// load is how a stolen account's setting of minimum 1 and maximum 200
// becomes 200 machines. Counted are the instances the action added that
// the write had not counted already: the write counted those between
// what the target had (covered) and its floor, which autoscale's first
// action then brings (a setting of minimum 200 over a set of one, 199
// counted by the write, none again by the 1 → 200 that follows); those
// above the floor only load asked for, and only the actions show. With no
// write of the setting read (written before the input begins), the
// action counts all it added, and no writer is known: the caller
// attributes it to the setting, never drops it. Target, size, region and
// service are the target's, as the hunt learned them ("" when not).
func (e *Enricher) LateScale(setting, target string, at time.Time, from, to int) event.ScaleCredit {
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	id := resourceKey(setting)
	if target = resourceKey(target); target == "" {
		target = s.targets[id]
	}
	cr := event.ScaleCredit{Added: max(to-from, 0), Target: target, Size: s.size(target), Region: s.regions[target], Service: s.services[target]}
	w, ok := latest(s.settings[id], at, func(x settingWrite) time.Time { return x.at })
	if !ok {
		return cr
	}
	cr.Writer = w.who
	if lo := s.covered(target, w.who.ID, w.at, e.window()); w.floor > lo {
		// The part of from..to inside lo..floor was the write's.
		cr.Added -= max(min(to, w.floor)-max(from, lo), 0)
	}
	return cr
}

// isBatchPool reports whether id (lower case) is a Batch pool's.
func isBatchPool(id string) bool {
	_, rest, ok := strings.Cut(id, batchAccounts)
	if !ok {
		return false
	}
	_, pool, ok := strings.Cut(rest, "/")
	return ok && strings.HasPrefix(pool, batchPools[1:]) && len(pool) > len(batchPools)-1
}
