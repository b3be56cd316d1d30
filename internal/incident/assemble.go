package incident

import (
	"cmp"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/record"
)

// assemble builds the incident of one set; as are its alerts in
// canonical (time) order, nodes their nodes, stages the stages per node;
// floor lifts its severity to what its cost per hour reaches.
func assemble(as []*alert.Alert, stages [][]string, nodes []int, prices *Prices, floor []FloorStep) Incident {
	in := Incident{ID: incidentID(as[0].Tenant, as), Tenant: as[0].Tenant, Time: as[0].Time}
	byStage := map[string][]string{}
	inside := map[string]bool{} // alerts acted only from the tenant's own addresses (fromInside)
	// A mass deployment's incident names thousands of resources: each
	// list is kept with a set of what it holds, where searching the list
	// for each value made an incident of 20,000 machines take seconds.
	var principals, ips, resources, subscriptions, hosts, regions uniqueList
	for i, a := range as {
		st := stages[nodes[i]]
		in.Severity = max(in.Severity, a.Severity)
		if e := alertEnd(a); e.After(in.LastTime) {
			in.LastTime = e
		}
		in.Timeline = append(in.Timeline, Entry{Alert: a.ID, Time: a.Time, Rule: a.Rule, Title: a.Title,
			Severity: a.Severity, Stages: st, Principal: a.Principal, Summary: a.Summary})
		for _, s := range st {
			byStage[s] = append(byStage[s], a.ID)
		}
		if fromInside(a) {
			inside[a.ID] = true
		}
		principals.add(a.Principal)
		ips.add(a.IPs...)
		resources.add(a.Resources...)
		subscriptions.add(a.Subscription)
		hosts.add(a.Hosts...)
		for _, c := range a.Compute {
			regions.add(record.Region(c.Region))
		}
	}
	in.Principals, in.IPs, in.Resources = principals.list, ips.list, resources.list
	in.Subscriptions, in.Hosts, in.Regions = subscriptions.list, hosts.list, regions.list
	for _, s := range Stages {
		if ids := byStage[s]; len(ids) > 0 {
			in.Stages = append(in.Stages, StageAlerts{Stage: s, Alerts: ids})
		}
	}
	in.Severity = raise(in.Severity, in.Stages, inside)
	in.Cost = prices.Cost(ComputeOf(as))
	in.Severity = max(in.Severity, floorOf(floor, in.Cost.USDPerHour))
	in.Title = title(&in, as)
	return in
}

// reprice prices the incident again with the creates of its principals
// no alert carried (Options.Created), each create once with those its
// alerts carry (mergeCompute), and lifts its severity to what that cost
// reaches.
func (in *Incident) reprice(as []*alert.Alert, extra []Created, prices *Prices, floor []FloorStep) {
	items := ComputeOf(as)
	for _, c := range extra {
		items = append(items, c.Compute)
	}
	in.Cost = prices.Cost(mergeCompute(items))
	var regions uniqueList
	regions.add(in.Regions...)
	for _, c := range extra {
		regions.add(record.Region(c.Compute.Region))
	}
	in.Regions = regions.list
	in.Severity = max(in.Severity, floorOf(floor, in.Cost.USDPerHour))
	in.Title = title(in, as)
	// Each create once (its first record), in an order of their own:
	// how many records of one a hunt read depends on how it read them.
	slices.SortStableFunc(extra, func(a, b Created) int {
		return cmp.Or(strings.Compare(a.Compute.Resource, b.Compute.Resource), a.Time.Compare(b.Time), strings.Compare(a.Compute.Operation, b.Compute.Operation))
	})
	in.Created = in.Created[:0]
	for _, c := range extra {
		if n := len(in.Created); n > 0 && c.Compute.Resource != "" && in.Created[n-1].Compute.Resource == c.Compute.Resource {
			in.Created[n-1].Compute.Count = max(in.Created[n-1].Compute.Count, c.Compute.Count) // as priced: its largest count ran
			continue
		}
		in.Created = append(in.Created, c)
	}
}

// raise lifts the severity of an incident whose alerts cover several
// kill-chain stages of an attack: one level from three stages on, two from
// five (a sign-in, an escalation, quota, deployment and mining together are
// an attack whatever each alert says alone). Stages count only when the
// chain joins taking control (access, escalation, persistence) to using
// compute, or reaches mining: a data-science team raising its quota,
// creating GPU machines and installing their drivers covers three stages
// and is a normal week. Control counts only when some alert of it acted
// from outside the tenant's own addresses (inside: alert ids that did
// not): an administrator granting a new engineer Contributor from the
// office, and the engineer's first VM the next morning, are onboarding.
func raise(s alert.Severity, stages []StageAlerts, inside map[string]bool) alert.Severity {
	var control, compute, mining bool
	for _, st := range stages {
		switch st.Stage {
		case "initial_access", "escalation", "persistence":
			control = control || slices.ContainsFunc(st.Alerts, func(id string) bool { return !inside[id] })
		case "quota", "deployment", "drivers":
			compute = true
		case "mining":
			mining, compute = true, true
		}
	}
	if !(control && compute) && !mining {
		return s
	}
	switch n := len(stages); {
	case n >= 5:
		s += 2
	case n >= 3:
		s++
	}
	return min(s, alert.Critical)
}

// fromInside reports whether every address an alert acted from is the
// tenant's own (alert.OwnedIPs): an alert with none, or with one of
// anyone else's, is not.
func fromInside(a *alert.Alert) bool {
	if len(a.IPs) == 0 {
		return false
	}
	for _, ip := range a.IPs {
		if !slices.Contains(a.OwnedIPs, ip) {
			return false
		}
	}
	return true
}

// uniqueList is values in first-seen order, each once, white space
// trimmed, none empty.
type uniqueList struct {
	list []string
	has  map[string]bool
}

func (u *uniqueList) add(vs ...string) {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v == "" || u.has[v] {
			continue
		}
		if u.has == nil {
			u.has = map[string]bool{}
		}
		u.has[v] = true
		u.list = append(u.list, v)
	}
}
