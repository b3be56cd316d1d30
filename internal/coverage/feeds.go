package coverage

import (
	"slices"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// ruleKinds maps each rule's names (an alert's Rule is one) to the kinds
// of log an incident holding its alert reads. A detection rule reads its
// own kinds and those of every rule of each correlation it feeds: an
// incident of quota and compute alerts is the second half of "risky
// sign-in, then quota or compute", and a sign-in log that begins after it
// began cannot hold the first half. A correlation reads the kinds its
// detection rules read, through the correlations it is chained on, so a
// rule fed into a chain reads the chain's kinds.
//
// A rule feeds a correlation that names it, or that names a rule that may
// match the same records (mayShare): a correlation that does not generate
// silences the rules it names, so the catalogue's correlations read
// copies of the rules that alert (azure.signin.risky_then_quota_or_compute.arm
// beside azure.quota.increase and azure.compute.gpu_created), which share
// their records, not their names.
func ruleKinds(set *rules.Set) map[string][]event.Kind {
	bySigma := map[*sigma.Rule]*rules.Rule{}
	for _, r := range set.Rules {
		bySigma[r.Sigma] = r
	}
	type correlation struct {
		rule    *rules.Rule   // nil if not in the set, which Load never makes
		members []*rules.Rule // the detection rules it reads, through chains
		kinds   []event.Kind  // theirs
	}
	var corrs []correlation
	if cs := set.Correlations(); cs != nil {
		// With no rule reading anything, every correlation is starved of
		// all the detection rules it reads: the list wanted.
		for _, st := range cs.Starved(func(string) bool { return false }) {
			c := correlation{rule: bySigma[st.Rule]}
			for _, d := range st.Idle {
				if r := bySigma[d]; r != nil {
					c.members = append(c.members, r)
					c.kinds = append(c.kinds, r.Kinds...)
				}
			}
			corrs = append(corrs, c)
		}
	}
	m := map[string][]event.Kind{}
	reads := map[*rules.Rule][]event.Kind{}
	for _, r := range set.Detections() {
		ks := slices.Clone(r.Kinds)
		for _, c := range corrs {
			if slices.ContainsFunc(c.members, func(d *rules.Rule) bool { return mayShare(r, d) }) {
				ks = append(ks, c.kinds...)
			}
		}
		reads[r] = sorted(ks)
		for _, n := range ruleNames(r) {
			m[n] = reads[r]
		}
	}
	for _, c := range corrs {
		if c.rule == nil {
			continue
		}
		var ks []event.Kind
		for _, d := range c.members {
			ks = append(ks, reads[d]...)
		}
		ks = sorted(ks)
		for _, n := range ruleNames(c.rule) {
			m[n] = ks
		}
	}
	return m
}

// mayShare reports whether detection rules a and b may match one record:
// they read a kind of log in common and, when both require particular
// operations, one operation is required by both. Other conditions (a GPU
// size, a role) are not compared: the warning it leads to says a log may
// hold part of an incident, and an operation is what a copy of a rule
// keeps.
func mayShare(a, b *rules.Rule) bool {
	if a == b {
		return true
	}
	if !slices.ContainsFunc(a.Kinds, func(k event.Kind) bool { return slices.Contains(b.Kinds, k) }) {
		return false
	}
	oa, ia := a.Compiled.Operations()
	ob, ib := b.Compiled.Operations()
	return !ia || !ib || slices.ContainsFunc(oa, func(op string) bool { return slices.Contains(ob, op) })
}

// sorted sorts ks and drops repeats.
func sorted(ks []event.Kind) []event.Kind {
	slices.Sort(ks)
	return slices.Compact(ks)
}
