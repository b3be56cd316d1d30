package enrich

import (
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
// account's region (LateRegion).
const opAutoscale = "microsoft.insights/autoscalesettings/write"

// A Batch pool's create and resizes are in the Batch service log whoever
// asked for them: a thief through the Batch API with the account's key, or
// Resource Manager for a pool written through it (opBatchPool in the
// Activity Log, by its caller). The service log's events name the pool as
// their target (event.Compute.Target), and are settled as a setting is:
// any principal's ARM write of the pool within overlap asked for its nodes
// already, and a resize, which names no size, gets the one the pool's
// create or ARM write named.
const (
	opBatchPool = "microsoft.batch/batchaccounts/pools/write"
	batchPools  = "/pools/"
)

// maxScaleKeys bounds each table the hunt keeps of settings and targets,
// so a long service's memory stays flat (a few MiB at the bound); past it,
// a setting counts its whole floor (an overlap missed counts machines
// twice, it never hides them) and a new target's size is not known.
const maxScaleKeys = 1 << 16

// overlap is how near in time a principal's write of a target and its
// setting must be for the setting's floor to hold machines the write
// asked for already: mass_deployment's timespan, the one sum of
// compute.count. Farther apart, no window of the sum holds both, and the
// setting asks for its whole floor: a write of the target by the same
// account weeks before (a long hunt, serve's life) must not hide it.
const overlap = time.Hour

// maxHourWrites bounds the writes of one target by one principal kept for
// one hour; past it a write is not kept, and a setting takes off less
// (an overlap missed counts machines twice, it never hides them).
const maxHourWrites = 8

// scaleKey is a target written by a principal, both lower case, in one
// hour of event time (hourOf): a setting looks among the writes of its
// own hour and the two beside it for those within overlap of it.
type scaleKey struct {
	target, principal string
	hour              int64
}

// scaleWrite is a write's Start record: when, and how many instances.
type scaleWrite struct {
	at time.Time
	n  int
}

// hourOf numbers the overlap-long span of event time that holds t.
func hourOf(t time.Time) int64 { return t.Truncate(overlap).Unix() / int64(overlap/time.Second) }

// scaleTable is what the hunt learned of autoscale settings and their
// targets, ids in lower case. Settings and scale-set writes are few beside
// the records that are neither, so one lock will do.
type scaleTable struct {
	mu      sync.Mutex
	targets map[string]string // setting id -> its target's id
	// wrote are the Start records, the records mass_deployment counts, of
	// a principal's writes of a target.
	wrote map[scaleKey][]scaleWrite
	sizes map[string]string // target id -> a size its writes named (they seldom differ)
}

// learnScale keeps a setting's target, what a principal's write of a
// scaled resource asked for, and the size that write named.
func (e *Enricher) learnScale(ev *event.Event) {
	c := ev.Compute
	if c == nil {
		return
	}
	setting := ev.Operation == opAutoscale && c.Target != ""
	pool := ev.Operation == opBatchPool
	if !setting && !pool && !event.WritesAutoscaleTarget(ev.Operation) {
		return
	}
	id := resourceKey(ev.ResourceID)
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	if setting {
		keep(&s.targets, id, strings.ToLower(c.Target))
		return
	}
	if pool {
		if c.Size != "" && ev.Outcome != event.OutcomeFailed {
			keep(&s.sizes, id, c.Size)
		}
		// An ARM write's Start, whoever wrote it: the service log's own
		// events (their target the pool) are what is settled.
		if c.Target == "" && ev.Outcome == event.OutcomeStarted && c.Count > 0 {
			k := scaleKey{id, "", hourOf(ev.Time)}
			if ws := s.wrote[k]; len(ws) < maxHourWrites {
				keep(&s.wrote, k, append(ws, scaleWrite{ev.Time, c.Count}))
			}
		}
		return
	}
	if c.Size != "" && ev.Outcome != event.OutcomeFailed {
		keep(&s.sizes, id, c.Size)
	}
	if ev.Outcome == event.OutcomeStarted && c.Count > 0 && ev.Principal.ID != "" {
		k := scaleKey{id, strings.ToLower(ev.Principal.ID), hourOf(ev.Time)}
		if ws := s.wrote[k]; len(ws) < maxHourWrites {
			keep(&s.wrote, k, append(ws, scaleWrite{ev.Time, c.Count}))
		}
	}
}

// keep sets m[k], making m on first use; a new key past maxScaleKeys is
// not kept.
func keep[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = map[K]V{}
	}
	if _, ok := (*m)[k]; ok || len(*m) < maxScaleKeys {
		(*m)[k] = v
	}
}

// LateRequest is what an autoscale setting's request of floor instances,
// written by principal (an object id) at at, comes to by the end of the
// hunt: added, what it adds to that principal's count, is floor less the
// most the principal asked for the setting's target in a write of its
// own within overlap of the setting, none below zero (a target the hunt
// did not see the principal write near it, another's, or one written
// long before, takes nothing off: the setting asked for its whole floor);
// target is the target's id and size the size its writes named, "" when
// the hunt read neither.
//
// A Batch pool's event of the Batch service log (setting is the pool, its
// target itself) is settled alike: added is its count less the most any
// principal asked for the pool in an ARM write within overlap, target ""
// and size the size the pool's create or ARM write named.
func (e *Enricher) LateRequest(setting, principal string, at time.Time, floor int) (added int, target, size string) {
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	id := resourceKey(setting)
	target, ok := s.targets[id]
	if !ok {
		if isBatchPool(id) {
			return max(floor-s.most(id, "", at), 0), "", s.sizes[id]
		}
		return floor, "", ""
	}
	most := 0
	if principal != "" {
		most = s.most(target, strings.ToLower(principal), at)
	}
	return max(floor-most, 0), target, s.sizes[target]
}

// most is the most a principal ("": any, for a Batch pool's ARM writes)
// asked for a target in a Start record within overlap of at. The caller
// holds the lock.
func (s *scaleTable) most(target, principal string, at time.Time) int {
	most, h := 0, hourOf(at)
	for hour := h - 1; hour <= h+1; hour++ {
		for _, w := range s.wrote[scaleKey{target, principal, hour}] {
			if d := w.at.Sub(at); -overlap <= d && d <= overlap {
				most = max(most, w.n)
			}
		}
	}
	return most
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
