//go:build !amd64

package jsonwalk

// quoteBlocks fills out[k] with the quote bitmap of b[64k:64k+64] for each
// whole block of 64 bytes in b, and reports whether those blocks hold a
// backslash.
func quoteBlocks(b []byte, out []uint64) (backslash bool) { return quoteGo(b, out) }

// byteBlocks fills out[k] with the bitmap of byte c in b[64k:64k+64] for
// each whole block of 64 bytes in b.
func byteBlocks(b []byte, out []uint64, c byte) { byteGo(b, out, c) }
