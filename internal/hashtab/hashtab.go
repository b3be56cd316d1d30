// Package hashtab provides a bounded table keyed by 64-bit hashes, for
// what a hunt learns of many resources or operations: starts, failed
// creates, compute operations. Their keys are already hashes (seeded, or
// HMACs), so the table stores each as it is, in a flat array, with no
// pointers for the collector to follow: a slot takes the key's 8 bytes
// and the value's, where Go's map rounds a uint64 → uint8 slot up to 16
// and grows its tables unevenly. Past its bound a table refuses new keys,
// so a log of endless resources cannot grow it.
package hashtab

import (
	"iter"
	"math/bits"
	"math/rand/v2"
)

// Table maps uint64 keys to values of V. The zero Table is empty and
// holds no more than 1<<16 keys; set Max before the first Put for
// another bound. It is not safe for concurrent use.
type Table[V any] struct {
	Max int

	keys []uint64 // 0: an empty slot
	vals []V
	n    int
	// Key 0 lives beside the slots, which use 0 for empty.
	zero    bool
	zeroVal V
	// The slot of a key is its mix with this table's random seeds: keys
	// may come from a log's writer (an unseeded hash of a correlation
	// id), who could otherwise pick many for one run of slots.
	xor, mul uint64
}

const defaultMax = 1 << 16

// Len is the number of keys held. Len, Get and All take a nil *Table
// as empty, as Go's maps do a nil map.
func (t *Table[V]) Len() int {
	if t == nil {
		return 0
	}
	if t.zero {
		return t.n + 1
	}
	return t.n
}

// Full reports whether the table is at its bound: a new key is refused.
func (t *Table[V]) Full() bool { return t.Len() >= t.max() }

func (t *Table[V]) max() int {
	if t.Max > 0 {
		return t.Max
	}
	return defaultMax
}

// Get is k's value, and whether k is held.
func (t *Table[V]) Get(k uint64) (V, bool) {
	if t == nil {
		var none V
		return none, false
	}
	if k == 0 {
		return t.zeroVal, t.zero
	}
	if i, ok := t.find(k); ok {
		return t.vals[i], true
	}
	var none V
	return none, false
}

// Put sets k's value. It reports false, and keeps nothing, when k is new
// and the table is full.
func (t *Table[V]) Put(k uint64, v V) bool {
	if k == 0 {
		if !t.zero && t.Full() {
			return false
		}
		t.zero, t.zeroVal = true, v
		return true
	}
	i, ok := t.find(k)
	switch {
	case ok:
		t.vals[i] = v
		return true
	case t.Full():
		return false
	case (t.n+1)*4 > len(t.keys)*3:
		// Grow past three quarters full: a lookup of an absent key then
		// probes about eight slots on average.
		t.grow()
		t.place(k, v)
	default:
		t.keys[i], t.vals[i] = k, v // the empty slot that ended k's run
	}
	t.n++
	return true
}

// All yields every key and its value, in no order.
func (t *Table[V]) All() iter.Seq2[uint64, V] {
	return func(yield func(uint64, V) bool) {
		if t == nil {
			return
		}
		if t.zero && !yield(0, t.zeroVal) {
			return
		}
		for i, k := range t.keys {
			if k != 0 && !yield(k, t.vals[i]) {
				return
			}
		}
	}
}

// find is the slot holding k (not 0), if any, else the empty slot its
// run of slots ends at (-1 when the table has none yet).
func (t *Table[V]) find(k uint64) (int, bool) {
	if len(t.keys) == 0 {
		return -1, false
	}
	for i := t.slot(k); ; i = t.next(i) {
		switch t.keys[i] {
		case k:
			return i, true
		case 0:
			return i, false
		}
	}
}

// slot is where k's run of slots begins: its mix scaled to the slots
// (the high word of the product), which needs no power of two.
func (t *Table[V]) slot(k uint64) int {
	hi, _ := bits.Mul64((k^t.xor)*t.mul, uint64(len(t.keys)))
	return int(hi)
}

func (t *Table[V]) next(i int) int {
	if i++; i == len(t.keys) {
		return 0
	}
	return i
}

// grow doubles the slots (64 at first), but to no more than the bound
// needs, and places every key again: a table at its bound is three
// quarters full, not between three eighths and three quarters.
func (t *Table[V]) grow() {
	keys, vals := t.keys, t.vals
	size := min(max(64, 2*len(keys)), t.max()*4/3+1)
	if t.mul == 0 {
		t.xor, t.mul = rand.Uint64(), rand.Uint64()|1
	}
	t.keys, t.vals = make([]uint64, size), make([]V, size)
	for i, k := range keys {
		if k != 0 {
			t.place(k, vals[i])
		}
	}
}

// place puts k, held nowhere, in the first empty slot of its run.
func (t *Table[V]) place(k uint64, v V) {
	j := t.slot(k)
	for t.keys[j] != 0 {
		j = t.next(j)
	}
	t.keys[j], t.vals[j] = k, v
}

// Keep drops every key for which keep reports false: a table at its
// bound makes room by what its user no longer needs most.
func (t *Table[V]) Keep(keep func(k uint64, v V) bool) {
	if t.zero && !keep(0, t.zeroVal) {
		var none V
		t.zero, t.zeroVal = false, none
	}
	keys, vals := t.keys, t.vals
	t.keys, t.vals, t.n = make([]uint64, len(keys)), make([]V, len(keys)), 0
	for i, k := range keys {
		if k != 0 && keep(k, vals[i]) {
			t.place(k, vals[i])
			t.n++
		}
	}
}
