package source

import (
	"os"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// A Batch account's service log through the whole container layer: the
// storage blob's JSON lines, an Event Hub message's records and a
// workspace's AzureDiagnostics rows (JSON and the portal's CSV) each give
// the pool's create and the two resizes that add nodes, read as the
// Activity Log's pool writes; the log's other events (a resize's
// completion, a task's start, a scale-in) are counted as ignored or read
// with no event, never as records that could not be read.
func TestBatchServiceLogExports(t *testing.T) {
	t.Parallel()
	dir := "batchservice/testdata/"
	in, err := Expand([]string{dir + "PT1H.json", dir + "eventhub-message.json", dir + "azurediagnostics.json", dir + "azurediagnostics.csv"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, st := read(t, in, DefaultLimits())
	if len(r.errs) != 0 {
		t.Fatalf("errors: %v", r.errs)
	}
	perFile := map[string]int{}
	for _, ev := range r.events {
		if ev.Kind != event.KindActivity || event.KindOfShape(ev.Shape) != event.KindActivity || ev.Compute == nil ||
			ev.Operation != "microsoft.batch/batchaccounts/pools/write" || !strings.HasPrefix(ev.Shape, "batch.") {
			t.Errorf("%s: event %+v", ev.Loc.File, ev)
		}
		perFile[ev.Loc.File]++
	}
	for i, s := range st {
		if s.Records != 6 || s.Skipped != 0 || perFile[in[i].Name] != 3 {
			t.Errorf("%s: %d records, %d skipped, %d events, shapes %v, ignored %v; want 6 records and 3 events", in[i].Name, s.Records, s.Skipped, perFile[in[i].Name], s.Shapes, s.Ignored)
		}
		ignored := s.Ignored["ServiceLog"] + s.Ignored["AzureDiagnostics"]
		if ignored != 2 {
			t.Errorf("%s: ignored %v; want the resize completion and the task start", in[i].Name, s.Ignored)
		}
	}
}

// A cut line of the blob is reported with its file and line; the lines
// around it are read.
func TestBatchServiceLogBadLine(t *testing.T) {
	t.Parallel()
	const acct = `"resourceId":"/SUBSCRIPTIONS/7C2E9A41-5B3D-4F18-9E6A-2D8B1C4F0A37/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.BATCH/BATCHACCOUNTS/B/","category":"ServiceLog"`
	blob := `{"time":"2026-03-14T02:11:07Z",` + acct + `,"operationName":"PoolCreateEvent","properties":{"id":"p1","vmSize":"Standard_NC6s_v3","targetDedicatedNodes":4}}` + "\n" +
		`{"time":"2026-03-14T02:11:08Z",` + acct + `,"operationName":"PoolResizeStartEvent","properties":{"currentDedicatedNodes":0,"targetDedicatedNodes":4}}` + "\n" +
		`{"time":"2026-03-14T02:11:09Z",` + acct + `,"operationName":"PoolResizeStartEvent","properties":{"id":"p1","currentDedicatedNodes":0,"targetDedicatedNodes":4}}` + "\n"
	r, st := readBytes(t, []byte(blob))
	if len(r.events) != 2 || st.Skipped != 1 || len(r.errs) != 1 {
		t.Fatalf("%d events, %d skipped, errors %v", len(r.events), st.Skipped, r.errs)
	}
	if got := r.errs[0].Error(); got != "in.json:2: batch pool event without the pool's id" {
		t.Errorf("error %q", got)
	}
}

// An Event Hub message on one line (a capture's JSON lines), whose
// records the worker reads one by one from the line, gives the blob's
// events: no Activity Log reader takes them for its own.
func TestBatchServiceLogEnvelopeLine(t *testing.T) {
	t.Parallel()
	in, err := Expand([]string{"batchservice/testdata/PT1H.json"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := read(t, in, DefaultLimits())
	recs := strings.Split(strings.TrimSpace(string(mustRead(t, "batchservice/testdata/PT1H.json"))), "\n")
	line := `{"records":[` + strings.Join(recs, ",") + `]}` + "\n"
	r, st := readBytes(t, []byte(line+line))
	if len(r.errs) != 0 || st.Skipped != 0 || len(r.events) != 2*len(blob.events) || len(blob.events) != 3 {
		t.Fatalf("%d events (blob %d), skipped %d, errors %v, shapes %v", len(r.events), len(blob.events), st.Skipped, r.errs, st.Shapes)
	}
	for _, ev := range r.events {
		if ev.Shape != "batch.diagnostic" || ev.Compute == nil || ev.Compute.Target != ev.ResourceID {
			t.Errorf("event %+v", ev)
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
