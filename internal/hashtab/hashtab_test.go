package hashtab

import (
	"math/rand/v2"
	"testing"
)

// TestTableAgreesWithMap puts and gets random keys, 0 and near neighbours
// among them, in a Table and a map, and checks they hold the same.
func TestTableAgreesWithMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, max := range []int{1, 7, 100, 5000} {
		tab := Table[uint32]{Max: max}
		want := map[uint64]uint32{}
		for i := 0; i < 4*max+50; i++ {
			var k uint64
			switch r.IntN(4) {
			case 0:
				k = 0
			case 1:
				k = uint64(r.IntN(64)) // small keys share high bits
			default:
				k = r.Uint64()
			}
			v := r.Uint32()
			_, had := want[k]
			ok := tab.Put(k, v)
			if ok != (had || len(want) < max) {
				t.Fatalf("max %d: Put(%d) = %v with %d held (had %v)", max, k, ok, len(want), had)
			}
			if ok {
				want[k] = v
			}
			for _, k := range []uint64{k, r.Uint64()} {
				w, inMap := want[k]
				if got, ok := tab.Get(k); ok != inMap || got != w {
					t.Fatalf("max %d: Get(%d) = %d, %v; map has %d, %v", max, k, got, ok, w, inMap)
				}
			}
		}
		if tab.Len() != len(want) || tab.Full() != (len(want) >= max) {
			t.Fatalf("max %d: Len %d Full %v, map holds %d", max, tab.Len(), tab.Full(), len(want))
		}
		seen := 0
		for k, v := range tab.All() {
			if w, ok := want[k]; !ok || w != v {
				t.Fatalf("max %d: All yields %d=%d, map has %d, %v", max, k, v, w, ok)
			}
			seen++
		}
		if seen != len(want) {
			t.Fatalf("max %d: All yields %d keys, want %d", max, seen, len(want))
		}
	}
}

// TestKeysOfOneSlotRun: keys a writer chose to share their low bits, as
// an unseeded hash of correlation ids lets them, are all kept and found.
func TestKeysOfOneSlotRun(t *testing.T) {
	var tab Table[bool]
	for i := uint64(1); i <= 3000; i++ {
		if !tab.Put(i<<40, true) {
			t.Fatalf("key %d refused", i)
		}
	}
	for i := uint64(1); i <= 3000; i++ {
		if _, ok := tab.Get(i << 40); !ok {
			t.Fatalf("key %d lost", i)
		}
	}
	if _, ok := tab.Get(3001 << 40); ok {
		t.Fatal("absent key found")
	}
}

// TestZeroTableBound: the zero Table stops at 1<<16 keys.
func TestZeroTableBound(t *testing.T) {
	var tab Table[struct{}]
	for k := uint64(1); tab.Put(k, struct{}{}); k++ {
	}
	if tab.Len() != 1<<16 || !tab.Full() {
		t.Fatalf("holds %d keys, want %d", tab.Len(), 1<<16)
	}
	if !tab.Put(5, struct{}{}) {
		t.Fatal("a held key refused when full")
	}
}

// TestKeep: the keys Keep keeps are all found again, the others are
// gone, and the room they leave takes new keys.
func TestKeep(t *testing.T) {
	tab := Table[uint64]{Max: 1000}
	for k := uint64(0); tab.Put(k, k); k++ {
	}
	tab.Keep(func(k, _ uint64) bool { return k%3 == 0 })
	if tab.Len() != 334 {
		t.Fatalf("kept %d keys, want 334", tab.Len())
	}
	for k := uint64(0); k < 1000; k++ {
		if v, ok := tab.Get(k); ok != (k%3 == 0) || ok && v != k {
			t.Fatalf("Get(%d) = %d, %v after Keep", k, v, ok)
		}
	}
	for k := uint64(1000); k < 1666; k++ {
		if !tab.Put(k, k) {
			t.Fatalf("Put(%d) refused with %d held", k, tab.Len())
		}
	}
	if !tab.Full() {
		t.Errorf("%d held after refilling, want full", tab.Len())
	}
}

// BenchmarkPutGet is the cost of a table at its bound: memory per key
// (B/op over Max keys) and time per put and get.
func BenchmarkPutGet(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	keys := make([]uint64, 1<<16)
	for i := range keys {
		keys[i] = r.Uint64()
	}
	b.ReportAllocs()
	for b.Loop() {
		var tab Table[uint64]
		for _, k := range keys {
			tab.Put(k, k)
		}
		for _, k := range keys {
			if v, _ := tab.Get(k); v != k {
				b.Fatal("lost", k)
			}
		}
	}
}
