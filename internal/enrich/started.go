package enrich

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hashtab"
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
// no log writer knows, in flat tables (hashtab); sizes and regions are
// numbers of names. At its bound it takes about 3.5 MB (the memory
// benchmark over 10 GiB, docs/performance.md).
type startTable struct {
	mu   sync.Mutex
	seed maphash.Seed // made on first use
	// written is the size and count the writes of a resource named, each
	// the latest in event time, and its region (learnStarted), so the
	// answer does not depend on the order records are read in.
	written hashtab.Table[startWrite]
	// started are the resources started (the writes that size them are
	// a scale-set instance's scale set's, else their own: owner), and
	// jobs the Azure ML jobs that wake a cluster: so that LateRequest
	// tells a start from an autoscale setting or a Batch pool.
	started hashtab.Table[struct{}]
	jobs    map[uint64]jobRef
	// names are the sizes and regions named, startWrite's size and region
	// less one; a name past the last number is not learned.
	names  []string
	number map[string]uint16
	// fresh are the ids of the resources whose writes this cycle of a
	// service read or whose writes sized a start, by key: what Learned
	// gives a store to keep (at most MaxLearned). Only a service's
	// Enricher notes them (forStore, set by ForgetLearned, which begins
	// each cycle): one hunt over files keeps no ids.
	fresh    map[uint64]string
	forStore bool
}

// idKey is the key of resource id (resourceKey's form) in the table.
func (t *startTable) idKey(id string) uint64 {
	if t.seed == (maphash.Seed{}) {
		t.seed = maphash.MakeSeed()
		t.written.Max, t.started.Max = MaxLearned, MaxLearned
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

// startWrite is what a resource's writes said it holds, and where: 24
// bytes. Its times are Unix microseconds (µs apart is as far as order
// matters here); size and region are numbers of startTable.names, 0 when
// none was named, and count 0 when none was.
type startWrite struct {
	sizeAt, countAt int64
	count           uint32
	size, region    uint16
}

// name is the name numbered n, "" for 0 (none named).
func (t *startTable) name(n uint16) string {
	if n == 0 {
		return ""
	}
	return t.names[n-1]
}

// numberOf is the number of name, made on first use; 0 when every
// number is taken (a log of endless made-up sizes).
func (t *startTable) numberOf(name string) uint16 {
	if n, ok := t.number[name]; ok {
		return n
	}
	if len(t.names) == math.MaxUint16 {
		return 0
	}
	if t.number == nil {
		t.number = map[string]uint16{}
	}
	t.names = append(t.names, strings.Clone(name))
	n := uint16(len(t.names))
	t.number[t.names[n-1]] = n
	return n
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
			e.keep(keep(&t.jobs, t.idKey(id), jobRef{cluster: t.idKey(target), target: target, wakes: c.Wakes}))
			return
		}
		e.keep(t.started.Put(t.idKey(id), struct{}{}))
		return
	}
	counts, ok := startable[ev.Operation]
	if !ok || c.Target != "" || c.Size == "" && (!counts || c.Count <= 0) {
		return
	}
	count := 0
	if counts {
		count = c.Count
	}
	at := ev.Time.UnixMicro()
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	rk := resourceKey(ev.ResourceID)
	id := t.idKey(rk)
	e.keep(t.merge(id, c.Size, at, count, at, ev.Region))
	e.keep(t.noteFresh(id, rk))
}

// merge adds to the table what a write of the resource keyed id named:
// a size (at sizeAt), a count (at countAt; 0 for none) and a region. Of
// two sizes or counts the later is kept, and of two at the same instant
// the greater, so that any reading order gives the same table. It is
// false when the table was full and forgot its older half to make room.
func (t *startTable) merge(id uint64, size string, sizeAt int64, count int, countAt int64, region string) bool {
	w, _ := t.written.Get(id)
	if size != "" && (w.size == 0 || later(sizeAt, w.sizeAt, size, t.name(w.size))) {
		if n := t.numberOf(size); n != 0 {
			w.size, w.sizeAt = n, sizeAt
		}
	}
	if n := uint32(min(count, math.MaxUint32)); n > 0 && (w.count == 0 || countAt > w.countAt || countAt == w.countAt && n > w.count) {
		w.count, w.countAt = n, countAt
	}
	// A resource keeps the region it was made in (Azure moves none), so
	// its writes name one; of two, the greater is kept, which any
	// reading order gives.
	if region != "" && region != "global" && region > t.name(w.region) {
		if n := t.numberOf(region); n != 0 {
			w.region = n
		}
	}
	if !t.written.Put(id, w) {
		t.forgetOlderWrites()
		t.written.Put(id, w)
		return false
	}
	return true
}

