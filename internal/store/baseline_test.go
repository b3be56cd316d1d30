package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A first_seen rule may group by a command line, and a command line may
// carry a secret: the store keeps a key's hash, never the key, in the
// database and its journal, while open and once closed; the next process
// still sees the key.
func TestBaselineKeepsNoKeyInClear(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	const secret = "Zx8Q~sp-secret-4f1c"
	key := "az login --service-principal -u app -p " + secret + " --tenant t"
	s := open(t, path)
	b := s.Baseline(ctx)
	b.Record("t1", "first_command", key, t0)
	if _, err := s.Commit(ctx, Cycle{Baseline: b}); err != nil {
		t.Fatal(err)
	}
	noneHolds(t, dir, secret)
	s.Close()
	noneHolds(t, dir, secret)

	s = open(t, path)
	b = s.Baseline(ctx)
	if last, ok := b.Seen("t1", "first_command", key); !ok || !last.Equal(t0) {
		t.Errorf("the key committed: seen %v at %v, want seen at %v", ok, last, t0)
	}
	if _, ok := b.Seen("t1", "first_command", key+" "); ok {
		t.Error("another key is seen")
	}
}

// A version 8 store kept baseline keys in clear (and had no salt). Opening
// it hashes them in place, leaving no key's text in the file (with a few hundred keys,
// SQLite would leave a deleted key's text in its page); a key seen before
// is seen after, with its time, and is the same key a later cycle records
// (one row, not two). A second opening changes nothing.
func TestUpgradeHashesTheBaselineKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	const secret = "Hunter2-db-password"
	key := "mysql -u root -p" + secret + " billing"
	s := open(t, path)
	if _, err := s.db.ExecContext(ctx, `DROP TABLE meta; DROP TABLE baseline;
		CREATE TABLE baseline (tenant TEXT NOT NULL, rule TEXT NOT NULL, key TEXT NOT NULL, last_seen INTEGER NOT NULL,
			PRIMARY KEY (tenant, rule, key)) WITHOUT ROWID;
		PRAGMA user_version = 8`); err != nil {
		t.Fatal(err)
	}
	const others = 300
	for i := range others {
		if _, err := s.db.ExecContext(ctx, "INSERT INTO baseline VALUES ('t1', 'first_command', ?, ?)", fmt.Sprintf("/usr/bin/job --run %04d", i), t0.UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO baseline VALUES ('t1', 'first_command', ?, ?), ('t1', 'first_region', 'eastus', ?)",
		key, t0.UnixNano(), t0.UnixNano()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if !holds(t, dir, secret) {
		t.Fatal("the version 8 store does not hold its key in clear: nothing to upgrade")
	}

	s = open(t, path)
	var v, text int
	if err := s.db.QueryRowContext(ctx, "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM baseline WHERE typeof(key) != 'blob')").Scan(&v, &text); err != nil {
		t.Fatal(err)
	}
	if v != schemaVersion || text != 0 {
		t.Errorf("after the upgrade: version %d, %d keys not hashed; want %d, 0", v, text, schemaVersion)
	}
	b := s.Baseline(ctx)
	if last, ok := b.Seen("t1", "first_command", key); !ok || !last.Equal(t0) {
		t.Errorf("the key kept before the upgrade: seen %v at %v, want seen at %v", ok, last, t0)
	}
	if _, ok := b.Seen("t1", "first_region", "eastus"); !ok {
		t.Error("the other key kept before the upgrade is not seen")
	}
	b.Record("t1", "first_command", key, t0.Add(time.Hour))
	if _, err := s.Commit(ctx, Cycle{Baseline: b}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM baseline WHERE typeof(key) = 'blob'").Scan(&n); err != nil || n != others+2 {
		t.Errorf("%d hashed keys (%v), want %d: the upgrade's hash is not the one recorded", n, err, others+2)
	}
	s.Close()
	noneHolds(t, dir, secret)

	s = open(t, path)
	if last, ok := s.Baseline(ctx).Seen("t1", "first_command", key); !ok || !last.Equal(t0.Add(time.Hour)) {
		t.Errorf("opened again: seen %v at %v, want seen at %v", ok, last, t0.Add(time.Hour))
	}
}

// holds reports whether a file of the store in dir (the database, its
// journal) holds secret.
func holds(t *testing.T, dir, secret string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no store in %s (%v)", dir, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Logf("%s holds the secret", filepath.Base(f))
			return true
		}
	}
	return false
}

func noneHolds(t *testing.T, dir, secret string) {
	t.Helper()
	if holds(t, dir, secret) {
		t.Error("a baseline key is in the store's files in clear")
	}
}
