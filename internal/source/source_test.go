package source

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/slab"
)

// activity returns a diagnostic-settings Activity Log record, one line.
func activity(i int) string {
	return fmt.Sprintf(`{"time":"2026-03-01T10:%02d:00.1234567Z","resourceId":"/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM%d","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.Created","callerIpAddress":"203.0.113.%d","correlationId":"c-%d","identity":{"claims":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"oid-%d","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"user%d@contoso.example"}},"level":"Information","properties":{"eventCategory":"Administrative"}}`, i%60, i, i%250+1, i, i, i)
}

// result collects what a read produced.
type result struct {
	mu     sync.Mutex
	events []event.Event
	errs   []*ParseError
}

func read(t *testing.T, inputs []Input, lim Limits) (*result, []*FileStats) {
	t.Helper()
	r := &result{}
	opt := Options{Limits: lim, Workers: 2, OnError: func(e *ParseError) {
		r.mu.Lock()
		r.errs = append(r.errs, e)
		r.mu.Unlock()
	}}
	st := Read(context.Background(), inputs, opt, func(_ int, ev *event.Event) {
		r.mu.Lock()
		e := *ev
		e.Raw = nil
		if f := ev.Flow; f != nil { // the reader's memory, reused by its next flow record
			c := *f
			e.Flow = &c
		}
		r.events = append(r.events, e)
		r.mu.Unlock()
	})
	return r, st
}

func readBytes(t *testing.T, b []byte) (*result, *FileStats) {
	t.Helper()
	r, st := read(t, []Input{BytesInput("in.json", b)}, DefaultLimits())
	return r, st[0]
}

func lines(n int, sep string) []byte {
	var b strings.Builder
	for i := range n {
		b.WriteString(activity(i))
		b.WriteString(sep)
	}
	return []byte(b.String())
}

func TestContainers(t *testing.T) {
	t.Parallel()
	recs := []string{activity(1), activity(2), activity(3)}
	joined := strings.Join(recs, ",")
	cases := []struct {
		name      string
		in        string
		container string
		events    int // 0: all three records
	}{
		{"JSON lines", strings.Join(recs, "\n") + "\n", "json-lines", 0},
		{"JSON lines with CRLF and a byte-order mark", "\ufeff" + strings.Join(recs, "\r\n") + "\r\n", "json-lines", 0},
		{"JSON lines without a final newline, blank lines between", recs[0] + "\n\n" + recs[1] + "\n   \n" + recs[2], "json-lines", 0},
		{"records envelope on one line (Event Hub message)", `{"records":[` + joined + `]}`, "json-lines", 0},
		{"records envelope per line", `{"records":[` + recs[0] + `,` + recs[1] + `]}` + "\n" + `{"records":[` + recs[2] + `]}` + "\n", "json-lines", 0},
		{"pretty records envelope", "{\n  \"records\": [\n" + strings.Join(recs, ",\n") + "\n  ]\n}\n", "json-document", 0},
		{"REST list with nextLink after value", "{\n \"value\": [\n" + joined + "\n ],\n \"nextLink\": \"https://example/next\"\n}", "json-document", 0},
		{"REST spec example wrapper", "{\n \"parameters\": {\"x\": 1},\n \"responses\": {\"200\": {\"body\": {\"value\": [" + joined + "]}}}\n}", "json-document", 0},
		{"JSON array (az monitor activity-log list)", "[\n" + strings.Join(recs, ",\n") + "\n]\n", "json-document", 0},
		{"array of Event Hub messages", "[\n{\"records\":[" + recs[0] + "]},\n{\"records\":[" + recs[1] + "," + recs[2] + "]}\n]", "json-document", 0},
		{"pretty array of one record", "[\n" + recs[0] + "\n]\n", "json-document", 1},
		{"REST list of one record", "{\"value\": [\n" + recs[0] + "\n]}\n", "json-document", 1},
		{"pretty single records", strings.ReplaceAll(recs[0], `,"`, ",\n\"") + "\n" + strings.ReplaceAll(recs[1], `,"`, ",\n\"") + "\n" + recs[2], "json-document", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, st := readBytes(t, []byte(c.in))
			if st.Container != c.container {
				t.Errorf("container = %q, want %q", st.Container, c.container)
			}
			if len(r.errs) > 0 {
				t.Fatalf("errors: %v", r.errs)
			}
			want := int64(c.events)
			if want == 0 {
				want = 3
			}
			if int64(len(r.events)) != want || st.Records != want || st.Shapes["activity.diagnostic"] != want {
				t.Fatalf("events = %d, records = %d, shapes = %v; want %d activity.diagnostic", len(r.events), st.Records, st.Shapes, want)
			}
			for _, ev := range r.events {
				if ev.Operation != "microsoft.compute/virtualmachines/write" || ev.Time.IsZero() {
					t.Errorf("event not decoded: %+v", ev)
				}
			}
		})
	}
}

func TestLineNumbersOfRecords(t *testing.T) {
	t.Parallel()
	in := "{\n \"records\": [\n" + activity(1) + ",\n\n" + activity(2) + "\n ]\n}\n"
	r, _ := readBytes(t, []byte(in))
	got := map[int]bool{}
	for _, ev := range r.events {
		got[ev.Loc.Line] = true
	}
	if !got[3] || !got[5] {
		t.Errorf("lines = %v, want records at lines 3 and 5", got)
	}
}

