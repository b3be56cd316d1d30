package engine

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
)

// A compute create Azure refused (on quota, capacity, policy) logs its
// Start record, which names the machines asked for, then a Failed one,
// which names none. The hits of the Start record carry what it asked; an
// alert, and the creates an incident is priced from (Created), must not
// count machines that never ran: the gpu-scaleset-chain's region refused
// on quota was priced as 20 instances. The workers note the correlation
// ids of failed creates; the end of the hunt, which has read every record,
// drops the compute of a hit of one as it settles it (Engine.settle).

// maxFailedCreates bounds the failed creates a worker notes, so that a
// log of failures without end cannot grow it; past it, later failures'
// creates are priced as asked (the alerts still name them).
const maxFailedCreates = 1 << 16

// noteFailed notes ev when it is the failure of a compute create.
func (ws *workerState) noteFailed(ev *event.Event) {
	if ev.Outcome != event.OutcomeFailed || ev.CorrelationID == "" || !event.CreatesCompute(ev.Operation) || len(ws.failed) >= maxFailedCreates {
		return
	}
	if ws.failed == nil {
		ws.failed = map[string]struct{}{}
	}
	ws.failed[strings.ToLower(ev.CorrelationID)] = struct{}{}
}

// failedCreates merges the workers' notes.
func (e *Engine) failedCreates() map[string]struct{} {
	out := map[string]struct{}{}
	for i := range e.work {
		for k := range e.work[i].failed {
			out[k] = struct{}{}
		}
	}
	return out
}

// dropRefused drops the compute of a hit of a create Azure refused
// (Engine.refused, made when the alerts are): its machines never ran.
func (e *Engine) dropRefused(h *keptHit) {
	if h == nil || h.compute == nil {
		return
	}
	if _, ok := e.refused[strings.ToLower(h.compute.Operation)]; ok {
		h.compute = nil
	}
}
