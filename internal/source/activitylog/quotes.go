package activitylog

import "encoding/binary"

// A quote bitmap for the walker: bit i of word i/64 is set when byte i of
// a line is a double quote. In a line without a backslash every quote
// opens or closes a string, so the walker finds a string's end by the
// next set bit instead of searching the text again for each string; most
// strings of a record are short, where a search costs more in its set-up
// than in its scan. The words are made sixteen bytes at a time (SSE2,
// which every amd64 processor has; quotes_amd64.s) or eight at a time in
// Go elsewhere.

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

// gatherHigh packs the high bit of each byte of z into its low eight
// bits, byte 0's first.
func gatherHigh(z uint64) uint64 { return ((z >> 7) * 0x0102040810204080) >> 56 }
