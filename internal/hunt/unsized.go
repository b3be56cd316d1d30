package hunt

import (
	"strings"
	"sync"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hashtab"
)

// maxComputeOps bounds the compute operations a hunt tracks, so its
// memory stays flat whatever its input holds (about 1.6 MB at the bound:
// a tenant makes a few thousand creates a month);
// past it, the operations already tracked are still followed.
const maxComputeOps = 1 << 17

// OpState is what the records of one compute operation said, bits OR'd
// over them: a record may say more than another of the same operation,
// never less.
type OpState uint8

const (
	// OpSized: a record named a size, or carried a body, which is all
	// there is to know (a Consumption-only Container Apps environment
	// names none: it has no machines).
	OpSized OpState = 1 << iota
	// OpNone: a record's body said the write creates no compute (an
	// Azure ML job on a cluster of its workspace, a Free App Service
	// plan: the reader gave it no Compute): no compute create at all,
	// whatever its records without a body left unsaid, unless another
	// record's body said what it creates (a job's Start naming its
	// serverless machines, its response naming none: OpSized decides).
	OpNone
	// OpJob: an Azure ML job's write. Without a body it may run on a
	// cluster of its workspace (machines counted when the cluster was
	// written) as well as on serverless machines of its own.
	OpJob
	// OpFailed: a record said Azure refused it (on quota, capacity,
	// policy): no machine ran. A service whose cycles read its Start, which
	// names the machines, apart from its Failure prices none of them
	// (store.Store.Created, Alerts) as one hunt's engine does not.
	OpFailed
	// OpQuota: the failure was on an exceeded quota (its alert says so).
	OpQuota
)

// create reports whether the operation is a compute create, and unsized
// whether none of its records said what it created.
func (s OpState) create() bool  { return s&OpSized != 0 || s&OpNone == 0 }
func (s OpState) unsized() bool { return s&(OpSized|OpNone) == 0 }

// computeOps follows, on one worker, the compute creates it reads: what
// the records of each operation said (OpState). An operation's Start
// record carries the request body and its size, its Accept and Success
// records often none, and they may fall to different workers: they note
// them in one table (a few records in a thousand are creates, so its
// lock is seldom waited for), which holds each operation once where a
// table per worker and their merge held it up to three times.
type computeOps struct {
	table *opTable
	hash  *event.KeyHash // the worker's: a store's secret keys its operations (nil: OpKey)
	// Records with no correlation id are each an operation of their own;
	// aloneJobs are those of the unsized that are Azure ML jobs' writes.
	alone, aloneUnsized, aloneJobs int64
	// reread is Config.Reread (a service's records read again, counted
	// by an earlier hunt); file is the last record's file, again its
	// offset there.
	reread map[string]int64
	file   string
	again  int64
}

// add notes a record of a compute create; other events pass.
func (c *computeOps) add(ev *event.Event) {
	if ev.Brief || !event.CreatesCompute(ev.Operation) {
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
	s := opState(ev)
	if strings.TrimSpace(ev.CorrelationID) == "" {
		if !s.create() {
			return
		}
		c.alone++
		if s.unsized() {
			c.aloneUnsized++
			if s&OpJob != 0 {
				c.aloneJobs++
			}
		}
		return
	}
	c.table.note(c.hash.OpKey(ev.CorrelationID), s)
}

// opTable is what the workers' records said of each compute operation:
// the key of its correlation id (OpKey) -> what its records said, 9
// bytes a slot (hashtab), 1.6 MB at the bound.
type opTable struct {
	mu     sync.Mutex
	ops    *hashtab.Table[OpState]
	capped bool
}

func (t *opTable) note(k uint64, s OpState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ops == nil {
		t.ops = &hashtab.Table[OpState]{Max: maxComputeOps}
	}
	was, _ := t.ops.Get(k)
	if !t.ops.Put(k, was|s) {
		t.capped = true
	}
}

// opState is what one record of a compute create says. A record decoded
// in full without a Compute had a body that said the write creates none
// (the reader yields a Compute for every record of these operations but
// those). A body that names no size is judged all the same: no export
// says more.
func opState(ev *event.Event) OpState {
	var s OpState
	switch c := ev.Compute; {
	case c == nil || c.Wakes > 0:
		// A job on its workspace's cluster (Wakes) creates no machine.
		s = OpNone
	case !c.NoBody || c.Size != "" || c.GPUs > 0 || c.CPUs > 0:
		s = OpSized
	}
	if ev.Operation == opAMLJob {
		s |= OpJob
	}
	if ev.Outcome == event.OutcomeFailed {
		s |= OpFailed
		if ev.Quota != nil && ev.Quota.Exceeded {
			s |= OpQuota
		}
	}
	return s
}

// opAMLJob is an Azure ML job's write.
const opAMLJob = "microsoft.machinelearningservices/workspaces/jobs/write"

// ComputeOps are the compute creates a hunt read, by operation: for a
// service, whose cycles each read part of an operation's records (its
// Start with the size in one, its Success without in the next), to join
// them as one hunt over everything would (coverage.Unsized).
type ComputeOps struct {
	// Ops says, per operation (OpKey of its correlation id), what its
	// records said; those of OpNone without OpSized are no compute
	// creates. Nil holds none.
	Ops *hashtab.Table[OpState]
	// Alone counts the records without a correlation id, each an
	// operation of its own; AloneUnsized those of them that named no
	// size, AloneJobs those of the unsized that are Azure ML jobs.
	Alone, AloneUnsized, AloneJobs int64
	// Capped: the hunt met more operations than it tracks.
	Capped bool
}

// Unsized is what ops count: their creates, those none of whose records
// named a size, and the Azure ML jobs among them.
func (ops ComputeOps) Unsized() coverage.Unsized {
	u := coverage.Unsized{Creates: ops.Alone, Unsized: ops.AloneUnsized, Jobs: ops.AloneJobs, Capped: ops.Capped}
	for _, s := range ops.Ops.All() {
		if !s.create() {
			continue
		}
		u.Creates++
		if s.unsized() {
			u.Unsized++
			if s&OpJob != 0 {
				u.Jobs++
			}
		}
	}
	return u
}

// computeOpsOf is the workers' compute operations, their counts summed.
func computeOpsOf(slots []readSlot, t *opTable) ComputeOps {
	ops := ComputeOps{Ops: t.ops, Capped: t.capped}
	for i := range slots {
		c := &slots[i].compute
		ops.Alone += c.alone
		ops.AloneUnsized += c.aloneUnsized
		ops.AloneJobs += c.aloneJobs
	}
	return ops
}
