//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A new mamori opening a schema 9 store an older serve is serving (mamori
// status run after an upgrade, the service not yet restarted) refuses to
// upgrade it under the serve, which would go on writing unkeyed hashes
// into it, and says why; once that serve has stopped, the store is
// upgraded and keeps its baseline.
func TestUpgradeWaitsForAnOlderServe(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mamori.db")
	s := openSchema9(t, path)
	sch9{s}.Record("t1", "first_region", "eastus", t0)
	s.Close()
	// The older serve: its lock, as its Serve took it.
	older, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer older.Close()
	if err := syscall.Flock(int(older.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(ctx, path); err == nil {
		s.Close()
		t.Fatal("a store an older serve holds was upgraded under it")
	} else if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "older") {
		t.Errorf("Open beside an older serve = %v, want an error naming the store and the older serve", err)
	}
	older.Close()
	s = open(t, path)
	if _, ok := s.Baseline(ctx).Seen("t1", "first_region", "eastus"); !ok {
		t.Error("upgraded once the older serve stopped: the key kept before is not seen")
	}
	if err := s.Serve(); err != nil {
		t.Errorf("serving the upgraded store: %v", err)
	}
}
