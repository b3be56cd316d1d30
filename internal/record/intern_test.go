package record

import (
	"strings"
	"testing"
	"unsafe"
)

// TestCachesOwnTheirText checks Lower, Intern and LowerCopy against the
// standard library, and that what they return and keep never shares the
// memory of the view they were given: the decoders pass views of parser
// memory that the next record overwrites.
func TestCachesOwnTheirText(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE",
		"microsoft.compute/virtualmachines/write", // already lower case
		"Succeeded.OK",
		"/SUBSCRIPTIONS/5C3F0E2A/RESOURCEGROUPS/RG-İSTANBUL", // not ASCII
		"Kelvin \u212a",
		strings.Repeat("A", maxInternedLen+1), // too long to keep
	}
	var sc Scratch
	for _, in := range inputs {
		for round := range 2 { // the second round reads from the caches
			buf := []byte(in)
			view := unsafe.String(unsafe.SliceData(buf), len(buf))
			lower, interned, copied := sc.Lower(view), sc.Intern(view), LowerCopy(view)
			for i := range buf {
				buf[i] = '#' // the parser reuses its memory
			}
			want := strings.ToLower(in)
			if lower != want || copied != want {
				t.Errorf("round %d: Lower(%q) = %q, LowerCopy = %q; want %q", round, in, lower, copied, want)
			}
			if interned != in {
				t.Errorf("round %d: Intern(%q) = %q", round, in, interned)
			}
		}
	}
	if sc.Lower("") != "" || sc.Intern("") != "" || LowerCopy("") != "" {
		t.Error("empty text is not returned empty")
	}
}

// TestInternShares checks that a repeated value is returned as the same
// string, which is what saves the allocation.
func TestInternShares(t *testing.T) {
	t.Parallel()
	var sc Scratch
	a := sc.Intern(string([]byte("eastus2")))
	b := sc.Intern(string([]byte("eastus2")))
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("Intern copied a value it had seen")
	}
	l1 := sc.Lower(string([]byte("Microsoft.Compute/virtualMachines/write")))
	l2 := sc.Lower(string([]byte("Microsoft.Compute/virtualMachines/write")))
	if unsafe.StringData(l1) != unsafe.StringData(l2) {
		t.Error("Lower lowered a value it had seen again")
	}
}

// TestLowerCopyEveryPosition checks the eight-bytes-at-a-time lowering with
// each letter and the bytes next to A and Z at every position of words
// and tails.
func TestLowerCopyEveryPosition(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 19; n++ {
		for pos := range n {
			for _, c := range "AZ@[az09/-" {
				b := []byte(strings.Repeat("q", n))
				b[pos] = byte(c)
				if got, want := LowerCopy(string(b)), strings.ToLower(string(b)); got != want {
					t.Errorf("LowerCopy(%q) = %q, want %q", b, got, want)
				}
			}
		}
	}
}
