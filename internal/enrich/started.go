package enrich

import (
	"strings"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// A start of machines that exist (event.StartsCompute: a deallocated VM,
// a scale set or one of its instances, an Azure ML compute instance, a
// stopped AKS cluster) names no size, and a scale set or cluster started
// whole no count: its resource's writes did, maybe days before, maybe
// later in the input (the REST API lists newest first; workers read files
// side by side). So the hunt learns the size and count every write of
// such a resource named, and settles each start at its end, as it does an
// autoscale setting's request (LateRequest): a start of 8 scale-set
// machines the hunt saw written as NC24ads_A100_v4 is priced as them. A
// start whose resource's write the hunt never read keeps what its record
// says (one VM of unknown size, or nothing counted for a scale set
// started whole). A start is no create: the hunt's NOT JUDGED counts
// creates only (event.CreatesCompute), and a start it could not size is
// not one of them.

// startTable is what the hunt learned of the resources machines are
// started from, ids in lower case.
type startTable struct {
	mu sync.Mutex
	// written is the size and count the writes of a resource named, each
	// the latest in event time, so the answer does not depend on the
	// order records are read in.
	written map[string]startWrite
	// started are the ids of the resources started (and of the Azure ML
	// jobs that wake a cluster), so that LateRequest tells a start from an
	// autoscale setting or a Batch pool.
	started map[string]startRef
}

// startRef is what a start woke: the resource whose writes size it (a
// scale-set instance's scale set, a job's cluster, else the resource
// itself) and, for a job, the machines it asked the cluster for.
type startRef struct {
	owner string
	wakes int
}

// startWrite is what a resource's writes said it holds, and where.
type startWrite struct {
	size          string
	sizeAt        time.Time
	count         int
	countAt       time.Time
	sizeOK, cntOK bool
	region        string // the latest write's (later, as size)
	regionAt      time.Time
}

// startable maps the operation writing a resource that can be started to
// whether its count is what a start of it wakes (a scale set's capacity,
// a cluster's nodes, a compute instance's one) rather than one machine (a
// VM: count 1 whatever its write says).
var startable = map[string]bool{
	event.OpVMWrite:       false,
	event.OpScaleSetWrite: true,
	"microsoft.machinelearningservices/workspaces/computes/write": true,
	"microsoft.containerservice/managedclusters/write":            true,
}

// learnStarted keeps what a write of a startable resource named, and the
// id of each resource started.
func (e *Enricher) learnStarted(ev *event.Event) {
	c := ev.Compute
	if c == nil || ev.Outcome == event.OutcomeFailed {
		return
	}
	if event.StartsCompute(ev.Operation) || c.Wakes > 0 && c.Target != "" {
		id := resourceKey(ev.ResourceID)
		ref := startRef{owner: scaleSetOf(id)}
		if c.Wakes > 0 {
			ref = startRef{owner: resourceKey(c.Target), wakes: c.Wakes}
		}
		t := &e.starts
		t.mu.Lock()
		keep(&t.started, id, ref)
		t.mu.Unlock()
		return
	}
	counts, ok := startable[ev.Operation]
	if !ok || c.Target != "" || c.Size == "" && (!counts || c.Count <= 0) {
		return
	}
	id := resourceKey(ev.ResourceID)
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.written[id]
	if c.Size != "" && (!w.sizeOK || later(ev.Time, w.sizeAt, c.Size, w.size)) {
		w.size, w.sizeAt, w.sizeOK = c.Size, ev.Time, true
	}
	if counts && c.Count > 0 && (!w.cntOK || ev.Time.After(w.countAt) || ev.Time.Equal(w.countAt) && c.Count > w.count) {
		w.count, w.countAt, w.cntOK = c.Count, ev.Time, true
	}
	if r := ev.Region; r != "" && r != "global" && (w.region == "" || later(ev.Time, w.regionAt, r, w.region)) {
		w.region, w.regionAt = r, ev.Time
	}
	keep(&t.written, id, w)
}

// later reports whether a value named at t replaces one named at was: the
// latest wins, and of two at the same instant the greater name, so any
// reading order gives the same answer.
func later(t, was time.Time, v, old string) bool {
	return t.After(was) || t.Equal(was) && v > old
}

// lateStart settles a start of the resource id (as LateRequest's setting)
// whose record counted n machines: ok is false when id was never started
// (an autoscale setting, a Batch pool). Otherwise count is n, or, for a
// scale set or cluster started whole (n 0), the count its writes named,
// and size the size they named, "" when the hunt read none. A scale-set
// instance takes its scale set's size. An Azure ML job on a cluster of
// its workspace wakes the machines it asked for, no more than the
// cluster's maximum node count when the hunt read its write, of the
// cluster's size; target is then the cluster, so that an alert prices
// the cluster's machines once, whether its write or the job asked for
// them (incident.ComputeOf keeps a resource's largest count).
func (e *Enricher) lateStart(id string, n int) (count int, target, size string, ok bool) {
	id = resourceKey(id)
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	ref, ok := t.started[id]
	if !ok {
		return 0, "", "", false
	}
	w := t.written[ref.owner]
	if ref.wakes > 0 {
		n = ref.wakes
		if w.cntOK {
			n = min(n, w.count)
		}
		return n, ref.owner, w.size, true
	}
	if n <= 0 && ref.owner == id && w.cntOK {
		n = w.count
	}
	return n, "", w.size, true
}

// startRegion is the region the writes of what a start woke named (a
// scale-set instance's scale set's, a job's cluster's), "" when the hunt
// read none or id is no start. A start's own record names its region in
// a diagnostic setting's export (its top-level location) and not in the
// Activity Log's REST or Log Analytics shapes: from the writes, every
// export gives the same.
func (e *Enricher) startRegion(id string) string {
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	ref, ok := t.started[resourceKey(id)]
	if !ok {
		return ""
	}
	return t.written[ref.owner].region
}

// scaleSetOf is the scale set a scale-set instance's id belongs to
// (".../virtualmachinescalesets/ss/virtualmachines/3"), or id itself.
func scaleSetOf(id string) string {
	const vms = "/virtualmachines/"
	i := strings.LastIndex(id, vms)
	if i < 0 || !strings.Contains(id[:i], "/virtualmachinescalesets/") {
		return id
	}
	return id[:i]
}
