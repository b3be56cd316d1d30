package activitylog

import (
	"strconv"
	"strings"
)

// An autoscaled Batch pool's size is a formula (properties.scaleSettings
// .autoScale.formula, exclusive of fixedScale: Microsoft.Batch's Pool
// ScaleSettings, Azure SDK for Java's AutoScaleSettings), which the Batch
// service evaluates every evaluationInterval. It sets $TargetDedicatedNodes
// and $TargetLowPriorityNodes in statements separated by ';' (Learn,
// "Create a formula to automatically scale compute nodes in a Batch
// pool"). What the formula asks depends on the pool's tasks and samples,
// which the write does not hold; but a constant, or a min() with a
// constant argument (the usual cap: "$TargetDedicatedNodes = min(500,
// $PendingTasks.GetSample(1))"), bounds it from above. Those are read as
// an estimated count; any other expression leaves the count unknown, and
// the pool is said to be so, never priced as one node (red-team finding
// 4c: "$TargetDedicatedNodes=500;" on ND96asr_v4 read "$27 per hour for 1
// instance").

// formulaCount reads the node counts a formula's assignments bound:
// dedicated and low-priority, and ok when every target it assigns has a
// bound (and it assigns one). The last assignment of a variable wins, as
// in the formula's evaluation.
func formulaCount(formula string) (dedicated, lowPri int, ok bool) {
	if len(formula) > maxFormula {
		return 0, 0, false
	}
	vals := map[string]int{}
	unknown := map[string]bool{}
	for stmt := range strings.SplitSeq(formula, ";") {
		name, expr, found := strings.Cut(stmt, "=")
		if !found || strings.HasPrefix(expr, "=") { // "==" is a comparison
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name != targetDedicated && name != targetLowPri {
			continue
		}
		if n, ok := bound(strings.TrimSpace(expr), 0); ok {
			vals[name], unknown[name] = n, false
		} else {
			delete(vals, name)
			unknown[name] = true
		}
	}
	if len(vals) == 0 || unknown[targetDedicated] || unknown[targetLowPri] {
		return 0, 0, false
	}
	return vals[targetDedicated], vals[targetLowPri], true
}

const (
	targetDedicated = "$targetdedicatednodes"
	targetLowPri    = "$targetlowprioritynodes"
	// maxFormula bounds what is parsed: Batch takes formulas of up to
	// 8 KiB; a longer text is no formula Batch accepted.
	maxFormula = 8 << 10
	// maxDepth bounds nested min(), max() and parentheses.
	maxDepth = 8
)

// bound is an upper bound of expr: a whole number; min() of arguments one
// of which has a bound (the smallest such); max() of arguments each of
// which has one (the largest); a ternary whose branches both have one
// (the larger); any of them in parentheses.
func bound(expr string, depth int) (int, bool) {
	expr = strings.TrimSpace(expr)
	if depth > maxDepth || expr == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(expr); err == nil {
		return clampCount(int64(n)), true
	}
	if f, err := strconv.ParseFloat(expr, 64); err == nil && f >= 0 && f < 1<<31 {
		return int(f), true // Batch rounds a fraction down
	}
	if cond, rest, ok := splitTop(expr, '?'); ok && cond != "" {
		a, b, ok := splitTop(rest, ':')
		if !ok {
			return 0, false
		}
		x, okA := bound(a, depth+1)
		y, okB := bound(b, depth+1)
		return max(x, y), okA && okB
	}
	lower := strings.ToLower(expr)
	if strings.HasPrefix(expr, "(") && strings.HasSuffix(expr, ")") && closes(expr) {
		return bound(expr[1:len(expr)-1], depth+1)
	}
	for _, fn := range []string{"min", "max"} {
		if !strings.HasPrefix(lower, fn) {
			continue
		}
		inner := strings.TrimSpace(expr[len(fn):])
		if !strings.HasPrefix(inner, "(") || !strings.HasSuffix(inner, ")") || !closes(inner) {
			return 0, false
		}
		args := splitArgs(inner[1 : len(inner)-1])
		best, found, all := 0, false, true
		for _, a := range args {
			n, ok := bound(a, depth+1)
			switch {
			case !ok:
				all = false
			case !found:
				best, found = n, true
			case fn == "min":
				best = min(best, n)
			default:
				best = max(best, n)
			}
		}
		if fn == "max" && !all {
			return 0, false
		}
		return best, found
	}
	return 0, false
}

// closes reports whether s's first '(' is closed by its last byte.
func closes(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i == len(s)-1
			}
		}
	}
	return false
}

// splitTop cuts s at the first sep outside parentheses.
func splitTop(s string, sep byte) (before, after string, ok bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == sep && depth == 0:
			return strings.TrimSpace(s[:i]), s[i+1:], true
		}
	}
	return s, "", false
}

// splitArgs cuts a call's arguments at the commas outside parentheses.
func splitArgs(s string) []string {
	var out []string
	for {
		a, rest, ok := splitTop(s, ',')
		out = append(out, a)
		if !ok {
			return out
		}
		s = rest
	}
}
