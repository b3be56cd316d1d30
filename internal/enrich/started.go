package enrich

import (
	"hash/maphash"
	"strings"
	"sync"
	"unique"

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
// started from. A large tenant's writes fill it to its bound (MaxLearned
// ids) over some gigabytes of Activity Log, so it holds no id: each is a
// hash of the id in lower case (idKey), with a seed of this hunt's that
// no log writer knows, and sizes and regions are shared names. The
// table at its bound takes about 6 MB rather than 50 (the memory
// benchmark over 10 GiB, docs/performance.md).
type startTable struct {
	mu   sync.Mutex
	seed maphash.Seed // made on first use
	// written is the size and count the writes of a resource named, each
	// the latest in event time, so the answer does not depend on the
	// order records are read in.
	written map[uint64]startWrite
	// started are the resources started, each with the key of what its
	// writes are (a scale-set instance's scale set, else itself), and
	// jobs the Azure ML jobs that wake a cluster: so that LateRequest
	// tells a start from an autoscale setting or a Batch pool.
	started map[uint64]uint64
	jobs    map[uint64]jobRef
}

// idKey is the key of resource id (resourceKey's form) in the table.
func (t *startTable) idKey(id string) uint64 {
	if t.seed == (maphash.Seed{}) {
		t.seed = maphash.MakeSeed()
	}
	return maphash.String(t.seed, id)
}

// jobRef is what an Azure ML job woke: its cluster, by key and id, and
// the machines it asked the cluster for.
type jobRef struct {
	cluster uint64
	target  string
	wakes   int
}

// startWrite is what a resource's writes said it holds, and where; its
// times are Unix microseconds (µs apart is as far as order matters here).
type startWrite struct {
	size          unique.Handle[string]
	sizeAt        int64
	count         int
	countAt       int64
	sizeOK, cntOK bool
	region        unique.Handle[string] // the latest write's (later, as size)
	regionAt      int64
}

// name is h's string, "" for the zero handle (none named).
func name(h unique.Handle[string]) string {
	if h == (unique.Handle[string]{}) {
		return ""
	}
	return h.Value()
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
		t := &e.starts
		t.mu.Lock()
		defer t.mu.Unlock()
		if c.Wakes > 0 {
			target := resourceKey(c.Target)
			keep(&t.jobs, t.idKey(id), jobRef{cluster: t.idKey(target), target: target, wakes: c.Wakes})
			return
		}
		keep(&t.started, t.idKey(id), t.idKey(scaleSetOf(id)))
		return
	}
	counts, ok := startable[ev.Operation]
	if !ok || c.Target != "" || c.Size == "" && (!counts || c.Count <= 0) {
		return
	}
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	id := t.idKey(resourceKey(ev.ResourceID))
	w := t.written[id]
	at := ev.Time.UnixMicro()
	if c.Size != "" && (!w.sizeOK || later(at, w.sizeAt, c.Size, name(w.size))) {
		w.size, w.sizeAt, w.sizeOK = unique.Make(c.Size), at, true
	}
	if counts && c.Count > 0 && (!w.cntOK || at > w.countAt || at == w.countAt && c.Count > w.count) {
		w.count, w.countAt, w.cntOK = c.Count, at, true
	}
	if r := ev.Region; r != "" && r != "global" && (w.region == unique.Handle[string]{} || later(at, w.regionAt, r, name(w.region))) {
		w.region, w.regionAt = unique.Make(r), at
	}
	keep(&t.written, id, w)
}

// later reports whether a value named at t replaces one named at was: the
// latest wins, and of two at the same instant the greater name, so any
// reading order gives the same answer.
func later(t, was int64, v, old string) bool {
	return t > was || t == was && v > old
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
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	key := t.idKey(resourceKey(id))
	if j, ok := t.jobs[key]; ok {
		w := t.written[j.cluster]
		n = j.wakes
		if w.cntOK {
			n = min(n, w.count)
		}
		return n, j.target, name(w.size), true
	}
	owner, ok := t.started[key]
	if !ok {
		return 0, "", "", false
	}
	w := t.written[owner]
	if n <= 0 && owner == key && w.cntOK {
		n = w.count
	}
	return n, "", name(w.size), true
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
	key := t.idKey(resourceKey(id))
	if j, ok := t.jobs[key]; ok {
		return name(t.written[j.cluster].region)
	}
	if owner, ok := t.started[key]; ok {
		return name(t.written[owner].region)
	}
	return ""
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
