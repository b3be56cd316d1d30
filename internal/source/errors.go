package source

import (
	"errors"
	"fmt"
)

// ErrTruncated marks input that ends inside a record or a compressed stream.
var ErrTruncated = errors.New("truncated")

// ErrTooLarge marks a record or a decompressed stream over its size cap.
var ErrTooLarge = errors.New("too large")

// ParseError is one record, line or stream that could not be read. It names
// where, so a defender can open the file at that line.
type ParseError struct {
	File   string
	Line   int   // 1-based; 0 when only the offset is known
	Offset int64 // byte offset in the decompressed stream
	Err    error
}

func (e *ParseError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	case e.Offset > 0:
		return fmt.Sprintf("%s: offset %d: %v", e.File, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
