package enrich

import (
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// An HDInsight cluster's resize (event.OpHDInsightResize) names the
// workers the cluster is to have and nothing of their size: the cluster's
// write named both (its worker role, event.Compute.WorkerSize and
// Workers), maybe weeks before, maybe later in the input. So the hunt
// learns, per cluster, the worker role's size and the workers each write
// and each resize asked for, and settles a resize at its end
// (LateRequest): a stolen account taking the data team's cluster from 4
// workers to 120 adds 116 machines of the workers' size. With no write of
// the cluster read, the resize adds every worker it asks for, and their
// size is unknown: never fewer machines than it may have made.

// hdinsightService is the service HDInsight's compute counts as
// (event.Compute.Service).
const hdinsightService = "hdinsight"

// A service keeps what its process learned of a cluster's workers across
// cycles, but a restart would forget it, and the first resize after one
// would count every worker it asks for. So the workers each write and
// resize asked for are kept with the writes of startable machines
// (startTable, which a store keeps as start_writes: the latest count by
// event time, and the worker role's size), and a process told them
// (Know) takes the latest as what the cluster had then (seedWorkers).

// learnWorkers keeps with the startable machines' writes what a cluster's
// write (its worker role's size and workers) or resize (its workers)
// asked for, keyed by the cluster.
func (e *Enricher) learnWorkers(ev *event.Event) {
	c := ev.Compute
	if c.NoBody {
		return
	}
	cluster, size, n := resourceKey(ev.ResourceID), c.WorkerSize, c.Workers
	if ev.Operation == event.OpHDInsightResize {
		cluster, size, n = resourceKey(c.Target), "", c.Count
	}
	if cluster == "" || size == "" && n <= 0 {
		return
	}
	at := ev.Time.UnixMicro()
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	key := t.idKey(cluster)
	e.keep(t.merge(key, size, at, n, at, ev.Region))
	e.keep(t.noteFresh(key, cluster))
}

// seedWorkers gives the process's table of what the logs showed on each
// HDInsight cluster the workers a store kept of it (ws, start_writes), as
// seen at the time of the write or resize that asked for them.
func (e *Enricher) seedWorkers(ws []event.StartWrite) {
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range ws {
		id := resourceKey(w.ID)
		if !strings.Contains(id, hdiClusters) {
			continue
		}
		s.learnTarget(id, hdinsightService, w.Region, false)
		if w.Count > 0 {
			keepLatest(&s.seen, id, scaleWrite{at: w.CountAt, n: w.Count}, scaleWrite.when)
		}
		if w.Size != "" {
			if _, ok := s.sizes[id]; !ok {
				e.keep(keep(&s.sizes, id, fact{w.Size, false}))
			}
		}
	}
}

// learnHDInsight keeps what a cluster's write or resize tells of the
// cluster id (the write's resource; the resize's target), the write's
// worker size, and the workers each asked for. The caller holds s.mu.
func (s *scaleTable) learnHDInsight(e *Enricher, ev *event.Event, id string, failed bool) {
	c := ev.Compute
	cluster, workers := id, c.Workers
	if ev.Operation == event.OpHDInsightResize {
		if c.Target == "" {
			return
		}
		cluster, workers = c.Target, c.Count
		keep(&s.targets, id, cluster)
		e.keep(s.touch(cluster, ev.Time))
	} else if c.WorkerSize != "" && !failed {
		e.keep(keep(&s.sizes, cluster, fact{c.WorkerSize, true}))
	}
	s.learnTarget(cluster, hdinsightService, ev.Region, failed)
	// A request's Start: the Accept and Succeeded records name no workers.
	if workers > 0 && !failed && !c.NoBody {
		keepLatest(&s.seen, cluster, scaleWrite{at: ev.Time.Truncate(time.Microsecond), n: workers}, scaleWrite.when)
	}
}

// workersBefore is how many workers the cluster last had, as its writes
// and resizes asked, strictly before at (a resize's own request is at at);
// 0 when the hunt read none. Times are to the microsecond, as a store
// keeps them (seedWorkers): a resize read again after a restart is not
// before itself. The caller holds s.mu.
func (s *scaleTable) workersBefore(cluster string, at time.Time) int {
	w, _ := latest(s.seen[cluster], at.Truncate(time.Microsecond).Add(-time.Nanosecond), scaleWrite.when)
	return w.n
}
