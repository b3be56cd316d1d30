package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/source"
)

// isStore asks the hunt's own reader what the file at path is.
func isStore(t *testing.T, path string) bool {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	kind, _, err := source.Sniff(source.FileSection(path, 0, st.Size(), 1), source.DefaultLimits())
	if err != nil {
		t.Logf("%s: %v", path, err)
	}
	return kind == "mamori-store"
}

// A hunt over the folder serve watches, its store kept there, must know
// the store for mamori's own and not report it as a log it could not read:
// the store says so in its header's application_id, new or upgraded.
func TestStoreIsKnownByItsHeader(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mamori.db")
	s := open(t, path)
	if !isStore(t, path) {
		t.Error("a new store, open: not known for one")
	}
	// As a store of schema 8 was: no application_id.
	if _, err := s.db.ExecContext(ctx, "PRAGMA application_id = 0; PRAGMA user_version = 8"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if isStore(t, path) {
		t.Fatal("a store without the application id known for one: the test sees nothing")
	}
	open(t, path).Close()
	if !isStore(t, path) {
		t.Error("an upgraded store: not known for one")
	}

	other := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if isStore(t, other) {
		t.Error("another SQLite database taken for a store")
	}
}
