// Package compact reads and writes the project's compact binary records:
// unsigned and signed varints, single bytes and length-prefixed strings,
// one after another, as encoding/binary writes them. The built-in Service
// Tags table (enrich) and a hunt's compute creates kept past memory
// (hunt) are both in this form.
package compact

import (
	"encoding/binary"
	"errors"
)

// AppendString appends s, its length first.
func AppendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Reader reads a record. The first fault sticks and every later read
// gives zero, so a truncated or corrupt record is an error (Err), never a
// panic.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err is the first fault, nil when there was none.
func (r *Reader) Err() error { return r.err }

// Fail makes err the fault, unless there was one already.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Len is how many bytes are left.
func (r *Reader) Len() int { return len(r.b) }

var errNumber = errors.New("truncated or corrupt number")

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 { return number(r, binary.Uvarint) }

// Varint reads a signed varint.
func (r *Reader) Varint() int64 { return number(r, binary.Varint) }

// number reads a varint with decode (binary.Uvarint or binary.Varint).
func number[T uint64 | int64](r *Reader, decode func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := decode(r.b)
	if n <= 0 {
		r.err = errNumber
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Bytes reads a string, as a view of the record.
func (r *Reader) Bytes() []byte {
	n := r.Uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errors.New("truncated string")
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

// String reads a string, copied.
func (r *Reader) String() string { return string(r.Bytes()) }

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.err = errors.New("truncated record")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// Count reads how many items follow, each at least min bytes: a count the
// rest of the record cannot hold is a fault, so a corrupt count never
// sizes an allocation.
func (r *Reader) Count(min int) int {
	n := r.Uvarint()
	if r.err == nil && n > uint64(len(r.b)/max(min, 1)) {
		r.err = errors.New("count larger than the data")
		return 0
	}
	return int(n)
}
