package posture

import (
	"sort"
	"strings"
)

// check is one posture check: its words (title, why, fix), its default
// severity, the datasets it reads and the function that judges them.
type check struct {
	name     string
	title    string
	severity string
	why      string
	fix      string
	// required datasets must be complete or the check is not assessed;
	// optional ones may only turn a pass into not assessed. A check with
	// both a tenant and a subscription part needs the {sub} patterns for
	// the latter and the others for the former.
	required []string
	optional []string
	// ownGuard marks a check that judges parts of its required data
	// separately (some of it may be missing and the rest still judged);
	// Run does not guard it.
	ownGuard bool
	// tenant runs once for the tenant, subscription once per active
	// subscription; a check may have both.
	tenant       func(e *env) Finding
	subscription func(e *env, sub *Subscription) Finding
}

// area is the second part of a check name: "identity" in
// "posture.identity.mfa_registration".
func (c *check) area() string {
	parts := strings.Split(c.name, ".")
	if len(parts) < 3 {
		return ""
	}
	return parts[1]
}

// catalogue lists every check, in the order docs/posture-checks.md has them.
var catalogue = []*check{
	checkMFARegistration,
	checkAdminConditionalAccess,
	checkRiskPolicies,
	checkAdminSeparation,
	checkComputeRoleHolders,
	checkRootUserAccessAdmin,
	checkSecurityContacts,
	checkUnusedHeadroom,
	checkDormantCapacity,
	checkActivityLogExport,
	checkQuotaComputeAlerts,
	checkTransferPolicy,
	checkDefenderPlans,
	checkAllowedSKUsLocations,
}

// checkByName finds a check in the catalogue.
func checkByName(name string) (*check, bool) {
	for _, c := range catalogue {
		if c.name == name {
			return c, true
		}
	}
	return nil, false
}

// Checks lists the check names in catalogue order.
func Checks() []string {
	out := make([]string, len(catalogue))
	for i, c := range catalogue {
		out[i] = c.name
	}
	return out
}

// Requirements maps each check name to the capture dataset key patterns it
// cannot be assessed without (capture.Key* constants, with {sub} and
// {region} placeholders), for `mamori doctor`. Datasets a check only reads
// to turn a pass into a sure pass (such as PIM eligibility) are not listed.
func Requirements() map[string][]string {
	out := make(map[string][]string, len(catalogue))
	for _, c := range catalogue {
		out[c.name] = append([]string(nil), c.required...)
	}
	return out
}

// Limits maps each check to the datasets it can run without but that may
// then leave findings not assessed: its optional ones.
func Limits() map[string][]string {
	out := make(map[string][]string, len(catalogue))
	for _, c := range catalogue {
		if len(c.optional) > 0 {
			out[c.name] = append([]string(nil), c.optional...)
		}
	}
	return out
}

// Run judges the snapshot with every check and returns the findings in the
// order to fix them: failures first, then what could not be assessed, then
// passes; within each, by severity, check name and scope.
func Run(s *Snapshot, cfg Config) []Finding {
	if s == nil {
		s, _ = Build(nil)
	}
	if cfg.EvidenceLimit < 1 {
		cfg.EvidenceLimit = DefaultConfig().EvidenceLimit
	}
	var out []Finding
	for _, c := range catalogue {
		e := &env{s: s, cfg: &cfg, c: c}
		if c.tenant != nil {
			out = append(out, e.finish(e.guarded(nil, func() Finding { return c.tenant(e) })))
		}
		if c.subscription == nil {
			continue
		}
		subs := activeSubscriptions(s)
		if len(subs) == 0 {
			out = append(out, e.finish(e.noSubscriptions()))
			continue
		}
		for _, sub := range subs {
			out = append(out, e.finish(e.guarded(sub, func() Finding { return c.subscription(e, sub) })))
		}
	}
	SortFindings(out)
	return out
}

// SortFindings orders findings by what to fix first.
func SortFindings(f []Finding) {
	rank := map[Status]int{Fail: 0, NotAssessed: 1, Pass: 2}
	sort.SliceStable(f, func(i, j int) bool {
		a, b := f[i], f[j]
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		if wa, wb := severityWeight[a.Severity], severityWeight[b.Severity]; wa != wb {
			return wa > wb
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		return a.Scope < b.Scope
	})
}

// activeSubscriptions are the subscriptions where compute can still be
// created, in ID order; disabled and deleted ones have nothing to check.
// A listed subscription none of whose datasets was collected, while others'
// were, was left out on purpose (--subscription named the others): judging
// it would add a "not collected" finding per check for every subscription
// of the tenant the user did not ask about.
func activeSubscriptions(s *Snapshot) []*Subscription {
	read := map[string]bool{}
	for key := range s.Datasets {
		if rest, ok := strings.CutPrefix(key, "arm/subscriptions/"); ok {
			if id, _, ok := strings.Cut(rest, "/"); ok {
				read[strings.ToLower(id)] = true
			}
		}
	}
	var out []*Subscription
	for _, sub := range s.SortedSubscriptions() {
		if sub.Active() && (len(read) == 0 || read[sub.ID]) {
			out = append(out, sub)
		}
	}
	return out
}
