package posture

import (
	"math"
	"sort"
)

// severityWeight is a failed check's weight in its area's score and the
// order of what to fix first.
var severityWeight = map[string]int{"critical": 8, "high": 4, "medium": 2, "low": 1}

// areaOrder is the order areas are reported in: identity first, because
// almost every cryptojacking incident starts with an account.
var areaOrder = []string{"identity", "rbac", "notify", "quota", "monitoring", "subscription", "defender", "policy"}

// Scores gives each area with findings the share, weighted by severity, of
// its assessed findings that passed: 100 is all passed, -1 is nothing
// assessed. Not assessed findings are counted but do not move the score,
// because nothing is known about them.
func Scores(f []Finding) []AreaScore {
	type acc struct {
		AreaScore
		passW, failW int
	}
	by := map[string]*acc{}
	for _, x := range f {
		a := by[x.Area]
		if a == nil {
			a = &acc{AreaScore: AreaScore{Area: x.Area}}
			by[x.Area] = a
		}
		w := severityWeight[x.Severity]
		if w == 0 {
			w = 1
		}
		switch x.Status {
		case Pass:
			a.Passed++
			a.passW += w
		case Fail:
			a.Failed++
			a.failW += w
		default:
			a.NotAssessed++
		}
	}
	var out []AreaScore
	emit := func(name string) {
		a := by[name]
		if a == nil {
			return
		}
		a.Score = -1
		if total := a.passW + a.failW; total > 0 {
			a.Score = int(math.Round(100 * float64(a.passW) / float64(total)))
		}
		out = append(out, a.AreaScore)
		delete(by, name)
	}
	for _, name := range areaOrder {
		emit(name)
	}
	// Areas outside the known list (a future check) still get a score.
	var rest []string
	for name := range by {
		rest = append(rest, name)
	}
	sort.Strings(rest)
	for _, name := range rest {
		emit(name)
	}
	return out
}
