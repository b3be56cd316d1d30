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
// released by Close, or by the process's end however it ends.
func (s *Store) Serve() error {
	if s.serving {
		return nil // held already
	}
	f, err := s.lockFile()
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("store %s: another mamori serve is using it (one serve per store)", s.path)
		}
		return fmt.Errorf("store %s: locking it: %w", s.path, err)
	}
	s.serving = true
	return nil
}

// notServed takes the store for an upgrade from schema from, refusing it
// while a serve holds it: that serve is an older mamori's (this one's
// upgrades before it serves), and it would go on writing the keys of its
// schema into the upgraded store, where this mamori can match none of
// them (first_seen fires again) and the file shows them unkeyed. The lock
// is shared, so processes upgrading together do not refuse each other;
// release drops it.
func (s *Store) notServed(from int) (release func(), err error) {
	f, err := s.lockFile()
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store %s: a mamori serve is using it, an older one (schema %d): stop it before this mamori upgrades the store to schema %d", s.path, from, schemaVersion)
		}
		return nil, fmt.Errorf("store %s: locking it for the upgrade: %w", s.path, err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }, nil
}

// lockFile opens the store's file for flock(2), once. The descriptor is
// kept until the database is closed: closing any descriptor of a file
// drops the process's POSIX locks on it, SQLite's.
func (s *Store) lockFile() (*os.File, error) {
	if s.lock == nil {
		f, err := os.Open(s.path)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", s.path, err)
		}
		s.lock = f
	}
	return s.lock, nil
}
