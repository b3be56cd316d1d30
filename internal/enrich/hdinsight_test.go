package enrich

import (
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestLateRequestOfAnHDInsightResize: a resize adds the workers it asks
// for beyond those the cluster last had before it (its write's worker
// role, or an earlier resize), at the worker role's size even when
// another role mines best, in whatever order the records are read; a
// resize of a cluster the hunt never read adds all it asks, of no known
// size; its region is the cluster's. A resize's Accept or Succeeded
// record, naming no workers, and a failed write teach nothing; records
// read again count once.
func TestLateRequestOfAnHDInsightResize(t *testing.T) {
	const (
		cluster = "/subscriptions/s1/resourcegroups/rg-data/providers/microsoft.hdinsight/clusters/spark1"
		role    = cluster + "/roles/workernode"
		other   = "/subscriptions/s1/resourcegroups/rg-data/providers/microsoft.hdinsight/clusters/never-read"
	)
	at := time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC)
	for _, order := range []string{"writes first", "resizes first"} {
		e, err := Load(Options{})
		if err != nil {
			t.Fatal(err)
		}
		apply := func(d time.Duration, op, id string, outcome event.Outcome, region string, c event.Compute) {
			e.Apply(&event.Event{Time: at.Add(d), Operation: op, ResourceID: id, Region: region,
				Principal: event.Principal{ID: thief}, Outcome: outcome, Compute: &c})
		}
		write := func() {
			// Head nodes of a GPU size mine best; the workers are D16s.
			apply(-20*24*time.Hour, event.OpHDInsightWrite, cluster, event.OutcomeStarted, "westeurope",
				event.Compute{Service: "hdinsight", Size: "Standard_NC24ads_A100_v4", Count: 2, WorkerSize: "Standard_D16_V3", Workers: 4})
			// A failed write of other workers teaches nothing.
			apply(-10*24*time.Hour, event.OpHDInsightWrite, cluster, event.OutcomeFailed, "westeurope",
				event.Compute{Service: "hdinsight", Size: "Standard_E64_V3", Count: 90, WorkerSize: "Standard_E64_V3", Workers: 90})
		}
		resizes := func() {
			apply(0, event.OpHDInsightResize, role, event.OutcomeStarted, "",
				event.Compute{Service: "hdinsight", Count: 120, Target: cluster})
			apply(time.Minute, event.OpHDInsightResize, role, event.OutcomeSucceeded, "",
				event.Compute{Service: "hdinsight", Target: cluster, NoBody: true})
			apply(time.Hour, event.OpHDInsightResize, role, event.OutcomeStarted, "",
				event.Compute{Service: "hdinsight", Count: 200, Target: cluster})
			apply(0, event.OpHDInsightResize, other+"/roles/workernode", event.OutcomeStarted, "",
				event.Compute{Service: "hdinsight", Count: 30, Target: other})
		}
		// Read eight times over (more than the 16 kept), as a service's cycles read their open
		// windows again: the same records, kept once.
		for range 8 {
			if order == "writes first" {
				write()
				resizes()
			} else {
				resizes()
				write()
			}
		}
		for _, c := range []struct {
			name   string
			id     string
			d      time.Duration
			asked  int
			added  int
			target string
			size   string
		}{
			{"4 workers to 120", role, 0, 120, 116, cluster, "Standard_D16_V3"},
			{"120 to 200 an hour later", role, time.Hour, 200, 80, cluster, "Standard_D16_V3"},
			{"a cluster never read", other + "/roles/workernode", 0, 30, 30, other, ""},
		} {
			n, target, size := e.LateRequest(c.id, thief, at.Add(c.d), c.asked)
			if n != c.added || target != c.target || size != c.size {
				t.Errorf("%s, %s: LateRequest = %d %q %q, want %d %q %q", order, c.name, n, target, size, c.added, c.target, c.size)
			}
		}
		if r := e.LateRegion(role); r != "westeurope" {
			t.Errorf("%s: LateRegion(role) = %q, want the cluster's westeurope", order, r)
		}
	}
}
