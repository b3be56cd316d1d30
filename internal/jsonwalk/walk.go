// Package jsonwalk walks JSON text without building anything: it only
// says where each value ends, so that a reader can pick the few members it
// needs from a record and check that the rest is JSON, at several times
// the speed of a parse into a tree (activitylog.BriefLine reads most lines
// of an Activity Log export so; network.BriefDNS a firewall's DNS
// lookups). It accepts nothing fastjson rejects, so that a record it
// accepts is read the same either way: strings end where fastjson ends
// them (the first quote after an even run of backslashes; fastjson checks
// neither escapes nor control bytes, and neither does this walker),
// numbers must be in JSON's grammar (stricter than fastjson), and nesting
// stays far below fastjson's limit. What it rejects fastjson may still
// accept, and then takes the full path. Positions are byte offsets; -1
// means the text is not what this walker accepts.
package jsonwalk

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// maxScanDepth bounds nesting: far under fastjson's 300, and deeper than
// any log record mamori reads nests.
const maxScanDepth = 64

// Walker walks one record's text.
type Walker struct {
	B     []byte
	Plain bool // B holds no backslash
	// quotes is B's bitmap of the quotes that open or close a string
	// (quotes.go): the escaped ones are cleared. nil for the Walker
	// that searches the text instead (tests compare the two).
	quotes []uint64
	// backslashes is B's bitmap of its backslashes, when it has any.
	backslashes []uint64
}

// Span is where a string value without escapes lies in a walker's text;
// OK is false when nothing set it. Readers keep spans of the members they
// read and look at them once the walk is done.
type Span struct {
	Start, End int
	OK         bool
}

// View returns the span's text in b without copying it: for comparing
// and parsing; what an event keeps is copied first.
func (t Span) View(b []byte) string {
	if !t.OK || t.End == t.Start {
		return ""
	}
	return unsafe.String(&b[t.Start], t.End-t.Start)
}

// New returns a Walker over b; the bitmap is made in *words, grown as
// needed.
func New(b []byte, words *[]uint64) Walker {
	// One pass over the line makes the bitmap and looks for a backslash,
	// which spares a look per name and value the reader reads: most
	// lines have none. A line with one takes a second pass, for the
	// quotes its backslashes escape.
	n := quoteWords(len(b))
	if cap(*words) < 2*n {
		*words = make([]uint64, 2*n)
	}
	q := (*words)[:n]
	if quoteBits(b, q) {
		bs := (*words)[n : 2*n]
		unescapeQuotes(b, q, bs)
		return Walker{B: b, quotes: q, backslashes: bs}
	}
	return Walker{B: b, Plain: true, quotes: q}
}

// InWord is the bitmap's answer to StrEnd from the word holding i, or -1
// when it has none there. The member loops ask it first and call strEnd
// only when it fails: most strings of a record are shorter than a word,
// and a call per string showed (strEnd is too large to be inlined).
func (w *Walker) InWord(i int) int {
	if k := i >> 6; k < len(w.quotes) {
		if m := w.quotes[k] >> (i & 63); m != 0 {
			return i + bits.TrailingZeros64(m)
		}
	}
	return -1
}

// StrEnd returns the position of the quote closing the string whose text
// starts at i, as the function strEnd finds it: from the bitmap, when the
// line has one, the first quote at or after i.
func (w *Walker) StrEnd(i int) int {
	if w.quotes == nil {
		return strEnd(w.B, i)
	}
	k := i >> 6
	if k >= len(w.quotes) {
		return -1
	}
	if m := w.quotes[k] >> (i & 63); m != 0 {
		return i + bits.TrailingZeros64(m)
	}
	for k++; k < len(w.quotes); k++ {
		if m := w.quotes[k]; m != 0 {
			return k<<6 + bits.TrailingZeros64(m)
		}
	}
	return -1
}

