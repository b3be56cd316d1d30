package source

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f read-only. The mapping outlives f.
func mapFile(f *os.File, size int64) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
}

// dropPages takes the pages of b (page-aligned, inside a mapping) out of
// the process: they stay in the page cache, and would be read from there
// again if touched, but no longer count as the process's memory.
func dropPages(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }

// unmapFile removes a mapping made by mapFile.
func unmapFile(b []byte) { _ = syscall.Munmap(b) }
