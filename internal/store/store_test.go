package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// What a cycle commits is what the next process finds: alerts once,
// baseline keys with their latest time, the earliest event per tenant,
// checkpoints.
func TestCommitThenReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	b := s.Baseline(ctx)
	b.Record("t1", "new_region", "westeurope", t0.Add(time.Hour))
	b.Record("t1", "new_region", "westeurope", t0) // older: the latest stays
	b.Record("t1", "new_region", "eastus", t0)
	b.Record("t2", "new_region", "eastus", t0)
	a := alert.Alert{ID: "a1", Rule: "azure.compute.gpu_created", Tenant: "t1", Time: t0, Severity: alert.High, Summary: "GPU <b>"}
	cp := Checkpoint{Path: "/logs/PT1H.json", Size: 100, ModTime: t0, Offset: 90, Line: 4, Lines: true, Head: "0123abcd"}
	fresh, err := s.Commit(ctx, Cycle{Alerts: []alert.Alert{a}, Since: map[string]time.Time{"t1": t0.Add(time.Hour)},
		Checkpoints: []Checkpoint{cp}, Baseline: b})
	if err != nil || len(fresh) != 1 {
		t.Fatalf("first commit: %v, %d fresh", err, len(fresh))
	}
	// The same alert again, and an earlier start for t1.
	fresh, err = s.Commit(ctx, Cycle{Alerts: []alert.Alert{a}, Since: map[string]time.Time{"t1": t0}})
	if err != nil || len(fresh) != 0 {
		t.Fatalf("second commit: %v, %d fresh; a stored alert is not new", err, len(fresh))
	}
	s.Close()

	s = open(t, path)
	b = s.Baseline(ctx)
	if last, ok := b.Seen("t1", "new_region", "westeurope"); !ok || !last.Equal(t0.Add(time.Hour)) {
		t.Errorf("westeurope last seen %v %v, want %v", last, ok, t0.Add(time.Hour))
	}
	if _, ok := b.Seen("t1", "other_rule", "westeurope"); ok {
		t.Error("a key of one rule is seen by another")
	}
	if _, ok := b.Seen("t3", "new_region", "eastus"); ok {
		t.Error("a key of one tenant is seen by another")
	}
	since, err := s.Since(ctx)
	if err != nil || !since["t1"].Equal(t0) || len(since) != 1 {
		t.Errorf("since %v %v, want t1 at %v", since, err, t0)
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil || cps[cp.Path] != cp {
		t.Errorf("checkpoint %+v %v, want %+v", cps[cp.Path], err, cp)
	}
	as, err := s.Alerts(ctx, t0)
	if err != nil || len(as) != 1 || as[0].Summary != a.Summary || as[0].Severity != alert.High {
		t.Errorf("alerts %+v %v", as, err)
	}
}

// Forgotten keys leave the file too, so the baseline stays the size of
// its window.
func TestForgetPrunesTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	b := s.Baseline(ctx)
	b.Record("t", "r", "old", t0)
	b.Record("t", "r", "new", t0.Add(20*24*time.Hour))
	if _, err := s.Commit(ctx, Cycle{Baseline: b}); err != nil {
		t.Fatal(err)
	}
	b.Forget("t", "r", t0.Add(24*time.Hour))
	if _, err := s.Commit(ctx, Cycle{Baseline: b}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM baseline").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d keys in the file (%v), want 1", n, err)
	}
	if _, ok := s.Baseline(ctx).Seen("t", "r", "new"); !ok {
		t.Error("the key inside the window was pruned")
	}
}

// A commit that fails writes nothing, and the baseline forgets what the
// cycle recorded: the cycle will be read again, and must fire again.
func TestFailedCommitWritesNothing(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	b := s.Baseline(ctx)
	b.Record("t", "r", "k", t0)
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Commit(done, Cycle{Baseline: b, Alerts: []alert.Alert{{ID: "x", Time: t0}}}); err == nil {
		t.Fatal("a commit under a cancelled context succeeded")
	}
	if _, ok := b.Seen("t", "r", "k"); ok {
		t.Error("the uncommitted key is still seen")
	}
	if as, _ := s.Alerts(ctx, time.Time{}); len(as) != 0 {
		t.Errorf("%d alerts stored by a failed commit", len(as))
	}
}

func TestOpenRefusesWhatIsNotAStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello, this is not a database, just some text that is long enough"), 0o644)
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE x (y)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	newer := filepath.Join(dir, "newer.db")
	db, _ = sql.Open("sqlite", newer)
	db.Exec("PRAGMA user_version = 99")
	db.Close()
	for path, want := range map[string]string{
		text:  "not a mamori store",
		other: "not a mamori store",
		newer: "newer mamori",
		dir:   "is a folder",
	} {
		_, err := Open(ctx, path)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%s) = %v, want an error naming the file and %q", filepath.Base(path), err, want)
		}
	}
}

// A store that cannot be created where it is asked for (its folder is
// missing) says so, rather than that the file is not a mamori store.
func TestOpenWhereNoStoreCanBeCreated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-folder", "mamori.db")
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "cannot open or create") ||
		strings.Contains(err.Error(), "not a mamori store") {
		t.Errorf("Open in a missing folder = %v, want an error naming the file that says it cannot be created", err)
	}
}

// A path is a file's name, whatever it holds: SQLite reads the name as a
// URI, where '?' starts the parameters (the WAL pragma among them) and
// '#' ends the name.
func TestOpenOddPaths(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a?b.db", "c#d.db", "e%20f.db", "g h.db"} {
		path := filepath.Join(dir, name)
		s := open(t, path)
		var mode string
		if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("%s: journal mode %q (%v), want wal", name, mode, err)
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the store is not where it was asked for: %v", err)
		}
	}
}

// A baseline that could not be read fails its cycle's commit, and only
// that one: the next cycle reads it afresh (a transient failure must not
// stop every commit until a restart).
func TestBaselineReadFailureIsOneCycles(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	b := s.Baseline(ctx)
	if _, err := s.db.Exec("ALTER TABLE baseline RENAME TO gone"); err != nil {
		t.Fatal(err)
	}
	b.Seen("t", "r", "k")
	if _, err := s.Commit(ctx, Cycle{Baseline: b}); err == nil {
		t.Fatal("a cycle that could not read the baseline committed")
	}
	if _, err := s.db.Exec("ALTER TABLE gone RENAME TO baseline"); err != nil {
		t.Fatal(err)
	}
	b.Record("t", "r", "k", t0)
	if _, err := s.Commit(ctx, Cycle{Baseline: b}); err != nil {
		t.Fatalf("the next cycle's commit: %v", err)
	}
	if _, ok := s.Baseline(ctx).Seen("t", "r", "k"); !ok {
		t.Error("the next cycle's key was not stored")
	}
}

