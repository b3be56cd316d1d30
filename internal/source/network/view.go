package network

import (
	"unsafe"

	"github.com/valyala/fastjson"
)

// parserString views a fastjson string value's bytes as a string without
// copying: one allocation fewer per tuple. The bytes are the parser's
// memory, unchanged until its next Parse, which cannot happen during
// Decode; the tuple parser keeps nothing that points into them.
func parserString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// view returns a string value's text without copying (see parserString):
// callers copy what they keep. Numbers and other types give "".
func view(v *fastjson.Value) string {
	if v == nil || v.Type() != fastjson.TypeString {
		return ""
	}
	return parserString(v.GetStringBytes())
}
