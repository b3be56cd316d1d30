package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkBaseline measures first_seen's memory in the store: a lookup
// of a key already loaded (what every event of a first_seen rule costs,
// the key's hash), a cycle recording a thousand keys and committing them,
// and a new process's first lookup of a rule holding ten thousand keys
// (the read of its rows).
//
//	go test -run '^$' -bench Baseline -count 5 ./internal/store
func BenchmarkBaseline(b *testing.B) {
	ctx := context.Background()
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = fmt.Sprintf("app-%05d@contoso.com\x00westeurope", i)
	}
	b.Run("seen", func(b *testing.B) {
		s := openBench(b)
		bl := s.Baseline(ctx)
		for _, k := range keys[:1000] {
			bl.Record("t1", "first_region", k, t0)
		}
		i := 0
		for b.Loop() {
			bl.Seen("t1", "first_region", keys[i%1000])
			i++
		}
	})
	b.Run("record-commit", func(b *testing.B) {
		s := openBench(b)
		bl := s.Baseline(ctx)
		at := t0
		for b.Loop() {
			at = at.Add(time.Hour)
			for _, k := range keys[:1000] {
				bl.Record("t1", "first_region", k, at)
			}
			if _, err := s.Commit(ctx, Cycle{Baseline: bl}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		s := openBench(b)
		bl := s.Baseline(ctx)
		for _, k := range keys {
			bl.Record("t1", "first_region", k, t0)
		}
		if _, err := s.Commit(ctx, Cycle{Baseline: bl}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, ok := s.Baseline(ctx).Seen("t1", "first_region", keys[0]); !ok {
				b.Fatal("a key committed is not seen")
			}
		}
	})
}

func openBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "m.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
