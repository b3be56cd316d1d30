package source

import (
	"encoding/binary"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16BOM tells a UTF-16 stream by its byte-order mark: Windows
// PowerShell 5.1's > and Out-File, and a spreadsheet's "Unicode Text",
// write UTF-16 with one. It returns the byte order, or nil.
func utf16BOM(head []byte) binary.ByteOrder {
	switch {
	case len(head) < 2:
		return nil
	case head[0] == 0xff && head[1] == 0xfe:
		return binary.LittleEndian
	case head[0] == 0xfe && head[1] == 0xff:
		return binary.BigEndian
	}
	return nil
}

// utf16Reader turns UTF-16 text (its byte-order mark already read) into
// UTF-8, which every reader takes. A unit without its pair becomes U+FFFD,
// as a lone byte at the end does.
type utf16Reader struct {
	r     io.Reader
	order binary.ByteOrder
	in    [32 << 10]byte
	have  int    // bytes of in not yet decoded (a unit or pair cut by a read)
	out   []byte // decoded, not yet returned (a part of buf)
	buf   []byte
	err   error // the read error that ended r
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			if u.have > 0 { // a lone byte, or a high surrogate at the end
				u.buf, u.have = utf8.AppendRune(u.buf[:0], utf8.RuneError), 0
				u.out = u.buf
				break
			}
			return 0, u.err
		}
		n, err := u.r.Read(u.in[u.have:])
		u.have += n
		u.err = err
		u.decode()
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// decode turns the whole units of in into out, keeping back a trailing
// odd byte, and a high surrogate whose pair has not been read yet.
func (u *utf16Reader) decode() {
	b := u.in[:u.have]
	out := u.buf[:0]
	i := 0
	for ; i+1 < len(b); i += 2 {
		c := rune(u.order.Uint16(b[i:]))
		if utf16.IsSurrogate(c) && c < 0xdc00 { // a high surrogate: its pair follows
			if i+3 >= len(b) {
				if u.err == nil {
					break // the pair is in the next read
				}
				out = utf8.AppendRune(out, utf8.RuneError)
				continue
			}
			if r := utf16.DecodeRune(c, rune(u.order.Uint16(b[i+2:]))); r != utf8.RuneError {
				out = utf8.AppendRune(out, r)
				i += 2
				continue
			}
		}
		if utf16.IsSurrogate(c) {
			c = utf8.RuneError
		}
		out = utf8.AppendRune(out, c)
	}
	u.have = copy(u.in[:], b[i:])
	u.buf, u.out = out, out
}
