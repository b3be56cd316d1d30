package sigma

// A value test (ValueTest) holds on one field; a condition such as
// "success and 1 of risk_*" demands one of two fields, and gives neither a
// test of its own. MayMatch decides such a condition from every field a
// reader knows before decoding the rest of a record: it evaluates the
// condition with each item on a known field replaced by its value test,
// and every other item taken as possible. It can only prove a rule cannot
// match, never that it does.

// Known is the text of an indexed field (FieldInfo.Index) that a reader
// knows before decoding: empty means the field is absent.
type Known struct {
	Index, Text string
}

// possible is a condition as MayMatch reads it: a tree of items, each
// with the index it tests and its value test, and the operators above
// them.
type possible struct {
	op    possibleOp
	n     int // atLeast: how many
	index string
	test  func(Value) bool
	xs    []possible
}

type possibleOp uint8

const (
	possibleAny possibleOp = iota // nothing known: possible
	possibleItem
	possibleAnd
	possibleOr
	possibleAtLeast
)

// possibleOf makes e's tree. A negation is possible whatever its operand:
// a value test is a necessary condition of an item, not a sufficient one,
// so an item that passes it may still not hold, and its negation may.
func possibleOf(e expr) possible {
	switch x := e.(type) {
	case *itemExpr:
		if t, ok := x.valueTests()[x.info.Index]; ok {
			return possible{op: possibleItem, index: x.info.Index, test: t}
		}
	case *andExpr:
		return possible{op: possibleAnd, xs: possiblesOf(x.xs)}
	case *orExpr:
		return possible{op: possibleOr, xs: possiblesOf(x.xs)}
	case *atLeastExpr:
		return possible{op: possibleAtLeast, n: x.n, xs: possiblesOf(x.xs)}
	}
	return possible{}
}

func possiblesOf(xs []expr) []possible {
	out := make([]possible, len(xs))
	for i, x := range xs {
		out[i] = possibleOf(x)
	}
	return out
}

// eval reports whether the condition can hold given known.
func (p *possible) eval(known []Known) bool {
	switch p.op {
	case possibleItem:
		for _, k := range known {
			if k.Index == p.index {
				// An absent field fails every value test.
				return k.Text != "" && p.test(StringValue(k.Text))
			}
		}
	case possibleAnd:
		for i := range p.xs {
			if !p.xs[i].eval(known) {
				return false
			}
		}
	case possibleOr:
		for i := range p.xs {
			if p.xs[i].eval(known) {
				return true
			}
		}
		return false
	case possibleAtLeast:
		n := 0
		for i := range p.xs {
			if p.xs[i].eval(known) {
				if n++; n >= p.n {
					return true
				}
			}
		}
		return false
	}
	return true
}

// MayMatch reports whether the rule can match an event whose indexed
// fields named in known hold the given texts, whatever the rest of the
// event holds: false proves it cannot. Filters attached by ApplyFilters
// only exclude, so they do not weaken it.
func (c *Compiled) MayMatch(known []Known) bool {
	return c.possible.eval(known)
}