// strEnd returns the position of the quote closing the string whose text
// starts at i (after its opening quote): as fastjson finds it, the first
// quote after an even run of backslashes (none, mostly). Like fastjson it
// checks neither escapes nor control bytes; the caller that reads a string
// asks escaped.
func strEnd(b []byte, i int) int {
	// Most strings of a record are short (names, ids): looking at their
	// first sixteen bytes a word at a time costs less than a call.
	start := i
	for range 2 {
		if i+8 > len(b) {
			break
		}
		if m := quoteOrBackslash(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			if b[i] == '"' {
				return i
			}
			break
		}
		i += 8
	}
	for {
		n := bytes.IndexByte(b[i:], '"')
		if n < 0 {
			return -1
		}
		e := i + n
		j := e
		for j > start && b[j-1] == '\\' {
			j--
		}
		if (e-j)%2 == 0 {
			return e
		}
		i = e + 1
	}
}

// Bytes repeated across a word.
const (
	ones = 0x0101010101010101
	his  = 0x8080808080808080
)

// IndexQuoteOrBackslash returns the offset of b's first quote or
// backslash, -1 when it has none: where a string's text stops being plain.
// Eight bytes at a time (bytes.IndexAny tests one at a time); the source
// package's document scanner skips the strings of envelope documents (a
// firewall's Event Hub capture: the largest log of a tenant) with it.
func IndexQuoteOrBackslash(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if m := quoteOrBackslash(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '"' || b[i] == '\\' {
			return i
		}
	}
	return -1
}

// quoteOrBackslash has the high bit set in the first byte of w (little
// endian) that is a quote or a backslash; bytes after it may be flagged
// falsely (borrows), never one before it.
func quoteOrBackslash(w uint64) uint64 {
	q := w ^ (ones * '"')
	s := w ^ (ones * '\\')
	return ((q-ones)&^q | (s-ones)&^s) & his
}

// Escaped reports whether a string's text holds an escape, which fastjson
// would undo before anyone reads it.
func Escaped(s []byte) bool { return bytes.IndexByte(s, '\\') >= 0 }

// HasEscape reports whether s, text of w's, holds an escape: never when
// the whole text has no backslash.
func (w *Walker) HasEscape(s []byte) bool { return !w.Plain && Escaped(s) }

// BackslashBefore reports whether some backslash of the text is followed
// by x or y, as searching it for the two pairs would: from the backslash
// bitmap, so a line of escaped bodies is not searched twice more.
func (w *Walker) BackslashBefore(x, y byte) bool {
	if w.Plain {
		return false
	}
	if w.backslashes == nil {
		return bytes.Contains(w.B, []byte{'\\', x}) || bytes.Contains(w.B, []byte{'\\', y})
	}
	for k, m := range w.backslashes {
		for ; m != 0; m &= m - 1 {
			if i := k<<6 + bits.TrailingZeros64(m) + 1; i < len(w.B) && (w.B[i] == x || w.B[i] == y) {
				return true
			}
		}
	}
	return false
}

// SkipWS returns the position of the first byte at or after i that is not
// JSON white space.
func SkipWS(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' { // compact JSON: the usual case
		return i
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// SkipValue returns the position just past the value starting at i (no
// white space before it), depth being the containers around it.
func (w *Walker) SkipValue(i, depth int) int {
	b := w.B
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		e := w.StrEnd(i + 1)
		if e < 0 {
			return -1
		}
		return e + 1
	case '{':
		return w.skipObject(i+1, depth+1)
	case '[':
		return w.skipArray(i+1, depth+1)
	case 't':
		return Literal(b, i, "true")
	case 'f':
		return Literal(b, i, "false")
	case 'n':
		return Literal(b, i, "null")
	}
	return number(b, i)
}

