package correlate

import (
	"fmt"
	"slices"
	"strings"

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
}

// Needs returns the fields the engine must collect into Match.Fields for
// the matches of a detection rule (by name or id), sorted: group-by fields,
// aliased fields and value fields of the correlations it feeds.
func (s *Set) Needs(rule string) []string { return slices.Clone(s.needs[rule]) }

// Uses reports whether a correlation reads the detection rule's matches.
func (s *Set) Uses(rule string) bool { return len(s.byRule[rule]) > 0 }

// Silent reports whether the detection rule's own matches should make no
// alert: a correlation referencing it does not generate (Sigma's default).
func (s *Set) Silent(rule string) bool { return s.silent[rule] }

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
