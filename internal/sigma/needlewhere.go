package sigma

import "slices"

// NeedlesWhere is Needles for the events whose field indexed under index
// (FieldInfo.Index) has the value v: a branch that v rules out (its item
// on that index fails v's test, as ValueTest decides) cannot hold, so it
// no longer keeps the other branches of an OR from demanding their
// needles. A rule whose OR mixes a branch of operations that need no
// needle with one of another operation that does (run_command: run
// command actions, or script extensions by type) demands, of an
// extension's write, the script extension's types. never is true when v
// rules out every way the condition could hold. Like ValueTest it assumes
// the indexed field has at most one value on every event.
func (c *Compiled) NeedlesWhere(index string, v Value) (groups [][]string, never bool) {
	gs, never := needlesWhere(c.root, index, v)
	if never {
		return nil, true
	}
	return normalNeedles(gs), false
}

// needlesWhere is needles over the branches of e that v, the value of
// the field indexed under index, does not rule out; never when it rules
// out e. An index no item names ("") rules out nothing.
func needlesWhere(e expr, index string, v Value) (groups [][]string, never bool) {
	switch x := e.(type) {
	case *itemExpr:
		if index == "" || x.info.Index != index {
			return x.needles(), false
		}
		if test, ok := x.valueTests()[index]; ok && !test(v) {
			return nil, true
		}
		return x.needles(), false
	case *andExpr:
		return needlesAndWhere(x.xs, index, v)
	case *orExpr:
		return needlesOrWhere(x.xs, 1, index, v)
	case *atLeastExpr:
		if x.n == len(x.xs) {
			return needlesAndWhere(x.xs, index, v)
		}
		return needlesOrWhere(x.xs, x.n, index, v)
	}
	return nil, false // not: a negation demands nothing, even of a branch ruled out
}

func needlesAndWhere(xs []expr, index string, v Value) ([][]string, bool) {
	var out [][]string
	for _, x := range xs {
		gs, never := needlesWhere(x, index, v)
		if never {
			return nil, true
		}
		out = append(out, gs...)
	}
	return out, false
}

// needlesOrWhere keeps, of the branches left, at least n of which must
// hold: fewer left, never; exactly n left once some were ruled out, all
// of them; else one group per branch, the most selective (longest
// shortest needle, then fewest needles), merged: one of the branches
// holds, so one of the merged needles is present. A branch left without
// needles leaves none.
func needlesOrWhere(xs []expr, n int, index string, v Value) ([][]string, bool) {
	var left [][][]string
	for _, x := range xs {
		if gs, never := needlesWhere(x, index, v); !never {
			left = append(left, gs)
		}
	}
	switch {
	case len(left) < max(n, 1):
		return nil, true
	case len(left) == n && len(left) < len(xs): // every branch left must hold
		var out [][]string
		for _, gs := range left {
			out = append(out, gs...)
		}
		return out, false
	}
	var merged []string
	for _, gs := range left {
		if len(gs) == 0 {
			return nil, false
		}
		merged = append(merged, bestGroup(gs)...)
	}
	slices.Sort(merged)
	return [][]string{slices.Compact(merged)}, false
}
