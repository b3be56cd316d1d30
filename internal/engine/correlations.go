package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
)

// Correlations configure the second stage: Sigma correlation rules over
// the hits, in event time per tenant.
type Correlations struct {
	Set     *correlate.Set
	Options correlate.Options
	Rules   *rules.Set // metadata (level, stage, response) of correlation rules
}

// noteTime remembers the earliest event time per tenant, so first_seen
// learns from the start of the data, not from a tenant's first match.
func (ws *workerState) noteTime(ev *event.Event) {
	if ev.Time.IsZero() {
		return
	}
	// Most records of a chunk are one tenant's and not its earliest: the
	// last tenant's earliest time answers without a map look-up.
	if ev.Tenant == ws.lastTenant && !ev.Time.Before(ws.lastStart) && ws.start != nil {
		return
	}
	t, ok := ws.start[ev.Tenant]
	if !ok || ev.Time.Before(t) {
		if ws.start == nil {
			ws.start = map[string]time.Time{}
		}
		ws.start[ev.Tenant] = ev.Time
		t = ev.Time
	}
	ws.lastTenant, ws.lastStart = ev.Tenant, t
}

// TenantStart merges the workers' earliest event time per tenant.
func (e *Engine) TenantStart() map[string]time.Time {
	out := map[string]time.Time{}
	for i := range e.work {
		for k, t := range e.work[i].start {
			if o, ok := out[k]; !ok || t.Before(o) {
				out[k] = t
			}
		}
	}
	return out
}

// correlate runs the correlation rules over the sorted hits and turns
// their fires into alerts.
func (e *Engine) correlate(hits []*hit, c *Correlations) []alert.Alert {
	ms := make([]correlate.Match, 0, len(hits))
	for i, h := range hits {
		r := e.rules[h.rule]
		if !c.Set.Uses(r.Name) && (r.Sigma.ID == "" || !c.Set.Uses(r.Sigma.ID)) {
			continue
		}
		ms = append(ms, correlate.Match{Rule: r.Name, RuleID: r.Sigma.ID, Time: h.ev.Time, Tenant: h.ev.Tenant, Fields: h.fields, Ref: i})
	}
	opt := c.Options
	if opt.TenantStart == nil {
		opt.TenantStart = e.TenantStart()
	}
	fires := c.Set.Process(ms, opt)
	out := make([]alert.Alert, 0, len(fires))
	for _, f := range fires {
		out = append(out, e.fireAlert(f, hits, c.Rules))
	}
	return out
}

// fireAlert builds the alert of one correlation fire, with the member
// hits as its evidence.
func (e *Engine) fireAlert(f correlate.Fire, hits []*hit, set *rules.Set) alert.Alert {
	a := alert.Alert{
		Rule: f.Rule, Title: f.Title, Tags: f.Tags, Time: f.Time, Tenant: f.Tenant,
		Severity: alert.Medium, RuleVersion: 1,
	}
	if r := set.ByName(f.Rule); r != nil {
		a.Severity, a.RuleVersion, a.Stage = r.Severity, r.Version, r.Stage
	} else if s, ok := alert.ParseSeverity(f.Level); ok {
		a.Severity = s
	}
	var first *event.Event
	for _, ref := range f.Members {
		if ref < 0 || ref >= len(hits) {
			continue
		}
		ev := hits[ref].ev
		if first == nil {
			first = ev
			a.Subscription, a.Principal = ev.Subscription, principal(ev)
		}
		extend(&a, ev)
	}
	a.Count = max(f.Count, a.Count)
	if f.LastTime.After(a.Time) {
		a.LastTime = f.LastTime
	}
	a.Summary = fireSummary(f, first)
	keys := make([]string, 0, len(f.GroupKey))
	for k, v := range f.GroupKey {
		keys = append(keys, k+"="+v)
	}
	slices.Sort(keys)
	a.ID = alertID(f.Rule, f.Tenant+"|"+strings.Join(keys, "|")+"|"+f.Time.UTC().Format(time.RFC3339Nano))
	return a
}

// fireSummary says what a correlation saw, in the words of its type.
func fireSummary(f correlate.Fire, first *event.Event) string {
	who := ""
	if first != nil {
		who = principalText(first) + ": "
	}
	var keys []string
	for k, v := range f.GroupKey {
		if k != "tenant" && v != "" {
			keys = append(keys, v)
		}
	}
	slices.Sort(keys)
	span := ""
	if !f.LastTime.IsZero() && f.LastTime.After(f.Time) {
		span = " within " + f.LastTime.Sub(f.Time).Round(time.Second).String()
	}
	switch f.Type {
	case "first_seen":
		return fmt.Sprintf("%sfirst %s in the baseline window: %s", who, f.Title, cmp.Or(strings.Join(keys, ", "), "?"))
	case "value_count":
		return fmt.Sprintf("%s%s: %g distinct values over %d events%s", who, f.Title, f.Value, f.Count, span)
	case "value_sum":
		return fmt.Sprintf("%s%s: %g in all over %d events%s", who, f.Title, f.Value, f.Count, span)
	case "temporal", "temporal_ordered":
		return fmt.Sprintf("%s%s: %d related events%s", who, f.Title, f.Count, span)
	}
	return fmt.Sprintf("%s%s: %d events%s", who, f.Title, f.Count, span)
}

func principalText(ev *event.Event) string {
	if p := principal(ev); p != "" {
		return p
	}
	return "an unknown principal"
}
