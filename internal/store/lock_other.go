//go:build !unix

package store

// Serve takes the store for one serving process where the system offers
// flock(2); elsewhere it takes nothing, and running two serves on one
// store is the operator's to avoid.
func (s *Store) Serve() error { return nil }
