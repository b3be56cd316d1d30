package hunt

import (
	"hash/maphash"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
)

// maxComputeOps bounds the compute operations a worker tracks, so a hunt's
// memory stays flat whatever its input holds (about 2 MiB a worker at the
// bound); past it, the operations already tracked are still followed.
const maxComputeOps = 1 << 17

// computeOps follows, on one worker, the compute creates it reads: whether
// any record of each operation named a size. An operation's Start record
// carries the request body and its size, its Accept and Success records
// often none, and they may fall to different workers: the workers' sets
// are merged at the end (unsized).
type computeOps struct {
	ops    map[uint64]bool // correlation id's hash -> a record named a size
	capped bool
	// Records with no correlation id are each an operation of their own.
	alone, aloneUnsized int64
}

// add notes a compute create; other events pass.
func (c *computeOps) add(seed maphash.Seed, ev *event.Event) {
	if ev.Compute == nil || ev.Brief || !event.CreatesCompute(ev.Operation) {
		return
	}
	// A body that names no size is judged all the same: no export says
	// more (a Consumption-only Container Apps environment has no machines).
	sized := !ev.Compute.NoBody || ev.Compute.Size != "" || ev.Compute.GPUs > 0 || ev.Compute.CPUs > 0
	if ev.CorrelationID == "" {
		c.alone++
		if !sized {
			c.aloneUnsized++
		}
		return
	}
	k := maphash.String(seed, ev.CorrelationID)
	was, ok := c.ops[k]
	switch {
	case ok:
		c.ops[k] = was || sized
	case len(c.ops) >= maxComputeOps:
		c.capped = true
	default:
		if c.ops == nil {
			c.ops = map[uint64]bool{}
		}
		c.ops[k] = sized
	}
}

// unsized merges the workers' compute operations.
func unsized(slots []readSlot) coverage.Unsized {
	var u coverage.Unsized
	all := map[uint64]bool{}
	for i := range slots {
		c := &slots[i].compute
		for k, sized := range c.ops {
			all[k] = all[k] || sized
		}
		u.Creates += c.alone
		u.Unsized += c.aloneUnsized
		u.Capped = u.Capped || c.capped
	}
	u.Creates += int64(len(all))
	for _, sized := range all {
		if !sized {
			u.Unsized++
		}
	}
	return u
}
