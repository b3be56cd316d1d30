package correlate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// add indexes a compiled correlation: which matches feed it, what fields
// they must carry, which rules it silences.
func (s *Set) add(c *corr) {
	c.idx = len(s.corrs)
	s.corrs = append(s.corrs, c)
	for _, in := range c.inputs {
		if in.inner != nil {
			in.inner.feeds = append(in.inner.feeds, in)
			in.inner.silent = in.inner.silent || !c.sp.generate
			for _, k := range names(in.inner.rule) {
				s.silent[k] = s.silent[k] || in.inner.silent
			}
			continue
		}
		for _, d := range in.dets {
			for _, k := range names(d) {
				s.byRule[k] = append(s.byRule[k], in)
				s.needs[k] = append(s.needs[k], slices.Concat(in.group, in.value)...)
				s.silent[k] = s.silent[k] || !c.sp.generate
			}
		}
	}
	if c.sp.kind != firstSeen {
		s.reach = max(s.reach, s.carried(c))
	}
}

// Needs returns the fields the engine must collect into Match.Fields for
// the matches of a detection rule (by name or id), sorted: group-by fields,
// aliased fields and value fields of the correlations it feeds.
func (s *Set) Needs(rule string) []string { return slices.Clone(s.needs[rule]) }

// Uses reports whether a correlation reads the detection rule's matches.
func (s *Set) Uses(rule string) bool { return len(s.byRule[rule]) > 0 }

// Silent reports whether the rule's own matches (a detection rule's) or
// fires (a correlation chained on by another) should make no alert: a
// correlation referencing it does not generate (Sigma's default).
func (s *Set) Silent(rule string) bool { return s.silent[rule] }

// FirstSeenWindow reports whether only first_seen correlations read the
// detection rule's matches (by name or id), and the shortest of their
// windows. Of one key's matches such correlations can fire only for one
// that no other match of the key precedes within that window: the engine
// need not keep a match that lies within the window of two others around
// it.
func (s *Set) FirstSeenWindow(rule string) (time.Duration, bool) {
	ins := s.byRule[rule]
	if len(ins) == 0 {
		return 0, false
	}
	w := maxSpan
	for _, in := range ins {
		if in.c.sp.kind != firstSeen {
			return 0, false
		}
		w = min(w, in.c.sp.span)
	}
	return w, true
}

// SumWindow is the longest timespan of the value_sum correlations that
// sum field, as any rule they read names it; 0 when none does.
func (s *Set) SumWindow(field string) time.Duration {
	var w time.Duration
	for _, c := range s.corrs {
		if c.sp.kind != valueSum {
			continue
		}
		for _, in := range c.inputs {
			if slices.Contains(in.value, field) {
				w = max(w, c.sp.span)
			}
		}
	}
	return w
}

// Rules returns the compiled correlation documents, inner ones first.
func (s *Set) Rules() []*sigma.Rule {
	out := make([]*sigma.Rule, len(s.corrs))
	for i, c := range s.corrs {
		out[i] = c.rule
	}
	return out
}

// String describes the set for debugging.
func (s *Set) String() string {
	var b strings.Builder
	for _, c := range s.corrs {
		mode := "at window close"
		if c.sliding {
			mode = "sliding"
		}
		fmt.Fprintf(&b, "%s: %s over %v, %s, group-by %v, %s\n", c.ident, c.sp.kind, c.sp.span, c.sp.cond, c.sp.groupBy, mode)
	}
	return b.String()
}

// Carry reports whether a windowed correlation (any type but first_seen)
// reads the detection rule's matches, itself or through the correlations
// it is chained on. A service that hunts in cycles feeds such matches of
// the last Reach again with the next cycle's, so that no window is cut at
// a cycle's edge. A first_seen alone needs no such help, its memory is the
// Baseline; one a windowed correlation is chained on is read again too,
// and fires again on what it fired on before (FireMemory).
func (s *Set) Carry(rule string) bool { return s.carry[rule] }

// Reach is how far back the longest windowed correlation looks: its
// timespan, plus those of the correlations it is chained on.
func (s *Set) Reach() time.Duration { return s.reach }

// carried marks what a windowed correlation c reads, through the
// correlations it is chained on, and returns how far back it reaches.
func (s *Set) carried(c *corr) time.Duration {
	var back time.Duration
	for _, in := range c.inputs {
		if in.inner != nil {
			back = max(back, s.carried(in.inner))
			continue
		}
		for _, d := range in.dets {
			for _, k := range names(d) {
				s.carry[k] = true
			}
		}
	}
	if c.sp.kind == firstSeen {
		// Chained into a windowed correlation (add calls carried on
		// those only): its 90 days are memory, not a window.
		c.replays = true
		return back
	}
	return c.sp.span + back
}
