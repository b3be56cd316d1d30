package incident

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/record"
)

// links are the keys an alert is found by (held) and those it looks for
// (seek). Most keys are both; a machine's name is not (hostLinks).
type links struct {
	held []heldKey
	seek []string
	// made are the resource keys of the machines the alert's one actor
	// created or started (its compute). A resource's id names whatever
	// machine has that name now: a team that names its machines by a
	// scheme (ds-exp-569, train-01) deletes one and makes it again,
	// someone else the next day. The machine made again is another: an
	// alert that makes it does not link, by its id, to others' alerts on
	// the one before (grouping.link), which would pull a colleague into an
	// attack on the account that last used the name. Its own actor's
	// alerts on it still link, as does whoever touches the machine after
	// it is made (a driver installed on it, Defender's alert on it). An
	// alert over the whole tenant makes nothing anew: its compute is
	// everyone's.
	made []string
	// has says which lists hold each key (isHeld, isSought), made once
	// an alert has more than smallLinks keys: an alert of a mass
	// deployment names thousands of machines, each a few keys, and
	// searching the lists for each made its links quadratic. Most alerts
	// have a few, and a map each was a seventh of a big hunt's memory.
	has map[string]uint8
}

// heldKey is a key an alert holds; for a name held in any subscription
// ("r|*|…", "h|*|…"), sub is the subscription it is held in (the first,
// when one alert holds it in two).
type heldKey struct{ key, sub string }

// smallLinks is how many keys an alert's lists hold before has is made.
const smallLinks = 16

// What links.has says of a key.
const (
	isHeld uint8 = 1 << iota
	isSought
	isMade
)

// note marks k as in the list bit names, and reports whether it was not.
func (l *links) note(k string, bit uint8) bool {
	if l.has == nil {
		if len(l.held)+len(l.seek) < smallLinks {
			if bit == isSought {
				return !slices.Contains(l.seek, k)
			}
			return !slices.ContainsFunc(l.held, func(h heldKey) bool { return h.key == k })
		}
		l.has = map[string]uint8{}
		for _, h := range l.held {
			l.has[h.key] |= isHeld
		}
		for _, k := range l.seek {
			l.has[k] |= isSought
		}
		for _, k := range l.made {
			l.has[k] |= isMade
		}
	}
	if l.has[k]&bit != 0 {
		return false
	}
	l.has[k] |= bit
	return true
}

func (l *links) hold(k string) {
	if l.note(k, isHeld) {
		l.held = append(l.held, heldKey{key: k})
	}
}

// holdAnywhere holds name key k, held in subscription sub, as a name in any
// subscription (kind "r" or "h").
func (l *links) holdAnywhere(kind, k, sub string) {
	k = kind + "|*|" + k
	if l.note(k, isHeld) {
		l.held = append(l.held, heldKey{k, sub})
	}
}

func (l *links) look(k string) {
	if l.note(k, isSought) {
		l.seek = append(l.seek, k)
	}
}

func (l *links) both(k string) { l.hold(k); l.look(k) }

// makes notes k among the keys the alert made (links.made).
func (l *links) makes(k string) {
	if l.has != nil {
		l.has[k] |= isMade
	}
	l.made = append(l.made, k)
}

// madeAnew reports whether the alert made k (links.made).
func (l *links) madeAnew(k string) bool {
	if l.has != nil {
		return l.has[k]&isMade != 0
	}
	return slices.Contains(l.made, k)
}

// linkKeys are the values that tie an alert to others of its tenant: its
// principal, the resources it touched, its IP addresses and the
// correlation ids of its creates, each prefixed with its kind so that a
// principal never meets an IP of the same spelling, and the machines it
// names (hostLinks). A private address key holds its subscription
// ("sub|10.0.0.4"), a public one does not.
func linkKeys(a *alert.Alert) links {
	var l links
	for _, p := range a.Acting() {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			l.both("p|" + p)
		}
	}
	for _, c := range a.CorrelationIDs {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			l.both("c|" + c)
		}
	}
	for _, r := range a.Resources {
		if k := resourceKey(r); k != "" {
			l.both("r|" + k)
		}
	}
	one := !a.WholeTenant && strings.TrimSpace(a.Principal) != ""
	for _, c := range a.Compute {
		if k := resourceKey(c.Resource); k != "" {
			k = "r|" + k
			l.both(k)
			if one {
				l.makes(k)
			}
		}
		if op := strings.ToLower(strings.TrimSpace(c.Operation)); op != "" {
			l.both("c|" + op)
		}
	}
	// Without a principal, an alert's public addresses are what its
	// machines talked to (a mining pool every attack uses), not who acted:
	// only its private addresses, the machines themselves, link it.
	// The tenant's own public addresses (an office's egress, a
	// pipeline's) are where its people work from, not an attacker's mark.
	public := strings.TrimSpace(a.Principal) != ""
	for _, s := range a.IPs {
		k := ipKey(s, a.Subscription)
		private := strings.Contains(k, "|") // it holds its subscription
		if k == "" || !private && (!public || slices.Contains(a.OwnedIPs, s)) {
			continue
		}
		l.both("i|" + k)
	}
	hostLinks(a, &l)
	return l
}

