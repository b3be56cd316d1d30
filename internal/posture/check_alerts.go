package posture

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkQuotaComputeAlerts = &check{
	name:     "posture.monitoring.quota_and_compute_alerts",
	title:    "Alerts on quota changes and compute creation",
	severity: "medium",
	why: "A cryptojacking run starts with a quota increase and a burst of VM or scale-set creation, often at " +
		"night, in regions the team never uses. An activity log alert with an action group tells someone " +
		"within minutes instead of at the end of the month.",
	fix: "Create activity log alerts with an action group for each operation: `az monitor activity-log alert create -n " +
		"vm-create -g RG --scope /subscriptions/SUB --condition category=Administrative and " +
		"operationName=Microsoft.Compute/virtualMachines/write --action-group AG_ID`, and the same for " +
		"Microsoft.Compute/virtualMachineScaleSets/write and Microsoft.Quota/quotas/write (portal: Monitor > Alerts > " +
		"Create > Alert rule > Activity log signal).",
	required: []string{capture.KeyActivityLogAlerts},
	// A rule scoped to a management group covers the subscriptions under
	// it, which only the hierarchy tells.
	situational:  []string{capture.KeyManagementGroupEntities},
	subscription: quotaComputeAlerts,
}

// cover is how far an alert takes in a subscription.
type cover int

const (
	notCovered cover = iota
	// mayCover is an alert scoped to a management group that the
	// subscription may or may not lie under: its ancestry was not read,
	// or stops short of the tenant root group.
	mayCover
	covered
)

// alertCovers says whether an alert fires for operation in subscription
// sub: enabled, scoped to the subscription or a management group above it
// (anc), notifying an action group, with every allOf clause satisfied by
// that operation.
func alertCovers(a *ActivityLogAlert, sub string, anc Ancestry, operation string) cover {
	if !a.Enabled || len(a.ActionGroups) == 0 {
		return notCovered
	}
	for _, c := range a.Conditions {
		if !conditionAllows(c, operation) {
			return notCovered
		}
	}
	return scopeCovers(a.Scopes, sub, anc)
}

// scopeCovers says whether the scopes take in the whole subscription: the
// subscription itself, or a management group above it. A resource group
// sees only part of it; a management group it does not lie under, none
// of it (any group used to count, wherever the subscription lay).
func scopeCovers(scopes []string, sub string, anc Ancestry) cover {
	best := notCovered
	for _, s := range scopes {
		s = strings.TrimRight(strings.ToLower(s), "/")
		if s == "/subscriptions/"+sub {
			return covered
		}
		group, ok := strings.CutPrefix(s, mgPrefix)
		if !ok || group == "" || strings.Contains(group, "/") {
			continue
		}
		switch under, known := anc.Under(group); {
		case under:
			return covered
		case !known:
			best = mayCover
		}
	}
	return best
}

// conditionAllows reports whether an event of this operation (category
// Administrative) satisfies one clause.
func conditionAllows(c AlertCondition, operation string) bool {
	if len(c.AnyOf) > 0 {
		for _, a := range c.AnyOf {
			if conditionAllows(a, operation) {
				return true
			}
		}
		return false
	}
	values := c.ContainsAny
	if c.Equals != "" {
		values = append([]string{c.Equals}, values...)
	}
	if len(values) == 0 {
		return true
	}
	resourceType := operation
	if i := strings.LastIndexByte(operation, '/'); i > 0 {
		resourceType = operation[:i]
	}
	switch strings.ToLower(c.Field) {
	case "category":
		return containsFold(values, "Administrative")
	case "operationname":
		return containsFold(values, operation)
	case "resourcetype":
		return containsFold(values, resourceType)
	case "resourceprovider":
		return containsFold(values, strings.SplitN(operation, "/", 2)[0])
	case "status":
		// A successful write logs Started (or Accepted) and Succeeded: an
		// alert on any of them fires for the attacker's VM; one on
		// Failed alone fires only when the creation fails.
		return containsFold(values, "Started") || containsFold(values, "Accepted") || containsFold(values, "Succeeded")
	case "level":
		// A successful write is logged at level Informational; Error and
		// Critical are failures.
		return containsFold(values, "Informational")
	case "substatus":
		// Sub-statuses (Created, OK, Accepted...) vary by operation: not
		// judged, the alert is taken to fire.
		return true
	}
	// caller, resourceId, resourceGroup and anything unknown narrow the
	// alert to some events: an attacker's VM would not match them.
	return false
}