// Literal returns the position past word at i, or -1.
func Literal(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

// Members walks the object whose members start at i (after its
// brace): member gets each name (its raw bytes) and the position of its
// value, and returns the position past the value, or -1 to stop. It
// returns the position past the object, or -1 when it is not valid or
// member stopped. (skipObject keeps a loop of its own: it runs on every
// nested object, where a call through a function value per member shows.)
func (w *Walker) Members(i int, member func(key []byte, at int) int) int {
	b := w.B
	i = SkipWS(b, i)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		ke := w.InWord(i + 1)
		if ke < 0 {
			if ke = w.StrEnd(i + 1); ke < 0 {
				return -1
			}
		}
		key := b[i+1 : ke]
		if ke+2 < len(b) && b[ke+1] == ':' && b[ke+2] > ' ' { // compact: Colon's answer
			i = ke + 2
		} else if i = Colon(b, ke); i < 0 {
			return -1
		}
		if i = member(key, i); i < 0 {
			return -1
		}
		if i+1 < len(b) && b[i] == ',' && b[i+1] == '"' {
			i++
			continue
		}
		var more bool
		if i, more = Next(b, i, '}'); i < 0 || !more {
			return i
		}
	}
}

// skipObject returns the position past the object whose members start at
// i (after its brace).
func (w *Walker) skipObject(i, depth int) int {
	if depth > maxScanDepth {
		return -1
	}
	b := w.B
	i = SkipWS(b, i)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		ke := w.InWord(i + 1)
		if ke < 0 {
			ke = w.StrEnd(i + 1)
		}
		if ke >= 0 && ke+2 < len(b) && b[ke+1] == ':' && b[ke+2] == '"' {
			// "name":"value", compact: most members of a record.
			ve := w.InWord(ke + 3)
			if ve < 0 {
				if ve = w.StrEnd(ke + 3); ve < 0 {
					return -1
				}
			}
			i = ve + 1
		} else if i = Colon(b, ke); i < 0 {
			return -1
		} else if i = w.SkipMember(i, depth); i < 0 {
			return -1
		}
		if i+1 < len(b) && b[i] == ',' && b[i+1] == '"' {
			i++
			continue
		}
		var more bool
		if i, more = Next(b, i, '}'); i < 0 || !more {
			return i
		}
	}
}

// SkipMember returns the position past a member's value at i: strings,
// most values, without a call through skipValue.
func (w *Walker) SkipMember(i, depth int) int {
	if i < len(w.B) && w.B[i] == '"' {
		e := w.InWord(i + 1)
		if e < 0 {
			e = w.StrEnd(i + 1)
		}
		if e >= 0 {
			return e + 1
		}
		return -1
	}
	return w.SkipValue(i, depth)
}

// skipArray returns the position past the array whose elements start at i
// (after its bracket).
func (w *Walker) skipArray(i, depth int) int {
	if depth > maxScanDepth {
		return -1
	}
	b := w.B
	i = SkipWS(b, i)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for {
		if i = w.SkipValue(i, depth); i < 0 {
			return -1
		}
		var more bool
		if i, more = Next(b, i, ']'); i < 0 || !more {
			return i
		}
	}
}

// Colon takes the key ending (closing quote) at e to its value: the
// position of the value's first byte, or -1.
func Colon(b []byte, e int) int {
	if e < 0 {
		return -1
	}
	i := e + 1
	if i < len(b) && b[i] == ':' { // the usual, compact form
		i++
	} else if i = SkipWS(b, i); i < len(b) && b[i] == ':' {
		i++
	} else {
		return -1
	}
	return SkipWS(b, i)
}

// Next reads what follows a member or element at i: a comma (more is true,
// the position is that of the next key or element), or the container's
// close (more is false, the position is past it).
func Next(b []byte, i int, close byte) (int, bool) {
	if i+1 < len(b) && b[i] == ',' && b[i+1] == '"' { // compact: the usual case
		return i + 1, true
	}
	i = SkipWS(b, i)
	if i >= len(b) {
		return -1, false
	}
	switch b[i] {
	case ',':
		return SkipWS(b, i+1), true
	case close:
		return i + 1, false
	}
	return -1, false
}

// number returns the position past the number at i, in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func number(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		d := digits(b, i+1)
		if d == i+1 {
			return -1
		}
		i = d
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := digits(b, i)
		if d == i {
			return -1
		}
		i = d
	}
	return i
}

// digits returns the position of the first byte at or after i that is not
// a decimal digit.
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}
