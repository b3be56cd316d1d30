package incident

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// Created is a compute create the hunt read, alerted on or not: the base
// rules' matches (compute_created, compute_requested) cover every create,
// where an alert carries only the creates of its own rule. When only
// first_time_deployer fires, its alert carries the principal's first
// create: 39 × Standard_D96as_v5 read "$4 per hour for 1 instance"
// (red-team finding 4a).
type Created struct {
	Tenant     string
	Time       time.Time
	Principals []string // object id, UPN, acting app id, lower case (alert.PrincipalIDs)
	Compute    alert.Compute
}

// DefaultCreatedAfter is how long after its last alert an incident's
// principals' creates are still priced as the incident's: mass_deployment's
// window, the hour one account's burst of creates is summed over. A
// first_time_deployer alert is the first create of a burst whose next 38
// creates make no alert (their principal is a deployer by then).
const DefaultCreatedAfter = time.Hour

// MaxCreated bounds the creates Options.Created may hold that an incident
// reads, so that a tenant's every create of a long hunt costs a bounded
// amount of memory (about 200 MiB at the bound; a tenant makes a few
// thousand a month); past it, creates are priced from the alerts alone.
// A hunt and a store keep no more.
const MaxCreated = 1 << 20

// createdIndex is Options.Created by tenant and principal id, each list
// in time order.
type createdIndex map[[2]string][]*Created

func indexCreated(cs []Created) createdIndex {
	if len(cs) == 0 {
		return nil
	}
	idx := createdIndex{}
	for i := range cs[:min(len(cs), MaxCreated)] {
		c := &cs[i]
		for _, p := range c.Principals {
			k := [2]string{c.Tenant, strings.ToLower(p)}
			idx[k] = append(idx[k], c)
		}
	}
	for _, l := range idx {
		slices.SortStableFunc(l, func(a, b *Created) int { return a.Time.Compare(b.Time) })
	}
	return idx
}

// of is the compute the principals of an incident's alerts created from
// its first alert to after past its end: each create once, however many
// principal ids of it the alerts name. A correlation over the whole
// tenant names everyone of its window, who are not the incident's.
func (idx createdIndex) of(in *Incident, as []*alert.Alert, after time.Duration) []Created {
	if idx == nil {
		return nil
	}
	from, to := pricedSpan(in, after)
	// Each principal's creates are read once, however many alerts name
	// it: a mass deployment's incident is hundreds of alerts of one
	// principal, who made tens of thousands of machines.
	principals := map[string]bool{}
	seen := map[*Created]bool{}
	var out []Created
	for _, a := range as {
		if a.WholeTenant {
			continue // everyone of its window: not the incident's actors
		}
		for _, p := range a.PrincipalIDs {
			if p = strings.ToLower(p); principals[p] {
				continue
			}
			principals[p] = true
			l := idx[[2]string{in.Tenant, p}]
			i, _ := slices.BinarySearchFunc(l, from, func(c *Created, t time.Time) int { return c.Time.Compare(t) })
			for ; i < len(l) && !l[i].Time.After(to); i++ {
				if c := l[i]; !seen[c] {
					seen[c] = true
					out = append(out, *c)
				}
			}
		}
	}
	return out
}

// pricedSpan is when the creates an incident is priced from were made:
// from its first alert to after past its end.
func pricedSpan(in *Incident, after time.Duration) (from, to time.Time) {
	from, to = in.Time, in.Time
	if in.LastTime.After(to) {
		to = in.LastTime
	}
	return from, to.Add(after)
}

// Span is a span of time, both ends included.
type Span struct{ From, To time.Time }

// Holds reports whether t is within s.
func (s Span) Holds(t time.Time) bool { return !t.Before(s.From) && !t.After(s.To) }

// CreatedSpans is what of the creates a hunt read pricing incs reads: per
// tenant and principal id in lower case, the spans of the incidents whose
// alerts name it (from its first alert to after past its end; 0:
// DefaultCreatedAfter). Grouping reads no creates, so a hunt groups its
// alerts, keeps only these creates of all it read, and builds again with
// them (Options.Created) for the same incidents, priced: what it holds
// then grows with its incidents, not with its input. alerts are those
// incs were built from, marked with their incident.
func CreatedSpans(incs []Incident, alerts []alert.Alert, after time.Duration) map[[2]string][]Span {
	after = cmp.Or(after, DefaultCreatedAfter)
	spans := make(map[string]Span, len(incs))
	tenants := make(map[string]string, len(incs))
	for i := range incs {
		from, to := pricedSpan(&incs[i], after)
		spans[incs[i].ID], tenants[incs[i].ID] = Span{from, to}, incs[i].Tenant
	}
	out := map[[2]string][]Span{}
	for _, a := range alerts {
		s, ok := spans[a.Incident]
		if !ok || a.WholeTenant {
			continue
		}
		for _, p := range a.PrincipalIDs {
			k := [2]string{tenants[a.Incident], strings.ToLower(p)}
			if !slices.Contains(out[k], s) {
				out[k] = append(out[k], s)
			}
		}
	}
	return out
}
