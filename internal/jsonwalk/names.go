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