// hostLinks adds the keys of the machines an alert names. Defender's
// alerts in the Activity Log name the attacked machine only by its name,
// and host logs name their own machine so: the name ties them to the
// alert that created that machine. A VM's computer name is its resource
// name unless set otherwise; a scale set's instances are named by its
// prefix, the set's name by default, and six base-36 characters.
//
// Names meet only across the two sides, an alert naming a host and one
// naming the compute resource, and hosts with hosts: two resources of the
// same name are not linked by it (their ids link them when they are one).
// Names repeat across subscriptions, so an alert that names its
// subscription meets only names of that subscription; a host log, which
// names none, meets the name in any.
func hostLinks(a *alert.Alert, l *links) {
	sub := strings.ToLower(strings.TrimSpace(a.Subscription))
	for _, h := range a.Hosts {
		names := []string{"n|" + h}
		if p, ok := record.ScaleSetPrefix(h); ok {
			names = append(names, "s|"+p)
		}
		for _, n := range names {
			if sub != "" {
				l.both("h|" + sub + "|" + n)
				l.holdAnywhere("h", n, sub)
				l.look("h||" + n)
				l.look("r|" + sub + "|" + n)
			} else {
				l.both("h||" + n)
				l.look("h|*|" + n)
				l.look("r|*|" + n)
			}
		}
	}
	ids := slices.Clone(a.Resources)
	for _, c := range a.Compute {
		ids = append(ids, c.Resource)
	}
	for _, id := range ids {
		s, names := machineNames(id)
		for _, n := range names {
			l.hold("r|" + s + "|" + n)
			l.holdAnywhere("r", n, s)
			l.look("h|" + s + "|" + n)
			l.look("h||" + n)
		}
	}
}

// machineNames are the names a compute resource's machines go by: a VM's
// own name, a scale set's name as a VM name (Defender names the set) and
// as its instances' prefix; with the resource's subscription.
func machineNames(id string) (sub string, names []string) {
	name, set := record.ComputeName(id)
	switch {
	case name == "":
		return "", nil
	case set:
		names = []string{"n|" + name, "s|" + name}
	default:
		names = []string{"n|" + name}
	}
	return strings.ToLower(record.SubscriptionOf(id)), names
}

// resourceKey is the resource an ARM id belongs to, so that a scale set,
// its instances and its extensions, or a VM and its extensions, share one
// key: the id up to the first resource after "providers"
// (/subscriptions/s/resourcegroups/g/providers/ns/type/name). A resource
// group links only by its own id. Scopes every alert of a subscription
// shares yield no key: the tenant root, a subscription, and the
// provider-wide pseudo resources (locations, resourceProviders) link only
// by their full id. A quota (a VM family's limit in a region, through
// Microsoft.Quota or Microsoft.Capacity) yields none: it is a setting of
// the subscription that whoever needs capacity there raises, so two people
// asking for the same family in the same region are not thereby one story
// (a platform engineer's capacity planning tied into the attack of the
// administrator who had raised that family the day before).
func resourceKey(id string) string {
	id = strings.Trim(strings.ToLower(strings.TrimSpace(id)), "/")
	if id == "" || isQuota(id) {
		return ""
	}
	parts := strings.Split(id, "/")
	for i, p := range parts {
		if p != "providers" {
			continue
		}
		if len(parts) < i+4 {
			// A provider namespace itself (/providers/microsoft.authorization/elevateaccess):
			// an action, not a resource anyone owns.
			return ""
		}
		switch parts[i+2] {
		case "locations", "resourceproviders", "providers":
			return "/" + id
		}
		return "/" + strings.Join(parts[:i+4], "/")
	}
	// No provider: a subscription (no key) or a resource group (itself).
	if len(parts) >= 4 && parts[0] == "subscriptions" && parts[2] == "resourcegroups" {
		return "/" + strings.Join(parts[:4], "/")
	}
	return ""
}

// isQuota reports whether id (lower case) is a quota's: Microsoft.Quota's
// quotas and quota requests, Microsoft.Capacity's service limits and
// their requests.
func isQuota(id string) bool {
	return strings.Contains(id, "/providers/microsoft.quota/") || strings.Contains(id, "/providers/microsoft.capacity/")
}

// Addresses every Azure VM talks to: the platform's DNS and agent address
// and the instance metadata service.
var platformAddrs = []netip.Addr{netip.MustParseAddr("168.63.129.16"), netip.MustParseAddr("169.254.169.254")}

// ipKey is the link key of an address. Public addresses link across the
// tenant. Private ones are reused in every virtual network, so they link
// only within one subscription, and not at all when the alert names none;
// addresses that carry no identity (loopback, link-local, the Azure
// platform's) never link.
func ipKey(s, subscription string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	a = a.Unmap().WithZone("")
	if !a.IsValid() || a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return ""
	}
	if slices.Contains(platformAddrs, a) {
		return ""
	}
	if record.PrivateAddr(a) {
		sub := strings.ToLower(strings.TrimSpace(subscription))
		if sub == "" {
			return ""
		}
		return sub + "|" + a.String()
	}
	return a.String()
}

// sameActor reports whether alerts a and b name one actor: an id in
// common (UPN, object id, app id, any case), as Acting lists them.
func sameActor(a, b *alert.Alert) bool {
	if a.WholeTenant || b.WholeTenant {
		return false
	}
	same := func(x string) bool {
		if x = strings.TrimSpace(x); x == "" {
			return false
		}
		if strings.EqualFold(x, strings.TrimSpace(b.Principal)) {
			return true
		}
		return slices.ContainsFunc(b.PrincipalIDs, func(y string) bool { return strings.EqualFold(x, strings.TrimSpace(y)) })
	}
	return same(a.Principal) || slices.ContainsFunc(a.PrincipalIDs, same)
}
