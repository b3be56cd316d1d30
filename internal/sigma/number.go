package sigma

import (
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// float64 holds every integer up to 2^53 exactly and no further:
// 9007199254740993 reads as 9007199254740992, so ids, counters and
// timestamps in nanoseconds would compare equal to their neighbours.
// Comparing float64s stays the fast path (it is exact whenever one side
// is below 2^53 in magnitude); only when both are this large are the
// integers compared exactly, from the texts the rule and the record
// wrote.
const exactFloat = 1 << 53

// number is a numeric value compared exactly: an integer (a sign and a
// magnitude, which holds both int64 and uint64), or a float64.
type number struct {
	f       float64 // the value; rounded for an integer beyond 2^53
	mag     uint64  // an integer's magnitude
	neg     bool    // the integer is negative (never with mag 0)
	integer bool    // mag and neg hold the value exactly
}

// large reports whether comparing with n as float64 may be inexact.
func (n number) large() bool { return math.Abs(n.f) >= exactFloat }

// floatNumber is a float64 compared as itself.
func floatNumber(f float64) number { return number{f: f} }

// parseInteger reads a decimal integer (a sign, digits, spaces around)
// whose magnitude fits uint64; f is its float64, which the caller has.
// It does not allocate: it runs when evaluating.
func parseInteger(s string, f float64) (number, bool) {
	s = strings.TrimSpace(s)
	n := number{f: f, integer: true}
	if s != "" && (s[0] == '-' || s[0] == '+') {
		n.neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return number{}, false
	}
	for i := 0; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if d > 9 || n.mag > (math.MaxUint64-d)/10 {
			return number{}, false
		}
		n.mag = n.mag*10 + d
	}
	n.neg = n.neg && n.mag != 0
	return n, true
}

// valueNumber returns a field value as an exact number, from the text
// the record wrote: an integer, else the float64 already read. A number
// built without its text has only its float64.
func valueNumber(v Value, f float64) number {
	if n, ok := parseInteger(v.s, f); ok {
		return n
	}
	return floatNumber(f)
}

// ruleNumber reads a rule's numeric value: a YAML int (any base YAML
// allows) or float, or a number in a string (`gt: '100'`). An integer
// beyond 64 bits is read as a float64.
func ruleNumber(n *yaml.Node) (number, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return number{}, false
	}
	switch n.ShortTag() {
	case "!!int":
		if x, ok := yamlInteger(n.Value); ok {
			return x, true
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return floatNumber(f), true
		}
	}
	f, ok := parseNumber(n.Value)
	if !ok {
		return number{}, false
	}
	if x, ok := parseInteger(n.Value, f); ok {
		return x, true
	}
	return floatNumber(f), true
}

// yamlInteger reads a YAML int that fits 64 bits: decimal, 0x, 0o, 0b,
// 017 (octal, as YAML 1.1 and the YAML decoder read it), underscores.
func yamlInteger(s string) (number, bool) {
	s = strings.ReplaceAll(s, "_", "")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	u, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return number{}, false
	}
	f := float64(u)
	if neg {
		f = -f
	}
	return number{f: f, mag: u, neg: neg && u != 0, integer: true}, true
}

// compareNumbers orders a and b exactly: -1, 0 or +1; ok is false when
// one is NaN, which is unordered.
func compareNumbers(a, b number) (c int, ok bool) {
	switch {
	case a.integer && b.integer:
		return compareIntegers(a.neg, a.mag, b.neg, b.mag), true
	case a.integer:
		return compareIntFloat(a, b.f)
	case b.integer:
		c, ok := compareIntFloat(b, a.f)
		return -c, ok
	case math.IsNaN(a.f) || math.IsNaN(b.f):
		return 0, false
	case a.f < b.f:
		return -1, true
	case a.f > b.f:
		return 1, true
	}
	return 0, true
}

// compareIntegers orders two integers given as sign and magnitude.
func compareIntegers(an bool, am uint64, bn bool, bm uint64) int {
	if an != bn {
		if an {
			return -1
		}
		return 1
	}
	c := 0
	switch {
	case am < bm:
		c = -1
	case am > bm:
		c = 1
	}
	if an {
		c = -c
	}
	return c
}

// compareIntFloat orders an integer and a float64 without rounding
// either: the float's integer part is exact in 64 bits once the float is
// known to be below 2^64 in magnitude, and its fraction breaks a tie.
func compareIntFloat(a number, f float64) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, false
	case f >= 0x1p64:
		return -1, true
	case f <= -0x1p64:
		return 1, true
	}
	t := math.Trunc(f)
	if c := compareIntegers(a.neg, a.mag, t < 0, uint64(math.Abs(t))); c != 0 {
		return c, true
	}
	switch frac := f - t; {
	case frac > 0:
		return -1, true
	case frac < 0:
		return 1, true
	}
	return 0, true
}
