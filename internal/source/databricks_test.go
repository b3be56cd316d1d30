package source

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// An Azure Databricks workspace's clusters log through the whole
// container layer, in every export a user holds: the storage account's
// PT1H.json (JSON lines), an Event Hub message ({"records":[…]}), a Log
// Analytics JSON export and the portal's CSV of the same rows (" [UTC]"
// headers, its own time format, JSON in cells, a byte-order mark). Each
// gives the same events, of kind databricks.
func TestDatabricksClustersExports(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("databricks", "testdata")
	names := []string{"insights-logs-clusters-PT1H.json", "eventhub-clusters.json", "DatabricksClusters.json", "DatabricksClusters.csv"}
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	in, err := Expand(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, st := read(t, in, DefaultLimits())
	if len(r.errs) != 0 {
		t.Fatalf("errors: %v", r.errs)
	}
	byFile := map[string][]string{}
	for _, ev := range r.events {
		if ev.Kind != event.KindDatabricks || event.KindOfShape(ev.Shape) != event.KindDatabricks {
			t.Errorf("event of kind %v, shape %s", ev.Kind, ev.Shape)
		}
		c := "-"
		if ev.Compute != nil {
			c = fmt.Sprintf("%s×%d", ev.Compute.Size, ev.Compute.Count)
		}
		f := filepath.Base(ev.Loc.File)
		byFile[f] = append(byFile[f], fmt.Sprintf("%s|%s|%s|%s|%d|%s", ev.Time.Format("15:04:05.000"), ev.ID, ev.Operation, ev.Principal.ID, ev.Loc.Index, c))
	}
	for _, s := range st {
		if s.Skipped != 0 || len(s.Ignored) != 0 {
			t.Errorf("%s: %d skipped, ignored %v", s.File, s.Skipped, s.Ignored)
		}
	}
	for f := range byFile {
		slices.Sort(byFile[f])
	}
	blob := byFile[names[0]]
	if len(blob) != 8 { // seven records, the first create's driver and workers apart
		t.Fatalf("the blob gave %d events: %v", len(blob), blob)
	}
	if hub := byFile[names[1]]; !slices.Equal(hub, blob[:len(hub)]) || len(hub) != 5 {
		t.Errorf("Event Hub:\n%v\nblob:\n%v", hub, blob)
	}
	for _, n := range names[2:] {
		if !slices.Equal(byFile[n], blob) {
			t.Errorf("%s:\n%v\nblob:\n%v", n, byFile[n], blob)
		}
	}
}

// A bad line of the blob is reported with its file and line; the lines
// around it are read.
func TestDatabricksBadLineNamed(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("databricks", "testdata", "insights-logs-clusters-PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.SplitAfter(string(b), "\n")
	bad := strings.Replace(ls[2], `"time":"2026-11-23T02:40:12.0040000Z"`, `"time":"the twenty-third"`, 1)
	in := strings.Join([]string{ls[0], ls[1], bad, ls[3]}, "")
	r, st := read(t, []Input{BytesInput("PT1H.json", []byte(in))}, DefaultLimits())
	if len(r.errs) != 1 || r.errs[0].Line != 3 || !strings.Contains(r.errs[0].Error(), `PT1H.json:3: databricks: bad time "the twenty-third"`) {
		t.Fatalf("errors %v: want one naming PT1H.json:3 and the bad time", r.errs)
	}
	if st[0].Skipped != 1 || st[0].Records != 4 || len(r.events) != 4 { // the create's two, createResult, the resize
		t.Errorf("%d records, %d skipped, %d events", st[0].Records, st[0].Skipped, len(r.events))
	}
}
