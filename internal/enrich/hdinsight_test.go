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

// TestHDInsightWorkersAfterARestart: a service's process keeps what its
// clusters' writes and resizes asked for with the writes a store keeps
// (Learned), and a new process told them (Know) settles a later resize
// against the latest: 4 → 200 before the restart, 200 → 250 after it adds
// 50. The resize read again after the restart (a window's records) is not
// before itself, though the store keeps its time to the microsecond: it
// counts its 200 whole (the store keeps the latest only), never none.
func TestHDInsightWorkersAfterARestart(t *testing.T) {
	const (
		cluster = "/subscriptions/s1/resourcegroups/rg-data/providers/microsoft.hdinsight/clusters/spark1"
		role    = cluster + "/roles/workernode"
	)
	t0 := time.Date(2026, 3, 14, 2, 30, 0, 123456789, time.UTC) // nanoseconds, as the Activity Log writes
	t1, t2 := t0.Add(48*time.Hour), t0.Add(72*time.Hour)
	apply := func(e *Enricher, at time.Time, op, id string, c event.Compute) {
		e.Apply(&event.Event{Time: at, Operation: op, ResourceID: id, Region: "westeurope",
			Principal: event.Principal{ID: thief}, Outcome: event.OutcomeStarted, Compute: &c})
	}
	resize := func(e *Enricher, at time.Time, n int) {
		apply(e, at, event.OpHDInsightResize, role, event.Compute{Service: "hdinsight", Count: n, Target: cluster})
	}
	before, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	before.ForgetLearned() // a service's cycle: what it learns is noted for the store
	apply(before, t0, event.OpHDInsightWrite, cluster,
		event.Compute{Service: "hdinsight", Size: "Standard_D16_V3", Count: 4, WorkerSize: "Standard_D16_V3", Workers: 4})
	resize(before, t1, 200)
	if n, _, _ := before.LateRequest(role, thief, t1, 200); n != 196 {
		t.Fatalf("before the restart, 4 → 200 adds %d, want 196", n)
	}
	after, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	after.ForgetLearned()
	after.Know(before.Learned())
	resize(after, t1, 200) // read again
	resize(after, t2, 250)
	for _, c := range []struct {
		name  string
		at    time.Time
		asked int
		want  int
	}{
		{"the resize read again", t1, 200, 200},
		{"a later resize", t2, 250, 50},
	} {
		if n, target, size := after.LateRequest(role, thief, c.at, c.asked); n != c.want || target != cluster || size != "Standard_D16_V3" {
			t.Errorf("after the restart, %s: LateRequest = %d %q %q, want %d %q Standard_D16_V3", c.name, n, target, size, c.want, cluster)
		}
	}
}
