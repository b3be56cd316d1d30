// Package incident groups alerts into incidents: the alerts of one tenant
// that share a principal, a resource, an IP address or a correlation id,
// close in time, are one attack. An incident tells the story in kill-chain
// order (sign-in, escalation, persistence, quota, deployment, drivers,
// mining), names who and what, and prices the compute it deployed per hour
// from the price table under data/prices/.
package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/plural"
)

// Incident is one attack, as far as the alerts tell it. Its JSON form is
// stable: the report package and stores read it.
type Incident struct {
	ID            string         `json:"id"` // "inc-" and a hash of the sorted member alert ids
	Tenant        string         `json:"tenant,omitempty"`
	Title         string         `json:"title"`
	Severity      alert.Severity `json:"severity"`
	Time          time.Time      `json:"time"`      // first alert
	LastTime      time.Time      `json:"last_time"` // last contributing event of any alert
	Stages        []StageAlerts  `json:"stages"`    // kill-chain order, only stages seen
	Timeline      []Entry        `json:"timeline"`  // every alert, in time order
	Principals    []string       `json:"principals,omitempty"`
	IPs           []string       `json:"ips,omitempty"`
	Resources     []string       `json:"resources,omitempty"`
	Subscriptions []string       `json:"subscriptions,omitempty"`
	Regions       []string       `json:"regions,omitempty"` // where compute was created
	Hosts         []string       `json:"hosts,omitempty"`   // machines its alerts name by host name (to isolate)
	Cost          Cost           `json:"cost"`
	// Created are the creates of its actors from its first alert to a
	// while past its end that no alert of it carries (Options.Created),
	// priced in Cost, each once: what to stop beside its alerts' compute
	// (respond.Plan), who made it and when. Not in its JSON form: a mass
	// deployment is tens of thousands.
	Created []Created `json:"-"`
}

// StageAlerts is one kill-chain stage and the alerts in it, in time order.
type StageAlerts struct {
	Stage  string   `json:"stage"`
	Alerts []string `json:"alerts"` // alert ids
}

// Entry is one alert on the timeline.
type Entry struct {
	Alert     string         `json:"alert"` // alert id
	Time      time.Time      `json:"time"`
	Rule      string         `json:"rule"`
	Title     string         `json:"title"`
	Severity  alert.Severity `json:"severity"`
	Stages    []string       `json:"stages,omitempty"`
	Principal string         `json:"principal,omitempty"`
	Summary   string         `json:"summary,omitempty"`
}

// Summary is the incident on one line: id, severity, title, size, span
// and cost. Control characters (attacker-chosen names may hold them) are
// replaced, so the line stays one line.
func (in *Incident) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s: %d alert", in.ID, in.Severity, in.Title, len(in.Timeline))
	if len(in.Timeline) != 1 {
		b.WriteByte('s')
	}
	if len(in.Stages) > 0 {
		names := make([]string, len(in.Stages))
		for i, s := range in.Stages {
			names[i] = s.Stage
		}
		fmt.Fprintf(&b, " across %s", strings.Join(names, ", "))
	}
	fmt.Fprintf(&b, ", %s", in.Time.UTC().Format(time.RFC3339))
	if in.LastTime.After(in.Time) {
		fmt.Fprintf(&b, " to %s", in.LastTime.UTC().Format(time.RFC3339))
	}
	if c := in.Cost.describe(); c != "" {
		b.WriteString(", ")
		b.WriteString(c)
	}
	if in.Tenant != "" {
		fmt.Fprintf(&b, ", tenant %s", in.Tenant)
	}
	return oneLine(b.String())
}

// describe says what the compute costs, or nothing when none was created.
func (c Cost) describe() string {
	if len(c.Lines) == 0 {
		return ""
	}
	unknown := UnknownText(c.Lines)
	if unknown != "" {
		unknown = " + " + unknown
	}
	if c.Unpriced == len(c.Lines) {
		return "compute cost unknown" + unknown
	}
	s := fmt.Sprintf("$%.2f/h", c.USDPerHour)
	if c.Estimated {
		s = "~" + s + " estimated"
	}
	if c.Unpriced > 0 {
		s += " + " + plural.Count(c.Unpriced, "unpriced size", "unpriced sizes")
	}
	return s + unknown
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// Span is when the incident happened, for people: "2026-03-22 03:12:53 →
// 2026-03-22 03:58:07 UTC", or one time when it was a single moment.
func (in *Incident) Span() string {
	s := in.Time.UTC().Format(time.DateTime)
	if in.LastTime.After(in.Time) {
		s += " → " + in.LastTime.UTC().Format(time.DateTime)
	}
	return s + " UTC"
}

// TenantShown says what to show of an incident's tenant, given all the
// incidents shown with it (looked at once, not for each incident):
// nothing when they are all one tenant's (the usual hunt), else its
// tenant id, or that it has none (records that name no tenant, which
// nothing placed in one).
func TenantShown(all []Incident) func(in *Incident) string {
	several := len(all) > 1 && slices.ContainsFunc(all, func(o Incident) bool { return !strings.EqualFold(o.Tenant, all[0].Tenant) })
	return func(in *Incident) string {
		switch {
		case !several:
			return ""
		case in.Tenant == "":
			return "none (its records name none, and nothing placed them in one)"
		}
		return in.Tenant
	}
}
