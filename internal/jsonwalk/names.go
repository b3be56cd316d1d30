package jsonwalk

import "unsafe"

// LowerName returns a member name in ASCII lower case, in buf, for a text
// reader to sort names as the full path's lookups find them (exact, then
// in any case). It returns "-" for a name longer than buf (or empty), and
// "" for one with an escape, which fastjson would undo into any name, or
// a byte that is not ASCII, which may fold to an ASCII letter: the whole
// name is checked for those, whatever its length. The result is valid
// until buf changes.
func LowerName(key, buf []byte) string {
	for i, c := range key {
		if c >= 0x80 || c == '\\' {
			return ""
		}
		if i < len(buf) {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
	}
	if len(key) > len(buf) || len(key) == 0 {
		return "-"
	}
	return unsafe.String(&buf[0], len(key))
}

// StrOnce reads the string value at i into t and returns the position
// past it, as the text readers read the members they decide on: once. A
// second member of the name (t read already), another kind of value or
// an escape gives up with -1, and so does t nil (a name read into no
// span): the full path then reads the record.
func (w *Walker) StrOnce(t *Span, i int) int {
	if t == nil || t.OK || i >= len(w.B) || w.B[i] != '"' {
		return -1
	}
	e := w.StrEnd(i + 1)
	if e < 0 || w.HasEscape(w.B[i+1:e]) {
		return -1
	}
	*t = Span{Start: i + 1, End: e, OK: true}
	return e + 1
}
