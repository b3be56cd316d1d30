package activitylog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// BenchmarkDecode measures parse, detect and decode of a realistic 2.5 KB
// diagnostic VM write (one line of an Event Hub or PT1H.json export), and
// of a Log Analytics CSV row whose dynamic columns are JSON strings.
func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct {
		file string
		hint record.Hint
	}{
		{"diag_vm_write_compact.json", jsonHint},
		{"la_csv_aci_gpu.json", csvHint},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.file, func(b *testing.B) {
			var p fastjson.Parser
			var sc record.Scratch
			out := make([]event.Event, 0, 1)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				v, err := p.ParseBytes(data)
				if err != nil {
					b.Fatal(err)
				}
				shape, ok := Detect(v, c.hint)
				if !ok {
					b.Fatal("not detected")
				}
				if out, err = Decode(&sc, v, shape, out[:0]); err != nil {
					b.Fatal(err)
				}
				sc.Reset()
			}
		})
	}
}

// BenchmarkDecodeMix measures parse, detect and decode over 4 MiB of the
// benchmark's generated records (internal/benchdata): the operation mix of
// a busy tenant, as `mamori hunt` meets it in the 1 GB benchmark file.
func BenchmarkDecodeMix(b *testing.B) {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 4<<20, 1, 0); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte{'\n'})
	var p fastjson.Parser
	var sc record.Scratch
	out := make([]event.Event, 0, 1)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			v, err := p.ParseBytes(l)
			if err != nil {
				b.Fatal(err)
			}
			shape, ok := Detect(v, jsonHint)
			if !ok {
				b.Fatal("not detected")
			}
			if out, err = Decode(&sc, v, shape, out[:0]); err != nil {
				b.Fatal(err)
			}
			sc.Reset()
		}
	}
	b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "records/s")
}