// A carried record's place read again holds what the file holds there
// now (a log rotated under the same name): its line and time are those
// of the last read, not of the first, so evidence points at the right
// line and the record is dropped when its own window has passed.
func TestCarriedRecordReadAgainIsUpdated(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	old := Carried{Path: "/logs/PT1H.json", Offset: 4096, Line: 3, Tenant: "t", Time: t0}
	now := Carried{Path: old.Path, Offset: old.Offset, Line: 9, Tenant: "t", Time: t0.Add(48 * time.Hour)}
	for _, c := range []Carried{old, now} {
		if _, err := s.Commit(ctx, Cycle{Carry: []Carried{c}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Commit(ctx, Cycle{Drop: map[string]time.Time{"t": t0.Add(24 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	cs, err := s.Carried(ctx)
	if err != nil || len(cs) != 1 || cs[0] != now {
		t.Errorf("carried %+v (%v), want %+v", cs, err, now)
	}
}

// Two processes started together on a new store (a cron job beside the
// service, two timers) both find it empty: one creates the schema, the
// other waits for it, and neither refuses the store.
func TestOpenNewStoreTogether(t *testing.T) {
	for range 5 {
		openTogether(t, filepath.Join(t.TempDir(), "m.db"))
	}
}

// openTogether opens the store at path from four goroutines at once, as
// processes started together would, and closes it; any Open's error fails
// the test.
func openTogether(t *testing.T, path string) {
	t.Helper()
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// A record carried for longer than its window and the lateness allowed
// (wall time) goes, even when its tenant sends nothing newer; carried
// again, the same record keeps when it was first carried, and another
// record at its place starts anew.
func TestStaleCarriedRecordsGo(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	wall := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	quiet := Carried{Path: "/logs/a.json", Offset: 0, Line: 1, Tenant: "quiet", Time: t0}
	again := Carried{Path: "/logs/b.json", Offset: 0, Line: 1, Tenant: "busy", Time: t0}
	moved := Carried{Path: "/logs/c.json", Offset: 0, Line: 1, Tenant: "busy", Time: t0}
	if _, err := s.Commit(ctx, Cycle{Now: wall, Carry: []Carried{quiet, again, moved}}); err != nil {
		t.Fatal(err)
	}
	// A day later: b's record is carried again as it was, c's place holds
	// another record now.
	later := wall.Add(24 * time.Hour)
	moved.Time = t0.Add(time.Hour)
	if _, err := s.Commit(ctx, Cycle{Now: later, Carry: []Carried{again, moved}, Stale: later.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	cs, err := s.Carried(ctx)
	if err != nil || len(cs) != 1 || cs[0] != moved {
		t.Errorf("carried %+v (%v), want only %+v", cs, err, moved)
	}
}

// A good store that cannot be opened now (the open cancelled by a stop)
// is not "not a mamori store": an operator told so might delete it.
func TestOpenThatFailsDoesNotDisownAStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mamori.db")
	open(t, path).Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Open(ctx, path)
	if err == nil || strings.Contains(err.Error(), "not a mamori store") || !strings.Contains(err.Error(), path) {
		t.Errorf("Open with a stopped context = %v, want an error naming the file that does not disown it", err)
	}
}

// One serve per store: a second finds it taken and says so, while a
// reader (mamori alerts, status) still opens it; closed, it is free again.
func TestOneServePerStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mamori.db")
	a := open(t, path)
	if err := a.Serve(); err != nil {
		t.Fatal(err)
	}
	if err := a.Serve(); err != nil {
		t.Errorf("the serve holding the store, asking again: %v", err)
	}
	b := open(t, path)
	if err := b.Serve(); err == nil || !strings.Contains(err.Error(), "another mamori serve") || !strings.Contains(err.Error(), path) {
		t.Errorf("a second serve of the store: %v, want it refused naming the store", err)
	}
	if _, err := b.Alerts(context.Background(), time.Time{}); err != nil {
		t.Errorf("a reader beside a serve: %v", err)
	}
	b.Close()
	a.Close()
	c := open(t, path)
	defer c.Close()
	if err := c.Serve(); err != nil {
		t.Errorf("the store after the serve closed it: %v", err)
	}
}

// An alert found again is kept as one with what the store held: an
// earlier record read late moves its time (the column --since reads too),
// and a body this mamori cannot read is left as it is, not a failed cycle.
func TestAlertFoundAgainIsMerged(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "mamori.db"))
	defer s.Close()
	t0 := time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC)
	ev := func(m int) alert.Evidence {
		return alert.Evidence{File: "PT1H.json", Line: m, Time: t0.Add(time.Duration(m) * time.Minute)}
	}
	first := alert.Alert{ID: "a1", Rule: "r", Tenant: "t1", Time: ev(10).Time, LastTime: ev(12).Time, Count: 2, Evidence: []alert.Evidence{ev(10), ev(12)}}
	late := alert.Alert{ID: "a1", Rule: "r", Tenant: "t1", Time: ev(5).Time, Count: 1, Evidence: []alert.Evidence{ev(5)}}
	for i, a := range []alert.Alert{first, late} {
		fresh, err := s.Commit(ctx, Cycle{Alerts: []alert.Alert{a}})
		if err != nil || len(fresh) != 1-i {
			t.Fatalf("cycle %d: %d fresh, %v", i, len(fresh), err)
		}
	}
	got, err := s.Alerts(ctx, ev(6).Time)
	if err != nil || len(got) != 0 {
		t.Errorf("--since after the late record: %d alerts, %v; want none (the alert now begins before)", len(got), err)
	}
	got, err = s.Alerts(ctx, time.Time{})
	if err != nil || len(got) != 1 || got[0].Count != 3 || !got[0].Time.Equal(ev(5).Time) || !got[0].LastTime.Equal(ev(12).Time) {
		t.Fatalf("stored %+v, %v; want one alert of 3 records from 01:05 to 01:12", got, err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE alerts SET body = '{"count":"many"' WHERE id = 'a1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, Cycle{Alerts: []alert.Alert{first}}); err != nil {
		t.Errorf("a stored body that cannot be read stops the cycle: %v", err)
	}
}
