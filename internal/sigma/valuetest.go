package sigma

// A value test is a necessary condition on one indexed field: a function
// of the field's (single) value that holds on every event the rule
// matches. It generalises required (which knows only equalities) to every
// comparison an item makes (endswith, wildcards, regular expressions), so
// a reader can set aside records no rule could match by looking at one
// cheap field before decoding the rest.

// valueTests derives, per index name, a test the indexed field's value
// must pass for e to hold; an index missing from the map constrains
// nothing. Like required, it assumes an indexed field has at most one
// value on every event (the decoders' normalised operation, the outcome,
// the source address's Azure flag); an absent field fails every test,
// since variants that match an absent field (null) give no test.
func valueTests(e expr) map[string]func(Value) bool {
	switch x := e.(type) {
	case *itemExpr:
		return x.valueTests()
	case *andExpr:
		return testsAnd(x.xs)
	case *orExpr:
		return testsOr(x.xs)
	case *atLeastExpr:
		if x.n == len(x.xs) {
			return testsAnd(x.xs)
		}
		return testsOr(x.xs)
	}
	return nil // not: a negation demands nothing
}

func (x *itemExpr) valueTests() map[string]func(Value) bool {
	if x.info.Index == "" || x.neg || x.kind == kindExists || x.kind == kindFieldref || len(x.groups) == 0 {
		return nil
	}
	fns := make([]func(Value) bool, len(x.groups))
	for i, g := range x.groups {
		if g.hasNull() {
			return nil // an absent field would match: nothing is demanded
		}
		fns[i] = anyOf(g)
	}
	all := x.all
	return map[string]func(Value) bool{x.info.Index: func(v Value) bool {
		for _, fn := range fns {
			if fn(v) != all {
				return !all // all: one group failed; any: one matched
			}
		}
		return all
	}}
}

func testsAnd(xs []expr) map[string]func(Value) bool {
	out := map[string]func(Value) bool{}
	for _, x := range xs {
		for idx, fn := range valueTests(x) {
			if have, ok := out[idx]; ok {
				out[idx] = func(v Value) bool { return have(v) && fn(v) }
			} else {
				out[idx] = fn
			}
		}
	}
	return out
}

func testsOr(xs []expr) map[string]func(Value) bool {
	var out map[string]func(Value) bool
	for i, x := range xs {
		t := valueTests(x)
		if i == 0 {
			out = t
			continue
		}
		for idx, have := range out {
			fn, ok := t[idx]
			if !ok {
				delete(out, idx) // one branch does not need it
				continue
			}
			out[idx] = func(v Value) bool { return have(v) || fn(v) }
		}
	}
	return out
}

// ValueTest returns a test that the value of the field indexed
// under index (see FieldInfo.Index) passes on every event the rule can
// match; ok is false when the rule constrains that index in no way this
// analysis sees (negations, exists, field references, null values). A
// false test therefore proves the rule cannot match, whatever the rest of
// the event holds. Filters attached by ApplyFilters only exclude, so they
// do not weaken it.
func (c *Compiled) ValueTest(index string) (test func(Value) bool, ok bool) {
	test, ok = c.tests[index]
	return test, ok
}
