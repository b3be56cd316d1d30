package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/hunt"
)

// An HDInsight cluster's write (four Standard_E16_V3 workers) and, two
// days later, a stolen account's resize of it to 200 workers (the rule
// scenario's records), served by two cycles, of one process or two: the
// resize adds the 196 workers beyond the cluster's four, priced at the
// workers' size, as in one hunt over both. Across a restart the store
// kept both (start_writes).
func TestHDInsightResizeAcrossCycles(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "rules", "azure", "compute", "testdata", "mass_deployment",
		"stolen-account-resizes-the-data-teams-hdinsight-cluster-to-two-hundred-workers-fires", "PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	var write, resize []byte
	for line := range bytes.Lines(raw) {
		if bytes.Contains(line, []byte("/RESIZE/ACTION")) {
			resize = append(resize, line...)
		} else {
			write = append(write, line...)
		}
	}
	if len(write) == 0 || len(resize) == 0 {
		t.Fatal("the test case has no cluster write or no resize")
	}
	massOf := func(t *testing.T, res *Result) *alert.Alert {
		t.Helper()
		for i, a := range res.Fresh {
			if a.Rule == "azure.compute.mass_deployment" {
				return &res.Fresh[i]
			}
		}
		t.Fatalf("no mass_deployment alert among %d", len(res.Fresh))
		return nil
	}
	priced := func(t *testing.T, a *alert.Alert) {
		t.Helper()
		for _, c := range a.Compute {
			if strings.HasSuffix(c.Resource, "/clusters/spark-prod") && c.Size == "Standard_E16_V3" && c.Count == 200 {
				return
			}
		}
		t.Errorf("compute %+v, want the cluster's 200 workers at Standard_E16_V3", a.Compute)
	}
	lives := newProcess(t)() // a process that lives through both cycles
	for _, c := range []struct {
		name    string
		process func() hunt.Config
	}{
		{"one process", func() hunt.Config { return lives }},
		{"two processes", newProcess(t)},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, res := servedTwice(t, write, resize, c.process)
			a := massOf(t, res)
			if !strings.Contains(a.Summary, "adds up to 196 ") {
				t.Errorf("summary %q, want the 196 workers beyond the cluster's four", a.Summary)
			}
			priced(t, a)
		})
	}
}
