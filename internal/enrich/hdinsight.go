package enrich

import (
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
		keepLatest(&s.seen, cluster, scaleWrite{at: ev.Time, n: workers}, scaleWrite.when)
	}
}

// workersBefore is how many workers the cluster last had, as its writes
// and resizes asked, strictly before at (a resize's own request is at at);
// 0 when the hunt read none. The caller holds s.mu.
func (s *scaleTable) workersBefore(cluster string, at time.Time) int {
	w, _ := latest(s.seen[cluster], at.Add(-time.Nanosecond), func(x scaleWrite) time.Time { return x.at })
	return w.n
}
