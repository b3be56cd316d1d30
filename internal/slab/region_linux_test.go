package slab

import (
	"testing"
	"unsafe"
)

// A region is aligned to its size: only then can one huge page back it.
func TestRegionsAreAligned(t *testing.T) {
	for range 4 {
		r := region()
		if len(r) != regionSize {
			t.Fatalf("region of %d bytes, want %d", len(r), regionSize)
		}
		if a := uintptr(unsafe.Pointer(unsafe.SliceData(r))); a%regionSize != 0 {
			t.Errorf("region at %#x, not aligned to %d", a, regionSize)
		}
		r[0], r[len(r)-1] = 1, 1 // mapped, writable
	}
}
