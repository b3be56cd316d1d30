package correlate

import (
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

// twoOfThree is a temporal correlation whose condition asks for two of
// its three rules, not all.
const twoOfThree = `---
title: Two of three
name: two
correlation: {type: temporal, rules: [a, b, c], group-by: [k], timespan: 5m, condition: {gte: 2}}
`

// TestLiveGivesTheFiresOfTheWhole: whichever rules have no matches, the
// live set, fed only what it uses, fires as the whole set does; and it
// drops exactly the correlations that cannot fire.
func TestLiveGivesTheFiresOfTheWhole(t *testing.T) {
	t.Parallel()
	s := compile(t, mixed+twoOfThree, "a", "b", "c")
	all := randomMatches(11, 3000)
	for _, tc := range []struct {
		gone []string // rules without a match
		dead []string // correlations that cannot fire then
	}{
		{gone: nil, dead: nil},
		{gone: []string{"c"}, dead: []string{"together", "ordered", "chained", "sum", "avg", "p50", "new"}},
		{gone: []string{"a"}, dead: []string{"count", "together", "ordered", "chained"}},
		{gone: []string{"b", "c"}, dead: []string{"few", "together", "ordered", "chained", "two", "sum", "avg", "p50", "new"}},
		{gone: []string{"a", "b", "c"}, dead: []string{"count", "few", "distinct", "sum", "avg", "p50", "together", "ordered", "chained", "two", "new"}},
	} {
		var ms []Match
		counts := map[string]int{}
		for _, m := range all {
			if !slices.Contains(tc.gone, m.Rule) {
				ms = append(ms, m)
				counts[m.Rule]++
				counts[m.RuleID]++
			}
		}
		live := s.Live(func(rule string) int { return counts[rule] })
		if tc.dead == nil && live != s {
			t.Errorf("every rule matched, yet Live made a new set")
		}
		var dead []string
		for i, d := range s.dead(func(rule string) int { return counts[rule] }) {
			if d {
				dead = append(dead, s.corrs[i].rule.Name)
			}
		}
		slices.Sort(dead)
		slices.Sort(tc.dead)
		if !slices.Equal(dead, tc.dead) {
			t.Errorf("without %v: dropped %v, want %v", tc.gone, dead, tc.dead)
		}
		want := s.Process(ms, Options{})
		got, _ := processParts(live, ms, Options{}, 1, nil)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("without %v: the live set's fires differ (-whole +live):\n%s", tc.gone, diff)
		}
		if len(tc.gone) < 3 && len(want) == 0 {
			t.Errorf("without %v: no fire at all, the comparison says nothing", tc.gone)
		}
	}
}
