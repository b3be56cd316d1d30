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
// learns, per cluster, the workers each write and each resize asked for
// (the scale table's seen, by time) and the worker role's size, and
// settles a resize at its end (LateRequest): a stolen account taking the
// data team's cluster from 4 workers to 120 adds 116 machines of the
// workers' size. With no write of the cluster read, the resize adds every
// worker it asks for, and their size is unknown: never fewer machines than
// it may have made.
//
// A service's process keeps seen across cycles, and a restart would
// forget it: the first resize after one would count every worker it asks
// for. So the workers and the worker size also go with the writes of
// startable machines (startTable, which a store keeps as start_writes:
// the latest count by event time, and the size), which is where the size
// is read from, and a process told them (Know) takes the latest count as
// what the cluster had then (seedWorkers).

// isHDInsightCluster reports whether id (resourceKey's form) is an
// HDInsight cluster's.
func isHDInsightCluster(id string) bool { return strings.Contains(id, hdiClusters) }

// learnHDInsight keeps what a cluster's write or resize asked for: the
// resize's cluster (its target, for LateRequest), and the workers and
// worker size each named, at the cluster. The caller holds s.mu.
func (s *scaleTable) learnHDInsight(e *Enricher, ev *event.Event, id string, failed bool) {
	c := ev.Compute
	cluster, size, n := id, c.WorkerSize, c.Workers
	if ev.Operation == event.OpHDInsightResize {
		if c.Target == "" {
			return
		}
		cluster, size, n = resourceKey(c.Target), "", c.Count
		keep(&s.targets, id, cluster)
		e.keep(s.touch(cluster, ev.Time))
	}
	// A request's Start: the Accept and Succeeded records name none.
	if failed || c.NoBody || size == "" && n <= 0 {
		return
	}
	// To the microsecond, as a store keeps times (seedWorkers): a resize
	// read again after a restart is then not before itself.
	at := ev.Time.Truncate(time.Microsecond)
	if n > 0 {
		keepLatest(&s.seen, cluster, scaleWrite{at: at, n: n}, scaleWrite.when)
	}
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	key := t.idKey(cluster)
	e.keep(t.merge(key, size, at.UnixMicro(), n, at.UnixMicro(), ev.Region))
	e.keep(t.noteFresh(key, cluster))
}

// workersBefore is how many workers the cluster last had, as its writes
// and resizes asked, strictly before at's microsecond (a resize's own
// request is at at); 0 when the hunt read none. The caller holds s.mu.
func (s *scaleTable) workersBefore(cluster string, at time.Time) int {
	w, _ := latest(s.seen[cluster], at.Truncate(time.Microsecond).Add(-time.Nanosecond), scaleWrite.when)
	return w.n
}

// workerSize is the worker size the cluster's writes named, "" when the
// hunt read none and was told none; asked for, a store keeps it as long
// again.
func (e *Enricher) workerSize(cluster string) string {
	t := &e.starts
	t.mu.Lock()
	defer t.mu.Unlock()
	key := t.idKey(cluster)
	w, ok := t.written.Get(key)
	if !ok {
		return ""
	}
	e.keep(t.noteFresh(key, cluster))
	return t.name(w.size)
}

// seedWorkers gives the scale table the workers a store kept of each
// HDInsight cluster (ws, start_writes), as seen at the time of the write
// or resize that asked for them.
func (e *Enricher) seedWorkers(ws []event.StartWrite) {
	s := &e.scale
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range ws {
		if id := resourceKey(w.ID); isHDInsightCluster(id) && w.Count > 0 {
			keepLatest(&s.seen, id, scaleWrite{at: w.CountAt, n: w.Count}, scaleWrite.when)
		}
	}
}
