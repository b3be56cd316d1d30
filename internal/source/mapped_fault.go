package source

import (
	"fmt"
	"runtime/debug"
	"unsafe"

	"github.com/mamori-sec/mamori/internal/event"
)

// A mapped file that shrinks while it is read (truncated or rewritten in
// place) faults on the pages past its new end: with debug.SetPanicOnFault
// the fault is a panic, recovered here and reported like any unreadable
// part of a file, rather than the end of the whole hunt.

// linesInPlace reads a batch of mapped lines. Should the file shrink
// meanwhile (truncated, rewritten), its pages past the new end fault: the
// rest of the batch is reported, not a crash.
func (w *worker) linesInPlace(b *batch) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !isFault(r, b.data) {
				panic(r)
			}
			w.t.records++
			w.skip(event.Location{File: w.file, Offset: b.baseOff}, errChanged)
		}
	}()
	w.lines(b)
}

// errChanged is the error for a mapped file that shrank as it was read.
var errChanged = fmt.Errorf("the file shrank while it was read (truncated or rewritten?): part of it not read: %w", ErrTruncated)

// isFault reports whether a recovered panic is a memory fault inside b
// (debug.SetPanicOnFault makes it a runtime.Error with the address):
// any other panic is a bug, and goes on.
func isFault(r any, b []byte) bool {
	f, ok := r.(interface{ Addr() uintptr })
	if !ok || len(b) == 0 {
		return false
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return f.Addr() >= start && f.Addr()-start < uintptr(len(b))
}
