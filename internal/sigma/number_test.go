package sigma_test

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestIntegersBeyondFloat64 compares integers float64 cannot hold (2^53 =
// 9007199254740992 and 2^53+1 are one float64): rule values and field
// values, numbers and numeric strings, equality and comparisons, up to the
// ends of int64 and uint64. Floats keep comparing as float64.
func TestIntegersBeyondFloat64(t *testing.T) {
	t.Parallel()
	big := func(text string) []sigma.Value {
		v, _ := sigma.StringValue(text).Num() // the float64 a reader computes
		return num(v, text)
	}
	tests := []struct {
		name string
		det  string
		ev   record
		want bool
	}{
		{name: "2^53+1 is not 2^53", det: "sel:\n    f: 9007199254740993\ncondition: sel", ev: record{"f": big("9007199254740992")}, want: false},
		{name: "2^53 is not 2^53+1", det: "sel:\n    f: 9007199254740992\ncondition: sel", ev: record{"f": big("9007199254740993")}, want: false},
		{name: "2^53+1 equals itself", det: "sel:\n    f: 9007199254740993\ncondition: sel", ev: record{"f": big("9007199254740993")}, want: true},
		{name: "numeric string 2^53+1 is not 2^53", det: "sel:\n    f: 9007199254740992\ncondition: sel", ev: record{"f": str(" 9007199254740993")}, want: false},
		{name: "numeric string with a sign equals", det: "sel:\n    f: 9007199254740993\ncondition: sel", ev: record{"f": str("+9007199254740993")}, want: true},
		{name: "neq tells them apart", det: "sel:\n    f|neq: 9007199254740992\ncondition: sel", ev: record{"f": big("9007199254740993")}, want: true},
		{name: "gt by one above 2^53", det: "sel:\n    f|gt: 9007199254740992\ncondition: sel", ev: record{"f": big("9007199254740993")}, want: true},
		{name: "lt by one above 2^53", det: "sel:\n    f|lt: 9007199254740993\ncondition: sel", ev: record{"f": big("9007199254740992")}, want: true},
		{name: "gte by one above 2^53", det: "sel:\n    f|gte: 9007199254740993\ncondition: sel", ev: record{"f": big("9007199254740992")}, want: false},
		{name: "lte of a numeric string", det: "sel:\n    f|lte: 9007199254740992\ncondition: sel", ev: record{"f": str("9007199254740993")}, want: false},
		{name: "gt of a quoted rule value", det: "sel:\n    f|gt: '9007199254740992'\ncondition: sel", ev: record{"f": big("9007199254740993")}, want: true},
		{name: "negative gt", det: "sel:\n    f|gt: -9007199254740993\ncondition: sel", ev: record{"f": big("-9007199254740992")}, want: true},
		{name: "below the int64 maximum", det: "sel:\n    f|lt: 9223372036854775807\ncondition: sel", ev: record{"f": big("9223372036854775806")}, want: true},
		{name: "int64 minimum", det: "sel:\n    f|gt: -9223372036854775808\ncondition: sel", ev: record{"f": big("-9223372036854775807")}, want: true},
		{name: "uint64 maximum", det: "sel:\n    f: 18446744073709551615\ncondition: sel", ev: record{"f": big("18446744073709551614")}, want: false},
		{name: "above int64 into uint64", det: "sel:\n    f|gt: 9223372036854775807\ncondition: sel", ev: record{"f": big("9223372036854775808")}, want: true},
		{name: "a float rule value is its float64", det: "sel:\n    f: 9007199254740992.0\ncondition: sel", ev: record{"f": big("9007199254740993")}, want: false},
		{name: "an integer is below a float above it", det: "sel:\n    f|lt: 9007199254740994.0\ncondition: sel", ev: record{"f": big("9007199254740993")}, want: true},
		{name: "hexadecimal rule value", det: "sel:\n    f: 0x20000000000001\ncondition: sel", ev: record{"f": big("9007199254740992")}, want: false},

		{name: "octal rule value", det: "sel:\n    f: 0o17\ncondition: sel", ev: record{"f": num(15, "15")}, want: true},
		{name: "underscores in a rule value", det: "sel:\n    f|gte: 9_007_199_254_740_993\ncondition: sel", ev: record{"f": big("9007199254740992")}, want: false},
		{name: "integer beyond 64 bits is a float", det: "sel:\n    f|gt: 100000000000000000000\ncondition: sel", ev: record{"f": big("100000000000000000001")}, want: false},

		// Small numbers and floats, as before.
		{name: "small integers", det: "sel:\n    f: 50053\ncondition: sel", ev: record{"f": num(50053, "50053")}, want: true},
		{name: "numeric string of a float", det: "sel:\n    f: 1.5\ncondition: sel", ev: record{"f": str("1.50")}, want: true},
		{name: "float gt", det: "sel:\n    f|gt: 0.5\ncondition: sel", ev: record{"f": num(0.75, "0.75")}, want: true},
		{name: "small below huge", det: "sel:\n    f|lt: 9007199254740993\ncondition: sel", ev: record{"f": num(3, "3")}, want: true},
		{name: "huge above small", det: "sel:\n    f|gt: 3\ncondition: sel", ev: record{"f": big("9007199254740993")}, want: true},
		{name: "number without its text", det: "sel:\n    f|gte: 9007199254740992\ncondition: sel", ev: record{"f": num(9007199254740992, "")}, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &mapResolver{}
			c := compile(t, r, tc.det, nil)
			if got := c.Match(mapFields{r: r, ev: tc.ev}); got != tc.want {
				t.Errorf("Match = %v, want %v\n%s", got, tc.want, tc.det)
			}
		})
	}
}
