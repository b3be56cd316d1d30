package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/source"
)

// A hunt over the folder serve watches, its store kept there, must know
// the store for mamori's own and not report it as a log it could not read:
// the store says so in its header's application_id, new or upgraded.
func TestStoreIsKnownByItsHeader(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mamori.db")
	s := open(t, path)
	if !source.IsStore(path) {
		t.Error("a new store, open: not known for one")
	}
	// As a store of schema 8 was: no application_id.
	if _, err := s.db.ExecContext(ctx, "PRAGMA application_id = 0; PRAGMA user_version = 8"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if source.IsStore(path) {
		t.Fatal("a store without the application id known for one: the test sees nothing")
	}
	open(t, path).Close()
	if !source.IsStore(path) {
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
	if source.IsStore(other) {
		t.Error("another SQLite database taken for a store")
	}
}
