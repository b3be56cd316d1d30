package enrich

import (
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// What an Enricher learns as records are read, and a later record may
// need, is kept in tables: the regions of Batch accounts and clusters
// (LateRegion), autoscale settings' targets and their sizes, and the
// principals' writes of those targets (LateRequest). One hunt keeps them
// for as long as it runs. A service (mamori serve) must do better: its
// cycles read records of the same resources hours or weeks apart, it is
// restarted, and it runs for months. So its store keeps the tables, each
// entry dropped once no rule needs it (store.Learned), and each cycle's
// hunt starts from what the store kept (ForgetLearned, Know) and hands
// back what it learned or used (Learned).

// Learned is what an Enricher learned that a later hunt may need.
type Learned struct {
	// Regions are Batch accounts' and AKS and Service Fabric clusters'
	// regions, by resource id in lower case.
	Regions map[string]string
	// Sizes are the sizes autoscale settings' targets' writes named, by
	// target id in lower case.
	Sizes map[string]string
	// Writes are the principals' Start records of writes of scaled
	// resources: what a setting of the same principal within the count
	// window of one takes off its floor; and any principal's ARM writes
	// of a Batch pool (Principal ""), which its service log's events
	// take off theirs.
	Writes []event.ScaleWrite
	// Starts are what the writes of resources machines are started from
	// named (started.go): those read, or used to size a start, since the
	// last ForgetLearned.
	Starts []event.StartWrite
	// Owned are the tenants' own addresses and ranges their public IP and
	// prefix writes named, read since the last ForgetLearned (none in one
	// hunt over files, which never calls it): a service's restart would
	// otherwise take their machines' addresses for strangers'.
	Owned []event.OwnedAddr
	// Capped says that a table was full (MaxLearned entries) and that
	// something learned or told was not kept.
	Capped bool
}

// capped records that a table refused an entry (keep reported false).
type capped struct{ atomic.Bool }

// Capped reports whether a table of what this Enricher learns was full
// since it was made (a service's: since the last ForgetLearned) and
// something learned was not kept, or forgotten to make room.
func (e *Enricher) Capped() bool { return e.full.Load() }

// keep notes a table's refusal (ok false); ok true passes.
func (e *Enricher) keep(ok bool) {
	if !ok {
		e.full.Store(true)
	}
}

// Learned returns what this Enricher learned from the records it read,
// and what it was told (Know) and then asked for (a pool's account's
// region, a setting's target's size): a store keeps the first and keeps
// the second longer. What it was told and nobody asked for is not in it:
// its age in the store stays that of the record that taught it. Capped
// says whether a table was full since the last ForgetLearned.
func (e *Enricher) Learned() Learned {
	l := Learned{Regions: map[string]string{}, Sizes: map[string]string{}, Starts: e.starts.learned(), Owned: e.owned.freshList(), Capped: e.full.Load()}
	r := &e.regions
	r.mu.Lock()
	for id, f := range r.m {
		if f.fresh {
			l.Regions[id] = f.value
		}
	}
	r.mu.Unlock()
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, f := range s.sizes {
		if f.fresh {
			l.Sizes[id] = f.value
		}
	}
	for k, ws := range s.wrote {
		for _, w := range ws {
			if w.fresh {
				l.Writes = append(l.Writes, event.ScaleWrite{Target: k.target, Principal: k.principal, At: w.at, Count: w.n})
			}
		}
	}
	return l
}

// Know adds what earlier hunts learned (a store's Learned), ids in any
// case: what this Enricher learned itself is kept over it. Entries past
// a table's bound are not kept, and Learned says so.
func (e *Enricher) Know(l Learned) {
	if l.Capped {
		e.full.Store(true)
	}
	e.starts.know(l.Starts)
	e.seedWorkers(l.Starts)
	for _, o := range l.Owned {
		e.keep(e.owned.learn(o.Tenant, []netip.Prefix{o.Prefix}, ownedTold))
	}
	r := &e.regions
	r.mu.Lock()
	for id, region := range l.Regions {
		id = resourceKey(id)
		if _, ok := r.m[id]; !ok && region != "" {
			e.keep(keep(&r.m, id, fact{region, false}))
		}
	}
	r.mu.Unlock()
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, size := range l.Sizes {
		id = resourceKey(id)
		if _, ok := s.sizes[id]; !ok && size != "" {
			e.keep(keep(&s.sizes, id, fact{size, false}))
		}
	}
	for _, w := range l.Writes {
		target := resourceKey(w.Target)
		if w.Count > 0 && (w.Principal != "" || isBatchPool(target)) {
			k := scaleKey{target, strings.ToLower(w.Principal), bucketOf(w.At)}
			s.keepWrote(e, k, scaleWrite{w.At, w.Count, false})
		}
	}
}

// ForgetLearned drops the tables of what this Enricher learned or was
// told that a store keeps (Learned: regions, targets' sizes, writes), and
// whether one was full: a service's next cycle starts from what its
// store kept (Know). It drops the starts and jobs learned too, which a
// hunt settles itself. The sizes the writes of what starts wake named
// (started.go) stay the process's: a store keeps those each cycle read or
// used (Learned's Starts), and a process is told them once, at its first
// cycle, as the table is far larger than the others. So do the tenants'
// own addresses, given or learned (a store keeps those each cycle read:
// Learned's Owned). The rest stays the process's, as one hunt's, until a
// store keeps it too: settings' targets and writes, targets' instances,
// regions and services (LateScale), of which it drops the settings and
// targets quiet for a month of event time; Azure Databricks' managed
// machines (databricks.go), of which it drops the clusters quiet for two
// days.
func (e *Enricher) ForgetLearned() {
	e.starts.forgetStarts()
	e.owned.forgetFresh()
	e.managed.forgetQuiet()
	r := &e.regions
	r.mu.Lock()
	r.m = nil
	r.mu.Unlock()
	s := &e.scale
	s.mu.Lock()
	s.wrote, s.sizes = nil, nil
	s.forgetQuiet()
	s.mu.Unlock()
	// A remediation withdraws only what its own hunt read: an alert a
	// cycle wrote on the open detection stays written.
	m := &e.remediated
	m.mu.Lock()
	m.ids = nil
	m.mu.Unlock()
	e.full.Store(false)
}

// forgetQuiet deletes from last (latest event time by id, Unix µs) the
// ids quiet for span before newest, and calls drop with each: a service's
// tables of what it learns, forgotten by age so that they do not fill
// over the months it runs.
func forgetQuiet(last map[string]int64, newest int64, span time.Duration, drop func(id string)) {
	cut := newest - span.Microseconds()
	for id, at := range last {
		if at < cut {
			delete(last, id)
			drop(id)
		}
	}
}
