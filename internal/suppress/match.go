package suppress

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/glob"
)

// Match returns the first entry, in file order, that suppresses a: one not
// expired whose every set scope key matches. It does not count the use
// (Apply does), so it may be called to preview.
func (s *Set) Match(a *alert.Alert) (entry *Entry, ok bool) {
	if s == nil {
		return nil, false
	}
	for _, e := range s.entries {
		if !e.Expired && e.matches(a) {
			return e, true
		}
	}
	return nil, false
}

// matches reports whether every scope key set on e matches a. Resources
// and addresses must ALL match: an alert that also names something the
// entry does not cover is not suppressed, so an accepted resource cannot
// hide another beside it. An alert without any is not suppressed by an
// entry that scopes them.
func (e *Entry) matches(a *alert.Alert) bool {
	if e.Rule != "" && !glob.Match(e.Rule, a.Rule) {
		return false
	}
	if e.Tenant != "" && !strings.EqualFold(e.tenant, strings.TrimSpace(a.Tenant)) {
		return false
	}
	if e.Subscription != "" && e.subscription != subscriptionID(a.Subscription) {
		return false
	}
	// UPNs, object ids and app ids all compare without case.
	if e.Principal != "" && !strings.EqualFold(e.Principal, strings.TrimSpace(a.Principal)) {
		return false
	}
	if e.resource != nil {
		if len(a.Resources) == 0 {
			return false
		}
		for _, r := range a.Resources {
			if !matchResource(e.resource, r) {
				return false
			}
		}
	}
	if e.IP != "" {
		if len(a.IPs) == 0 {
			return false
		}
		for _, s := range a.IPs {
			ip, err := netip.ParseAddr(s)
			if err != nil || !e.prefix.Contains(ip.WithZone("").Unmap()) {
				return false
			}
		}
	}
	return true
}

// Suppressed is an alert set aside by a suppression, to be counted and
// shown as suppressed, never dropped.
type Suppressed struct {
	Alert alert.Alert
	Entry *Entry
}

// Apply splits alerts into those kept and those suppressed, both in input
// order, and adds each suppression to its entry's Uses. It is safe for
// concurrent use. With a nil or empty set, kept is alerts itself.
func (s *Set) Apply(alerts []alert.Alert) (kept []alert.Alert, suppressed []Suppressed) {
	if s == nil || len(s.entries) == 0 {
		return alerts, nil
	}
	kept = make([]alert.Alert, 0, len(alerts))
	for i := range alerts {
		e, ok := s.Match(&alerts[i])
		if !ok {
			kept = append(kept, alerts[i])
			continue
		}
		e.uses.Add(1)
		a := alerts[i]
		sup := e.Suppression()
		a.Suppressed = &sup
		suppressed = append(suppressed, Suppressed{Alert: a, Entry: e})
	}
	return kept, suppressed
}

// Unused reports the entries in force that Apply never used, so the file
// can be kept clean. An entry shadowed by an earlier one that took all its
// alerts is reported too: it is redundant. Expired entries are left out,
// having been reported by Load.
func (s *Set) Unused() []Warning {
	var ws []Warning
	for _, e := range s.Entries() {
		if !e.Expired && e.Uses() == 0 {
			ws = append(ws, Warning{File: e.File, Line: e.Line, Entry: e.ID, Msg: "matched nothing"})
		}
	}
	return ws
}

// CheckRules reports the entries whose rule pattern matches none of the
// loaded rule names: most likely a typo, which would otherwise only show
// as an entry that never matches.
func (s *Set) CheckRules(names []string) []Warning {
	var ws []Warning
	for _, e := range s.Entries() {
		if e.Rule == "" || e.Expired {
			continue
		}
		if !slices.ContainsFunc(names, func(n string) bool { return glob.Match(e.Rule, n) }) {
			ws = append(ws, Warning{File: e.File, Line: e.Line, Entry: e.ID, Msg: "rule " + strconv.Quote(e.Rule) + " matches no loaded rule"})
		}
	}
	return ws
}
