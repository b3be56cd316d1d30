package cli

import (
	"bytes"
	"context"
	"fmt"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/store"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// BenchmarkStoreIncidents measures what a serve cycle that posts to its
// webhook adds (withIncidents): a week of a busy service's alerts (5,000
// a day, 2 KB summaries and evidence alike, by 200 principals) read from
// the store and grouped into incidents.
func BenchmarkStoreIncidents(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "m.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const perDay, days = 5000, 7
	pad := strings.Repeat("x", 1500)
	sev := []alert.Severity{alert.Low, alert.Low, alert.Medium, alert.High}
	var as []alert.Alert
	for i := range perDay * days {
		who := fmt.Sprintf("user%03d@contoso.example", i%200)
		as = append(as, alert.Alert{ID: fmt.Sprintf("a%07d", i), Rule: fmt.Sprintf("azure.rule%02d", i%40), Tenant: "t1",
			Severity: sev[i%len(sev)], Time: t0.Add(time.Duration(i) * 24 * time.Hour / perDay), Count: 1,
			Principal: who, Summary: who + " did something " + pad, IPs: []string{fmt.Sprintf("203.0.113.%d", i%250)}})
	}
	if _, err := st.Commit(ctx, store.Cycle{Alerts: as}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		got, incs, _, err := storeIncidents(ctx, st, t0, incident.Options{})
		if err != nil || len(got) != perDay*days || len(incs) == 0 {
			b.Fatalf("%d alerts, %d incidents, %v", len(got), len(incs), err)
		}
	}
}
