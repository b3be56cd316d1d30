package correlate

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// Set is a compiled set of correlation rules. It is immutable: streams
// created from it hold the state.
type Set struct {
	corrs  []*corr             // inner correlations before the ones chained on them
	byRule map[string][]*input // detection rule name or id -> the inputs its matches feed
	needs  map[string][]string // detection rule name or id -> fields to collect
	silent map[string]bool     // rule name or id -> no alerts of its own (Silent)
	carry  map[string]bool     // detection rule name or id -> a windowed correlation reads it
	reach  time.Duration       // the longest a windowed correlation looks back
}

// corr is one compiled correlation rule.
type corr struct {
	rule    *sigma.Rule
	idx     int // in Set.corrs
	sp      *spec
	ident   string   // id, else name, else title: the baseline's namespace
	inputs  []*input // one per rules entry
	feeds   []*input // inputs of correlations chained on this one
	sliding bool     // decided at the triggering match, not when a window closes
	silent  bool     // referenced by a correlation that does not generate
	replays bool     // a first_seen a windowed correlation is chained on (FireMemory)
	err     error
}

// input is one entry of a correlation's rules list, resolved.
type input struct {
	c     *corr
	pos   int
	ref   string
	inner *corr         // the correlation it names, or nil
	dets  []*sigma.Rule // the detection rules it names
	group []string      // for each group-by name, the field read from this input
	value []string      // for each value field, the field read from this input
}

// Compile compiles the correlation documents among rules (others are
// ignored), resolving their references against each other and against the
// detection documents among detections. It returns the set of those that
// compiled and an error joining, per failed correlation, a
// *sigma.RuleError or *sigma.UnsupportedError naming it. A correlation
// chained on one that failed fails too.
func Compile(rules []*sigma.Rule, detections []*sigma.Rule) (*Set, error) {
	var cs []*corr
	byName := map[string][]*corr{}
	for _, r := range rules {
		if r == nil || r.Kind != sigma.KindCorrelation {
			continue
		}
		c := &corr{rule: r, ident: cmp.Or(r.ID, r.Name, r.Title)}
		c.sp, c.err = readSpec(r)
		cs = append(cs, c)
		for _, k := range names(r) {
			byName[k] = append(byName[k], c)
		}
	}
	dets := map[string][]*sigma.Rule{}
	for _, d := range detections {
		if d == nil || d.Kind != sigma.KindDetection {
			continue
		}
		for _, k := range names(d) {
			dets[k] = append(dets[k], d)
		}
	}
	for _, c := range cs {
		if c.err == nil {
			c.err = c.resolve(dets, byName)
		}
	}
	for _, c := range cs {
		if c.err == nil {
			c.err = c.checkChains()
		}
	}
	order := sortChains(cs)
	s := &Set{byRule: map[string][]*input{}, needs: map[string][]string{}, silent: map[string]bool{}, carry: map[string]bool{}}
	var errs []error
	for _, c := range cs {
		if c.err != nil {
			errs = append(errs, c.err)
		}
	}
	for _, c := range order {
		if c.err == nil {
			s.add(c)
		}
	}
	for k, v := range s.needs {
		slices.Sort(v)
		s.needs[k] = slices.Compact(v)
	}
	return s, errors.Join(errs...)
}

// names are the names a rule can be referenced by.
func names(r *sigma.Rule) []string {
	switch {
	case r.Name != "" && r.ID != "" && r.Name != r.ID:
		return []string{r.Name, r.ID}
	case r.Name != "":
		return []string{r.Name}
	case r.ID != "":
		return []string{r.ID}
	}
	return nil
}

