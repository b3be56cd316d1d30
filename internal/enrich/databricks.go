package enrich

import (
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// An Azure Databricks cluster's machines are VMs Azure Databricks writes
// into the workspace's managed resource group under its own application:
// in the Activity Log a user's cluster of 40 workers is 41 VM writes by
// AzureDatabricks, tagged with the cluster's id and its Creator. The
// workspace's clusters log names the person who asked for them, and its
// request is counted under that person (service databricks): the VM
// writes of that cluster then count the same machines a second time,
// under the application. The hunt learns both as records are read
// (learnManaged) and, at the end, passes over the VM writes of a cluster
// whose requests it read when those requests count at least as many
// machines as the VMs it saw written for the cluster (Managed). More VMs
// than requested (the cluster grew to its autoscale maximum under load,
// was started again after it stopped) are machines no request read
// counted: they stay the application's acts, as the Activity Log gives
// them, and so does every VM of a cluster whose request the hunt did not
// read (the Activity Log alone): counted once either way, under whoever
// the logs read name.

// maxClusterRecords bounds the requests of one cluster the hunt tells
// apart by their record (two exports of one request count once); past
// it, a request's machines are added uncounted by record.
const maxClusterRecords = 64

// clusterAsk is what a cluster's requests read asked for: each record's
// machines by event (a record's driver and workers may be two events, of
// its one request), and, for records past the bound, their sum.
type clusterAsk struct {
	records map[string][]int // record id (logId) -> machines of each of its events (Loc.Index)
	more    int              // machines of records without an id or past the bound
}

// machines is the sum of what the cluster's requests asked for.
func (a *clusterAsk) machines() int {
	n := a.more
	for _, evs := range a.records {
		for _, m := range evs {
			n += m
		}
	}
	return n
}

// managedTable is what the hunt learned of Azure Databricks clusters: the
// machines their requests asked for, and the VMs Azure Databricks wrote
// for each. Such records are few beside the rest, so one lock will do.
type managedTable struct {
	mu      sync.Mutex
	asked   map[string]*clusterAsk // cluster (event.Compute.Cluster) -> its requests
	vms     map[string]string      // VM resource id, lower case -> its cluster
	written map[string]int         // cluster -> distinct VMs written for it
	// Where clusters' VMs run, and so their workspace (a workspace and
	// its clusters are in one region; its clusters log names none).
	regions    map[string]string // cluster -> its VMs' region
	workspaces map[string]string // cluster -> its workspace's id, lower case
	wsRegions  map[string]string // workspace -> its clusters' VMs' region
	// last is each cluster's latest event time (Unix µs) and newest the
	// latest of all: a service forgets the clusters quiet for a while
	// (forgetQuiet), so that the tables do not fill over the months it
	// runs and refuse every cluster after.
	last   map[string]int64
	newest int64
}

// managedQuiet is how long, in event time before the newest record, a
// service keeps a cluster none of whose records it read: a cluster's
// request and its machines' writes are minutes apart, and a log comes
// at most a day late.
const managedQuiet = 48 * time.Hour

// forgetQuiet drops the clusters whose latest record is older than
// managedQuiet before the newest, with their machines: what a service's
// next cycle no longer needs (ForgetLearned).
func (m *managedTable) forgetQuiet() {
	m.mu.Lock()
	defer m.mu.Unlock()
	forgetQuiet(m.last, m.newest, managedQuiet, func(c string) {
		delete(m.asked, c)
		delete(m.written, c)
		delete(m.regions, c)
		delete(m.workspaces, c)
	})
	for id, c := range m.vms {
		if _, ok := m.last[c]; !ok {
			delete(m.vms, id)
		}
	}
}

// seen notes a record of cluster c at at (Unix µs).
func (m *managedTable) seen(c string, at int64) {
	if m.last == nil {
		m.last = map[string]int64{}
	}
	m.last[c] = max(m.last[c], at)
	m.newest = max(m.newest, at)
}

// learnManaged notes a cluster's request that Databricks took (a refused
// one made no machine) and a VM Azure Databricks wrote for a cluster.
func (e *Enricher) learnManaged(ev *event.Event) {
	c := ev.Compute
	if c == nil || c.Cluster == "" || ev.Outcome == event.OutcomeFailed {
		return
	}
	m := &e.managed
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen(c.Cluster, ev.Time.UnixMicro())
	if c.Service == "databricks" {
		if ws := resourceKey(ev.ResourceID); ws != "" {
			keep(&m.workspaces, c.Cluster, ws)
			if r := m.regions[c.Cluster]; r != "" {
				keep(&m.wsRegions, ws, r)
			}
		}
		a := m.asked[c.Cluster]
		if a == nil {
			if len(m.asked) >= MaxLearned {
				return // not learned: its VMs count, under the application
			}
			a = &clusterAsk{}
			keep(&m.asked, c.Cluster, a)
		}
		evs, ok := a.records[ev.ID]
		switch i := ev.Loc.Index; {
		case ev.ID == "" || i < 0 || i > 8 || !ok && len(a.records) >= maxClusterRecords:
			a.more += c.Count
		default:
			if a.records == nil {
				a.records = map[string][]int{}
			}
			for len(evs) <= i {
				evs = append(evs, 0)
			}
			evs[i] = c.Count // the same record read again (another export) sets, not adds
			a.records[ev.ID] = evs
		}
		return
	}
	id := resourceKey(ev.ResourceID)
	if id == "" {
		return
	}
	if _, ok := m.vms[id]; ok || len(m.vms) >= MaxLearned {
		return // known, or past the bound: not learned, it counts
	}
	keep(&m.vms, id, c.Cluster)
	if m.written == nil {
		m.written = map[string]int{}
	}
	m.written[c.Cluster]++
	if ev.Region != "" && ev.Region != "global" {
		keep(&m.regions, c.Cluster, ev.Region)
		if ws := m.workspaces[c.Cluster]; ws != "" {
			keep(&m.wsRegions, ws, ev.Region)
		}
	}
}

// workspaceRegion is where the VMs Azure Databricks wrote for a
// workspace's clusters run, "" when the hunt read none: the workspace's
// region, which its clusters log does not name (LateRegion asks it when
// the hunt did not read the workspace's write either).
func (e *Enricher) workspaceRegion(workspace string) string {
	m := &e.managed
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.wsRegions[resourceKey(workspace)]
}

// Managed reports, at the end of the hunt, whether the records of the VM
// resourceID are Azure Databricks' writes of a cluster's machines that
// the cluster's requests, read in its workspace's clusters log, count
// already: its hits are then passed over (engine.Engine.Managed).
func (e *Enricher) Managed(resourceID string) bool {
	m := &e.managed
	m.mu.Lock()
	defer m.mu.Unlock()
	cluster, ok := m.vms[resourceKey(resourceID)]
	if !ok {
		return false
	}
	a := m.asked[cluster]
	return a != nil && m.written[cluster] <= a.machines()
}