func quotaComputeAlerts(e *env, sub *Subscription) Finding {
	anc := e.s.Ancestry(sub.ID)
	var bad, unsure, ok []Evidence
	judge := func(kind string, ops []string) {
		for _, op := range ops {
			var by, maybe []string
			for i := range sub.ActivityLogAlerts {
				switch a := &sub.ActivityLogAlerts[i]; alertCovers(a, sub.ID, anc, op) {
				case covered:
					by = append(by, a.Name)
				case mayCover:
					maybe = append(maybe, a.Name+" (management group "+strings.Join(groupScopes(a), ", ")+")")
				}
			}
			switch {
			case len(by) > 0:
				ok = append(ok, Evidence{Subject: op, Detail: "alerted by " + strings.Join(by, ", ")})
			case len(maybe) > 0:
				unsure = append(unsure, Evidence{Subject: op, Detail: "alerted by " + strings.Join(maybe, ", ") +
					" only if the subscription lies under that group, which could not be told (" + kind + ")"})
			default:
				bad = append(bad, Evidence{Subject: op, Detail: "no enabled alert with an action group (" + kind + ")"})
			}
		}
	}
	judge("quota change", e.cfg.Alerts.QuotaOperations)
	judge("compute creation", e.cfg.Alerts.ComputeOperations)
	total := len(e.cfg.Alerts.QuotaOperations) + len(e.cfg.Alerts.ComputeOperations)
	ev := append(append(bad, unsure...), ok...)
	if len(bad) > 0 {
		summary := fmt.Sprintf("%d of %d quota and compute operations %s no alert", len(bad), total, plural.Verb(len(bad), "raises", "raise"))
		if len(unsure) > 0 {
			summary += fmt.Sprintf("; %d more only by an alert on a management group the subscription may not lie under", len(unsure))
		}
		return e.result(sub, true, summary, ev)
	}
	if len(unsure) > 0 {
		return e.unplaced(sub, fmt.Sprintf("%d of %d quota and compute operations raise an alert only if the subscription lies under the alert's management group", len(unsure), total), ev)
	}
	return e.result(sub, false, fmt.Sprintf("all %d quota and compute operations raise an alert", total), ok)
}

// groupScopes lists the management groups an alert is scoped to, by name.
func groupScopes(a *ActivityLogAlert) []string {
	var out []string
	for _, s := range a.Scopes {
		if g, ok := strings.CutPrefix(strings.ToLower(strings.TrimRight(s, "/")), mgPrefix); ok {
			out = append(out, g)
		}
	}
	return out
}

// unplaced is the finding of a verdict that hangs on whether the
// subscription lies under a management group, when its ancestry is
// unknown: the entities list was not read fully, or does not place the
// subscription under the tenant root group. Counting the group's alert
// would pass subscriptions it never watches; ignoring it, fail some it does.
func (e *env) unplaced(sub *Subscription, what string, ev []Evidence) Finding {
	g := e.need(sub, capture.KeyManagementGroupEntities)
	f := e.notAssessed(sub, g)
	why := strings.TrimPrefix(f.Summary, "not assessed: ")
	if g.empty() {
		why = capture.KeyManagementGroupEntities + " does not place it under the tenant root group"
	}
	f.Summary = "not assessed: " + what + ", and the management groups above the subscription are unknown: " + why
	f.Evidence = ev
	return f
}
