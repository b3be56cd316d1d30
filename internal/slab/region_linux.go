package slab

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// region maps a region aligned to its size, so that the kernel can back it
// with one huge page, and asks it to (MADV_HUGEPAGE: transparent huge pages
// are often enabled only where asked). The mapping is anonymous and
// private, and never unmapped.
func region() []byte {
	p, err := unix.MmapPtr(-1, 0, nil, 2*regionSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return make([]byte, regionSize)
	}
	// Keep the aligned region; give back what lies before and after it.
	off := (regionSize - uintptr(p)%regionSize) % regionSize
	if off > 0 {
		unix.MunmapPtr(p, off)
	}
	start := unsafe.Add(p, off)
	unix.MunmapPtr(unsafe.Add(start, regionSize), regionSize-off)
	r := unsafe.Slice((*byte)(start), regionSize)
	unix.Madvise(r, unix.MADV_HUGEPAGE) // advice only: else ordinary pages
	return r
}