// resolve finds what each rules entry and alias names and which field each
// input's matches give for each group-by name and value field.
func (c *corr) resolve(dets map[string][]*sigma.Rule, corrs map[string][]*corr) error {
	r := c.rule
	for i, ref := range c.sp.refs {
		in := &input{c: c, pos: i, ref: ref, dets: dets[ref]}
		cs := corrs[ref]
		switch {
		case len(cs) > 1 || len(cs) == 1 && len(in.dets) > 0:
			return ruleErr(r, "correlation rules: %q names several rules", ref)
		case len(cs) == 1:
			in.inner = cs[0]
		case len(in.dets) == 0:
			return ruleErr(r, "correlation rules: unknown rule %q (no detection or correlation rule has this name or id)", ref)
		}
		for _, prev := range c.inputs {
			if prev.inner != nil && prev.inner == in.inner || len(prev.dets) > 0 && slices.Equal(prev.dets, in.dets) {
				return ruleErr(r, "correlation rules: %q and %q name the same rule", prev.ref, ref)
			}
		}
		c.inputs = append(c.inputs, in)
	}
	fieldOf := map[string][]string{} // alias name -> field per input
	for _, a := range c.sp.aliases {
		per := make([]string, len(c.inputs))
		for j, ref := range a.refs {
			in := c.inputNamed(ref)
			if in == nil {
				return ruleErr(r, "aliases: %s: %q is not one of the correlation's rules", a.name, ref)
			}
			if per[in.pos] != "" {
				return ruleErr(r, "aliases: %s: rule %q mapped twice", a.name, in.ref)
			}
			per[in.pos] = a.field[j]
		}
		for i, f := range per {
			if f == "" {
				return ruleErr(r, "aliases: %s gives no field for rule %q", a.name, c.inputs[i].ref)
			}
		}
		fieldOf[a.name] = per
	}
	for _, in := range c.inputs {
		in.group = resolveFields(c.sp.groupBy, fieldOf, in.pos)
		in.value = resolveFields(c.sp.fields, fieldOf, in.pos)
	}
	c.sliding = c.sp.cond.lowerOnly() && c.sp.kind != valueAvg && c.sp.kind != valuePercentile
	return nil
}

// inputNamed finds the input an alias entry names: by the reference as
// written in rules, or by another name of the same rule.
func (c *corr) inputNamed(ref string) *input {
	for _, in := range c.inputs {
		if in.ref == ref {
			return in
		}
	}
	for _, in := range c.inputs {
		if in.inner != nil && slices.Contains(names(in.inner.rule), ref) {
			return in
		}
		for _, d := range in.dets {
			if slices.Contains(names(d), ref) {
				return in
			}
		}
	}
	return nil
}

func resolveFields(fields []string, aliases map[string][]string, pos int) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f
		if per, ok := aliases[f]; ok {
			out[i] = per[pos]
		}
	}
	return out
}

// checkChains checks that a correlation reads, from the correlations it is
// chained on, only what their fires carry: their group-by values.
func (c *corr) checkChains() error {
	for _, in := range c.inputs {
		if in.inner == nil {
			continue
		}
		if in.inner.sp == nil {
			continue // reported with the inner rule; sortChains fails c
		}
		have := in.inner.sp.groupBy
		for _, f := range slices.Concat(in.group, in.value) {
			if !slices.Contains(have, f) {
				return ruleErr(c.rule, "reads field %q from correlation %q, whose fires carry only its group-by [%s]",
					f, in.ref, strings.Join(have, ", "))
			}
		}
	}
	return nil
}

// sortChains orders correlations so that each comes after those it is
// chained on, failing those in a loop and those chained on a failed one.
func sortChains(cs []*corr) []*corr {
	const (
		unseen = iota
		active
		done
	)
	state := map[*corr]int{}
	var order []*corr
	var visit func(c *corr, path []string)
	visit = func(c *corr, path []string) {
		state[c] = active
		path = append(path, c.ident)
		for _, in := range c.inputs {
			inner := in.inner
			if inner == nil {
				continue
			}
			switch state[inner] {
			case active:
				if c.err == nil {
					c.err = ruleErr(c.rule, "correlation chain loops: %s -> %s", strings.Join(path, " -> "), inner.ident)
				}
				continue
			case unseen:
				visit(inner, path)
			}
			if inner.err != nil && c.err == nil {
				c.err = ruleErr(c.rule, "correlation rules: %q did not compile", in.ref)
			}
		}
		state[c] = done
		order = append(order, c)
	}
	for _, c := range cs {
		if state[c] == unseen {
			visit(c, nil)
		}
	}
	// A loop is found at its last member; the others fail by chaining.
	for changed := true; changed; {
		changed = false
		for _, c := range order {
			for _, in := range c.inputs {
				if in.inner != nil && in.inner.err != nil && c.err == nil {
					c.err = ruleErr(c.rule, "correlation rules: %q did not compile", in.ref)
					changed = true
				}
			}
		}
	}
	return order
}
