package hunt

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/simulate"
)

// BenchmarkHuntFolder hunts a simulated large tenant's month as its
// exports lie on disk, a folder per hour and resource (the page cache
// holds them after the first round): its VNet flow logs alone, then the
// whole folder. The per-file costs (walking, opening, sniffing) and a
// flow log's tuples are what it measures that BenchmarkHunt (one
// Activity Log in memory) does not.
//
//	go test -run XXX -bench HuntFolder -benchtime 10x ./internal/hunt
func BenchmarkHuntFolder(b *testing.B) {
	sim := b.TempDir()
	if _, err := simulate.Write(sim, simulate.Options{Seed: 3, Days: 30, Size: "large"}); err != nil {
		b.Fatal(err)
	}
	set, enr := catalogue(b)
	for _, c := range []struct{ name, dir string }{
		{"flows", filepath.Join(sim, "insights-logs-flowlogflowevent")},
		{"all", sim},
	} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := os.Stat(c.dir); err != nil {
				b.Fatal(err)
			}
			var bytes int64
			filepath.WalkDir(c.dir, func(_ string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					if info, err := d.Info(); err == nil {
						bytes += info.Size()
					}
				}
				return nil
			})
			b.SetBytes(bytes)
			var events int64
			for b.Loop() {
				res, err := Run(context.Background(), expand(b, c.dir), Config{Rules: set, Enricher: enr, Workers: 2})
				if err != nil {
					b.Fatal(err)
				}
				events = 0
				for _, f := range res.Files {
					events += f.Events
				}
			}
			b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
