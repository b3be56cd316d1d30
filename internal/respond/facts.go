package respond

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/record"
)

// facts are what an incident's alerts say there is to act on, each once,
// in the order the timeline first names it. They are read from what the
// alerts carry (their principals, resources, compute, operations, stage),
// never from a rule's name, so a user's own rules feed them too.
type facts struct {
	accounts    []*account
	elevated    []*account // raised their access to root scope
	assignments []string   // role assignments' resource ids
	compute     []alert.Compute
	quotas      []quota
	subs        []string // subscriptions moved to another tenant
	aliases     []string // subscriptions created through an alias (its resource id)
	mined       []string // machines a mining alert names by host name
	minedIDs    []string // their resource ids, where the alerts name one
	pools       []string // public addresses of the mining stage
	signIns     []string // public addresses of the initial access, not the tenant's own
}

// account is one actor: every id the alerts name it by.
type account struct {
	ids  []string // as the alerts wrote them, the first alert's principal first
	name string   // a service principal's display name, when read
}

// user returns the account's UPN, and "" for a service principal or
// managed identity (no id of theirs holds an @).
func (a *account) user() string {
	for _, id := range a.ids {
		if strings.Contains(id, "@") {
			return id
		}
	}
	return ""
}

// servicePrincipal reports whether the account is known to be a service
// principal's or a managed identity's: the hunt read its display name (a
// user's would be her UPN), or its records name two ids, its object's and
// its application's.
func (a *account) servicePrincipal() bool {
	if a.user() != "" {
		return false
	}
	if a.name != "" {
		return true
	}
	n := 0
	for _, id := range a.ids {
		if record.IsGUID(id) {
			n++
		}
	}
	return n > 1
}

// objectID is the account's one GUID, when it is a user's: a user's
// records name her by UPN and object id only, while a service principal's
// name both its object and its application id, which cannot be told apart.
func (a *account) objectID() string {
	var found string
	for _, id := range a.ids {
		if record.IsGUID(id) {
			if found != "" && !strings.EqualFold(found, id) {
				return ""
			}
			found = id
		}
	}
	return found
}

// id is what commands name the account by: a user's object id (a guest's
// UPN holds #EXT#, which a URL would cut), else her UPN; a service
// principal's first id.
func (a *account) id() string {
	if a.user() != "" {
		if o := a.objectID(); o != "" {
			return o
		}
		return a.user()
	}
	return a.ids[0]
}

// String names the account for people.
func (a *account) String() string {
	if u := a.user(); u != "" {
		if strings.Contains(strings.ToUpper(u), "#EXT#") {
			return u + " (a guest)"
		}
		return u
	}
	if a.name != "" {
		return a.name + " (" + a.ids[0] + ")"
	}
	return a.ids[0]
}

// quota is one family's limit in one place.
type quota struct{ scope, family string }

// String names the quota for people: its family, region and subscription
// where its scope says them.
func (q quota) String() string {
	p := idParts(q.scope)
	region, sub := p["locations"], p["subscriptions"]
	if region == "" || sub == "" {
		return q.family + " at " + q.scope
	}
	return q.family + " in " + region + " (subscription " + sub + ")"
}

