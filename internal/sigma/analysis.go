package sigma

import (
	"slices"
	"strings"
)

// minNeedle is the shortest needle worth reporting: shorter strings are in
// nearly every record and filter nothing.
const minNeedle = 3

// needleByte reports the bytes a needle may hold: printable ASCII that no
// JSON writer escapes (.NET's default encoder escapes " \ ' + < > & and
// the backtick, and every non-ASCII rune). "/" is kept: JSON allows \/
// but no Azure writer (.NET, Python, Go) uses it.
func needleByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte(" -_.:;,=@#$%!?*()[]{}|~^/", c) >= 0
}

// longestRun returns the longest run of needle bytes in s, lowered.
func longestRun(s string) string {
	best, start := "", 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && needleByte(s[i]) {
			continue
		}
		if i-start > len(best) {
			best = s[start:i]
		}
		start = i + 1
	}
	return lowerASCII(best)
}

// patternNeedle returns the longest needle in p's literals, or "".
func patternNeedle(p pattern) string {
	best := ""
	for _, t := range p {
		if t.k != tLit {
			continue
		}
		if r := longestRun(t.s); len(r) > len(best) {
			best = r
		}
	}
	if len(best) < minNeedle {
		return ""
	}
	return best
}

// numberNeedle returns an integer's digits: a record holding the number
// writes them (as a JSON number or in a string).
func numberNeedle(text string) string {
	t := strings.TrimPrefix(text, "-")
	if len(t) < minNeedle {
		return ""
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return ""
		}
	}
	return t
}

// required derives, per index name, the literal values one of which the
// indexed field must equal for the expression to hold; an index missing
// from the map constrains nothing.
func required(e expr) map[string]map[string]bool {
	switch x := e.(type) {
	case *itemExpr:
		return x.required()
	case *andExpr:
		return requiredAnd(x.xs)
	case *orExpr:
		return requiredOr(x.xs)
	case *atLeastExpr:
		if x.n == len(x.xs) {
			return requiredAnd(x.xs)
		}
		return requiredOr(x.xs)
	}
	return nil // not: a negation demands nothing
}

func (x *itemExpr) required() map[string]map[string]bool {
	if x.info.Index == "" || x.neg || x.kind != kindString || len(x.groups) == 0 {
		return nil
	}
	var out map[string]bool
	for _, g := range x.groups {
		vals := map[string]bool{}
		for _, v := range g {
			if !v.isEq {
				return nil
			}
			vals[strings.ToLower(strings.TrimSpace(v.eq))] = true
		}
		switch {
		case out == nil:
			out = vals
		case x.all:
			out = intersect(out, vals)
		default:
			for k := range vals {
				out[k] = true
			}
		}
	}
	return map[string]map[string]bool{x.info.Index: out}
}

func requiredAnd(xs []expr) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, x := range xs {
		for idx, vals := range required(x) {
			if have, ok := out[idx]; ok {
				out[idx] = intersect(have, vals)
			} else {
				out[idx] = vals
			}
		}
	}
	return out
}

func requiredOr(xs []expr) map[string]map[string]bool {
	var out map[string]map[string]bool
	for i, x := range xs {
		r := required(x)
		if i == 0 {
			out = r
			continue
		}
		for idx, vals := range out {
			other, ok := r[idx]
			if !ok {
				delete(out, idx) // one branch does not need it
				continue
			}
			// Every set required returns is its own, so the union grows
			// in place: copying it per branch made "1 of" over thousands
			// of selections quadratic (20,000 took 22 s to load).
			for k := range other {
				vals[k] = true
			}
		}
	}
	return out
}

func intersect(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		if b[k] {
			out[k] = true
		}
	}
	return out
}

// needles derives a conjunction of disjunctions: for the expression to
// hold, every returned group must have one member in the record's text.
// It is needlesWhere with no index decided: no branch is ruled out.
func needles(e expr) [][]string {
	gs, _ := needlesWhere(e, "", Value{})
	return gs
}

func (x *itemExpr) needles() [][]string {
	if !x.info.Verbatim || x.neg || x.kind != kindString {
		return nil
	}
	var out [][]string
	if x.all {
		// Each value is demanded on its own; one without a needle simply
		// adds no group.
		for _, g := range x.groups {
			if n := groupNeedles(g); n != nil {
				out = append(out, n)
			}
		}
		return out
	}
	var vs []variant
	for _, g := range x.groups {
		vs = append(vs, g...)
	}
	if n := groupNeedles(vs); n != nil {
		out = append(out, n)
	}
	return out
}

// groupNeedles returns the needles of alternatives, or nil when one
// alternative has none (it could match a record holding no needle).
func groupNeedles(vs []variant) []string {
	var out []string
	for _, v := range vs {
		if v.null || v.needle == "" {
			return nil
		}
		out = append(out, v.needle)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func bestGroup(gs [][]string) []string {
	best, bestMin := gs[0], shortest(gs[0])
	for _, g := range gs[1:] {
		if m := shortest(g); m > bestMin || m == bestMin && len(g) < len(best) {
			best, bestMin = g, m
		}
	}
	return best
}

func shortest(g []string) int {
	m := -1
	for _, s := range g {
		if m < 0 || len(s) < m {
			m = len(s)
		}
	}
	return m
}

// normalNeedles sorts and deduplicates the groups, dropping a group that
// repeats another.
func normalNeedles(gs [][]string) [][]string {
	slices.SortFunc(gs, func(a, b []string) int { return slices.Compare(a, b) })
	return slices.CompactFunc(gs, slices.Equal)
}
