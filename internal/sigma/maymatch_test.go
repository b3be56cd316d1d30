package sigma_test

import (
	"fmt"
	"testing"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestMayMatch checks, for conditions over three indexed fields and one
// other, on every combination of their values (absent included) and every
// subset of the indexed ones known: that MayMatch never rules out a
// record the rule matches, and that it rules out what the known fields
// alone decide (the risky sign-in rule's "success and 1 of risk_*").
func TestMayMatch(t *testing.T) {
	t.Parallel()
	index := map[string]string{"outcome": "outcome", "level": "signin.risk_level", "state": "signin.risk_state"}
	values := map[string][]string{
		"outcome": {"succeeded", "failed", ""},
		"level":   {"none", "medium", "high", ""},
		"state":   {"none", "atRisk", ""},
		"x":       {"1", "2"},
	}
	risky := "success:\n    outcome: succeeded\nrisk_level:\n    level: [medium, high]\nrisk_state:\n    state: atRisk\ncondition: success and 1 of risk_*"
	tests := []struct {
		name, det string
		// ruledOut lists, as outcome/level/state with all three known,
		// the records MayMatch must rule out; nil: check soundness only.
		ruledOut func(outcome, level, state string) bool
	}{
		{"risky sign-in", risky, func(o, l, s string) bool {
			return o != "succeeded" || (l != "medium" && l != "high") && s != "atRisk"
		}},
		{"all of", "a:\n    level: high\nb:\n    state: atRisk\ncondition: all of them", func(_, l, s string) bool { return l != "high" || s != "atRisk" }},
		{"negation rules nothing out", "a:\n    level: high\ncondition: not a", func(_, _, _ string) bool { return false }},
		{"neq rules nothing out", "a:\n    level|neq: high\ncondition: a", func(_, _, _ string) bool { return false }},
		{"null matches an absent field", "a:\n    level: high\nb:\n    level: null\ncondition: a or b", func(_, _, _ string) bool { return false }},
		{"unindexed field", "a:\n    level: high\nb:\n    x: 1\ncondition: a or b", func(_, _, _ string) bool { return false }},
		{"two of three", "a:\n    level: high\nb:\n    state: atRisk\nc:\n    outcome: failed\ncondition: 2 of them", func(o, l, s string) bool {
			n := 0
			for _, ok := range []bool{l == "high", s == "atRisk", o == "failed"} {
				if ok {
					n++
				}
			}
			return n < 2
		}},
		{"wildcard and modifiers", "a:\n    level|startswith: med\nb:\n    state|re: '^at'\ncondition: a or b", func(_, l, s string) bool { return l != "medium" && s != "atRisk" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &mapResolver{index: index}
			c := compile(t, r, tc.det, nil)
			for _, o := range values["outcome"] {
				for _, l := range values["level"] {
					for _, s := range values["state"] {
						fields := map[string]string{"outcome": o, "level": l, "state": s}
						matches := false
						for _, x := range values["x"] {
							rec := record{"x": str(x)}
							for n, v := range fields {
								if v != "" {
									rec[n] = str(v)
								}
							}
							matches = matches || c.Match(mapFields{r, rec})
						}
						for mask := range 8 {
							var known []sigma.Known
							for i, n := range []string{"outcome", "level", "state"} {
								if mask&(1<<i) != 0 {
									known = append(known, sigma.Known{Index: index[n], Text: fields[n]})
								}
							}
							may := c.MayMatch(known)
							where := fmt.Sprintf("outcome %q level %q state %q, known %v", o, l, s, known)
							if matches && !may {
								t.Errorf("%s: the rule matches but MayMatch rules it out", where)
							}
							if mask == 7 && may == tc.ruledOut(o, l, s) {
								t.Errorf("%s: MayMatch = %v", where, may)
							}
							if mask == 0 && !may {
								t.Errorf("%s: ruled out knowing nothing", where)
							}
						}
					}
				}
			}
		})
	}
}
