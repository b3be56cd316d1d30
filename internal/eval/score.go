package eval

import (
	"fmt"
	"iter"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// background names the false alarms attributed to no scenario.
const background = "background"

// count is one rule's running score.
type count struct {
	tp, fp, fn, fpAlerts int
	delays               []time.Duration
	missed, firedOn      map[string]bool
}

// tally accumulates scores over tenants.
type tally struct {
	rules          map[string]*count
	attacks, twins int
	falseIncidents int
	caught         int                // attacks in an incident at high or critical
	mixed          int                // such incidents holding people no attack used
	plans          PlanScore          // their plans, summed (Missed and Wrong noted, not kept)
	scenarios      map[string]*[2]int // attack scenario -> drawn, caught
	notes          []note
}

// note is one line of the report's notes; lower ranks come first, so a
// missed attack is never cut off behind background noise.
type note struct {
	rank int
	rule string // the rule the note is about; "" for incidents
	text string
}

// Note ranks, most important first.
const (
	rankMiss = iota
	rankFalseIncident
	rankUncaught
	rankMixed
	rankTwin
	rankBackground
)

func newTally() *tally { return &tally{rules: map[string]*count{}, scenarios: map[string]*[2]int{}} }

// scenario counts attack scenario name's draws and catches.
func (t *tally) scenario(name string) *[2]int {
	c := t.scenarios[name]
	if c == nil {
		c = new([2]int)
		t.scenarios[name] = c
	}
	return c
}

func (t *tally) rule(name string) *count {
	c := t.rules[name]
	if c == nil {
		c = &count{missed: map[string]bool{}, firedOn: map[string]bool{}}
		t.rules[name] = c
	}
	return c
}

func (t *tally) note(rank int, rule, format string, args ...any) {
	t.notes = append(t.notes, note{rank, rule, fmt.Sprintf(format, args...)})
}

// Attributed says whether alert a is about scenario x: one of its records
// lies in x's span (alert.FirstWithin: a merged alert's first and last
// records may lie either side of a span none of its records is in) and,
// when it names principals, resources or machines, it names one of x's (a
// resource under one of x's counts, a machine as Attack.Machine says);
// failing that, it names one of x's machines by address or by the host
// folder of its evidence. (simulate's own tests judge with a stricter
// rule of their own, involves.)
func Attributed(a alert.Alert, x simulate.Attack) bool {
	if _, ok := a.FirstWithin(x.Start, x.End); !ok {
		return false
	}
	if len(a.PrincipalIDs) == 0 && len(a.Resources) == 0 && len(a.Hosts) == 0 {
		return true
	}
	if slices.ContainsFunc(a.Hosts, x.Machine) {
		return true
	}
	for _, p := range a.PrincipalIDs {
		if slices.Contains(x.Principals, strings.ToLower(p)) {
			return true
		}
	}
	for _, r := range a.Resources {
		r = strings.ToLower(r)
		if slices.ContainsFunc(x.Resources, func(own string) bool { return strings.HasPrefix(r, own) }) {
			return true
		}
	}
	// DNS and host telemetry names no principal: the attack's machines do,
	// by their private addresses and host names.
	for _, ip := range a.IPs {
		if slices.Contains(x.Addresses, ip) {
			return true
		}
	}
	for _, e := range a.Evidence {
		f := filepath.ToSlash(e.File)
		if slices.ContainsFunc(x.Hosts, func(h string) bool { return h != "" && strings.Contains(f, "/"+h+"/") }) {
			return true
		}
	}
	return false
}

// score adds one tenant: its injected scenarios, the hunt's alerts and
// incidents. where names the tenant in notes.
func (t *tally) score(where string, truth []simulate.Attack, alerts []alert.Alert, incs []incident.Incident) {
	// first[i][rule] is the earliest record in attack truth[i]'s span of
	// the alerts of rule attributed to it (a merged alert's first record
	// may be another attack's, days before); falseOn[i][rule] counts the
	// alerts of rule on twin truth[i] that no attack explains (an alert
	// about an attack is never false).
	first := make([]map[string]time.Time, len(truth))
	falseOn := make([]map[string]int, len(truth))
	for i := range truth {
		first[i], falseOn[i] = map[string]time.Time{}, map[string]int{}
	}
	attackOf := map[string][]int{} // per alert id, the attacks (indexes in truth) it is attributed to
	byID := map[string]*alert.Alert{}
	for i := range alerts {
		byID[alerts[i].ID] = &alerts[i]
	}
	bgAlerts := map[string]int{}
	var twins []int
	for _, a := range alerts {
		twins = twins[:0]
		for i, x := range truth {
			switch {
			case !Attributed(a, x):
			case x.Twin:
				twins = append(twins, i)
			default:
				attackOf[a.ID] = append(attackOf[a.ID], i)
				at, _ := a.FirstWithin(x.Start, x.End)
				if f, ok := first[i][a.Rule]; !ok || at.Before(f) {
					first[i][a.Rule] = at
				}
			}
		}
		switch {
		case len(attackOf[a.ID]) > 0:
		case len(twins) == 0:
			bgAlerts[a.Rule]++
		default:
			for _, i := range twins {
				falseOn[i][a.Rule]++
			}
			t.rule(a.Rule).fpAlerts++
		}
	}
	for i, x := range truth {
		if x.Twin {
			t.twins++
			// Every rule on a twin is false, whatever MustNotFire lists.
			for r, n := range sortedKeys(falseOn[i]) {
				c := t.rule(r)
				c.fp++
				c.firedOn[x.Scenario] = true
				t.note(rankTwin, r, "%s alerted %s on benign twin %s in %s", r, plural.Count(n, "time", "times"), x.Scenario, where)
			}
			continue
		}
		t.attacks++
		for _, r := range x.MustFire {
			c := t.rule(r)
			f, ok := first[i][r]
			if !ok {
				c.fn++
				c.missed[x.Scenario] = true
				t.note(rankMiss, r, "%s missed attack %s in %s", r, x.Scenario, where)
				continue
			}
			c.tp++
			c.delays = append(c.delays, max(0, f.Sub(x.Start)))
		}
	}
	for r, n := range sortedKeys(bgAlerts) {
		c := t.rule(r)
		c.fp++
		c.fpAlerts += n
		c.firedOn[background] = true
		t.note(rankBackground, r, "%s alerted %s on background activity in %s", r, plural.Count(n, "time", "times"), where)
	}
	caught := make([]bool, len(truth))
	for _, inc := range incs {
		if inc.Severity < alert.High {
			continue
		}
		if !slices.ContainsFunc(inc.Timeline, func(e incident.Entry) bool { return len(attackOf[e.Alert]) > 0 }) {
			t.falseIncidents++
			t.note(rankFalseIncident, "", "false %s incident %q in %s", inc.Severity, inc.Title, where)
		}
		for _, e := range inc.Timeline {
			for _, i := range attackOf[e.Alert] {
				caught[i] = true
			}
		}
		if others := strangers(inc, byID, attackOf, truth); len(others) > 0 {
			t.mixed++
			t.note(rankMixed, "", "%s incident %q in %s holds alerts of %s, whom no attack used", inc.Severity, inc.Title, where, strings.Join(others, ", "))
		}
	}
	ps := ScorePlans(truth, alerts, incs)
	t.plans.Plans += ps.Plans
	t.plans.Acts += ps.Acts
	for _, m := range ps.Missed {
		t.plans.Missed = append(t.plans.Missed, m)
		t.note(rankMiss, "", "no plan acts on %s, which an attack did in %s", m, where)
	}
	for _, w := range ps.Wrong {
		t.plans.Wrong = append(t.plans.Wrong, w)
		t.note(rankMixed, "", "a plan acts on what no attack did in %s: %s", where, w)
	}
	// What a defender is paged for: an incident at high or critical that
	// holds one of the attack's alerts.
	for i, x := range truth {
		if !x.Twin {
			t.scenario(x.Scenario)[0]++
		}
		switch {
		case x.Twin:
		case caught[i]:
			t.caught++
			t.scenario(x.Scenario)[1]++
		default:
			t.note(rankUncaught, "", "attack %s in %s is in no incident at high or critical", x.Scenario, where)
		}
	}
}

// strangers are the principals of an incident holding an attack's alerts
// whose alerts are no attack's and who are none of the attacks' principals
// (a pipeline the attacker stole does its nightly work in the attack's
// incident, rightly).
func strangers(inc incident.Incident, byID map[string]*alert.Alert, attackOf map[string][]int, truth []simulate.Attack) []string {
	if !slices.ContainsFunc(inc.Timeline, func(e incident.Entry) bool { return len(attackOf[e.Alert]) > 0 }) {
		return nil
	}
	var out []string
	for _, e := range inc.Timeline {
		a := byID[e.Alert]
		if a == nil || len(attackOf[e.Alert]) > 0 {
			continue
		}
		ids := slices.DeleteFunc(append([]string{a.Principal}, a.PrincipalIDs...), func(p string) bool { return strings.TrimSpace(p) == "" })
		if len(ids) == 0 { // telemetry names no one
			continue
		}
		attacker := slices.ContainsFunc(truth, func(x simulate.Attack) bool {
			return !x.Twin && slices.ContainsFunc(ids, func(p string) bool { return slices.Contains(x.Principals, strings.ToLower(p)) })
		})
		if !attacker && !slices.Contains(out, ids[0]) {
			out = append(out, ids[0])
		}
	}
	slices.Sort(out)
	return out
}

// sortedKeys iterates m in key order, so notes come out the same each run.
func sortedKeys(m map[string]int) iter.Seq2[string, int] {
	return func(yield func(string, int) bool) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}

// merge adds u's counts to t.
func (t *tally) merge(u *tally) {
	t.attacks += u.attacks
	t.twins += u.twins
	t.falseIncidents += u.falseIncidents
	t.caught += u.caught
	t.mixed += u.mixed
	t.plans.Plans += u.plans.Plans
	t.plans.Acts += u.plans.Acts
	t.plans.Missed = append(t.plans.Missed, u.plans.Missed...)
	t.plans.Wrong = append(t.plans.Wrong, u.plans.Wrong...)
	t.notes = append(t.notes, u.notes...)
	for name, c := range u.scenarios {
		n := t.scenario(name)
		n[0] += c[0]
		n[1] += c[1]
	}
	for name, src := range u.rules {
		c := t.rule(name)
		c.tp += src.tp
		c.fp += src.fp
		c.fn += src.fn
		c.fpAlerts += src.fpAlerts
		c.delays = append(c.delays, src.delays...)
		for s := range src.missed {
			c.missed[s] = true
		}
		for s := range src.firedOn {
			c.firedOn[s] = true
		}
	}
}

// report turns the counts into scores, rules sorted by name, with at most
// maxNotes notes (negative: all), only those about rule when it is set.
func (t *tally) report(maxNotes int, rule string) *Report {
	r := &Report{Attacks: t.attacks, Twins: t.twins, FalseIncidents: t.falseIncidents, Caught: t.caught, Mixed: t.mixed,
		Plans: t.plans.Plans, PlanActs: t.plans.Acts, PlanMissed: len(t.plans.Missed), PlanWrong: len(t.plans.Wrong)}
	for _, name := range slices.Sorted(maps.Keys(t.scenarios)) {
		c := t.scenarios[name]
		r.Scenarios = append(r.Scenarios, ScenarioScore{Scenario: name, Attacks: c[0], Caught: c[1]})
	}
	for name, c := range t.rules {
		s := RuleScore{Rule: name, TP: c.tp, FP: c.fp, FN: c.fn, FPAlerts: c.fpAlerts,
			Precision: ratio(c.tp, c.tp+c.fp), Recall: ratio(c.tp, c.tp+c.fn)}
		for _, d := range c.delays {
			s.MeanTimeToAlert += d
			s.MaxTimeToAlert = max(s.MaxTimeToAlert, d)
		}
		if len(c.delays) > 0 {
			s.MeanTimeToAlert /= time.Duration(len(c.delays))
		}
		s.Missed = setList(c.missed)
		s.FiredOn = setList(c.firedOn)
		r.Rules = append(r.Rules, s)
	}
	slices.SortFunc(r.Rules, func(a, b RuleScore) int { return strings.Compare(a.Rule, b.Rule) })
	// Stable: within a rank, notes stay in tenant order.
	slices.SortStableFunc(t.notes, func(a, b note) int { return a.rank - b.rank })
	notes := t.notes
	if rule != "" {
		notes = slices.DeleteFunc(slices.Clone(notes), func(n note) bool { return n.rule != rule })
	}
	for i, n := range notes {
		if i == maxNotes {
			r.Notes = append(r.Notes, fmt.Sprintf("… and %d more (--notes -1 lists them all)", len(notes)-maxNotes))
			break
		}
		r.Notes = append(r.Notes, n.text)
	}
	return r
}

// ratio is n/d, and 1 when d is 0: no case means nothing was got wrong.
func ratio(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return float64(n) / float64(d)
}

func setList(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
