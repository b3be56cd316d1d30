package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// Stats says what the merge did.
type Stats struct {
	Hits       int // rule matches, duplicates included
	Duplicates int // matches of a record already seen under the same rule
}

// Alerts merges the workers' hits into alerts: duplicates of a record count
// once, hits of a rule with the same merge-by values become one alert.
// With correlations, the hits then go through them in event time, and the
// base rules of correlations that do not generate make no alert of their
// own. Alerts come sorted by time, then
// rule, then id, whichever worker read what.
func (e *Engine) Alerts(c *Correlations) ([]alert.Alert, Stats) {
	hits, dups := e.sortedHits()
	hits = e.refresh(hits)
	e.fillTenant(hits)
	var silent func(string) bool
	if c != nil && c.Set != nil {
		silent = c.Set.Silent
	}
	st := Stats{Hits: len(hits) + dups, Duplicates: dups}
	byGroup := map[string]*alert.Alert{}
	var out []*alert.Alert
	for _, h := range hits {
		r := e.rules[h.rule]
		if silent != nil && silent(r.Name) {
			continue
		}
		gk := strconv.Itoa(h.rule) + "|" + h.ev.Tenant + "|"
		if h.group != "" {
			gk += h.group
		} else {
			gk += h.key
		}
		a := byGroup[gk]
		if a == nil {
			a = &alert.Alert{
				ID:           alertID(r.Name, gk),
				Rule:         r.Name,
				RuleVersion:  r.Version,
				Title:        r.Sigma.Title,
				Severity:     r.Severity,
				Time:         h.ev.Time,
				Tenant:       h.ev.Tenant,
				Subscription: h.ev.Subscription,
				Principal:    principal(h.ev),
				Summary:      Summary(h.ev),
				Tags:         r.Sigma.Tags,
				Stage:        r.Stage,
			}
			byGroup[gk] = a
			out = append(out, a)
		} else if sum := Summary(h.ev); strings.Count(sum, "?") < strings.Count(a.Summary, "?") {
			// A later record of the same action may know more (the
			// Succeeded record names both tenants of a move; the Start
			// record does not).
			a.Summary = sum
		}
		extend(a, h.ev)
	}
	res := make([]alert.Alert, len(out))
	for i, a := range out {
		res[i] = *a
	}
	if c != nil && c.Set != nil {
		res = append(res, e.correlate(hits, c)...)
	}
	Sort(res)
	return res, st
}

// Sort orders alerts by time, then rule, then id.
func Sort(as []alert.Alert) {
	slices.SortFunc(as, func(a, b alert.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.ID, b.ID))
	})
}

// alertID is deterministic: the same rule and group give the same id on
// every run, so a replayed hunt does not duplicate alerts in a store.
func alertID(rule, groupKey string) string {
	sum := sha256.Sum256([]byte(rule + "\x00" + groupKey))
	return hex.EncodeToString(sum[:10])
}

// maxEvidence bounds the evidence kept per alert; Count keeps the total.
const maxEvidence = 50

// extend adds one contributing event to an alert.
func extend(a *alert.Alert, ev *event.Event) {
	a.Count++
	if ev.Time.After(a.Time) && ev.Time.After(a.LastTime) {
		a.LastTime = ev.Time
	}
	a.IPs = addUnique(a.IPs, ips(ev)...)
	p := ev.Principal
	a.PrincipalIDs = addUnique(a.PrincipalIDs, strings.ToLower(p.UPN), strings.ToLower(p.ID), strings.ToLower(p.AppID))
	a.CorrelationIDs = addUnique(a.CorrelationIDs, strings.ToLower(ev.CorrelationID))
	if ev.ResourceID != "" {
		a.Resources = addUnique(a.Resources, ev.ResourceID)
	}
	if c := computeOf(ev); c != nil {
		a.Compute = append(a.Compute, *c)
	}
	if len(a.Evidence) < maxEvidence {
		a.Evidence = append(a.Evidence, alert.Evidence{
			File: ev.Loc.File, Line: ev.Loc.Line, Offset: ev.Loc.Offset, Index: ev.Loc.Index,
			EventID: ev.ID, Time: ev.Time, Shape: ev.Shape, Operation: ev.Operation,
		})
	}
}

