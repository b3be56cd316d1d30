package serve

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/store"
)

// BenchmarkServeFolder measures a service's cycles over a simulated large
// tenant's month of hourly blobs (2,233 files): the first (everything
// new: the walk, the plan of each file, the hunt and the commit), one
// with nothing new (the walk and a stat of each file), and one after a
// sync touched every file without changing it (each looked into once).
//
//	go test -run XXX -bench ServeFolder -benchtime 3x ./internal/serve
func BenchmarkServeFolder(b *testing.B) {
	sim := b.TempDir()
	if _, err := simulate.Write(sim, simulate.Options{Seed: 3, Days: 30, Size: "large"}); err != nil {
		b.Fatal(err)
	}
	if err := os.Remove(filepath.Join(sim, "truth.json")); err != nil {
		b.Fatal(err)
	}
	var bytes int64
	var files []string
	filepath.WalkDir(sim, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				bytes += info.Size()
				files = append(files, p)
			}
		}
		return nil
	})
	ctx := context.Background()
	process := newProcess(b)
	// served is a store that has read the folder once.
	served := func(b *testing.B) (*Server, *store.Store) {
		b.Helper()
		st, err := store.Open(ctx, filepath.Join(b.TempDir(), "mamori.db"))
		if err != nil {
			b.Fatal(err)
		}
		srv, err := New(ctx, Config{Store: st, Dirs: []string{sim}, Hunt: process()})
		if err != nil {
			b.Fatal(err)
		}
		return srv, st
	}
	cycle := func(b *testing.B, srv *Server, wantRead bool) {
		b.Helper()
		res, err := srv.Cycle(ctx)
		if err != nil || len(res.Skip) > 0 {
			b.Fatalf("cycle: %v %v", err, res.Skip)
		}
		if read := len(res.Read) > 0; read != wantRead {
			b.Fatalf("cycle read %d inputs, want some: %v", len(res.Read), wantRead)
		}
	}
	b.Run("first", func(b *testing.B) {
		b.SetBytes(bytes)
		for b.Loop() {
			b.StopTimer()
			srv, st := served(b)
			b.StartTimer()
			cycle(b, srv, true)
			b.StopTimer()
			st.Close()
			b.StartTimer()
		}
	})
	b.Run("nothing-new", func(b *testing.B) {
		srv, st := served(b)
		defer st.Close()
		cycle(b, srv, true)
		for b.Loop() {
			cycle(b, srv, false)
		}
	})
	b.Run("touched", func(b *testing.B) {
		srv, st := served(b)
		defer st.Close()
		cycle(b, srv, true)
		at := time.Now()
		for b.Loop() {
			b.StopTimer()
			at = at.Add(time.Minute)
			for _, f := range files {
				if err := os.Chtimes(f, at, at); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			cycle(b, srv, false)
		}
	})
}