// noteFresh notes that the writes of the resource id (resourceKey's
// form), keyed key, were read or used: false when the fresh table is full
// and it was not noted.
func (t *startTable) noteFresh(key uint64, id string) bool {
	if !t.forStore {
		return true
	}
	if _, ok := t.fresh[key]; ok {
		return true
	}
	if len(t.fresh) >= MaxLearned {
		return false
	}
	if t.fresh == nil {
		t.fresh = map[uint64]string{}
	}
	t.fresh[key] = strings.Clone(id)
	return true
}

// forgetOlderWrites makes room in a full table of writes: it drops the
// older half, by the latest time each resource's writes named. A service
// runs for months and learns more resources than the bound; it needs the
// recent ones (refusing every new resource, it would have sized no start
// of a machine made after the table filled). A hunt over files keeps, of
// more than it can hold, the latest in event time.
func (t *startTable) forgetOlderWrites() {
	latest := func(w startWrite) int64 { return max(w.sizeAt, w.countAt) }
	times := make([]int64, 0, t.written.Len())
	for _, w := range t.written.All() {
		times = append(times, latest(w))
	}
	slices.Sort(times)
	cut := times[len(times)/2]
	t.written.Keep(func(_ uint64, w startWrite) bool { return latest(w) > cut })
}

// forgetStarts drops the starts and jobs learned: a hunt settles its own
// (LateRequest), so a service's next cycle needs none of them, and its
// table would otherwise fill over the months it runs. It begins a
// service's cycle: from then on the table notes what a store keeps.
func (t *startTable) forgetStarts() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.started, t.jobs, t.fresh = hashtab.Table[struct{}]{Max: MaxLearned}, nil, nil
	t.forStore = true
}

// learned returns the writes of the fresh resources (their ids noted by
// noteFresh), as a store keeps them.
func (t *startTable) learned() []event.StartWrite {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]event.StartWrite, 0, len(t.fresh))
	for key, id := range t.fresh {
		w, ok := t.written.Get(key)
		if !ok { // forgotten since (forgetOlderWrites)
			continue
		}
		sw := event.StartWrite{ID: id, Size: t.name(w.size), Region: t.name(w.region), Count: int(w.count)}
		if w.size != 0 {
			sw.SizeAt = time.UnixMicro(w.sizeAt).UTC()
		}
		if w.count != 0 {
			sw.CountAt = time.UnixMicro(w.countAt).UTC()
		}
		out = append(out, sw)
	}
	return out
}

// know adds what a store kept of resources' writes; what this hunt read
// itself is merged with it as any two writes are.
func (t *startTable) know(ws []event.StartWrite) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, w := range ws {
		if id := resourceKey(w.ID); id != "" {
			t.merge(t.idKey(id), w.Size, w.SizeAt.UnixMicro(), w.Count, w.CountAt.UnixMicro(), w.Region)
		}
	}
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
	rk := resourceKey(id)
	key := t.idKey(rk)
	if j, ok := t.jobs[key]; ok {
		w, found := t.written.Get(j.cluster)
		if found {
			e.keep(t.noteFresh(j.cluster, j.target))
		}
		n = j.wakes
		if w.count > 0 {
			n = min(n, int(w.count))
		}
		return n, j.target, t.name(w.size), true
	}
	if _, ok := t.started.Get(key); !ok {
		return 0, "", "", false
	}
	ownerID, owner := t.owner(rk, key)
	w, found := t.written.Get(owner)
	if found {
		e.keep(t.noteFresh(owner, ownerID))
	}
	if n <= 0 && owner == key && w.count > 0 {
		n = int(w.count)
	}
	return n, "", t.name(w.size), true
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
	rk := resourceKey(id)
	key := t.idKey(rk)
	var owner uint64
	if j, ok := t.jobs[key]; ok {
		owner = j.cluster
	} else if _, ok := t.started.Get(key); ok {
		_, owner = t.owner(rk, key)
	} else {
		return ""
	}
	w, _ := t.written.Get(owner)
	return t.name(w.region)
}

// owner is what the writes sizing a start of the resource id
// (resourceKey's form), whose key is key, are of, by id and key: its
// scale set for a scale-set instance, else itself.
func (t *startTable) owner(id string, key uint64) (string, uint64) {
	if set := scaleSetOf(id); set != id {
		return set, t.idKey(set)
	}
	return id, key
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
