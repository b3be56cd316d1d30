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
	fix: "Create activity log alerts with an action group for each operation, in each subscription: a rule watches only " +
		"the subscription that holds it, so a central team deploys them to every subscription (Azure Policy " +
		"deployIfNotExists at the management group) rather than scoping one rule to a group: `az monitor activity-log alert create -n " +
		"vm-create -g RG --scope /subscriptions/SUB --condition category=Administrative and " +
		"operationName=Microsoft.Compute/virtualMachines/write --action-group AG_ID`, and the same for " +
		"Microsoft.Compute/virtualMachineScaleSets/write and Microsoft.Quota/quotas/write (portal: Monitor > Alerts > " +
		"Create > Alert rule > Activity log signal).",
	required:     []string{capture.KeyActivityLogAlerts},
	subscription: quotaComputeAlerts,
}

// Which rules watch a subscription, per Microsoft: "an activity log alert
// only monitors events in the subscription in which the alert is created"
// (Azure Monitor, types of alerts), and a rule's scopes are "resource IDs
// that will be used as prefixes": it fires only for events "with resource
// IDs that fall under one of these prefixes" (REST reference, Activity Log
// Alerts, properties.scopes). A subscription's quota and compute writes
// are logged under /subscriptions/{id}/...: only a rule held in that
// subscription and scoped to it takes them all. A rule held elsewhere
// never sees them, whatever its scopes name, and a management group's ID
// prefixes no subscription's resources (the 2023-01-01-preview API's
// tenantScope rules on a group watch the group's own events).

// alertCovers says whether an alert held in subscription sub fires for
// operation there: it admits the operation and is scoped to the whole
// subscription (a resource group sees part of it).
func alertCovers(a *ActivityLogAlert, sub, operation string) bool {
	if !admits(a, operation) {
		return false
	}
	for _, s := range a.Scopes {
		if normScope(s) == "/subscriptions/"+sub {
			return true
		}
	}
	return false
}

// admits says whether an alert would fire for an event of operation
// (category Administrative) under its scopes: enabled, notifying an action
// group, with every allOf clause satisfied.
func admits(a *ActivityLogAlert, operation string) bool {
	if !a.Enabled || len(a.ActionGroups) == 0 {
		return false
	}
	for _, c := range a.Conditions {
		if !conditionAllows(c, operation) {
			return false
		}
	}
	return true
}

// normScope lower-cases a scope and drops its trailing slashes.
func normScope(s string) string { return strings.TrimRight(strings.ToLower(s), "/") }

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
	var targeted []aimed // built at the first operation with no alert
	var bad, ok []Evidence
	misses := map[*ActivityLogAlert]bool{}
	judge := func(kind string, ops []string) {
		for _, op := range ops {
			var by []string
			for i := range sub.ActivityLogAlerts {
				if a := &sub.ActivityLogAlerts[i]; alertCovers(a, sub.ID, op) {
					by = append(by, a.Name)
				}
			}
			if len(by) > 0 {
				ok = append(ok, Evidence{Subject: op, Detail: "alerted by " + strings.Join(by, ", ")})
				continue
			}
			detail := "no enabled alert with an action group (" + kind + ")"
			if bad == nil {
				targeted = e.misaimed(sub)
			}
			// Name the rules meant for it that Azure never runs on it, so
			// a central team sees why its rule does not count.
			for _, m := range targeted {
				if admits(m.alert, op) {
					detail += "; " + m.why(sub)
					misses[m.alert] = true
				}
			}
			bad = append(bad, Evidence{Subject: op, Detail: detail})
		}
	}
	judge("quota change", e.cfg.Alerts.QuotaOperations)
	judge("compute creation", e.cfg.Alerts.ComputeOperations)
	total := len(e.cfg.Alerts.QuotaOperations) + len(e.cfg.Alerts.ComputeOperations)
	if len(bad) > 0 {
		summary := fmt.Sprintf("%d of %d quota and compute operations %s no alert", len(bad), total, plural.Verb(len(bad), "raises", "raise"))
		if n := len(misses); n > 0 {
			summary += fmt.Sprintf("; %s aimed at it from another subscription or a management group %s none of its operations",
				plural.Count(n, "alert rule", "alert rules"), plural.Verb(n, "sees", "see"))
		}
		return e.result(sub, true, summary, append(bad, ok...))
	}
	return e.result(sub, false, fmt.Sprintf("all %d quota and compute operations raise an alert", total), ok)
}
