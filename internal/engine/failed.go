package engine

import (
	"hash/maphash"
	"strings"
	"sync"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hashtab"
)

// A compute create Azure refused (on quota, capacity, policy) logs its
// Start record, which names the machines asked for, then a Failed one,
// which names none. The hits of the Start record carry what it asked; an
// alert, and the creates an incident is priced from (Created), must not
// count machines that never ran: the gpu-scaleset-chain's region refused
// on quota was priced as 20 instances. The workers note the correlation
// ids of failed creates; the end of the hunt, which has read every record,
// drops the compute of a hit of one as it settles it (Engine.settle), and
// its summary, made from the Start record, stops saying it created what it
// only asked for.

// maxFailedCreates bounds the failed creates noted, so that a log of
// failures without end cannot grow the table; past it, later failures'
// creates are priced as asked (the alerts still name them).
const maxFailedCreates = 1 << 16

// failedTable is the keys of the failed creates' correlation ids
// (Engine.opKey): one table the workers share, as failures are a few
// records in a thousand.
type failedTable struct {
	mu   sync.Mutex
	keys hashtab.Table[refusal] // at its bound, 0.8 MB
}

// refusal is what a create's failure record said of why.
type refusal uint8

const (
	refusedOther refusal = 1 + iota // a failure naming no quota (capacity, policy, a bad request)
	refusedQuota                    // an exceeded quota
)

// noteFailed notes ev when it is the failure of a compute create.
func (e *Engine) noteFailed(ev *event.Event) {
	if ev.Outcome != event.OutcomeFailed || ev.CorrelationID == "" || !event.CreatesCompute(ev.Operation) {
		return
	}
	k := e.opKey(ev.CorrelationID)
	why := refusedOther
	if ev.Quota != nil && ev.Quota.Exceeded {
		why = refusedQuota
	}
	t := &e.failedOps
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.keys.Get(k); !ok || old < why {
		t.keys.Put(k, why)
	}
}

// opKey is the key of a correlation id among the failed: a hash with
// this hunt's seed (the ids took five times the table).
func (e *Engine) opKey(corrID string) uint64 {
	return maphash.String(e.seeds[0], strings.ToLower(corrID))
}

// dropRefused drops the compute of a hit of a create Azure refused: its
// machines never ran, and its summary says so. Hits are settled once
// every worker is done, so the table is read without its lock.
func (e *Engine) dropRefused(h *keptHit) {
	if h == nil || h.compute == nil || e.failedOps.keys.Len() == 0 {
		return
	}
	if why, ok := e.failedOps.keys.Get(e.opKey(h.compute.Operation)); ok {
		h.compute = nil
		h.summary = alert.RefusedSummary(h.summary, h.resource, why == refusedQuota)
	}
}
