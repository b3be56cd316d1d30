package main

import (
	"bytes"
	"io"
)

// blockSize is how much is read at a time; each block ends at a newline.
const blockSize = 1 << 20

// split reads r in blocks of whole lines and sends them on out, which it
// closes. The part of a line a read cuts off starts the next block.
func split(r io.Reader, out chan<- []byte) error {
	defer close(out)
	var carry []byte
	for {
		buf := make([]byte, len(carry), len(carry)+blockSize)
		copy(buf, carry)
		n, err := io.ReadFull(r, buf[len(carry):cap(buf)])
		buf = buf[:len(carry)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if len(buf) > 0 {
				out <- buf
			}
			return nil
		}
		if err != nil {
			return err
		}
		cut := bytes.LastIndexByte(buf, '\n') + 1
		if cut == 0 { // a line longer than a block: keep reading it
			carry = buf
			continue
		}
		carry = append([]byte(nil), buf[cut:]...)
		out <- buf[:cut]
	}
}
