package posture

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkActivityLogExport = &check{
	name:     "posture.monitoring.activity_log_export",
	title:    "Activity and sign-in logs kept 90 days, outside the subscription",
	severity: "high",
	why: "The Activity Log keeps 90 days and Entra sign-in logs 30 days, inside what the attacker controls. " +
		"Cryptojacking is often found on the bill weeks later; an attacker with Owner can delete the " +
		"workspace or move the subscription to another tenant, taking its logs along. Exports that outlive " +
		"both are what an investigation (and mamori hunt) reads.",
	fix: "Send the logs to a workspace in a separate logging subscription with retention of at least 90 days: " +
		"`az monitor diagnostic-settings subscription create --name export --location global --workspace WORKSPACE_ID " +
		"--logs '[{\"category\":\"Administrative\",\"enabled\":true},{\"category\":\"Security\",\"enabled\":true},{\"category\":\"Policy\",\"enabled\":true}]'`; " +
		"Entra admin center > Identity > Monitoring & health > Diagnostic settings > add SignInLogs and AuditLogs; " +
		"`az monitor log-analytics workspace update --retention-time 90 -g RG -n WORKSPACE`.",
	required:     []string{capture.KeyDiagnosticSettings, capture.KeyTenantDiagnostics, capture.KeyEntraDiagnostics},
	ownGuard:     true, // the subscription part needs only its own settings
	tenant:       tenantLogExport,
	subscription: subscriptionLogExport,
}

// destination judges one diagnostic setting's destinations for a log that
// belongs to loggedSub ("" for tenant logs): good when some destination
// keeps the logs RetentionDays and, for a subscription's log, sits in
// another subscription. Unreadable workspace retention is a gap, not a pass.
func (e *env) destination(d *DiagnosticSetting, loggedSub string, categories []string) (good bool, notes []string, g gap) {
	days := int64(e.cfg.Monitoring.RetentionDays)
	sameSub := func(id string) bool { return loggedSub != "" && subscriptionOfID(id) == loggedSub }
	if d.WorkspaceID != "" {
		switch ws, wg := e.workspace(d.WorkspaceID); {
		case sameSub(d.WorkspaceID):
			notes = append(notes, "workspace in the same subscription: gone if the subscription moves")
		case !wg.empty():
			g.missing = append(g.missing, wg.missing...)
			g.reasons = append(g.reasons, wg.reasons...)
		case ws == nil:
			notes = append(notes, "workspace "+lastSegment(d.WorkspaceID)+" not found")
		case !ws.RetentionSet || ws.RetentionDays < days:
			notes = append(notes, fmt.Sprintf("workspace %s keeps %d days", ws.Name, ws.RetentionDays))
		default:
			good = true
		}
	}
	if d.StorageID != "" {
		short := int64(0)
		for _, l := range d.Logs {
			if l.Enabled && l.RetentionDays > 0 && l.RetentionDays < days && (containsFold(categories, l.Category) || l.CategoryGroup != "") {
				short = l.RetentionDays
			}
		}
		switch {
		case sameSub(d.StorageID):
			notes = append(notes, "storage account in the same subscription: gone if the subscription moves")
		case short > 0:
			notes = append(notes, fmt.Sprintf("storage retention policy deletes after %d days", short))
		default:
			// Storage keeps blobs until something deletes them; lifecycle
			// rules are not read, which docs/posture-checks.md says.
			good = true
		}
	}
	// An event hub or partner hands the logs to a system whose retention
	// this check cannot see; it counts as long-lived, as the docs say.
	if d.EventHubID != "" {
		if sameSub(d.EventHubID) {
			notes = append(notes, "event hub in the same subscription: gone if the subscription moves")
		} else {
			good = true
		}
	}
	if d.PartnerID != "" && !sameSub(d.PartnerID) {
		good = true
	}
	return good, notes, g
}

// workspace finds a destination workspace among those read, or the gap
// that kept its subscription's workspaces from being read.
func (e *env) workspace(id string) (*Workspace, gap) {
	subID := subscriptionOfID(id)
	sub := e.s.Subscriptions[subID]
	g := e.need(nil, capture.Key(capture.KeyWorkspaces, subID))
	if !g.empty() {
		return nil, g
	}
	if sub != nil {
		for i := range sub.Workspaces {
			if strings.EqualFold(sub.Workspaces[i].ID, id) {
				return &sub.Workspaces[i], gap{}
			}
		}
	}
	return nil, gap{}
}

