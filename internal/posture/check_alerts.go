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
	required:     []string{capture.KeyActivityLogAlerts},
	subscription: quotaComputeAlerts,
}

// alertCovers reports whether an alert fires for operation in subscription
// sub: enabled, scoped to the subscription (or above it), notifying an
// action group, with every allOf clause satisfied by that operation.
func alertCovers(a *ActivityLogAlert, sub, operation string) bool {
	if !a.Enabled || len(a.ActionGroups) == 0 || !scopeCovers(a.Scopes, sub) {
		return false
	}
	for _, c := range a.Conditions {
		if !conditionAllows(c, operation) {
			return false
		}
	}
	return true
}

// scopeCovers reports whether the alert watches the whole subscription: a
// resource group scope sees only part of it.
func scopeCovers(scopes []string, sub string) bool {
	for _, s := range scopes {
		s = strings.TrimRight(strings.ToLower(s), "/")
		if s == "/subscriptions/"+sub || strings.HasPrefix(s, "/providers/microsoft.management/managementgroups/") {
			return true
		}
	}
	return false
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
	var bad, ok []Evidence
	judge := func(kind string, ops []string) {
		for _, op := range ops {
			var by []string
			for i := range sub.ActivityLogAlerts {
				if a := &sub.ActivityLogAlerts[i]; alertCovers(a, sub.ID, op) {
					by = append(by, a.Name)
				}
			}
			if len(by) == 0 {
				bad = append(bad, Evidence{Subject: op, Detail: "no enabled alert with an action group (" + kind + ")"})
			} else {
				ok = append(ok, Evidence{Subject: op, Detail: "alerted by " + strings.Join(by, ", ")})
			}
		}
	}
	judge("quota change", e.cfg.Alerts.QuotaOperations)
	judge("compute creation", e.cfg.Alerts.ComputeOperations)
	total := len(e.cfg.Alerts.QuotaOperations) + len(e.cfg.Alerts.ComputeOperations)
	if len(bad) > 0 {
		return e.result(sub, true, fmt.Sprintf("%d of %d quota and compute operations %s no alert", len(bad), total, plural.Verb(len(bad), "raises", "raise")), append(bad, ok...))
	}
	return e.result(sub, false, fmt.Sprintf("all %d quota and compute operations raise an alert", total), ok)
}
