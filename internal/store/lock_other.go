//go:build !unix

package store

// Serve takes the store for one serving process where the system offers
// flock(2); elsewhere it takes nothing, and running two serves on one
// store is the operator's to avoid.
func (s *Store) Serve() error { return nil }

// notServed cannot tell a serve holding the store where there is no
// flock(2): stopping an older mamori's serve before upgrading its store
// is the operator's to do.
func (s *Store) notServed(int) (release func(), err error) { return func() {}, nil }
