// Package slab hands out byte buffers of one size, carved from regions of
// 2 MiB that stay with the process and are reused, outside the garbage
// collector's heap.
//
// The hunt's large buffers (the chunks of input the workers read, the
// blocks that hold kept hits) are few, long-lived and rewritten again and
// again. In Go's heap they raised the collector's goal by their own size
// (it doubles the live heap), and the heap grew into fresh pages: on the
// virtual machines this project is measured on a page's first touch costs
// about 18 µs, and the 1 GiB benchmark's hunt took 11 thousand of them.
// Here the regions are mapped once and, on Linux, asked to be backed by
// huge pages (one fault for 2 MiB instead of 512); elsewhere, or when the
// mapping fails, they are ordinary allocations, kept as well.
package slab

import (
	"sync"
	"sync/atomic"
)

// regionSize is the size of the regions buffers are carved from: a huge
// page on x86-64 and arm64 Linux.
const regionSize = 2 << 20

// Pool hands out buffers of one size. Its memory is never given back: it
// holds as many buffers as were ever out at once.
type Pool struct {
	size int
	mu   sync.Mutex
	free [][]byte
}

var (
	poolsMu sync.Mutex
	pools   = map[int]*Pool{}
	out     atomic.Int64 // bytes of buffers handed out and not put back
)

// Out is how many bytes of buffers, all pools together, are out: what
// the process holds in them besides its heap (tests of memory read it).
func Out() int64 { return out.Load() }

// For returns the pool of buffers of size bytes, which must divide the
// region size (a power of two up to 2 MiB, or an even share of it).
func For(size int) *Pool {
	if size <= 0 || size > regionSize || regionSize%size != 0 {
		panic("slab: size must divide 2 MiB")
	}
	poolsMu.Lock()
	defer poolsMu.Unlock()
	p := pools[size]
	if p == nil {
		p = &Pool{size: size}
		pools[size] = p
	}
	return p
}

// Size is the capacity of the pool's buffers.
func (p *Pool) Size() int { return p.size }

// Get returns an empty buffer of capacity Size. Its bytes are those it
// held when it was put back (zero when new).
func (p *Pool) Get() []byte {
	out.Add(int64(p.size))
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return b
	}
	r := region()
	for off := p.size; off < len(r); off += p.size {
		p.free = append(p.free, r[off:off:off+p.size])
	}
	return r[:0:p.size]
}

// Put gives a buffer back for reuse; nothing may use it afterwards. A
// buffer of another capacity (not the pool's) is left to the collector.
func (p *Pool) Put(b []byte) {
	if cap(b) != p.size {
		return
	}
	out.Add(-int64(p.size))
	p.mu.Lock()
	p.free = append(p.free, b[:0])
	p.mu.Unlock()
}
