package jsonwalk

// quoteBlocks fills out[k] with the quote bitmap of b[64k:64k+64] for each
// whole block of 64 bytes in b, and reports whether those blocks hold a
// backslash.
//
//go:noescape
func quoteBlocks(b []byte, out []uint64) (backslash bool)

// byteBlocks fills out[k] with the bitmap of byte c in b[64k:64k+64] for
// each whole block of 64 bytes in b.
//
//go:noescape
func byteBlocks(b []byte, out []uint64, c byte)
