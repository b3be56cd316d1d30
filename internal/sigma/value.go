package sigma

import (
	"strconv"
	"strings"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of value an event field yields.
const (
	KindNull Kind = iota
	KindString
	KindNumber
	KindBool
)

// Value is one value of an event field: a string, a number, a boolean or
// null. It is a small struct passed by value, so yielding one allocates
// nothing. A Value may point into the record's memory: it is valid only
// during the call that yields it, unless Clone'd.
type Value struct {
	s string  // the string, or the number's text as written
	n float64 // the number; 1 or 0 for a boolean
	k Kind
}

// StringValue returns a string value.
func StringValue(s string) Value { return Value{s: s, k: KindString} }

// NumberValue returns a number; text is how the record wrote it ("50053"),
// used when a rule compares the number as text, and to compare an integer
// beyond 2^53, which n cannot hold exactly. An empty text is computed
// when needed, which allocates, and leaves only n: Fields implementations
// should pass it.
func NumberValue(n float64, text string) Value { return Value{s: text, n: n, k: KindNumber} }

// BoolValue returns a boolean value.
func BoolValue(b bool) Value {
	if b {
		return Value{n: 1, k: KindBool}
	}
	return Value{k: KindBool}
}

// NullValue returns the null value (a field present with no value).
func NullValue() Value { return Value{} }

// Kind returns the type of v.
func (v Value) Kind() Kind { return v.k }

// Str returns the string of a string value, "" for other kinds.
func (v Value) Str() string {
	if v.k == KindString {
		return v.s
	}
	return ""
}

// Num returns v as a number: a number, or a string holding one.
func (v Value) Num() (float64, bool) {
	switch v.k {
	case KindNumber:
		return v.n, true
	case KindString:
		return parseNumber(v.s)
	}
	return 0, false
}

// Bool returns a boolean value, or a string "true"/"false" in any case.
func (v Value) Bool() (b, ok bool) {
	switch v.k {
	case KindBool:
		return v.n != 0, true
	case KindString:
		switch {
		case strings.EqualFold(v.s, "true"):
			return true, true
		case strings.EqualFold(v.s, "false"):
			return false, true
		}
	}
	return false, false
}

// Text returns the text form of v: the string, the number as written,
// "true"/"false", or "" for null. It allocates only for a number built
// without its text.
func (v Value) Text() string {
	switch v.k {
	case KindString:
		return v.s
	case KindNumber:
		if v.s != "" {
			return v.s
		}
		return formatNumber(v.n)
	case KindBool:
		if v.n != 0 {
			return "true"
		}
		return "false"
	}
	return ""
}

// AppendText appends the text form of v to dst.
func (v Value) AppendText(dst []byte) []byte {
	if v.k == KindNumber && v.s == "" {
		return strconv.AppendFloat(dst, v.n, 'f', -1, 64)
	}
	return append(dst, v.Text()...)
}

// Clone returns a copy of v that does not share the record's memory, for
// callers that keep values past the evaluation (correlation group keys).
func (v Value) Clone() Value {
	v.s = strings.Clone(v.s)
	return v
}

// String renders v for messages and tests: its text, or "null".
func (v Value) String() string {
	if v.k == KindNull {
		return "null"
	}
	return v.Text()
}

// formatNumber writes integers without exponent or fraction, so that 50053
// reads "50053" as Azure writes it.
func formatNumber(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseNumber reads a decimal number from s (surrounding spaces allowed)
// without allocating on the common failure: text that is not numeric is
// rejected before strconv, whose errors allocate.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return 0, false
	}
	digits := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E':
		default:
			return 0, false
		}
	}
	if !digits {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
