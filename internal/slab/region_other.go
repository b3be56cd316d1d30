//go:build !linux

package slab

// region allocates a region from the heap where no huge pages are asked
// for: the pool keeps it, so it is still allocated once.
func region() []byte { return make([]byte, regionSize) }