// computeOf says what compute an event created, for the cost estimate:
// only a create that did not fail, counted once per operation (the Start
// record carries the request).
func computeOf(ev *event.Event) *alert.Compute {
	c := ev.Compute
	if c == nil || ev.Outcome == event.OutcomeFailed || c.Size == "" && c.GPUs == 0 {
		return nil
	}
	n := c.Count
	if n <= 0 {
		n = 1
	}
	return &alert.Compute{Service: c.Service, Size: c.Size, Count: n, Region: ev.Region, Spot: c.Priority == "Spot" || c.Priority == "Low" || c.LowPri > 0, Resource: ev.ResourceID, Operation: ev.CorrelationID}
}

func ips(ev *event.Event) []string {
	var out []string
	if ev.SourceIP.IsValid() {
		out = append(out, ev.SourceIP.String())
	}
	if f := ev.Flow; f != nil {
		if f.Src.IsValid() {
			out = append(out, f.Src.String())
		}
		if f.Dst.IsValid() {
			out = append(out, f.Dst.String())
		}
	}
	if d := ev.DNS; d != nil && d.Client.IsValid() {
		out = append(out, d.Client.String())
	}
	return out
}

func principal(ev *event.Event) string {
	p := ev.Principal
	return cmp.Or(p.UPN, p.ID, p.AppID, p.Name)
}

func addUnique(list []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(list, v) && len(list) < 100 {
			list = append(list, v)
		}
	}
	return list
}

// fillTenant gives hits without a tenant the hunt's only tenant. Some
// shapes do not name their tenant (a Graph directoryAudits page); when the
// data holds one tenant, they are that tenant's, and only then: with
// several tenants an unnamed record stays unattributed rather than being
// guessed into one.
func (e *Engine) fillTenant(hits []*hit) {
	only := ""
	for t := range e.TenantStart() {
		if t == "" {
			continue
		}
		if only != "" {
			return
		}
		only = t
	}
	if only == "" {
		return
	}
	for _, h := range hits {
		if h.ev.Tenant == "" {
			h.ev.Tenant = only
		}
	}
}

// refresh brings the hits' enrichment up to date and drops the hits whose
// rule no longer matches: an address found to be the tenant's own after a
// sign-in from it was read makes that sign-in no longer "not owned". Hits
// of one record share its enrichment, so changes are collected first.
func (e *Engine) refresh(hits []*hit) []*hit {
	if e.Refresh == nil {
		return hits
	}
	changed := map[*event.IPInfo]bool{}
	for _, h := range hits {
		before := [2]bool{h.ev.Enrich.SrcIP != nil && h.ev.Enrich.SrcIP.Owned, h.ev.Enrich.DstIP != nil && h.ev.Enrich.DstIP.Owned}
		if e.Refresh(h.ev) {
			if h.ev.Enrich.SrcIP != nil && h.ev.Enrich.SrcIP.Owned != before[0] {
				changed[h.ev.Enrich.SrcIP] = true
			}
			if h.ev.Enrich.DstIP != nil && h.ev.Enrich.DstIP.Owned != before[1] {
				changed[h.ev.Enrich.DstIP] = true
			}
		}
	}
	if len(changed) == 0 {
		return hits
	}
	fe := e.work[0].fe
	out := hits[:0]
	for _, h := range hits {
		if changed[h.ev.Enrich.SrcIP] || changed[h.ev.Enrich.DstIP] {
			// Evaluated again on the kept copy: the raw record is gone, so
			// rules see the normalised and enrichment fields.
			fe.Reset(h.ev)
			if !e.rules[h.rule].Compiled.Match(fe) {
				continue
			}
		}
		out = append(out, h)
	}
	return out
}
