package source

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/slab"
)

// FuzzRead feeds arbitrary bytes through the whole container layer and the
// decoders: nothing may panic, every record is either decoded, ignored or
// reported, and every pooled buffer (chunks, document scanners') comes
// back (package slab: one kept would never be freed).
func FuzzRead(f *testing.F) {
	f.Add([]byte(activity(1) + "\n" + activity(2)))
	f.Add([]byte("{\n\"records\":[" + activity(1) + "]}"))
	f.Add([]byte("[\n" + activity(1) + ",\n" + activity(2) + "\n]"))
	f.Add([]byte("{\"value\":[{\"a\":1}],\"nextLink\":null}"))
	f.Add([]byte("TimeGenerated [UTC],OperationNameValue,Type\n\"1/2/2026, 1:00:00.000 PM\",X/Y/WRITE,AzureActivity\n"))
	f.Add([]byte("type=EXECVE msg=audit(1578876421.123:42): argc=2 a0=\"ls\" a1=\"-la\"\n"))
	f.Add([]byte("<Event><System><EventID>1</EventID></System></Event>"))
	f.Add(gz([]byte(activity(3))))
	f.Add(captureFile("null", [][]string{{`{"records":[` + activity(4) + `]}`}}))
	f.Add(captureFile("snappy", [][]string{{activity(5)}}))
	f.Add([]byte("{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[{\"name\":\"TimeGenerated\"}],\"rows\":[[\"2026-01-01T00:00:00Z\"]]}]}"))
	// ID Protection's risk detections: a diagnostic line (its locale time)
	// and a Graph page.
	for _, name := range []string{"risk_diag_user.json", "risk_graph_page.json"} {
		if b, err := os.ReadFile(filepath.Join("entra", "testdata", name)); err == nil {
			f.Add(b)
		}
	}
	// Lines holding lists with a bad or cut record (salvage).
	f.Add([]byte(`{"records":[` + activity(1) + `,{"time":tru}]}` + "\n" + activity(2) + "\n[" + activity(3) + ",{\"a\":[1,]}," + activity(4)[:90]))
	// A record cut short with the next on its line, two whole ones joined
	// (joined).
	f.Add([]byte(activity(1)[:120] + activity(2) + "\n" + activity(3) + activity(4)[:70]))
	// A gzip file of three members, the second damaged (gzipReader).
	z, at := gzMembers(6, records(0, 3), records(3, 6), records(6, 9))
	f.Add(damage(z, (at[1]+at[2])/2, 8))
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := DefaultLimits()
		lim.MaxRecord = 1 << 16
		lim.MaxDecompressed = 1 << 22
		var events int64
		before := slab.Out()
		st := Read(context.Background(), []Input{BytesInput("fuzz", b)}, Options{Limits: lim, Workers: 2}, func(_ int, ev *event.Event) {
			if ev.Time.IsZero() {
				t.Errorf("event without time from shape %s", ev.Shape)
			}
		})
		s := st[0]
		events = s.Events
		if events < 0 || s.Records < 0 || s.Skipped < 0 {
			t.Fatalf("negative counts: %+v", s)
		}
		if out := slab.Out(); out != before {
			t.Fatalf("%d bytes of pooled buffers out after the read, %d before", out, before)
		}
	})
}

// FuzzIsJSON checks the sniffer's quick check says what fastjson.Validate
// says, for any line: it decides between JSON lines and a document.
func FuzzIsJSON(f *testing.F) {
	f.Add([]byte(activity(1)))
	f.Add([]byte(`{"records":[{"a":[1,2.5e3,-0,true,false,null],"b":"x"}]}`))
	f.Add([]byte(`{"a":"\u00e9\x"}`))
	f.Add([]byte(`{"a":1} {"b":2}`))
	f.Add([]byte(`[01]`))
	f.Add([]byte(`{"a":"` + "\x01" + `"}`))
	f.Add([]byte(`{"a":1,}`))
	f.Add([]byte(`{"abcdefgh":"12345678` + "\x1f" + `9"}`))
	f.Add([]byte("{\"a\":\t1}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			return
		}
		if got, want := isJSON(b), fastjson.ValidateBytes(b) == nil; got != want {
			t.Errorf("isJSON(%q) = %v, fastjson.Validate says %v", b, got, want)
		}
	})
}
