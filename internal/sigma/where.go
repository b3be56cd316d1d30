package sigma

// Where is Match for the events whose field indexed under index has the
// value v: the items on that field are decided once, here, rather than
// on every event. The engine reaches most rules through its index of
// operations, so every event it evaluates them on has one they name, and
// testing it again was a share of each evaluation. Like ValueTest it
// assumes the indexed field has exactly one value on those events (it is
// the value the index was looked up by). An item is decided only when
// its test is its whole meaning: no negation, no null, no field
// reference, not exists; others are left to run.
func (c *Compiled) Where(index string, v Value) func(Fields) bool {
	match := where(c.root, index, v).eval()
	if len(c.filters) == 0 {
		return match
	}
	filters := c.filters
	return func(f Fields) bool {
		if !match(f) {
			return false
		}
		for _, excluded := range filters {
			if excluded(f) {
				return false
			}
		}
		return true
	}
}

// constExpr is an item decided by Where.
type constExpr bool

func (e constExpr) eval() func(Fields) bool {
	if e {
		return func(Fields) bool { return true }
	}
	return func(Fields) bool { return false }
}

// where folds the items of e on index given its value v, and the
// branches they decide.
func where(e expr, index string, v Value) expr {
	switch x := e.(type) {
	case *itemExpr:
		if x.info.Index != index || index == "" {
			return x
		}
		if test, ok := x.valueTests()[index]; ok {
			return constExpr(test(v))
		}
		return x
	case *andExpr:
		return atLeast(len(x.xs), x.xs, index, v)
	case *orExpr:
		return atLeast(1, x.xs, index, v)
	case *atLeastExpr:
		return atLeast(x.n, x.xs, index, v)
	case *notExpr:
		y := where(x.x, index, v)
		if c, ok := y.(constExpr); ok {
			return !c
		}
		return &notExpr{y}
	}
	return e
}

// atLeast folds "at least n of xs" (and: all; or: one): each branch
// decided true counts toward n, each decided false drops out.
func atLeast(n int, xs []expr, index string, v Value) expr {
	var left []expr
	for _, x := range xs {
		switch y := where(x, index, v).(type) {
		case constExpr:
			if y {
				n--
			}
		default:
			left = append(left, y)
		}
	}
	switch {
	case n <= 0:
		return constExpr(true)
	case len(left) < n:
		return constExpr(false)
	case len(left) == 1: // and n == 1
		return left[0]
	case n == len(left):
		return &andExpr{left}
	case n == 1:
		return &orExpr{left}
	}
	return &atLeastExpr{n: n, xs: left}
}
