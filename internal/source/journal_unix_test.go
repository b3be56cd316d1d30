//go:build unix

package source

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The walk passes over SQLite's files beside a database without opening
// the database or its shared memory: inside serve, closing any descriptor
// of its store would drop SQLite's locks on it. Here the database is a
// named pipe, which an open would block on for ever.
func TestJournalsPassedOverWithoutOpeningTheDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "mamori.db"), 0o600); err != nil {
		t.Skip("no named pipe here:", err)
	}
	for name, b := range map[string][]byte{
		"mamori.db-wal":     {0x37, 0x7f, 0x06, 0x82, 0, 0x2d, 0xe2, 0x18},
		"mamori.db-shm":     make([]byte, 64),
		"mamori.db-journal": {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7},
		"other-wal":         []byte(`{"time":"2026-03-14T01:00:00Z"}` + "\n"), // no database beside it: a log
		"x.db":              []byte("SQLite format 3\x00"),
		"x.db-wal":          []byte(`{"a log named like a WAL":1}` + "\n"), // not a WAL's header
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan []Input)
	go func() {
		found, _ := walk(dir)
		done <- found
	}()
	select {
	case found := <-done:
		var names []string
		for _, in := range found {
			names = append(names, filepath.Base(in.Name))
		}
		want := []string{"other-wal", "x.db", "x.db-wal"} // a pipe is not walked
		if len(names) != len(want) {
			t.Fatalf("walk found %q, want %q", names, want)
		}
		for i := range want {
			if names[i] != want[i] {
				t.Fatalf("walk found %q, want %q", names, want)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the walk opened the database (a pipe here) and blocked")
	}
}