func gather(in *incident.Incident, byID map[string]*alert.Alert, names incident.Names) *facts {
	f := &facts{}
	seen := map[string]bool{}
	once := func(kind, s string) bool {
		k := kind + "|" + strings.ToLower(s)
		if s == "" || seen[k] {
			return false
		}
		seen[k] = true
		return true
	}
	var as []*alert.Alert // the incident's, suppressed ones aside
	for _, e := range in.Timeline {
		if a := byID[e.Alert]; a != nil && a.Suppressed == nil {
			as = append(as, a)
		}
	}
	for _, a := range as {
		acct := f.actor(a, names)
		ops := operations(a)
		if acct != nil && slices.ContainsFunc(ops, isElevation) && !slices.Contains(f.elevated, acct) {
			f.elevated = append(f.elevated, acct)
		}
		for _, r := range a.Resources {
			switch {
			case lowerHas(r, "/providers/microsoft.authorization/roleassignments/") && slices.ContainsFunc(ops, isAssignmentWrite):
				if once("ra", r) {
					f.assignments = append(f.assignments, r)
				}
			case lowerHas(r, "/quotas/") || lowerHas(r, "/servicelimits/"):
				if q, ok := quotaOf(r); ok && once("q", r) {
					f.quotas = append(f.quotas, q)
				}
			}
		}
		if slices.ContainsFunc(ops, isAliasWrite) {
			for _, r := range a.Resources {
				if lowerHas(r, "/providers/microsoft.subscription/aliases/") && once("alias", r) {
					f.aliases = append(f.aliases, r)
				}
			}
		}
		if slices.ContainsFunc(ops, isTenantChange) && once("sub", a.Subscription) {
			f.subs = append(f.subs, a.Subscription)
		}
		switch a.Stage {
		case "mining":
			for _, h := range a.Hosts {
				if once("h", h) {
					f.mined = append(f.mined, h)
				}
			}
			for _, r := range a.Resources {
				if isMachine(r) && once("m", r) {
					f.minedIDs = append(f.minedIDs, r)
				}
			}
			f.pools = appendPublic(f.pools, a, once, "pool")
		case "initial_access":
			f.signIns = appendPublic(f.signIns, a, once, "ip")
		}
	}
	// The compute its alerts carry (incident.OwnCompute: not a
	// correlation's over the whole tenant, which is everyone's).
	for _, a := range as {
		for _, c := range incident.OwnCompute(a) {
			if c.Resource != "" && c.Count > 0 && once("c", c.Resource) {
				f.compute = append(f.compute, c)
			}
		}
	}
	// The creates of its actors no alert carried (a small VM no rule
	// alerts on, made with the stolen account), each while its maker was
	// acting in the incident: an incident of two attacks spans both, and
	// the second's account made its owner's machines before it was
	// taken.
	acting := actingSpans(as)
	for _, c := range in.Created {
		made := slices.ContainsFunc(c.Principals, func(p string) bool {
			s, ok := acting[strings.ToLower(p)]
			return ok && s.Holds(c.Time)
		})
		if made && c.Compute.Resource != "" && c.Compute.Count > 0 && once("c", c.Compute.Resource) {
			f.compute = append(f.compute, c.Compute)
		}
	}
	return f
}

// actingSpans are, by id (lower case), when each actor of an incident's
// alerts acted in it: from its first alert to incident.DefaultCreatedAfter
// past its last, as the incident prices creates.
func actingSpans(as []*alert.Alert) map[string]incident.Span {
	out := map[string]incident.Span{}
	for _, a := range as {
		to := a.Time
		if a.LastTime.After(to) {
			to = a.LastTime
		}
		to = to.Add(incident.DefaultCreatedAfter)
		for _, id := range a.Acting() {
			if id = strings.ToLower(id); id == "" {
				continue
			}
			s, ok := out[id]
			if !ok || a.Time.Before(s.From) {
				s.From = a.Time
			}
			if to.After(s.To) {
				s.To = to
			}
			out[id] = s
		}
	}
	return out
}

