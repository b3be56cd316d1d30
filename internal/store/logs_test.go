package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// Each cycle's logs add up: records sum, the span widens, and the last
// arrival moves on only with a cycle that read new records; a time the
// cycle did not have (no event with a time) leaves the stored one.
func TestLogsAddUp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	wall := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) // beyond nanoseconds' range
	cycles := [][]LogSeen{
		{{Kind: "signin", Records: 10, First: t0.Add(time.Hour), Last: t0.Add(2 * time.Hour), Arrived: wall}},
		{{Kind: "signin", Records: 5, First: t0, Last: t0.Add(90 * time.Minute), Arrived: wall.Add(time.Hour)},
			{Kind: "process", Records: 3}},
		{{Kind: "signin", First: t0.Add(time.Minute), Last: far}}, // read again, nothing new
	}
	for _, c := range cycles {
		if _, err := s.Commit(ctx, Cycle{Logs: c}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	logs, err := open(t, path).Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]LogSeen{}
	for _, l := range logs {
		got[l.Kind] = l
	}
	want := map[string]LogSeen{
		"signin":  {Kind: "signin", Records: 15, First: t0, Last: far, Arrived: wall.Add(time.Hour)},
		"process": {Kind: "process", Records: 3},
	}
	if len(got) != len(want) {
		t.Fatalf("logs = %+v", logs)
	}
	for k, w := range want {
		g := got[k]
		if g.Records != w.Records || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) || !g.Arrived.Equal(w.Arrived) {
			t.Errorf("%s = %+v, want %+v", k, g, w)
		}
	}
}

// A store of schema 1 (before the logs table) is upgraded in place when
// opened, keeping what it holds.
func TestUpgradeFromSchema1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	if _, err := s.Commit(ctx, Cycle{Alerts: []alert.Alert{{ID: "a1", Rule: "r", Tenant: "t1", Time: t0, Severity: alert.High}}}); err != nil {
		t.Fatal(err)
	}
	// What version 1 was: this schema without its logs table.
	if _, err := s.db.ExecContext(ctx, "DROP TABLE logs; PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != schemaVersion {
		t.Errorf("user_version = %d (%v), want %d", v, err, schemaVersion)
	}
	if as, err := s.Alerts(ctx, time.Time{}); err != nil || len(as) != 1 {
		t.Errorf("alerts after the upgrade = %v (%v), want the one stored", as, err)
	}
	if _, err := s.Commit(ctx, Cycle{Logs: []LogSeen{{Kind: "activity", Records: 1}}}); err != nil {
		t.Errorf("a cycle after the upgrade: %v", err)
	}
}
