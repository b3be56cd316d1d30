package incident

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/record"
)

// linkKeys are the values that tie an alert to others of its tenant: its
// principal, the resources it touched, its IP addresses and the
// correlation ids of its creates, each prefixed with its kind so that a
// principal never meets an IP of the same spelling. A private address key
// holds its subscription ("sub|10.0.0.4"), a public one does not.
func linkKeys(a *alert.Alert) []string {
	var keys []string
	add := func(k string) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if p := strings.ToLower(strings.TrimSpace(a.Principal)); p != "" {
		add("p|" + p)
	}
	for _, p := range a.PrincipalIDs {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			add("p|" + p)
		}
	}
	for _, c := range a.CorrelationIDs {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			add("c|" + c)
		}
	}
	for _, r := range a.Resources {
		if k := resourceKey(r); k != "" {
			add("r|" + k)
		}
	}
	for _, c := range a.Compute {
		if k := resourceKey(c.Resource); k != "" {
			add("r|" + k)
		}
		if op := strings.ToLower(strings.TrimSpace(c.Operation)); op != "" {
			add("c|" + op)
		}
	}
	// Without a principal, an alert's public addresses are what its
	// machines talked to (a mining pool every attack uses), not who acted:
	// only its private addresses, the machines themselves, link it.
	public := strings.TrimSpace(a.Principal) != ""
	for _, s := range a.IPs {
		if k := ipKey(s, a.Subscription); k != "" && (public || strings.Contains(k, "|")) {
			add("i|" + k)
		}
	}
	return keys
}

// resourceKey is the resource an ARM id belongs to, so that a scale set,
// its instances and its extensions, or a VM and its extensions, share one
// key: the id up to the first resource after "providers"
// (/subscriptions/s/resourcegroups/g/providers/ns/type/name). A resource
// group links only by its own id. Scopes every alert of a subscription
// shares yield no key: the tenant root, a subscription, and the
// provider-wide pseudo resources (locations, resourceProviders: quota
// requests of a subscription all sit under them) link only by their full
// id.
func resourceKey(id string) string {
	id = strings.Trim(strings.ToLower(strings.TrimSpace(id)), "/")
	if id == "" {
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
