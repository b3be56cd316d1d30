package sigma

import (
	"strings"
)

// expr is a compiled condition before it becomes a closure: the tree is
// kept so that the engine hints (Required, Needles) can be derived.
type expr interface {
	eval() func(Fields) bool
}

type andExpr struct{ xs []expr }
type orExpr struct{ xs []expr }
type notExpr struct{ x expr }

// atLeastExpr is "N of ...": at least n of xs hold (n = 1 is "1 of").
type atLeastExpr struct {
	n  int
	xs []expr
}

// itemExpr tests one field (or the keywords) against a rule's values.
type itemExpr struct {
	name   string
	info   FieldInfo
	kind   itemKind
	all    bool // every group must match, not any
	neg    bool // neq: the item holds when the match does not
	groups []group
	want   bool // exists: whether the field must be present

	refs     []FieldID // fieldref: the fields compared with
	refMode  uint8     // refEqual, refPrefix, refSuffix, refContains
	refCased bool
}

func (e *andExpr) eval() func(Fields) bool {
	fns := evalAll(e.xs)
	if len(fns) == 2 {
		a, b := fns[0], fns[1]
		return func(f Fields) bool { return a(f) && b(f) }
	}
	return func(f Fields) bool {
		for _, fn := range fns {
			if !fn(f) {
				return false
			}
		}
		return true
	}
}

func (e *orExpr) eval() func(Fields) bool {
	fns := evalAll(e.xs)
	if len(fns) == 2 {
		a, b := fns[0], fns[1]
		return func(f Fields) bool { return a(f) || b(f) }
	}
	return func(f Fields) bool {
		for _, fn := range fns {
			if fn(f) {
				return true
			}
		}
		return false
	}
}

func (e *notExpr) eval() func(Fields) bool {
	x := e.x.eval()
	return func(f Fields) bool { return !x(f) }
}

func (e *atLeastExpr) eval() func(Fields) bool {
	fns, n := evalAll(e.xs), e.n
	return func(f Fields) bool {
		hits := 0
		for i, fn := range fns {
			if fn(f) {
				if hits++; hits >= n {
					return true
				}
			} else if hits+len(fns)-i-1 < n {
				return false // too few left to reach n
			}
		}
		return false
	}
}

func evalAll(xs []expr) []func(Fields) bool {
	fns := make([]func(Fields) bool, len(xs))
	for i, x := range xs {
		fns[i] = x.eval()
	}
	return fns
}

// anyValue matches every value: Field(id, anyValue) reports presence.
func anyValue(Value) bool { return true }

func (e *itemExpr) eval() func(Fields) bool {
	id, neg := e.info.ID, e.neg
	switch e.kind {
	case kindExists:
		want := e.want
		return func(f Fields) bool {
			present, _ := f.Field(id, anyValue)
			return present == want
		}
	case kindFieldref:
		return e.evalRef()
	}
	if e.all {
		type test struct {
			fn   func(Value) bool
			null bool
		}
		tests := make([]test, len(e.groups))
		for i, g := range e.groups {
			tests[i] = test{fn: anyOf(g), null: g.hasNull()}
		}
		return func(f Fields) bool {
			for _, t := range tests {
				present, m := f.Field(id, t.fn)
				if !m && !(t.null && !present) {
					return neg
				}
			}
			return !neg
		}
	}
	var vs []variant
	for _, g := range e.groups {
		vs = append(vs, g...)
	}
	fn, null := anyOf(vs), group(vs).hasNull()
	if !null && !neg {
		return func(f Fields) bool {
			_, m := f.Field(id, fn)
			return m
		}
	}
	return func(f Fields) bool {
		present, m := f.Field(id, fn)
		return (m || null && !present) != neg
	}
}

func (g group) hasNull() bool {
	for _, v := range g {
		if v.null {
			return true
		}
	}
	return false
}

// setMin is the number of plain equalities from which a hashed set beats
// comparing one by one.
const setMin = 6

// anyOf combines variants with OR into one test. Plain string equalities
// (operation names, host lists) go into a set looked up once per value.
func anyOf(vs []variant) func(Value) bool {
	if len(vs) == 1 {
		return vs[0].fn
	}
	var eqs []variant
	var rest []func(Value) bool
	for _, v := range vs {
		if v.isEq {
			eqs = append(eqs, v)
		} else {
			rest = append(rest, v.fn)
		}
	}
	if len(eqs) >= setMin {
		rest = append(rest, newEqualSet(eqs).match)
	} else {
		for _, v := range eqs {
			rest = append(rest, v.fn)
		}
	}
	if len(rest) == 1 {
		return rest[0]
	}
	return func(v Value) bool {
		for _, fn := range rest {
			if fn(v) {
				return true
			}
		}
		return false
	}
}

// Field references compare two fields of the event.
const (
	refEqual uint8 = iota
	refPrefix
	refSuffix
	refContains
)

func refMode(m *itemMods) uint8 {
	start, end := m.has("startswith"), m.has("endswith")
	switch {
	case m.has("contains") || start && end:
		return refContains
	case start:
		return refPrefix
	case end:
		return refSuffix
	}
	return refEqual
}

// evalRef compares the field with each referenced field: some value of
// the field must relate to some value of the reference. The nested reads
// need closures over the event, so fieldref allocates per evaluation.
func (e *itemExpr) evalRef() func(Fields) bool {
	id, refs, mode, cased, all, neg := e.info.ID, e.refs, e.refMode, e.refCased, e.all, e.neg
	one := func(f Fields, ref FieldID) bool {
		_, m := f.Field(ref, func(b Value) bool {
			want := b.Text()
			_, m := f.Field(id, func(a Value) bool {
				if a.k == KindNull || b.k == KindNull {
					return a.k == b.k
				}
				return relate(a.Text(), want, mode, cased)
			})
			return m
		})
		return m
	}
	return func(f Fields) bool {
		for _, ref := range refs {
			m := one(f, ref)
			if all && !m {
				return neg
			}
			if !all && m {
				return !neg
			}
		}
		return all != neg
	}
}

// relate tests s against the referenced text want.
func relate(s, want string, mode uint8, cased bool) bool {
	if cased {
		switch mode {
		case refPrefix:
			return strings.HasPrefix(s, want)
		case refSuffix:
			return strings.HasSuffix(s, want)
		case refContains:
			return strings.Contains(s, want)
		}
		return s == want
	}
	switch mode {
	case refPrefix:
		_, ok := prefixFoldSlow(s, want)
		return ok
	case refSuffix:
		_, ok := suffixFoldSlow(s, want)
		return ok
	case refContains:
		i, _ := indexFoldSlow(s, want)
		return i >= 0
	}
	return strings.EqualFold(s, want)
}
