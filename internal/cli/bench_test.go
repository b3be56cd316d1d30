package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/source"
)

// benchHunt measures the whole hunt path (framing, parsing, decoding,
// enrichment, rules, alerts) over realistic ~2.4 KB Activity Log records
// held in memory, so the disk does not count. Run with -cpu 1,2.
func benchHunt(b *testing.B, opt rules.Options, decodeAll bool) {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 64<<20, 1, 1000); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		b.Fatal(err)
	}
	set, err := rules.Load(opt)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var events int64
	for b.Loop() {
		res, err := hunt.Run(context.Background(), []source.Input{source.BytesInput("bench", data)}, hunt.Config{Rules: set, Enricher: enr, DecodeAll: decodeAll})
		if err != nil {
			b.Fatal(err)
		}
		events = res.Files[0].Events
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkHunt runs the whole built-in catalogue.
func BenchmarkHunt(b *testing.B) { benchHunt(b, rules.Options{Builtin: mamori.Rules}, false) }

// BenchmarkHuntNoRules is the same path with no rule at all. Since brief
// reads, no record is then decoded in full (no rule wants one), so this is
// framing, parsing and a brief read of each record.
func BenchmarkHuntNoRules(b *testing.B) { benchHunt(b, rules.Options{}, false) }

// BenchmarkHuntReadAll has no rule either, but decodes and enriches every
// record in full, as a hunt did before brief reads: reading, against which
// the catalogue's cost (BenchmarkHunt) is measured.
func BenchmarkHuntReadAll(b *testing.B) { benchHunt(b, rules.Options{}, true) }
