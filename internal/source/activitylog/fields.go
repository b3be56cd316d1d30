package activitylog

import (
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// value returns the "value" member of a REST {value, localizedValue} pair,
// or x itself when the field arrives as a plain string.
func value(x *fastjson.Value) *fastjson.Value {
	if x != nil && x.Type() == fastjson.TypeObject {
		return record.Key(x, "value")
	}
	return x
}

// text renders the first non-empty value among xs as trimmed text.
func text(xs ...*fastjson.Value) string {
	for _, x := range xs {
		if s := strings.TrimSpace(record.String(x)); s != "" {
			return s
		}
	}
	return ""
}

// peek is text without the copy: the first non-empty value among xs,
// trimmed, as a record.Peek view of the parser's memory. It is for values
// that are parsed, compared or looked up; what an event keeps goes through
// the Scratch's Intern or Lower, or record.LowerCopy, first.
func peek(xs ...*fastjson.Value) string {
	for _, x := range xs {
		if s := strings.TrimSpace(record.Peek(x)); s != "" {
			return s
		}
	}
	return ""
}

// str reads key of an already parsed object as text ("" when absent).
func str(o *fastjson.Value, key string) string {
	x := record.Key(o, key)
	if x == nil || x.Type() == fastjson.TypeNull {
		return ""
	}
	return record.String(x)
}

// enum returns x as text, as the matching constant of known when it is one:
// the values every record repeats (Success, Administrative) then cost no
// allocation.
func enum(x *fastjson.Value, known []string) string {
	if x == nil || x.Type() == fastjson.TypeNull {
		return ""
	}
	if x.Type() == fastjson.TypeString {
		if s := canonical(x.GetStringBytes(), known); s != "" {
			return s
		}
	}
	return strings.TrimSpace(record.String(x))
}

// hexGUID rewrites the 32-hex-digit form the Activity Log uses in
// authorization evidence ("9b117c67170e4aed9702658b3fddc889") as the dashed
// GUID the claims and every other log use, so that the same principal
// compares equal; anything else is returned lower-cased as it is.
func hexGUID(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != 32 {
		return s
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return s
		}
	}
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// clampCount turns a requested count into a non-negative int that stays
// meaningful when a record carries an absurd number.
func clampCount(n int64) int {
	const maxCount = 1<<31 - 1 // fits an int on 32-bit systems too
	switch {
	case n < 0:
		return 0
	case n > maxCount:
		return maxCount
	}
	return int(n)
}
