package engine

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math/bits"

	"github.com/mamori-sec/mamori/internal/slab"
)

// entry is one encoded hit with its sort header read out, so sorting
// touches the record's bytes only to compare dedup keys.
type entry struct {
	sec  int64
	nsec int32
	rule int32
	rec  []byte
}

// entryOf reads the sort header of an encoded hit.
func entryOf(rec []byte) (entry, bool) {
	if len(rec) < headerLen {
		return entry{}, false
	}
	return entry{
		sec:  int64(binary.LittleEndian.Uint64(rec)),
		nsec: int32(binary.LittleEndian.Uint32(rec[8:])),
		rule: int32(binary.LittleEndian.Uint32(rec[12:])),
		rec:  rec,
	}, true
}

// in reports whether flags, one per rule, is set for the hit's rule (a
// garbled header's rule may be out of range: not set).
func (e entry) in(flags []bool) bool {
	return e.rule >= 0 && int(e.rule) < len(flags) && flags[e.rule]
}

// key is the hit's dedup key (a malformed record has none; decodeHit
// reports it).
func (e entry) key() []byte {
	k, _ := e.split()
	return k
}

// split cuts the encoded hit after its header into its dedup key and the
// rest, its body (both nil for a malformed record).
func (e entry) split() (key, body []byte) {
	b := e.rec[headerLen:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil
	}
	return b[k : k+int(n)], b[k+int(n):]
}

// byRecord orders hits for deduplication: the hits of one record under one
// rule become adjacent, earliest first. The last resort, the whole
// encoding, makes the copy kept among identical deliveries independent of
// which worker read which.
func byRecord(a, b entry) int {
	// Early returns, not cmp.Or: its arguments are all evaluated, and the
	// byte comparisons are what a sort should seldom reach.
	if c := cmp.Compare(a.rule, b.rule); c != 0 {
		return c
	}
	if c := bytes.Compare(a.key(), b.key()); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec), bytes.Compare(a.rec, b.rec))
}

// byTime is the order alerts and correlations read hits in: event time,
// then rule, then what the hit says (its group, where it was read...),
// then dedup key. The key comes last: a hashed key changes from run to
// run (dedupKey), and the order of hits must not.
func byTime(a, b entry) int {
	if c := cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec), cmp.Compare(a.rule, b.rule)); c != 0 {
		return c
	}
	ka, ba := a.split()
	kb, bb := b.split()
	if c := bytes.Compare(ba, bb); c != 0 {
		return c
	}
	return bytes.Compare(ka, kb)
}

// sameRecord says two hits are one record under one rule (a duplicate).
func sameRecord(a, b entry) bool { return a.rule == b.rule && bytes.Equal(a.key(), b.key()) }

// entrySize is what one entry costs besides its record, for the budget.
const entrySize = 48

// hitBuf holds encoded hits in memory. Records are copied into fixed-size
// blocks, never moved, so the entries' slices stay valid as it grows and
// the blocks are reused after a spill. The blocks come from a slab pool,
// outside the collector's heap (package slab says why): release gives
// them back once nothing reads the entries.
type hitBuf struct {
	blockSize int
	pool      *slab.Pool
	blocks    [][]byte
	next      int      // the block being filled
	large     [][]byte // records larger than a block, each on its own
	ents      []entry
	size      int // records plus entries, in bytes
}

func newHitBuf(budget int) *hitBuf {
	// A power of two, which divides a slab region.
	bs := 1 << (bits.Len(uint(min(max(budget/8, 4<<10), 1<<20))) - 1)
	return &hitBuf{blockSize: bs, pool: slab.For(bs)}
}

// add copies an encoded hit in.
func (b *hitBuf) add(rec []byte) {
	var dst []byte
	if len(rec) > b.blockSize {
		dst = append([]byte(nil), rec...)
		b.large = append(b.large, dst)
	} else {
		for b.next < len(b.blocks) && cap(b.blocks[b.next])-len(b.blocks[b.next]) < len(rec) {
			b.next++
		}
		if b.next == len(b.blocks) {
			b.blocks = append(b.blocks, b.pool.Get())
		}
		blk := b.blocks[b.next]
		n := len(blk)
		blk = append(blk, rec...)
		b.blocks[b.next] = blk
		dst = blk[n:len(blk):len(blk)]
	}
	e, _ := entryOf(dst) // callers encode a full header
	b.ents = append(b.ents, e)
	b.size += len(rec) + entrySize
}

// reset empties the buffer and keeps its blocks for reuse.
func (b *hitBuf) reset() {
	for i := range b.blocks {
		b.blocks[i] = b.blocks[i][:0]
	}
	clear(b.ents) // the slices would keep large records alive
	b.ents = b.ents[:0]
	b.large, b.next, b.size = nil, 0, 0
}

// release empties the buffer and gives its blocks back to the pool: no
// entry it handed out may be read afterwards. It may be called again.
func (b *hitBuf) release() {
	b.reset()
	for _, blk := range b.blocks {
		b.pool.Put(blk)
	}
	b.blocks = nil
}
