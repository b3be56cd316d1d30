package correlate

import (
	"math"
	"strconv"
	"strings"
)

// op is a comparison of a correlation condition.
type op uint8

const (
	opGT op = iota
	opGTE
	opLT
	opLTE
	opEQ
	opNEQ
)

var opNames = map[string]op{"gt": opGT, "gte": opGTE, "lt": opLT, "lte": opLTE, "eq": opEQ, "neq": opNEQ}

// bound is one comparison against a threshold.
type bound struct {
	op op
	v  float64
}

// condition is the AND of its bounds (the specification's range form).
type condition []bound

// holds reports whether v meets every bound. NaN (an average of nothing)
// meets none.
func (c condition) holds(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	for _, b := range c {
		var ok bool
		switch b.op {
		case opGT:
			ok = v > b.v
		case opGTE:
			ok = v >= b.v
		case opLT:
			ok = v < b.v
		case opLTE:
			ok = v <= b.v
		case opEQ:
			ok = v == b.v
		case opNEQ:
			ok = v != b.v
		}
		if !ok {
			return false
		}
	}
	return true
}

// lowerOnly reports whether the condition only asks for at least some
// amount, so that a growing aggregate can be decided the moment it grows.
func (c condition) lowerOnly() bool {
	for _, b := range c {
		if b.op != opGT && b.op != opGTE {
			return false
		}
	}
	return true
}

// String renders the condition for messages.
func (c condition) String() string {
	names := [...]string{"gt", "gte", "lt", "lte", "eq", "neq"}
	parts := make([]string, len(c))
	for i, b := range c {
		parts[i] = names[b.op] + " " + strconv.FormatFloat(b.v, 'g', -1, 64)
	}
	return strings.Join(parts, " and ")
}
