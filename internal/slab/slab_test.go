package slab

import (
	"testing"
	"unsafe"
)

func TestBuffersAreDistinctAndReused(t *testing.T) {
	p := For(256 << 10)
	if For(256<<10) != p {
		t.Fatal("For gave two pools for one size")
	}
	before := Out()
	var bufs [][]byte
	for range 2 * regionSize / p.Size() { // two regions' worth
		b := p.Get()
		if len(b) != 0 || cap(b) != p.Size() {
			t.Fatalf("Get: len %d cap %d, want 0 and %d", len(b), cap(b), p.Size())
		}
		bufs = append(bufs, b[:cap(b)])
	}
	if got := Out() - before; got != int64(len(bufs)*p.Size()) {
		t.Errorf("Out grew by %d, want %d", got, len(bufs)*p.Size())
	}
	// Distinct: writing one leaves the others as they were.
	for i, b := range bufs {
		for j := range b {
			b[j] = byte(i)
		}
	}
	for i, b := range bufs {
		if b[0] != byte(i) || b[len(b)-1] != byte(i) {
			t.Fatalf("buffer %d overlaps another", i)
		}
	}
	last := bufs[len(bufs)-1]
	p.Put(last)
	if again := p.Get(); unsafe.SliceData(again) != unsafe.SliceData(last) {
		t.Error("a buffer put back was not handed out again")
	}
	p.Put(make([]byte, 10)) // not the pool's: left alone
	for _, b := range bufs {
		p.Put(b)
	}
	if Out() != before {
		t.Errorf("Out is %d after every buffer came back, want %d", Out(), before)
	}
}

func TestForRefusesSizesThatDoNotDivideARegion(t *testing.T) {
	for _, n := range []int{0, -1, 3 << 20, 3000} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("For(%d) did not panic", n)
				}
			}()
			For(n)
		}()
	}
}
