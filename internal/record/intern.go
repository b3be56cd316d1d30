package record

import (
	"encoding/binary"
	"hash/maphash"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// cacheSize is the number of entries in each cache of one Scratch (a power
// of two): enough for the operations, subscriptions, tenants, principals
// and resource types of a large tenant.
const cacheSize = 4096

// maxInternedLen bounds the length of a value kept in a cache: ids, names
// and operations are far shorter, and a hostile record's megabyte-long
// "operation" must not be kept.
const maxInternedLen = 512

// cache maps a text to the string the events share for it. It is direct
// mapped: a value whose slot another holds is computed again and takes the
// slot. This costs less per look-up than a map, and its size is fixed
// whatever the input.
type cache struct {
	seed    maphash.Seed
	entries []cacheEntry // allocated on first use
}

type cacheEntry struct{ key, val string }

// slot returns the entry v belongs in.
func (c *cache) slot(v string) *cacheEntry {
	if c.entries == nil {
		c.seed = maphash.MakeSeed()
		c.entries = make([]cacheEntry, cacheSize)
	}
	return &c.entries[maphash.String(c.seed, v)&(cacheSize-1)]
}

// Lower returns v in lower case. Values that repeat record after record
// (operation names, subscription ids, resource types) are lowered once and
// then shared, which saves an allocation and a pass per record. v may be a
// Peek view: what is kept or returned never aliases it.
func (s *Scratch) Lower(v string) string {
	if v == "" {
		return ""
	}
	e := s.lower.slot(v)
	if e.key == v {
		return e.val
	}
	l := LowerCopy(v)
	if len(v) <= maxInternedLen {
		// The key must be owned too; when v had no upper case, the
		// lowered copy serves as both.
		k := l
		if l != v {
			k = strings.Clone(v)
		}
		*e = cacheEntry{k, l}
	}
	return l
}

// LowerASCII is Lower(v) when v is plain ASCII; ok is false otherwise,
// for text whose case folding two readers would have to agree on.
func (s *Scratch) LowerASCII(v string) (string, bool) {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return "", false
		}
	}
	return s.Lower(v), true
}

// Intern returns a string equal to v that the event may keep, shared with
// earlier calls for the same text: the values every record repeats (a
// principal's UPN, a region, a result signature) then cost no allocation.
// v may be a Peek view; it is copied when first seen.
func (s *Scratch) Intern(v string) string {
	if v == "" {
		return ""
	}
	e := s.interned.slot(v)
	if e.key == v {
		return e.val
	}
	c := strings.Clone(v)
	if len(c) <= maxInternedLen {
		*e = cacheEntry{c, c}
	}
	return c
}

// InternBytes is Intern for bytes, such as text built in a stack buffer.
func (s *Scratch) InternBytes(b []byte) string {
	return s.Intern(unsafe.String(unsafe.SliceData(b), len(b)))
}

// LowerCopy returns v in lower case as a new string (one allocation, none
// when v is empty), never sharing v's memory: for values that rarely
// repeat, such as resource ids, read through a Peek view.
func LowerCopy(v string) string {
	if v == "" {
		return ""
	}
	b := append([]byte(nil), v...) // unlike make, not cleared before the copy
	// Eight bytes at a time: resource ids are long and mostly upper case
	// in diagnostic records.
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if x&highBits != 0 {
			return strings.ToLower(strings.Clone(v)) // not ASCII: Unicode case rules
		}
		binary.LittleEndian.PutUint64(b[i:], x|upperBytes(x)>>2) // 0x80>>2 is the case bit
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(strings.Clone(v))
		}
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// upperBytes has the high bit set in each byte of x that is in A-Z, for a
// word of eight ASCII bytes: adding 0x80-'A' sets a byte's high bit from
// 'A' up, adding 0x80-'Z'-1 from past 'Z', and ASCII bytes cannot carry
// into their neighbours.
func upperBytes(x uint64) uint64 {
	return (x + lowBits*(0x80-'A')) &^ (x + lowBits*(0x80-'Z'-1)) & highBits
}