// coverage checks that every category is exported by some setting to a
// good destination; it returns the evidence, how many categories are not
// covered and any gap.
func (e *env) coverage(log string, settings []DiagnosticSetting, loggedSub string, categories []string) (bad, ok []Evidence, uncovered int, g gap) {
	covered := map[string]bool{}
	for i := range settings {
		d := &settings[i]
		good, notes, dg := e.destination(d, loggedSub, categories)
		g.missing = append(g.missing, dg.missing...)
		g.reasons = append(g.reasons, dg.reasons...)
		var cats []string
		for _, c := range categories {
			if d.Exports(c) {
				cats = append(cats, c)
				covered[c] = covered[c] || good
			}
		}
		detail := log + ": " + strings.Join(cats, ", ")
		if len(cats) == 0 {
			detail = log + ": none of " + strings.Join(categories, ", ")
		}
		if len(notes) > 0 {
			detail += "; " + strings.Join(notes, "; ")
		}
		ev := Evidence{Subject: "diagnostic setting " + d.Name, Detail: detail}
		if good && len(cats) > 0 {
			ok = append(ok, ev)
		} else {
			bad = append(bad, ev)
		}
	}
	for _, c := range categories {
		if !covered[c] {
			uncovered++
			bad = append([]Evidence{{Subject: log + " " + c, Detail: "not exported to a destination that keeps it"}}, bad...)
		}
	}
	return bad, ok, uncovered, g
}

// verdict turns coverage into a finding: a missing category fails unless a
// gap (an unreadable workspace) might be where it is kept.
func (e *env) verdict(sub *Subscription, bad, ok []Evidence, g gap, failed bool, what string) Finding {
	if failed && !g.empty() {
		f := e.notAssessed(sub, g)
		f.Evidence = append(bad, ok...)
		return f
	}
	if failed {
		return e.result(sub, true, fmt.Sprintf("%s not all exported to a destination that keeps %d days%s", what, e.cfg.Monitoring.RetentionDays, outlives(sub)), append(bad, ok...))
	}
	return e.result(sub, false, fmt.Sprintf("%s exported to a destination that keeps %d days%s", what, e.cfg.Monitoring.RetentionDays, outlives(sub)), ok)
}

// outlives words the second condition, which only a subscription's own
// log has: its destination must not move away with it.
func outlives(sub *Subscription) string {
	if sub == nil {
		return ""
	}
	return " outside the subscription"
}

func subscriptionLogExport(e *env, sub *Subscription) Finding {
	if g := e.need(sub, capture.KeyDiagnosticSettings); !g.empty() {
		return e.notAssessed(sub, g)
	}
	cats := e.cfg.Monitoring.ActivityCategories
	bad, ok, uncovered, g := e.coverage("activity log", sub.Diagnostics, sub.ID, cats)
	return e.verdict(sub, bad, ok, g, uncovered > 0, "the activity log is")
}

func tenantLogExport(e *env) Finding {
	if g := e.need(nil, capture.KeyEntraDiagnostics, capture.KeyTenantDiagnostics); !g.empty() {
		return e.notAssessed(nil, g)
	}
	bad, ok, uncovered, g := e.coverage("Entra", e.s.EntraDiagnostics, "", e.cfg.Monitoring.EntraCategories)
	failed := uncovered > 0
	if e.cfg.Monitoring.RequireTenantExport {
		tenantOK := false
		for i := range e.s.TenantDiagnostics {
			d := &e.s.TenantDiagnostics[i]
			good, notes, dg := e.destination(d, "", nil)
			g.missing = append(g.missing, dg.missing...)
			g.reasons = append(g.reasons, dg.reasons...)
			exports := false
			for _, l := range d.Logs {
				exports = exports || l.Enabled
			}
			ev := Evidence{Subject: "diagnostic setting " + d.Name, Detail: "tenant activity log; " + strings.Join(notes, "; ")}
			if good && exports {
				tenantOK = true
				ok = append(ok, ev)
			} else {
				bad = append(bad, ev)
			}
		}
		if !tenantOK {
			failed = true
			bad = append([]Evidence{{Subject: "tenant activity log", Detail: "not exported to a destination that keeps it"}}, bad...)
		}
	}
	return e.verdict(nil, bad, ok, g, failed, "Entra sign-in/audit logs and the tenant activity log are")
}
