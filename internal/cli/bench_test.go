package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/engine"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/source"
)

// BenchmarkHunt measures the whole hunt path (framing, parsing, decoding,
// enrichment, rules) over realistic ~2.4 KB Activity Log records held in
// memory, so the disk does not count. Run with -cpu 1,2 to see both cores.
func BenchmarkHunt(b *testing.B) {
	var buf bytes.Buffer
	hits, err := benchdata.Write(&buf, 64<<20, 1, 1000)
	if err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var events int64
	for b.Loop() {
		eng := engine.New(engine.Starter(), defaultWorkers())
		st := source.Read(context.Background(), []source.Input{source.BytesInput("bench", data)}, source.Options{},
			func(w int, ev *event.Event) {
				enr.Apply(ev)
				eng.Eval(w, ev)
			})
		events = st[0].Events
		alerts, _ := eng.Alerts()
		if len(alerts) != len(hits) {
			b.Fatalf("alerts %d, planted %d", len(alerts), len(hits))
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
