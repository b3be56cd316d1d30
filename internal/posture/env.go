package posture

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// The helpers every check uses: reading dataset states, building findings
// and never letting incomplete data pass.

// env is what one check's run sees: the snapshot, the config and itself.
type env struct {
	s   *Snapshot
	cfg *Config
	c   *check
	// aims indexes the activity log alert rules aimed at a subscription
	// they cannot watch, by the scope they name; misaimed builds it.
	aims map[string][]aimed
}

// tenantScope is the Scope of tenant-wide findings.
const tenantScope = "tenant"

// finish fills in what every finding of the check shares.
func (e *env) finish(f Finding) Finding {
	f.Check, f.Area, f.Title = e.c.name, e.c.area(), e.c.title
	f.Severity = e.c.severity
	if sev, ok := e.cfg.Severity[e.c.name]; ok {
		f.Severity = strings.ToLower(sev)
	}
	f.Why, f.Fix = e.c.why, e.c.fix
	if f.Scope == "" {
		f.Scope = tenantScope
	}
	f.Evidence = e.capEvidence(f.Evidence)
	return f
}

// capEvidence keeps the first EvidenceLimit lines and counts the rest in one more.
func (e *env) capEvidence(ev []Evidence) []Evidence {
	if len(ev) <= e.cfg.EvidenceLimit {
		return ev
	}
	n := len(ev) - e.cfg.EvidenceLimit
	return append(ev[:e.cfg.EvidenceLimit:e.cfg.EvidenceLimit], Evidence{Subject: fmt.Sprintf("and %d more", n), Detail: "not shown"})
}

// scope returns a finding's scope and scope name for a subscription.
func scope(sub *Subscription) (string, string) {
	if sub == nil {
		return tenantScope, ""
	}
	return sub.ResourceID(), sub.Name
}

// gap is what kept a check from reading its data fully.
type gap struct {
	missing []string // permissions denied
	reasons []string // other causes: failed, partial, not collected
}

// empty reports whether nothing was missing.
func (g gap) empty() bool { return len(g.missing) == 0 && len(g.reasons) == 0 }

// need collects the states of the datasets behind patterns for one
// subscription (or the tenant when sub is nil) and returns what was not
// complete. A {region} pattern stands for every region read; none read at
// all is itself a gap.
func (e *env) need(sub *Subscription, patterns ...string) gap {
	var g gap
	seen := map[string]bool{}
	for _, p := range patterns {
		for _, st := range e.states(sub, p) {
			if st.Complete {
				continue
			}
			if st.Status == capture.Denied {
				perm := st.Permission
				if perm == "" {
					perm = capture.Permission(p)
				}
				if !seen[perm] {
					seen[perm] = true
					g.missing = append(g.missing, perm)
				}
				continue
			}
			switch {
			case st.Status == NotCollected:
				g.reasons = append(g.reasons, st.Key+": not collected")
			case st.Reason == "":
				g.reasons = append(g.reasons, fmt.Sprintf("%s: %s", st.Key, st.Status))
			default:
				g.reasons = append(g.reasons, fmt.Sprintf("%s: %s (%s)", st.Key, st.Status, st.Reason))
			}
		}
	}
	return g
}

// states expands a pattern for a subscription into dataset states.
func (e *env) states(sub *Subscription, pattern string) []DatasetState {
	if !strings.Contains(pattern, "{") {
		return []DatasetState{e.s.State(pattern)}
	}
	if sub == nil {
		return nil // a per-subscription dataset says nothing about the tenant
	}
	if !strings.Contains(pattern, "{region}") {
		return []DatasetState{e.s.State(capture.Key(pattern, sub.ID))}
	}
	var out []DatasetState
	for key, st := range e.s.Datasets {
		if vals, ok := capture.Match(pattern, key); ok && len(vals) > 0 && vals[0] == sub.ID {
			out = append(out, st)
		}
	}
	if len(out) == 0 {
		out = append(out, e.s.State(capture.Key(pattern, sub.ID, "*")))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// guarded runs judge only when the check's required data (for sub, or for
// the tenant when sub is nil) was read fully; otherwise the finding is not
// assessed, naming what is missing. One place, so no check can pass on
// data it never saw.
func (e *env) guarded(sub *Subscription, judge func() Finding) Finding {
	if !e.c.ownGuard {
		if g := e.need(sub, e.c.required...); !g.empty() {
			return e.notAssessed(sub, g)
		}
	}
	return judge()
}

// notAssessed is the finding for a check whose data was not all read.
func (e *env) notAssessed(sub *Subscription, g gap) Finding {
	sc, name := scope(sub)
	parts := []string{}
	if len(g.missing) > 0 {
		parts = append(parts, "missing permission "+strings.Join(g.missing, ", "))
	}
	if len(g.reasons) > 0 {
		parts = append(parts, "not read fully: "+strings.Join(g.reasons, "; "))
	}
	return Finding{
		Status: NotAssessed, Scope: sc, ScopeName: name,
		Summary: "not assessed: " + strings.Join(parts, "; "),
		Missing: g.missing,
	}
}

// noSubscriptions is the finding of a per-subscription check when no
// subscription is known at all: the list was not readable, or empty.
func (e *env) noSubscriptions() Finding {
	g := e.need(nil, capture.KeySubscriptions)
	if g.empty() {
		g.reasons = append(g.reasons, "no enabled subscription in the tenant is readable")
	}
	return e.notAssessed(nil, g)
}

// result builds a pass or fail finding; a pass with optional data missing
// is downgraded to not assessed, because what was not read may hold the
// failure.
func (e *env) result(sub *Subscription, failed bool, summary string, ev []Evidence) Finding {
	sc, name := scope(sub)
	f := Finding{Status: Pass, Scope: sc, ScopeName: name, Summary: summary, Evidence: ev}
	if failed {
		f.Status = Fail
	}
	if g := e.need(sub, e.c.optional...); !g.empty() {
		if !failed {
			na := e.notAssessed(sub, g)
			na.Summary = summary + "; but " + na.Summary
			na.Evidence = ev
			return na
		}
		f.Missing = g.missing
		f.Summary += " (some data was not readable: the real count may be higher)"
	}
	return f
}
