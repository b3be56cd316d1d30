package eval

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/respond"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// PlanScore is how the plans of a tenant's high and critical incidents
// (respond.Plan) did against what its attacks did: a plan is to act on
// everything an attack left and on nothing an attack's accounts did not
// do, for a responder runs it.
type PlanScore struct {
	Plans int // plans made: one per incident at high or critical
	// Acts counts what the attacks did while they went on that a plan
	// must act on: each machine or other compute they ran (their alerts',
	// and the creates of their accounts no alert carried), role
	// assignment they made, quota they raised, access they elevated,
	// subscription they moved or created.
	Acts int
	// Missed are those of Acts no plan acts on; Wrong what a plan acts
	// on that no attack's account did: an account cut off, compute
	// stopped, a role assignment removed (compute Azure refused
	// included: it ran nothing).
	Missed, Wrong []string
}

// ScorePlans scores the plans of incs, made from alerts, against the
// attacks the tenant held (truth.Attacks; twins' accounts are no attack's).
func ScorePlans(attacks []simulate.Attack, alerts []alert.Alert, incs []incident.Incident) PlanScore {
	var s PlanScore
	attacker := map[string]bool{}
	for _, a := range attacks {
		if !a.Twin {
			for _, p := range a.Principals {
				attacker[strings.ToLower(p)] = true
			}
		}
	}
	byAttacker := func(ids []string) bool {
		return slices.ContainsFunc(ids, func(id string) bool { return attacker[strings.ToLower(id)] })
	}
	// During an attack, by its own accounts: an account taken over also
	// did its owner's work before and after, which is not the attack's.
	during := func(at time.Time, ids []string) bool {
		return slices.ContainsFunc(attacks, func(x simulate.Attack) bool {
			return !x.Twin && !at.Before(x.Start) && !at.After(x.End) &&
				slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(x.Principals, strings.ToLower(id)) })
		})
	}
	made, did := map[string]bool{}, map[string]bool{}
	need := func(what string) { did[strings.ToLower(what)] = true }
	for i := range alerts {
		a := &alerts[i]
		if a.Suppressed != nil || !byAttacker(a.Acting()) {
			continue
		}
		in := during(a.Time, a.Acting())
		note := func(r string) {
			made[strings.ToLower(r)] = true
			if in {
				need(r)
			}
		}
		for _, c := range a.Compute {
			if c.Count > 0 {
				note(c.Resource)
			}
		}
		for _, r := range a.Resources {
			low := strings.ToLower(r)
			switch {
			case strings.Contains(low, "/roleassignments/"):
				note(r)
			case strings.Contains(low, "/microsoft.quota/quotas/") && in:
				need("--resource-name " + low[strings.LastIndex(low, "/")+1:])
			case strings.Contains(low, "/microsoft.subscription/aliases/") && in:
				need("az account alias show --name " + low[strings.LastIndex(low, "/")+1:])
			}
		}
		for _, e := range a.Evidence {
			op := strings.ToLower(e.Operation)
			switch {
			case !in:
			case strings.Contains(op, "elevateaccess"):
				need("--role 'user access administrator' --scope /")
			case strings.Contains(op, "changetenantrequest") && a.Subscription != "":
				need(a.Subscription)
			}
		}
	}
	// The creates of an incident's actors no alert carried (priced in its
	// cost, stopped by its plan): the attacks' when an attack's account
	// made them, and theirs to act on when it made them during its attack.
	for i := range incs {
		for _, c := range incs[i].Created {
			if c.Compute.Count == 0 || !byAttacker(c.Principals) {
				continue
			}
			made[strings.ToLower(c.Compute.Resource)] = true
			if during(c.Time, c.Principals) {
				need(c.Compute.Resource)
			}
		}
	}
	plans := respond.Plans(incs, alerts)
	s.Plans = len(plans)
	var acted strings.Builder // every plan's targets and commands, lower case
	for i := range incs {
		in := &incs[i]
		for _, step := range plans[in.ID] {
			for _, t := range slices.Concat(step.Targets, step.Commands) {
				acted.WriteString(strings.ToLower(t) + "\n")
			}
			switch step.Action {
			case "accounts":
				for _, c := range step.Commands {
					if !namesAttacker(c, attacker) {
						s.Wrong = append(s.Wrong, in.ID+": "+c)
					}
				}
			case "compute", "role_assignments":
				for _, r := range step.Targets {
					if !made[strings.ToLower(r)] {
						s.Wrong = append(s.Wrong, in.ID+": "+step.Action+" "+r)
					}
				}
			}
		}
	}
	all := acted.String()
	for what := range did {
		s.Acts++
		if !strings.Contains(all, what) {
			s.Missed = append(s.Missed, what)
		}
	}
	slices.Sort(s.Missed)
	return s
}

// namesAttacker reports whether a command names an attack's account (a
// UPN in a URL is escaped).
func namesAttacker(c string, attacker map[string]bool) bool {
	if u, err := url.PathUnescape(c); err == nil {
		c = u
	}
	c = strings.ToLower(c)
	for id := range attacker {
		if strings.Contains(c, id) {
			return true
		}
	}
	return false
}
