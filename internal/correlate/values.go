package correlate

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// maxCombos bounds the groups one match joins when group-by fields have
// several values (the cartesian product of their values).
const maxCombos = 64

// BaselineKey is the key first_seen records for a group: the value itself
// for one group-by field, else the values quoted and joined by commas. A
// store seeding the baseline builds its keys with it.
func BaselineKey(vals ...string) string {
	if len(vals) == 1 {
		return vals[0]
	}
	// One allocation, the key: a value strconv.Quote would leave as it is
	// (printable ASCII, no quote or backslash; nearly all) is copied
	// between quotes, as Quote would write it.
	var arr [128]byte
	b := arr[:0]
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if plainASCII(v) {
			b = append(append(append(b, '"'), v...), '"')
		} else {
			b = strconv.AppendQuote(b, v)
		}
	}
	return string(b)
}

// plainASCII reports whether strconv.Quote would only wrap s in quotes.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// values returns a field's distinct values, or [""] when it has none.
func values(fields fieldSet, name string) []string {
	vs := fields.get(name)
	switch len(vs) {
	case 0:
		return []string{""}
	case 1:
		return vs
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	return slices.Compact(vs)
}

// groups calls f with the key and values of each group a match joins:
// one per combination of its group-by fields' values, at most maxCombos.
func groups(names []string, fields fieldSet, f func(key string, vals []string)) {
	switch len(names) {
	case 0:
		f("", nil)
		return
	case 1:
		one := make([]string, 1) // f copies what it keeps
		for i, v := range values(fields, names[0]) {
			if i == maxCombos {
				return
			}
			one[0] = v
			f(v, one)
		}
		return
	}
	per := make([][]string, len(names))
	for i, n := range names {
		per[i] = values(fields, n)
	}
	idx := make([]int, len(names))
	for range maxCombos {
		vals := make([]string, len(names))
		for i := range names {
			vals[i] = per[i][idx[i]]
		}
		f(BaselineKey(vals...), vals)
		// Advance the odometer, last field fastest.
		i := len(idx) - 1
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < len(per[i]) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// fill sets what an entry carries for the correlation's aggregate, read
// from the value fields.
func fill(e *entry, k kind, valueFields []string, fields fieldSet) {
	for f, name := range valueFields {
		for _, v := range fields.get(name) {
			if k == valueCount {
				if v != "" {
					e.vals = append(e.vals, fieldVal{f, v})
				}
				continue
			}
			x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
				e.nums = append(e.nums, x)
			}
		}
	}
	if len(e.vals) > 1 {
		// A value listed twice in one match counts once.
		slices.SortFunc(e.vals, func(a, b fieldVal) int {
			return cmp.Or(cmp.Compare(a.f, b.f), strings.Compare(a.v, b.v))
		})
		e.vals = slices.Compact(e.vals)
	}
}

// nearestRank is the p-th percentile of xs (0-100) by the nearest-rank
// method; NaN when xs is empty.
func nearestRank(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	r := int(math.Ceil(p / 100 * float64(len(xs))))
	return xs[min(max(r, 1), len(xs))-1]
}
