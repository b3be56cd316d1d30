//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Serve takes the store for one serving process: two serving the same
// store at once would each hunt every file and add every count twice.
// The lock is flock(2) on the store's own file, which SQLite's own locks
// (fcntl) do not meet; readers (mamori alerts, status) take none. It is
// released by Close, or by the process's end however it ends. The
// descriptor is kept open until the database is closed: closing any
// descriptor of a file drops the process's POSIX locks on it, SQLite's.
func (s *Store) Serve() error {
	if s.lock != nil {
		return nil // held already
	}
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("store %s: another mamori serve is using it (one serve per store)", s.path)
		}
		return fmt.Errorf("store %s: locking it: %w", s.path, err)
	}
	s.lock = f
	return nil
}
