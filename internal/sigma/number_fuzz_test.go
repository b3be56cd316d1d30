package sigma

import (
	"math"
	"math/big"
	"strconv"
	"testing"
)

// FuzzCompareNumbers checks compareNumbers against math/big: integers of
// either sign up to 64 bits of magnitude, read from their text as a
// record writes them, and float64s, NaN and the infinities included.
func FuzzCompareNumbers(f *testing.F) {
	f.Add(uint64(1<<53+1), false, uint64(1<<53), false, 9007199254740992.0)
	f.Add(uint64(math.MaxUint64), true, uint64(math.MaxInt64), false, 0x1p64)
	f.Add(uint64(0), true, uint64(0), false, math.Copysign(0, -1))
	f.Add(uint64(3), false, uint64(1), true, 2.5)
	f.Add(uint64(1<<63), true, uint64(1<<63), false, -0x1p63)
	f.Add(uint64(1), false, uint64(2), false, math.NaN())
	f.Add(uint64(1), false, uint64(2), false, math.Inf(-1))
	f.Fuzz(func(t *testing.T, am uint64, an bool, bm uint64, bn bool, x float64) {
		a, b, fx := integer(t, am, an), integer(t, bm, bn), floatNumber(x)
		for _, pair := range [][2]number{{a, b}, {a, fx}, {fx, b}, {fx, fx}} {
			got, ok := compareNumbers(pair[0], pair[1])
			want, wantOK := orderBig(pair[0], pair[1])
			if got != want || ok != wantOK {
				t.Errorf("compareNumbers(%+v, %+v) = %d, %v; want %d, %v", pair[0], pair[1], got, ok, want, wantOK)
			}
		}
	})
}

// integer reads ±m from its decimal text, as valueNumber does.
func integer(t *testing.T, m uint64, neg bool) number {
	s := strconv.FormatUint(m, 10)
	if neg {
		s = "-" + s
	}
	f, _ := strconv.ParseFloat(s, 64)
	n, ok := parseInteger(s, f)
	if !ok || n.f != f {
		t.Fatalf("parseInteger(%q) = %+v, %v", s, n, ok)
	}
	return n
}

// orderBig is the oracle: both numbers as exact big.Floats.
func orderBig(a, b number) (int, bool) {
	x, y := exactBig(a), exactBig(b)
	if x == nil || y == nil {
		return 0, false
	}
	return x.Cmp(y), true
}

func exactBig(n number) *big.Float {
	if n.integer {
		i := new(big.Int).SetUint64(n.mag)
		if n.neg {
			i.Neg(i)
		}
		return new(big.Float).SetInt(i)
	}
	if math.IsNaN(n.f) {
		return nil
	}
	return new(big.Float).SetFloat64(n.f)
}
