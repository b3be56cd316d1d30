package jsonwalk

import (
	"encoding/binary"
	"math/bits"
)

// A quote bitmap for the walker: bit i of word i/64 is set when byte i of
// a line is a double quote. In a line without a backslash every quote
// opens or closes a string, so the Walker finds a string's end by the
// next set bit instead of searching the text again for each string; most
// strings of a record are short, where a search costs more in its set-up
// than in its scan. The words are made sixteen bytes at a time (SSE2,
// which every amd64 processor has; quotes_amd64.s) or eight at a time in
// Go elsewhere.

// A line with a backslash (a quarter of an Activity Log export: the Start
// record of a write carries its request body as a JSON string, its quotes
// escaped) gets the bitmap too, the quotes a backslash escapes cleared
// (unescapeQuotes), so that its strings end at the next bit as well.

// quoteWords returns the number of words quoteBits fills for n bytes.
func quoteWords(n int) int { return (n + 63) >> 6 }

// quoteBits fills out (quoteWords(len(b)) words at least) with b's quote
// bitmap, bits past the end of b zero, and reports whether b holds a
// backslash: the same pass over the line answers both.
func quoteBits(b []byte, out []uint64) (backslash bool) {
	full := len(b) &^ 63
	backslash = quoteBlocks(b[:full], out)
	if full < len(b) {
		var last [64]byte // zero bytes are neither quotes nor backslashes
		copy(last[:], b[full:])
		backslash = quoteBlocks(last[:], out[full>>6:]) || backslash
	}
	return backslash
}

// quoteGo is quoteBlocks in Go, a word at a time: the exact zero-byte
// test (no borrow between bytes) over the word xored with quotes, and
// with backslashes.
func quoteGo(b []byte, out []uint64) (backslash bool) {
	var bs uint64
	for k := 0; k+64 <= len(b); k += 64 {
		var m uint64
		for j := 0; j < 8; j++ {
			w := binary.LittleEndian.Uint64(b[k+8*j:])
			m |= gatherHigh(zeroBytes(w^(ones*'"'))) << (8 * j)
			bs |= zeroBytes(w ^ (ones * '\\'))
		}
		out[k>>6] = m
	}
	return bs != 0
}

// zeroBytes has the high bit set in each byte of w that is zero, and no
// other bit.
func zeroBytes(w uint64) uint64 { return ^(((w & ^uint64(his)) + ^uint64(his)) | w) & his }

// MatchBytes has the high bit set in each byte of w (eight bytes, little
// endian) that is c, and no other bit: the exact test, with no borrow
// from one byte to the next, for other readers that look at text eight
// bytes at a time (a flow tuple's commas).
func MatchBytes(w uint64, c byte) uint64 { return zeroBytes(w ^ ones*uint64(c)) }

// gatherHigh packs the high bit of each byte of z into its low eight
// bits, byte 0's first.
func gatherHigh(z uint64) uint64 { return ((z >> 7) * 0x0102040810204080) >> 56 }

// byteGo is byteBlocks in Go, a word at a time.
func byteGo(b []byte, out []uint64, c byte) {
	for k := 0; k+64 <= len(b); k += 64 {
		var m uint64
		for j := 0; j < 8; j++ {
			w := binary.LittleEndian.Uint64(b[k+8*j:])
			m |= gatherHigh(zeroBytes(w^(ones*uint64(c)))) << (8 * j)
		}
		out[k>>6] = m
	}
}

// unescapeQuotes clears from q, the quote bitmap of b, the quotes a
// backslash escapes: those after an odd run of backslashes. What is left
// are the quotes that open or close a string, as fastjson (and strEnd)
// end strings. bs is memory for b's backslash bitmap, as many words as q.
func unescapeQuotes(b []byte, q, bs []uint64) {
	full := len(b) &^ 63
	byteBlocks(b[:full], bs, '\\')
	if full < len(b) {
		var last [64]byte
		copy(last[:], b[full:])
		byteBlocks(last[:], bs[full>>6:], '\\')
	}
	var carry uint64
	for k := range q {
		if bs[k] == 0 && carry == 0 {
			continue
		}
		q[k] &^= escapedBits(bs[k], &carry)
	}
}

// escapedBits returns the bits of the bytes a backslash escapes in one
// word, given its backslashes: the byte after each odd run. carry is 1
// when the word's first byte is escaped by a run that ends the word
// before, and is set for the next word.
//
// A run of backslashes escapes its last byte's successor when its length
// is odd. Adding the run's start to the run carries past its end: started
// on an even bit, an even run ends with the carry on an even bit, an odd
// run on an odd one; the parity of the bit the carry lands on, against
// that of the start, says whether the run was odd.
func escapedBits(bs uint64, carry *uint64) uint64 {
	const even = 0x5555555555555555
	bs &^= *carry // a backslash escaped by the word before escapes nothing
	follows := bs<<1 | *carry
	oddStarts := bs &^ even &^ follows
	sum, c := bits.Add64(oddStarts, bs, 0)
	*carry = c
	invert := sum << 1
	return (even ^ invert) & follows
}
