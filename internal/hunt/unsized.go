package hunt

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

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
	ops    map[uint64]bool // OpKey of the correlation id -> a record named a size
	capped bool
	// Records with no correlation id are each an operation of their own.
	alone, aloneUnsized int64
	// reread is Config.Reread (a service's records read again, counted
	// by an earlier hunt); file is the last record's file, again its
	// offset there.
	reread map[string]int64
	file   string
	again  int64
}

// add notes a compute create; other events pass.
func (c *computeOps) add(ev *event.Event) {
	if ev.Compute == nil || ev.Brief || !event.CreatesCompute(ev.Operation) {
		return
	}
	if ev.Loc.File != c.file {
		c.file, c.again = ev.Loc.File, c.reread[ev.Loc.File]
	}
	if ev.Loc.Offset < c.again {
		// Counted by the hunt that first read it: a record without a
		// correlation id would be an operation of its own again.
		return
	}
	// A body that names no size is judged all the same: no export says
	// more (a Consumption-only Container Apps environment has no machines).
	sized := !ev.Compute.NoBody || ev.Compute.Size != "" || ev.Compute.GPUs > 0 || ev.Compute.CPUs > 0
	if strings.TrimSpace(ev.CorrelationID) == "" {
		c.alone++
		if !sized {
			c.aloneUnsized++
		}
		return
	}
	k := OpKey(ev.CorrelationID)
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

// OpKey is an operation's key in ComputeOps: the first 64 bits of the
// SHA-256 of its correlation id (trimmed, in ASCII lower case, as the
// engine compares it), the same in every hunt, so that a service joins
// the records of one operation read in different cycles. Only compute
// creates are keyed, a few in a thousand records: the hash costs nothing
// a hunt can measure, and nobody can make two correlation ids collide (a
// client may choose its own).
func OpKey(correlationID string) uint64 {
	id := strings.TrimSpace(correlationID)
	var buf [64]byte // an id's usual length, lowered without an allocation
	b := buf[:0]
	for i := 0; i < len(id); i++ {
		c := id[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[:8])
}

// ComputeOps are the compute creates a hunt read, by operation: for a
// service, whose cycles each read part of an operation's records (its
// Start with the size in one, its Success without in the next), to join
// them as one hunt over everything would (coverage.Unsized).
type ComputeOps struct {
	// Sized says, per operation (OpKey of its correlation id), whether a
	// record of it named a size.
	Sized map[uint64]bool
	// Alone counts the records without a correlation id, each an
	// operation of its own; AloneUnsized those of them that named no size.
	Alone, AloneUnsized int64
	// Capped: a worker met more operations than it tracks.
	Capped bool
}

// Unsized is what ops count: their creates, and those none of whose
// records named a size.
func (ops ComputeOps) Unsized() coverage.Unsized {
	u := coverage.Unsized{Creates: ops.Alone + int64(len(ops.Sized)), Unsized: ops.AloneUnsized, Capped: ops.Capped}
	for _, sized := range ops.Sized {
		if !sized {
			u.Unsized++
		}
	}
	return u
}

// computeOpsOf merges the workers' compute operations.
func computeOpsOf(slots []readSlot) ComputeOps {
	ops := ComputeOps{Sized: map[uint64]bool{}}
	for i := range slots {
		c := &slots[i].compute
		for k, sized := range c.ops {
			ops.Sized[k] = ops.Sized[k] || sized
		}
		ops.Alone += c.alone
		ops.AloneUnsized += c.aloneUnsized
		ops.Capped = ops.Capped || c.capped
	}
	return ops
}
