package posture

import (
	"sort"
	"strings"
)

// Activity log alert rules that name a subscription in their scopes but
// never fire for its operations (check_alerts.go says why): rules held in
// another subscription, scoped to it or to a management group above it,
// and the subscription's own rules scoped to a management group. They
// count for nothing; the check names them so that a team keeping its
// rules in one monitoring subscription sees why.

// aimed is one such rule and the scope that names the subscription.
type aimed struct {
	alert  *ActivityLogAlert
	holder *Subscription // the subscription whose list held the rule
	scope  string        // lower-cased: /subscriptions/{id} or a group's ID
}

// why says in a few words why the rule does not watch sub.
func (m aimed) why(sub *Subscription) string {
	group, isGroup := strings.CutPrefix(m.scope, mgPrefix)
	if m.holder == sub {
		return "rule " + m.alert.Name + " is scoped to management group " + group +
			", but a rule fires only for events whose resource ID starts with its scope, and this subscription's start with " +
			sub.ResourceID()
	}
	held := m.holder.ID
	if m.holder.Name != "" {
		held = m.holder.Name + " (" + m.holder.ID + ")"
	}
	target := "this subscription"
	if isGroup {
		target = "management group " + group + " above it"
	}
	return "rule " + m.alert.Name + " in subscription " + held + " is scoped to " + target +
		", but a rule watches only the subscription that holds it"
}

// misaimed returns the rules aimed at sub that cannot watch it, in a
// stable order, each once. Rules held elsewhere are indexed once per run
// by the scope they name, so a tenant of many subscriptions is not
// searched once for each.
func (e *env) misaimed(sub *Subscription) []aimed {
	if e.aims == nil {
		e.aims = map[string][]aimed{}
		for _, holder := range e.s.SortedSubscriptions() {
			for i := range holder.ActivityLogAlerts {
				a := &holder.ActivityLogAlerts[i]
				for _, s := range a.Scopes {
					s = normScope(s)
					other, isSub := strings.CutPrefix(s, "/subscriptions/")
					group, isGroup := strings.CutPrefix(s, mgPrefix)
					if isSub && other != holder.ID && other != "" && !strings.Contains(other, "/") ||
						isGroup && group != "" && !strings.Contains(group, "/") {
						e.aims[s] = append(e.aims[s], aimed{alert: a, holder: holder, scope: s})
					}
				}
			}
		}
	}
	targets := []string{"/subscriptions/" + sub.ID}
	for g := range e.s.Ancestry(sub.ID).Groups {
		targets = append(targets, mgPrefix+g)
	}
	var out []aimed
	for _, t := range targets {
		out = append(out, e.aims[t]...)
	}
	// The subscription's own rules on any group: it meant them for itself.
	for i := range sub.ActivityLogAlerts {
		for _, s := range sub.ActivityLogAlerts[i].Scopes {
			s = normScope(s)
			if g, ok := strings.CutPrefix(s, mgPrefix); ok && g != "" && !strings.Contains(g, "/") {
				out = append(out, aimed{alert: &sub.ActivityLogAlerts[i], holder: sub, scope: s})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].holder == sub) != (out[j].holder == sub) {
			return out[i].holder == sub
		}
		if out[i].holder.ID != out[j].holder.ID {
			return out[i].holder.ID < out[j].holder.ID
		}
		return out[i].scope < out[j].scope
	})
	seen := map[*ActivityLogAlert]bool{}
	kept := out[:0]
	for _, m := range out {
		if !seen[m.alert] {
			seen[m.alert] = true
			kept = append(kept, m)
		}
	}
	return kept
}