// actor returns the account the alert is about, joined to one found
// before when they share an id (a user named by UPN in one log and by
// object id in another); nil for an alert over the whole tenant or
// naming no one.
func (f *facts) actor(a *alert.Alert, names incident.Names) *account {
	ids := a.Acting()
	if len(ids) == 0 || ids[0] == "" {
		return nil
	}
	for _, acct := range f.accounts {
		if slices.ContainsFunc(ids, func(id string) bool { return containsFold(acct.ids, id) }) {
			for _, id := range ids {
				if id != "" && !containsFold(acct.ids, id) {
					acct.ids = append(acct.ids, id)
				}
			}
			return acct
		}
	}
	acct := &account{name: names[a.Principal]}
	for _, id := range ids {
		if id != "" && !containsFold(acct.ids, id) {
			acct.ids = append(acct.ids, id)
		}
	}
	// A user named by object id alone, whose UPN the hunt read elsewhere.
	if n := acct.name; strings.Contains(n, "@") && !containsFold(acct.ids, n) {
		acct.ids = append(acct.ids, n)
		acct.name = ""
	}
	f.accounts = append(f.accounts, acct)
	return acct
}

func containsFold(xs []string, s string) bool {
	return slices.ContainsFunc(xs, func(x string) bool { return strings.EqualFold(x, s) })
}

// operations are the alert's records' operations, lower case.
func operations(a *alert.Alert) []string {
	var ops []string
	for _, e := range a.Evidence {
		if op := strings.ToLower(e.Operation); op != "" && !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	return ops
}

// isElevation: the Activity Log's elevateAccess action, or the Entra
// audit log's activity for it.
func isElevation(op string) bool {
	return strings.Contains(op, "elevateaccess/action") || strings.Contains(op, "elevated their access")
}

func isAssignmentWrite(op string) bool { return strings.Contains(op, "roleassignments/write") }

// isAliasWrite: a subscription created (Microsoft.Subscription/aliases),
// on the tenant's billing account, in whatever directory it names.
func isAliasWrite(op string) bool {
	return strings.Contains(op, "microsoft.subscription/aliases/write")
}

// isTenantChange: a subscription's change of directory (its request, or
// the action that carries it out).
func isTenantChange(op string) bool {
	return strings.Contains(op, "changetenantrequest/write") || strings.Contains(op, "microsoft.subscription/updatetenant/action")
}

// quotaOf reads a quota's scope and family from its resource id: the
// Quota API's {scope}/providers/Microsoft.Quota/quotas/{family}, or the
// Capacity API's /subscriptions/{id}/providers/Microsoft.Capacity/
// resourceProviders/{provider}/locations/{region}/serviceLimits/{family},
// whose scope the Quota API (and az quota) names
// /subscriptions/{id}/providers/{provider}/locations/{region}.
func quotaOf(id string) (quota, bool) {
	p := idParts(id)
	if family := p["quotas"]; family != "" && lowerHas(id, "/providers/microsoft.quota/quotas/") {
		scope := id[:len(id)-len(family)-len("/providers/microsoft.quota/quotas/")]
		return quota{scope: scope, family: family}, strings.HasSuffix(id, "/"+family) && scope != ""
	}
	if family := p["servicelimits"]; family != "" && strings.HasSuffix(id, "/"+family) {
		sub, provider, region := p["subscriptions"], p["resourceproviders"], p["locations"]
		if sub == "" || provider == "" || region == "" {
			return quota{}, false
		}
		return quota{scope: "/subscriptions/" + sub + "/providers/" + provider + "/locations/" + region, family: family}, true
	}
	return quota{}, false
}

// isMachine: a virtual machine's id, alone or a scale set's instance.
func isMachine(id string) bool {
	return lowerHas(id, "/providers/microsoft.compute/virtualmachines/") || lowerHas(id, "/virtualmachinescalesets/") && lowerHas(id, "/virtualmachines/")
}

// appendPublic adds the alert's public addresses that are not the
// tenant's own: a private address is the tenant's machine, not where to
// block.
func appendPublic(to []string, a *alert.Alert, once func(kind, s string) bool, kind string) []string {
	for _, s := range a.IPs {
		ip, err := netip.ParseAddr(s)
		if err != nil || !ip.IsGlobalUnicast() || record.PrivateAddr(ip) || slices.Contains(a.OwnedIPs, s) {
			continue
		}
		if once(kind, s) {
			to = append(to, s)
		}
	}
	return to
}
