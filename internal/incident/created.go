package incident

import (
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
// principal ids of it the alerts name.
func (idx createdIndex) of(in *Incident, as []*alert.Alert, after time.Duration) []alert.Compute {
	if idx == nil {
		return nil
	}
	from, to := in.Time, in.Time
	if in.LastTime.After(to) {
		to = in.LastTime
	}
	to = to.Add(after)
	seen := map[*Created]bool{}
	var out []alert.Compute
	for _, a := range as {
		for _, p := range a.PrincipalIDs {
			l := idx[[2]string{in.Tenant, strings.ToLower(p)}]
			i, _ := slices.BinarySearchFunc(l, from, func(c *Created, t time.Time) int { return c.Time.Compare(t) })
			for ; i < len(l) && !l[i].Time.After(to); i++ {
				if c := l[i]; !seen[c] {
					seen[c] = true
					out = append(out, c.Compute)
				}
			}
		}
	}
	return out
}
