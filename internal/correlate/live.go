package correlate

import (
	"slices"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// Live returns the set without the correlations that cannot fire, given
// how many matches each detection rule (by name or id) had: a temporal
// correlation whose condition needs more of its rules than matched (a
// risky sign-in followed by compute, over an export with no sign-ins),
// one whose rules all had none, and one chained on such a correlation.
// Their inputs are dropped from what the detection rules feed (Uses is
// then false for a rule only they read); Needs, Silent, Carry and Reach
// stay those of the whole set, as Split's parts keep them: a rule a
// correlation silences makes no alert of its own whether or not that
// correlation can fire. It returns s itself when every correlation can.
//
// The engine counts matches when every record is read and before it
// reads them back in time order: those of the dropped correlations'
// rules need not be read back at all. (A service that hunts in cycles
// must not drop them: the next cycle may bring the missing half, and its
// Carry needs this cycle's matches.)
func (s *Set) Live(matches func(rule string) int) *Set {
	dead := s.dead(matches)
	if !slices.Contains(dead, true) {
		return s
	}
	return s.feeding(func(c *corr) bool { return !dead[c.idx] })
}

// dead says, per correlation, whether it cannot fire.
func (s *Set) dead(matches func(rule string) int) []bool {
	dead := make([]bool, len(s.corrs))
	for _, c := range s.corrs { // inner correlations come first
		live := 0
		for _, in := range c.inputs {
			if in.inner != nil {
				if !dead[in.inner.idx] {
					live++
				}
				continue
			}
			if slices.ContainsFunc(in.dets, func(d *sigma.Rule) bool {
				return slices.ContainsFunc(names(d), func(k string) bool { return matches(k) > 0 })
			}) {
				live++
			}
		}
		dead[c.idx] = !canFire(c.sp, live)
	}
	return dead
}

// canFire reports whether a correlation can fire when live of its inputs
// have matches: a temporal type needs as many distinct rules as its
// condition asks (temporal_ordered always all of them), every other type
// at least one match.
func canFire(sp *spec, live int) bool {
	switch sp.kind {
	case temporal, temporalOrdered:
		// A window holds at least one rule's match; the condition is
		// checked on how many distinct rules it holds.
		for n := 1; n <= live; n++ {
			if sp.cond.holds(float64(n)) {
				return true
			}
		}
		return false
	}
	return live > 0
}

// Starved is a correlation that cannot fire, and the detection rules it
// reads (through the correlations it is chained on) that had nothing to
// read: what it waited for in vain.
type Starved struct {
	Rule *sigma.Rule
	Idle []*sigma.Rule
}

// Starved returns the correlations that cannot fire when only the
// detection rules (by name or id) that reads says had records to read can
// match, as Live decides it: a hunt tells its user which correlations the
// logs it was given could never set off, and why.
func (s *Set) Starved(reads func(rule string) bool) []Starved {
	dead := s.dead(func(k string) int {
		if reads(k) {
			return 1
		}
		return 0
	})
	var out []Starved
	for _, c := range s.corrs {
		if dead[c.idx] {
			out = append(out, Starved{Rule: c.rule, Idle: c.idle(reads, nil)})
		}
	}
	return out
}

// idle appends to out, once each, the detection rules c reads that have
// nothing to read.
func (c *corr) idle(reads func(string) bool, out []*sigma.Rule) []*sigma.Rule {
	for _, in := range c.inputs {
		if in.inner != nil {
			out = in.inner.idle(reads, out)
			continue
		}
		for _, d := range in.dets {
			if !slices.Contains(out, d) && !slices.ContainsFunc(names(d), reads) {
				out = append(out, d)
			}
		}
	}
	return out
}