func TestBadInputIsReportedAndTheRestIsRead(t *testing.T) {
	t.Parallel()
	good := func(i int) string { return activity(i) + "\n" }
	cases := []struct {
		name       string
		in         string
		wantEvents int
		wantSkip   int64
		wantLine   int    // line of the first error, 0 = any
		wantReason string // substring of the first error
	}{
		{"invalid JSON in the middle", good(1) + `{"time": "2026-03-01T00:00:00Z", "operationName": tru}` + "\n" + good(2), 2, 1, 2, "invalid JSON"},
		{"partly written last line", good(1) + good(2) + activity(3)[:200], 2, 1, 3, "partly written last line"},
		{"truncated line in the middle", good(1) + activity(2)[:150] + "\n" + good(3), 2, 1, 2, "invalid JSON"},
		{"binary garbage", "\x00\x01\x02\xff\xfe\x00garbage\x00\x00\x00\x10", 0, 1, 0, "binary"},
		{"wrong top-level type in a line", good(1) + "42\n" + `"a string"` + "\n" + good(2), 2, 2, 2, "not a log record"},
		{"record without a time", good(1) + `{"operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","category":"Administrative","resourceId":"/subscriptions/x","resultType":"Success"}` + "\n", 1, 1, 2, "time"},
		{"unrecognised record", good(1) + `{"hello":"world","n":1}` + "\n", 1, 1, 2, "unrecognised record"},
		{"document cut short", "{\n \"records\": [\n" + activity(1) + ",\n" + activity(2)[:100], 1, 1, 0, "truncated"},
		// A file whose first lines are broken records, not a document's
		// opening, is still JSON lines: the lines after them are read.
		{"first two lines broken", activity(1)[:150] + "\n" + activity(2)[:150] + "\n" + good(3) + good(4), 2, 2, 1, "invalid JSON"},
		{"document broken in its structure", "{\n \"records\": [\n" + activity(1) + ",\n" + activity(2) + "\n }\n", 2, 1, 5, "invalid JSON, rest of file not read"},
		// A line holding a list of records loses only its bad record, as
		// a pretty-printed envelope does, not the records beside it.
		{"one bad record in an envelope line", `{"records":[` + activity(1) + `,{"time": "2026-03-01T00:00:00Z", "operationName": tru},` + activity(3) + "]}\n" + good(4), 3, 1, 1, "invalid JSON in record 2 of the line"},
		{"one bad record in a page line", `{"value":[` + activity(1) + `,{"time":tru},` + activity(3) + "]}\n" + good(4), 3, 1, 1, "record 2"},
		{"one bad record in an array line", "[" + activity(1) + `,{"time":nul}` + "]\n" + good(2), 2, 1, 1, "record 2"},
		{"envelope line cut short at the end", good(1) + `{"records":[` + activity(2) + "," + activity(3) + "," + activity(4)[:100], 3, 1, 2, "partly written last line"},
		{"envelope line broken after its records", `{"records":[` + activity(1) + "," + activity(2) + "]} x\n" + good(3), 3, 1, 1, "after record 2 of the line"},
		{"bad member beside an envelope's records", `{"records":[` + activity(1) + `],"x":tru}` + "\n" + good(2), 2, 1, 1, "after record 1 of the line"},
		{"bad value beside an envelope's records", `{"records":[` + activity(1) + `],"x":[1,]}` + "\n" + good(2), 2, 1, 1, "outside the line's records (1 record, read)"},
		{"envelope line of one record cut short at the end", good(1) + `{"records":[` + activity(2) + "," + activity(3)[:100], 2, 1, 2, "line ends early after 1 record ("},
		// The reason of a record nested too deep is said, not 200
		// characters of "cannot parse array value: cannot parse array".
		{"record nested too deep", good(1) + `{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}\n" + good(2), 2, 1, 2, "too big depth for the nested JSON"},
		{"control characters survive as data", strings.Replace(good(1), "VM1", `VM\u001b[31m\u0007`, 1), 1, 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, st := readBytes(t, []byte(c.in))
			if len(r.events) != c.wantEvents {
				t.Errorf("events = %d, want %d", len(r.events), c.wantEvents)
			}
			if st.Skipped != c.wantSkip {
				t.Errorf("skipped = %d, want %d (errors %v)", st.Skipped, c.wantSkip, r.errs)
			}
			if c.wantSkip == 0 {
				return
			}
			if len(r.errs) == 0 {
				t.Fatal("no error reported")
			}
			e := r.errs[0]
			if e.File != "in.json" {
				t.Errorf("error file = %q", e.File)
			}
			if c.wantLine > 0 && e.Line != c.wantLine {
				t.Errorf("error line = %d, want %d (%v)", e.Line, c.wantLine, e)
			}
			if !strings.Contains(e.Error(), c.wantReason) {
				t.Errorf("error %q does not say %q", e.Error(), c.wantReason)
			}
			if strings.Count(e.Error(), "in.json") != 1 {
				t.Errorf("error %q names its file other than once", e.Error())
			}
			for reason := range st.Reasons {
				if strings.Contains(reason, "in.json") {
					t.Errorf("reasons %v: the file name is not a reason", st.Reasons)
				}
			}
		})
	}
}

// TestSkipMessagesQuoteNoRecordContent: a skipped record's message goes
// to standard error (and, under serve, to the service's journal), so it
// names the fault, never the record's other values: those carry command
// lines with their passwords, connection strings and SAS tokens.
func TestSkipMessagesQuoteNoRecordContent(t *testing.T) {
	t.Parallel()
	const secret = "Zx9~Q8s.dG3kP2vR7tLm-client-secret"
	proc := func(at, cmd string) string {
		return `{"Timestamp":"` + at + `","DeviceName":"gpu-vm-07","ActionType":"ProcessCreated","AccountName":"azureuser",` +
			`"FileName":"az","ProcessCommandLine":"` + cmd + `"}`
	}
	login := "az login --service-principal -u 3f2a9c1e-7b44-4d0e-9a61-2c8d5e7f1b03 --tenant contoso.example -p " + secret
	next := proc("2026-03-14T02:42:00Z", "nvidia-smi -q") + "\n" // a good line after the bad one
	cases := []struct{ name, in, says string }{
		// A writer cut short after the command line, then the next record
		// appended on its line (joined reads that one).
		{"a record cut short before the next on its line", strings.TrimSuffix(proc("2026-03-14T02:41:00Z", login), `"}`) + proc("2026-03-14T02:40:00Z", "nvidia-smi") + "\n" + next, "record cut short"},
		// A hand-rolled exporter's bare boolean before the command line.
		{"a bare word for a value", strings.Replace(proc("2026-03-14T02:41:00Z", login), `"AccountName":"azureuser"`, `"IsElevated": f`, 1) + "\n" + next, "invalid JSON"},
		{"a truncated literal for a value", strings.Replace(proc("2026-03-14T02:41:00Z", login), `"AccountName":"azureuser"`, `"IsElevated": tru`, 1) + "\n" + next, "invalid JSON"},
		{"a bare word, then the next record on its line", strings.Replace(proc("2026-03-14T02:41:00Z", login), `"AccountName":"azureuser"`, `"IsElevated": f`, 1) + proc("2026-03-14T02:40:00Z", "nvidia-smi") + "\n" + next, "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, st := readBytes(t, []byte(c.in))
			if st.Skipped != 1 || len(r.errs) != 1 {
				t.Fatalf("skipped %d, errors %v; want the one record skipped", st.Skipped, r.errs)
			}
			msg := r.errs[0].Error()
			if !strings.HasPrefix(msg, "in.json:1: "+c.says) {
				t.Errorf("message %q does not say where and why", msg)
			}
			for _, leak := range []string{secret[:8], secret[len(secret)-8:], "ProcessCommandLine", "az login", "gpu-vm-07"} {
				if strings.Contains(msg, leak) {
					t.Errorf("message %q quotes the record (%q)", msg, leak)
				}
			}
		})
	}
}

func TestEmptyFileReadsNothingAndIsNotAnError(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "\n\n  \r\n", "\ufeff"} {
		r, st := readBytes(t, []byte(in))
		if len(r.events) != 0 || st.Skipped != 0 || len(r.errs) != 0 {
			t.Errorf("%q: events %d skipped %d errs %v", in, len(r.events), st.Skipped, r.errs)
		}
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestGzip(t *testing.T) {
	t.Parallel()
	plain := lines(500, "\n")
	t.Run("whole stream", func(t *testing.T) {
		r, st := readBytes(t, gz(plain))
		if len(r.events) != 500 || st.Container != "gzip+json-lines" {
			t.Errorf("events %d container %q", len(r.events), st.Container)
		}
	})
	t.Run("concatenated members", func(t *testing.T) {
		r, _ := readBytes(t, append(gz(lines(3, "\n")), gz(lines(4, "\n"))...))
		if len(r.events) != 7 {
			t.Errorf("events %d, want 7", len(r.events))
		}
	})
	t.Run("truncated stream uses what came before and says so", func(t *testing.T) {
		z := gz(plain)
		r, st := readBytes(t, z[:len(z)*2/3])
		if len(r.events) == 0 || len(r.events) >= 500 {
			t.Errorf("events %d, want some but not all", len(r.events))
		}
		var found bool
		for _, e := range r.errs {
			if strings.Contains(e.Error(), "gzip stream ends early") {
				found = true
			}
		}
		if !found || st.Skipped == 0 {
			t.Errorf("no truncation error: %v", r.errs)
		}
	})
	t.Run("decompression bomb is stopped", func(t *testing.T) {
		bomb := gz(append([]byte(activity(1)+"\n"), bytes.Repeat([]byte(" "), 8<<20)...))
		lim := DefaultLimits()
		lim.MaxDecompressed = 1 << 20
		r, _ := read(t, []Input{BytesInput("bomb.gz", bomb)}, lim)
		if len(r.errs) == 0 || !strings.Contains(r.errs[len(r.errs)-1].Error(), "decompressed size") {
			t.Errorf("bomb not reported: %v", r.errs)
		}
	})
}

func TestOversizedRecord(t *testing.T) {
	t.Parallel()
	big := strings.Replace(activity(2), `"level"`, `"pad":"`+strings.Repeat("x", 4<<20)+`","level"`, 1)
	lim := DefaultLimits()
	lim.MaxRecord = 1 << 20
	for _, c := range []struct {
		name, in string
		line     int
	}{
		{"line", activity(1) + "\n" + big + "\n" + activity(3) + "\n", 2},
		{"document", "[\n" + activity(1) + ",\n" + big + ",\n" + activity(3) + "\n]", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, st := read(t, []Input{BytesInput("big.json", []byte(c.in))}, lim)
			if len(r.events) != 2 || st[0].Skipped != 1 {
				t.Fatalf("events %d skipped %d errs %v", len(r.events), st[0].Skipped, r.errs)
			}
			if !strings.Contains(r.errs[0].Error(), "larger than") && !strings.Contains(r.errs[0].Error(), "longer than") {
				t.Errorf("error %q does not name the size", r.errs[0])
			}
			if r.errs[0].Line != c.line {
				t.Errorf("error line %d, want %d", r.errs[0].Line, c.line)
			}
		})
	}
}

// TestOversizedLineUnderAChunk: --max-record holds for a line shorter than
// the chunk a batch of lines reaches (256 KiB), streamed, gzip or a file, not
// only for a line longer than a chunk.
func TestOversizedLineUnderAChunk(t *testing.T) {
	t.Parallel()
	big := strings.Replace(activity(2), `"level"`, `"pad":"`+strings.Repeat("x", 100<<10)+`","level"`, 1)
	in := []byte(activity(1) + "\n" + big + "\n" + activity(3) + "\n")
	file := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(file, in, 0o644); err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	lim.MaxRecord = 64 << 10
	for name, input := range map[string]Input{
		"streamed": BytesInput("big.json", in),
		"gzip":     BytesInput("big.json.gz", gz(in)),
		"file":     fileInput(file),
	} {
		t.Run(name, func(t *testing.T) {
			r, st := read(t, []Input{input}, lim)
			if len(r.events) != 2 || st[0].Skipped != 1 || len(r.errs) != 1 {
				t.Fatalf("events %d skipped %d errs %v; want the two short lines read and the long one skipped", len(r.events), st[0].Skipped, r.errs)
			}
			if r.errs[0].Line != 2 || !strings.Contains(r.errs[0].Error(), "longer than 65536 bytes") {
				t.Errorf("error %q, want line 2 longer than the cap", r.errs[0])
			}
		})
	}
}

func TestLargeFileUsesAllWorkersAndLosesNothing(t *testing.T) {
	t.Parallel()
	n := 20000 // several chunks
	r, st := readBytes(t, lines(n, "\n"))
	if len(r.events) != n {
		t.Fatalf("events %d, want %d", len(r.events), n)
	}
	seen := map[int]bool{}
	for _, ev := range r.events {
		seen[ev.Loc.Line] = true
	}
	if len(seen) != n || !seen[1] || !seen[n] {
		t.Errorf("distinct lines %d, want %d", len(seen), n)
	}
	if st.Records != int64(n) {
		t.Errorf("records %d", st.Records)
	}
}

func TestExpandWalksFoldersInOrderAndSkipsHidden(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	for _, p := range []string{"b/PT1H.json", "a/y=2026/m=03/PT1H.json", ".git/config", "a/.hidden.json"} {
		os.MkdirAll(filepath.Join(d, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(d, p), []byte(activity(1)+"\n"), 0o644)
	}
	in, err := Expand([]string{d, "-"}, strings.NewReader(activity(2)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range in {
		names = append(names, strings.TrimPrefix(filepath.ToSlash(i.Name), filepath.ToSlash(d)+"/"))
	}
	want := "a/y=2026/m=03/PT1H.json b/PT1H.json -"
	if strings.Join(names, " ") != want {
		t.Errorf("inputs = %v, want %s", names, want)
	}
	r, _ := read(t, in, DefaultLimits())
	if len(r.events) != 3 {
		t.Errorf("events %d, want 3", len(r.events))
	}
	if _, err := Expand([]string{filepath.Join(d, "missing")}, nil); err == nil {
		t.Error("missing path: no error")
	}
}

// TestExpandFollowsLinksToFilesAndNamesTheRest: a symbolic link was
// passed over without a word, inside a folder and as the folder named on
// the command line alike, so its logs were never read and the hunt said
// nothing. A link to a file is now read, the folder a named link leads to
// is walked, and a link inside a folder that leads to a folder or to
// nothing is named in the error.
func TestExpandFollowsLinksToFilesAndNamesTheRest(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	real := filepath.Join(d, "real")
	os.MkdirAll(real, 0o755)
	os.WriteFile(filepath.Join(real, "PT1H.json"), []byte(activity(1)+"\n"), 0o644)
	walked := filepath.Join(d, "walked")
	os.MkdirAll(walked, 0o755)
	links := map[string]string{
		filepath.Join(walked, "linked.json"): filepath.Join(real, "PT1H.json"),
		filepath.Join(walked, "folder"):      real,
		filepath.Join(walked, "dangling"):    filepath.Join(d, "gone"),
		filepath.Join(d, "named"):            real,
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	in, err := Expand([]string{walked}, nil)
	if len(in) != 1 || in[0].Name != filepath.Join(walked, "linked.json") {
		t.Errorf("inputs %v, want the linked file alone", in)
	}
	if err == nil || !strings.Contains(err.Error(), filepath.Join(walked, "folder")+": a symbolic link to a folder, not followed") ||
		!strings.Contains(err.Error(), filepath.Join(walked, "dangling")+": a symbolic link that leads nowhere") {
		t.Errorf("error %v does not name the link to a folder and the dangling link", err)
	}
	in, err = Expand([]string{filepath.Join(d, "named")}, nil)
	if err != nil || len(in) != 1 || in[0].Name != filepath.Join(d, "named", "PT1H.json") {
		t.Errorf("a named link to a folder: inputs %v, error %v; want its file, named through the link", in, err)
	}
	if r, _ := read(t, in, DefaultLimits()); len(r.events) != 1 {
		t.Errorf("events %d read through the link, want 1", len(r.events))
	}
}

func TestCSVExport(t *testing.T) {
	t.Parallel()
	csv := "TenantId,TimeGenerated [UTC],OperationNameValue,ActivityStatusValue,Caller,CallerIpAddress,_ResourceId,SubscriptionId,CorrelationId,Type\r\n" +
		"t1,\"4/28/2021, 2:32:14.029 PM\",MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,Success,a@b.example,198.51.100.7,/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1,s1,c1,AzureActivity\r\n" +
		"t1,\"4/28/2021, 2:33:14.029 PM\",MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,Success,a@b.example,198.51.100.7,/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm2,s1,c2,AzureActivity\r\n" +
		"only,three,fields\r\n"
	r, st := readBytes(t, []byte(csv))
	if st.Container != "csv" || len(r.events) != 2 || st.Skipped != 1 {
		t.Fatalf("container %q events %d skipped %d errs %v", st.Container, len(r.events), st.Skipped, r.errs)
	}
	if r.errs[0].Line != 4 {
		t.Errorf("bad row reported at line %d, want 4", r.errs[0].Line)
	}
}

// TestCSVSavedAgainBySpreadsheet: a portal export opened in Excel and
// saved again has semicolons for commas where a comma is the decimal mark,
// or tabs (saved as Text). It was refused whole as unrecognised content;
// it is read as the export it was, with a UTF-8 byte-order mark too.
func TestCSVSavedAgainBySpreadsheet(t *testing.T) {
	t.Parallel()
	rows := [][]string{
		{"TenantId", "TimeGenerated [UTC]", "OperationNameValue", "ActivityStatusValue", "Caller", "CallerIpAddress", "_ResourceId", "SubscriptionId", "CorrelationId", "Type"},
		{"t1", "4/28/2021, 2:32:14.029 PM", "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "Success", "a@b.example", "198.51.100.7", "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1", "s1", "c1", "AzureActivity"},
		{"t1", "4/28/2021, 2:33:14.029 PM", "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "Success", "a@b.example", "198.51.100.7", "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm2", "s1", "c2", "AzureActivity"},
		{"only", "three", "fields"},
	}
	for name, sep := range map[string]string{"comma": ",", "semicolon": ";", "tab": "\t"} {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("\xef\xbb\xbf")
			for _, r := range rows {
				for i, f := range r {
					if i > 0 {
						b.WriteString(sep)
					}
					if strings.Contains(f, sep) {
						f = `"` + f + `"`
					}
					b.WriteString(f)
				}
				b.WriteString("\r\n")
			}
			r, st := readBytes(t, []byte(b.String()))
			if st.Container != "csv" || len(r.events) != 2 || st.Skipped != 1 {
				t.Fatalf("container %q events %d skipped %d errs %v; want 2 rows read and the short one reported", st.Container, len(r.events), st.Skipped, r.errs)
			}
			if r.errs[0].Line != 4 {
				t.Errorf("bad row reported at line %d, want 4", r.errs[0].Line)
			}
		})
	}
}

// TestCSVRowThatNeverEnds: a row whose quoted field opens and does not
// close on its line swallowed, as one field, every line after it (the rest
// of the file, held in memory): it is reported at its line and the rows
// after it are read; a row longer than --max-record is passed over too.
func TestCSVRowThatNeverEnds(t *testing.T) {
	t.Parallel()
	header := "TenantId,TimeGenerated [UTC],OperationNameValue,ActivityStatusValue,Caller,CallerIpAddress,_ResourceId,SubscriptionId,CorrelationId,Type\n"
	row := func(i int) string {
		return fmt.Sprintf("t1,2026-03-01T10:%02d:00Z,MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,Success,a@b.example,198.51.100.7,/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm%d,s1,c%d,AzureActivity\n", i, i, i)
	}
	var rows strings.Builder
	for i := 3; i < 40; i++ {
		rows.WriteString(row(i))
	}
	lim := DefaultLimits()
	lim.MaxRecord = 2 << 10
	for _, c := range []struct {
		name, bad, says string
	}{
		{"quote never closed", `t1,"2026-03-01T10:02:00Z,MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,Success` + "\n", "csv: "},
		{"quoted field closed lines later", `t1,"2026-03-01T10:02:00Z,X` + "\n" + row(40) + `y",z` + "\n", "csv:"},
		{"row longer than the cap", "t1," + strings.Repeat("x", 3<<10) + ",a,b,c,d,e,f,g,h\n", "longer than 2048 bytes"},
		{"quoted field longer than the cap", `t1,"` + strings.Repeat("x\n", 2<<10) + `",a,b,c,d,e,f,g,h` + "\n", "longer than 2048 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := header + row(1) + c.bad + rows.String()
			r, st := read(t, []Input{BytesInput("in.csv", []byte(in))}, lim)
			if want := strings.Count(in, "AzureActivity"); len(r.events) != want {
				t.Errorf("events %d, want the %d good rows (errors %v)", len(r.events), want, r.errs)
			}
			if len(r.errs) == 0 || r.errs[0].Line != 3 || !strings.Contains(r.errs[0].Error(), c.says) {
				t.Fatalf("errors %v, want the first at line 3 saying %q", r.errs, c.says)
			}
			lines := map[int]bool{}
			for _, ev := range r.events {
				lines[ev.Loc.Line] = true
			}
			last := strings.Count(in, "\n")
			if !lines[2] || !lines[last] || lines[3] {
				t.Errorf("rows read at lines %v: want 2 and %d (the last), not 3", slices.Sorted(maps.Keys(lines)), last)
			}
			if st[0].Skipped != int64(len(r.errs)) {
				t.Errorf("skipped %d, errors %d", st[0].Skipped, len(r.errs))
			}
		})
	}
	// A quoted field over several lines is still one row.
	in := header + `t1,2026-03-01T10:01:00Z,MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,Success,a@b.example,198.51.100.7,"/subscriptions/s1/resourcegroups/rg/providers/` + "\n" + `microsoft.compute/virtualmachines/vm1",s1,c1,AzureActivity` + "\n" + row(2)
	r, st := readBytes(t, []byte(in))
	if len(r.events) != 2 || st.Skipped != 0 || r.events[1].Loc.Line != 4 {
		t.Errorf("multi-line cell: events %d skipped %d errors %v", len(r.events), st.Skipped, r.errs)
	}
}

// Offsets are the file's own, a byte-order mark counted, in JSON lines
// and in documents alike: a record can be found again where its offset
// says (serve reads carried records so), and `tail -c +N` agrees.
func TestOffsetsCountAByteOrderMark(t *testing.T) {
	t.Parallel()
	bom := "\xef\xbb\xbf"
	for _, c := range []struct{ name, in string }{
		{"JSON lines", bom + activity(1) + "\n" + activity(2) + "\n"},
		{"a document", bom + `{"records": [` + "\n" + activity(1) + ",\n" + activity(2) + "]}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := readBytes(t, []byte(c.in))
			if len(r.events) != 2 {
				t.Fatalf("%d events, want 2", len(r.events))
			}
			want := map[int64]bool{int64(strings.Index(c.in, activity(1))): true, int64(strings.Index(c.in, activity(2))): true}
			for _, e := range r.events {
				if !want[e.Loc.Offset] {
					t.Errorf("event offset %d is not where a record starts (%v): %q", e.Loc.Offset, want, c.in[e.Loc.Offset:min(int(e.Loc.Offset)+12, len(c.in))])
				}
			}
		})
	}
}

// TestManyFilesReuseBuffersWithoutMixingThem reads many small inputs, plain,
// gzip and JSON documents, on two workers: each stream's buffers go back to
// a pool when it closes, so a batch that kept a reference into one, or a
// buffer handed on with another file's bytes, would put records in the
// wrong file or corrupt them. Every record must arrive once, from its file.
func TestManyFilesReuseBuffersWithoutMixingThem(t *testing.T) {
	t.Parallel()
	const files = 60
	var inputs []Input
	want := map[string]string{} // correlation id → file
	for f := range files {
		var b strings.Builder
		n := 1 + f*7%40
		for k := range n {
			i := f*1000 + k
			want[fmt.Sprintf("c-%d", i)] = fmt.Sprintf("f%02d", f)
			b.WriteString(activity(i))
			b.WriteString("\n")
		}
		data := []byte(b.String())
		switch f % 3 {
		case 1:
			data = gz(data)
		case 2: // a JSON document: the records in an array
			data = []byte("[" + strings.Join(strings.Split(strings.TrimSpace(b.String()), "\n"), ",") + "]")
		}
		inputs = append(inputs, BytesInput(fmt.Sprintf("f%02d", f), data))
	}
	r, _ := read(t, inputs, DefaultLimits())
	if len(r.errs) > 0 {
		t.Fatalf("errors: %v", r.errs)
	}
	seen := map[string]bool{}
	for _, e := range r.events {
		if want[e.CorrelationID] != e.Loc.File {
			t.Errorf("record %s read from %s, written to %s", e.CorrelationID, e.Loc.File, want[e.CorrelationID])
		}
		if seen[e.CorrelationID] {
			t.Errorf("record %s read twice", e.CorrelationID)
		}
		seen[e.CorrelationID] = true
	}
	if len(seen) != len(want) {
		t.Errorf("%d records read, %d written", len(seen), len(want))
	}
}

// An audit.log of several batches: the reader groups each event's lines
// (interleaved two at a time, as busy hosts write them) and the workers
// build and decode them. Every event comes out once, with its own
// arguments and the line where it starts, and a broken line in the middle
// is reported at its line and costs nothing else.
func TestLargeAuditLogLosesNothing(t *testing.T) {
	t.Parallel()
	const n = 8000 // about 3 MiB: batches are flushed mid-file
	var b strings.Builder
	firstLine := map[string]int{}
	line, bad := 0, 0
	emit := func(s string) {
		b.WriteString(s)
		b.WriteByte('\n')
		line++
	}
	for i := 0; i < n; i += 2 {
		for _, j := range []int{i, i + 1} {
			id := fmt.Sprintf("1700000100.%03d:%d", j%1000, 1000+j)
			firstLine[id] = line + 1
			emit(fmt.Sprintf(`type=SYSCALL msg=audit(%s): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=1 pid=%d auid=1000 uid=1000 comm="prog" exe="/usr/bin/prog-%d" key=(null)`, id, 2000+j, j))
		}
		for _, j := range []int{i, i + 1} {
			id := fmt.Sprintf("1700000100.%03d:%d", j%1000, 1000+j)
			emit(fmt.Sprintf(`type=EXECVE msg=audit(%s): argc=3 a0="/usr/bin/prog-%d" a1="--n" a2="%d"`, id, j, j))
		}
		if i == n/2 {
			emit("this line is not an audit record")
			bad = line
		}
		for _, j := range []int{i, i + 1} {
			emit(fmt.Sprintf(`type=EOE msg=audit(1700000100.%03d:%d): `, j%1000, 1000+j))
		}
	}
	r, st := read(t, []Input{BytesInput("audit.log", []byte(b.String()))}, DefaultLimits())
	if len(r.events) != n {
		t.Fatalf("events %d, want %d", len(r.events), n)
	}
	seen := map[string]bool{}
	for _, ev := range r.events {
		if seen[ev.ID] {
			t.Fatalf("event %s twice", ev.ID)
		}
		seen[ev.ID] = true
		if want, ok := firstLine[ev.ID]; !ok || ev.Loc.Line != want {
			t.Errorf("event %s at line %d, want %d", ev.ID, ev.Loc.Line, want)
		}
		var j int
		if _, err := fmt.Sscanf(ev.ID[strings.IndexByte(ev.ID, ':')+1:], "%d", &j); err != nil || ev.Process == nil {
			t.Fatalf("event %q: %v, process %v", ev.ID, err, ev.Process)
		}
		if want := fmt.Sprintf("/usr/bin/prog-%d --n %d", j-1000, j-1000); ev.Process.CommandLine != want {
			t.Errorf("event %s: command line %q, want %q", ev.ID, ev.Process.CommandLine, want)
		}
	}
	if len(r.errs) != 1 || r.errs[0].Line != bad {
		t.Fatalf("errors %v, want one at line %d", r.errs, bad)
	}
	if st[0].Container != "auditd" || st[0].Events != int64(n) {
		t.Errorf("container %q, events %d", st[0].Container, st[0].Events)
	}
}

// A Sysmon log of several batches: the reader frames each event, the
// workers read its XML. Every process event comes out once with its own
// command line, and an event whose XML does not read is reported at its
// first line, the others kept.
func TestLargeSysmonLogLosesNothing(t *testing.T) {
	t.Parallel()
	const n = 3000 // about 3 MiB
	var b strings.Builder
	bad := 0
	for i := range n {
		data := fmt.Sprintf(`<Data Name="ProcessId">%d</Data><Data Name="Image">/usr/bin/prog-%d</Data><Data Name="CommandLine">/usr/bin/prog-%d --n %d</Data>`, 5000+i, i, i, i)
		if i == n/2 {
			data = `<Data Name="Image">/usr/bin/broken</Data` // the tag never closes
			bad = i + 1
		}
		fmt.Fprintf(&b, `<134>Nov 14 22:13:20 vm1 sysmon: <Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><TimeCreated SystemTime="2023-11-14T22:13:20.123000000Z"/><EventRecordID>%d</EventRecordID><Correlation/><Execution ProcessID="700" ThreadID="700"/><Channel>Linux-Sysmon/Operational</Channel><Computer>vm1</Computer><Security UserId="0"/></System><EventData><Data Name="RuleName">-</Data><Data Name="UtcTime">2023-11-14 22:13:20.123</Data>%s<Data Name="User">root</Data><Data Name="ParentProcessId">1</Data><Data Name="ParentImage">/usr/sbin/cron</Data></EventData></Event>`+"\n", i, data)
	}
	r, st := read(t, []Input{BytesInput("sysmon.log", []byte(b.String()))}, DefaultLimits())
	if len(r.events) != n-1 {
		t.Fatalf("events %d, want %d", len(r.events), n-1)
	}
	seen := map[int]bool{}
	for _, ev := range r.events {
		i := ev.Loc.Line - 1
		if seen[i] || ev.Process == nil {
			t.Fatalf("line %d: twice, or no process (%v)", ev.Loc.Line, ev.Process)
		}
		seen[i] = true
		if want := fmt.Sprintf("/usr/bin/prog-%d --n %d", i, i); ev.Process.CommandLine != want {
			t.Errorf("line %d: command line %q, want %q", ev.Loc.Line, ev.Process.CommandLine, want)
		}
	}
	if len(r.errs) != 1 || r.errs[0].Line != bad {
		t.Fatalf("errors %v, want one at line %d", r.errs, bad)
	}
	if st[0].Container != "sysmon" || st[0].Events != int64(n-1) || st[0].Skipped != 1 {
		t.Errorf("container %q, events %d, skipped %d", st[0].Container, st[0].Events, st[0].Skipped)
	}
}

// The errors --stats lists are the file's first, in its order, whichever
// goroutine found them: in a Sysmon log the reader finds the lines that
// are no event and the workers the events whose XML does not read.
func TestStatsListTheFirstErrorsInTheFile(t *testing.T) {
	t.Parallel()
	const event = `<Event><System><Provider Name="Linux-Sysmon"/><EventID>1</EventID><TimeCreated SystemTime="2023-11-14T22:13:20.123000000Z"/><Computer>vm1</Computer></System><EventData><Data Name="Image">/usr/bin/x</Data><Data Name="CommandLine">x</Data></EventData></Event>`
	var b strings.Builder
	var want []int
	for i := range 3 * maxKeptErrors {
		line := i + 1
		switch i % 3 {
		case 0:
			b.WriteString(event)
		case 1:
			b.WriteString(strings.Replace(event, "</Data>", "</Dat>", 1)) // XML that does not read: the worker's
			want = append(want, line)
		case 2:
			b.WriteString("no event here") // the reader's
			want = append(want, line)
		}
		b.WriteByte('\n')
	}
	for range 5 {
		_, st := read(t, []Input{BytesInput("sysmon.log", []byte(b.String()))}, DefaultLimits())
		var got []int
		for _, e := range st[0].Errors {
			var line int
			if _, err := fmt.Sscanf(strings.TrimPrefix(e, "sysmon.log:"), "%d", &line); err != nil {
				t.Fatalf("error %q names no line", e)
			}
			got = append(got, line)
		}
		if !slices.Equal(got, want[:maxKeptErrors]) {
			t.Fatalf("listed errors at lines %v, want %v", got, want[:maxKeptErrors])
		}
	}
}

// TestFileCutByWorkersAsStreamed: a regular file's batches are cut by the
// workers (pullLines), a stream's by its reader; both must give the same
// records at the same lines and offsets, and the same errors, over many
// batches (a 64 KiB record cap makes each batch 64 KiB), a line longer
// than the cap, one longer than a batch but within it, a broken line, CRLF
// ends and a last line without its newline.
func TestFileCutByWorkersAsStreamed(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 3000 {
		switch i {
		case 700:
			b.WriteString(`{"time":"2026-03-01T10:00:00Z","operationName":` + "\n")
		case 1500:
			b.WriteString(strings.Replace(activity(i), `"level"`, `"pad":"`+strings.Repeat("x", 100<<10)+`","level"`, 1) + "\n")
		case 2200:
			b.WriteString(strings.Replace(activity(i), `"level"`, `"pad":"`+strings.Repeat("y", 40<<10)+`","level"`, 1) + "\n")
		case 2500:
			b.WriteString(activity(i) + "\r\n")
		default:
			b.WriteString(activity(i) + "\n")
		}
	}
	b.WriteString(activity(3000)) // no newline
	in := []byte(b.String())
	file := filepath.Join(t.TempDir(), "al.json")
	if err := os.WriteFile(file, in, 0o644); err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	lim.MaxRecord = 64 << 10
	type rec struct {
		line int
		off  int64
		op   string
	}
	type stats struct {
		container                       string
		bytes, records, events, skipped int64
		shapes, reasons                 map[string]int64
	}
	got := func(input Input) ([]rec, []string, stats) {
		r, st := read(t, []Input{input}, lim)
		var out []rec
		for _, ev := range r.events {
			out = append(out, rec{ev.Loc.Line, ev.Loc.Offset, ev.Operation})
		}
		slices.SortFunc(out, func(a, b rec) int { return cmp.Compare(a.off, b.off) })
		var errs []string
		for _, e := range r.errs {
			errs = append(errs, fmt.Sprintf("%d@%d: %v", e.Line, e.Offset, e.Err))
		}
		slices.Sort(errs)
		f := st[0]
		return out, errs, stats{f.Container, f.Bytes, f.Records, f.Events, f.Skipped, f.Shapes, f.Reasons}
	}
	wantRecs, wantErrs, wantStats := got(BytesInput("al.json", in))
	if len(wantRecs) != 2999 || len(wantErrs) != 2 || wantRecs[2998].line != 3001 ||
		!strings.HasPrefix(wantErrs[0], "1501@") || !strings.HasPrefix(wantErrs[1], "701@") {
		t.Fatalf("streamed: %d records, the last at line %d, errors %v; want 2999, the last at 3001, errors at lines 701 and 1501",
			len(wantRecs), wantRecs[len(wantRecs)-1].line, wantErrs)
	}
	gotRecs, gotErrs, gotStats := got(fileInput(file))
	if diff := gocmp.Diff(wantRecs, gotRecs, gocmp.AllowUnexported(rec{})); diff != "" {
		t.Errorf("records, file against stream (-want +got):\n%s", diff)
	}
	if diff := gocmp.Diff(wantErrs, gotErrs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if diff := gocmp.Diff(wantStats, gotStats, gocmp.AllowUnexported(stats{})); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// TestEveryChunkComesBack reads inputs through every path that takes a
// pooled chunk (a file's batches cut by the workers, a stream's lines, a
// line longer than a chunk, a line over the record cap, framed records,
// gzip) and checks every chunk was given back: they live outside the
// collector's heap (package slab), so one kept would never be freed, and
// one given back twice would be read by two batches at once. Not
// parallel: it reads the pools' count.
func TestEveryChunkComesBack(t *testing.T) {
	long := strings.Replace(activity(2), `"level"`, `"pad":"`+strings.Repeat("x", 3<<20)+`","level"`, 1)
	under := strings.Replace(activity(3), `"level"`, `"pad":"`+strings.Repeat("y", 100<<10)+`","level"`, 1)
	many := lines(6000, "\n") // several chunks
	in := append(append([]byte{}, many...), []byte(long+"\n"+under+"\n"+activity(4)+"\n")...)
	file := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(file, in, 0o644); err != nil {
		t.Fatal(err)
	}
	doc := []byte("[" + activity(1) + "," + under + "," + activity(5) + "]")
	for _, lim := range []Limits{DefaultLimits(), {MaxRecord: 64 << 10, MaxDecompressed: 1 << 30, MaxRatio: 1000}} {
		before := slab.Out()
		r, _ := read(t, []Input{fileInput(file), BytesInput("s.json", in), BytesInput("s.json.gz", gz(in)),
			BytesInput("doc.json", doc)}, lim)
		if len(r.events) < 3*6000 {
			t.Fatalf("max record %d: %d events, want the file's lines read thrice", lim.MaxRecord, len(r.events))
		}
		if out := slab.Out(); out != before {
			t.Errorf("max record %d: %d bytes of chunks out after the read, %d before", lim.MaxRecord, out, before)
		}
	}
	// A hunt stopped midway: the batches read but not handed on, and those
	// handed on but not read, give their chunks back too.
	auditd := []byte(strings.Repeat(`type=SYSCALL msg=audit(1700000000.123:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="xmrig" exe="/usr/bin/xmrig" key=(null)
type=EXECVE msg=audit(1700000000.123:1): argc=1 a0="xmrig"
type=EOE msg=audit(1700000000.123:1):
`, 3000))
	for _, in := range []Input{fileInput(file), BytesInput("s.json", in), BytesInput("audit.log", auditd)} {
		before := slab.Out()
		ctx, cancel := context.WithCancel(context.Background())
		var n atomic.Int64
		Read(ctx, []Input{in}, Options{Limits: DefaultLimits(), Workers: 2}, func(int, *event.Event) {
			if n.Add(1) == 100 {
				cancel()
			}
		})
		cancel()
		if n.Load() < 100 {
			t.Fatalf("%s: %d events before the stop, want 100", in.Name, n.Load())
		}
		if out := slab.Out(); out != before {
			t.Errorf("%s, stopped: %d bytes of chunks out after the read, %d before", in.Name, out, before)
		}
	}
}

// TestLineOverTheCapHoldingAListIsReadRecordByRecord: a flow log's hourly
// blob is one {"records":[…]} with no newline, and a busy network's is past
// the record cap; compact JSON (jq -c, a REST page saved by curl) is one
// line too. Its records are read one at a time, so none is lost and memory
// stays that of one record: only a record itself over the cap is passed over,
// and a line that breaks off loses only what follows the break. The lines
// around it are read as before, in every way a file is read.
func TestLineOverTheCapHoldingAListIsReadRecordByRecord(t *testing.T) {
	t.Parallel()
	lim := DefaultLimits()
	lim.MaxRecord = 64 << 10
	many := make([]string, 400) // about 200 KiB: three times the cap
	for i := range many {
		many[i] = activity(i)
	}
	big := strings.Replace(activity(999), `"level"`, `"pad":"`+strings.Repeat("x", 100<<10)+`","level"`, 1)
	envelope := `{"records":[` + strings.Join(many, ",") + `]}`
	for _, c := range []struct {
		name   string
		in     string
		events int
		errs   []string // each error's line and what it says
	}{
		{"last line, no newline", activity(1000) + "\n" + envelope, 401, nil},
		{"between lines", activity(1000) + "\n" + envelope + "\n" + activity(1001) + "\n", 402, nil},
		{"array", activity(1000) + "\n[" + strings.Join(many, ",") + "]\n" + activity(1001) + "\n", 402, nil},
		{"record over the cap inside", activity(1000) + "\n" + `{"records":[` + strings.Join(many[:200], ",") + "," + big + "," + strings.Join(many[200:], ",") + "]}\n" + activity(1001) + "\n", 402,
			[]string{"2: record larger than 65536 bytes"}},
		{"cut short, then lines", activity(1000) + "\n" + `{"records":[` + strings.Join(many[:200], ",") + "," + many[200][:50] + "\n" + activity(1001) + "\n", 202,
			[]string{"2: invalid JSON after record 200 of the line, rest of line not read"}},
		{"one record over the cap", activity(1000) + "\n" + big + "\n" + activity(1001) + "\n", 2,
			[]string{"2: line longer than 65536 bytes"}},
		{"a line of text over the cap", activity(1000) + "\nnot json " + strings.Repeat("x", 100<<10) + "\n" + activity(1001) + "\n", 2,
			[]string{"2: invalid JSON, line not read: "}},
		{"cut short at the end", activity(1000) + "\n" + `{"records":[` + strings.Join(many[:200], ",") + "," + many[200][:50], 201,
			[]string{"2: line ends early after 200 records (a partly written last line?)"}},
	} {
		file := filepath.Join(t.TempDir(), "PT1H.json")
		if err := os.WriteFile(file, []byte(c.in), 0o644); err != nil {
			t.Fatal(err)
		}
		for name, input := range map[string]Input{
			"streamed": BytesInput("PT1H.json", []byte(c.in)),
			"gzip":     BytesInput("PT1H.json.gz", gz([]byte(c.in))),
			"file":     fileInput(file),
		} {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				r, st := read(t, []Input{input}, lim)
				var errs []string
				for _, e := range r.errs {
					errs = append(errs, e.Error())
				}
				if len(r.events) != c.events || len(r.errs) != len(c.errs) {
					t.Fatalf("%d events, errors %.3q; want %d events and %d errors", len(r.events), errs, c.events, len(c.errs))
				}
				for i, want := range c.errs {
					if !strings.Contains(errs[i], want) {
						t.Errorf("error %q, want it to say %q", errs[i], want)
					}
				}
				if st[0].Container != "json-lines" && st[0].Container != "gzip+json-lines" {
					t.Errorf("read as %s", st[0].Container)
				}
				seen := map[string]bool{}
				for _, ev := range r.events {
					seen[ev.CorrelationID] = true
				}
				for _, id := range []string{"c-0", "c-199", "c-1000"} {
					if c.events == 2 && id != "c-1000" {
						continue // the long line held no list
					}
					if !seen[id] {
						t.Errorf("record %s not read", id)
					}
				}
			})
		}
	}
}

// TestArchivesAreNamed: the portal downloads a zip, and a responder is
// handed tar, bzip2, zstd, xz, 7z and doubly gzipped files, often named
// .json. Each is named with what to do, not called binary content, and
// the inputs beside it are read.
func TestArchivesAreNamed(t *testing.T) {
	t.Parallel()
	log := []byte(activity(1) + "\n")
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("PT1H.json")
	w.Write(log)
	zw.Close()
	var tarred bytes.Buffer
	tw := tar.NewWriter(&tarred)
	tw.WriteHeader(&tar.Header{Name: "PT1H.json", Mode: 0o644, Size: int64(len(log))})
	tw.Write(log)
	tw.Close()
	for _, c := range []struct {
		name string
		in   []byte
		says string
	}{
		{"zip", zipped.Bytes(), "a zip archive: extract it"},
		{"tar.gz", gz(tarred.Bytes()), "a tar archive: extract it"},
		{"gzip inside gzip", gz(gz(log)), "gzip inside gzip"},
		{"bzip2", []byte("BZh91AY&SY\x8e\x1c\x00\x00\x04\x00\x00\x01\xff\x00\x00"), "bzip2-compressed"},
		{"zstd", []byte("\x28\xb5\x2f\xfd\x24\x05\x29\x00\x00\x01\x02\x03"), "zstd-compressed"},
		{"xz", []byte("\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46\x02\x00\x21\x01"), "xz-compressed"},
		{"7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04\x8d\x9b\xd5\x0f\x00\x00\x00\x00"), "a 7z archive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, st := read(t, []Input{BytesInput("export.json", c.in), BytesInput("PT1H.json", log)}, DefaultLimits())
			if len(r.events) != 1 || len(r.errs) != 1 {
				t.Fatalf("%d events, errors %v; want the log beside it read and the archive reported", len(r.events), r.errs)
			}
			if got := r.errs[0].Error(); !strings.Contains(got, c.says) || !strings.HasPrefix(got, "export.json") {
				t.Errorf("error %q, want it to name export.json and say %q", got, c.says)
			}
			if st[0].Skipped != 1 {
				t.Errorf("archive counted skipped %d", st[0].Skipped)
			}
		})
	}
}
