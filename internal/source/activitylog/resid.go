package activitylog

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/record"
)

// ARM resource ids look like
//
//	/subscriptions/{sub}/resourceGroups/{rg}/providers/{Namespace}/{type}/{name}[/{type}/{name}…]
//
// and extension resources repeat the /providers/ part after their parent
// (…/locations/eastus/providers/Microsoft.Quota/quotas/{family}). The
// helpers below take ids already lower-cased unless they say otherwise.

// subscriptionOf returns the subscription GUID of a resource id, "" for a
// tenant-level id (/providers/Microsoft.Authorization, management groups).
func subscriptionOf(id string) string {
	const p = "/subscriptions/"
	i := strings.Index(id, p)
	if i < 0 {
		return ""
	}
	s := id[i+len(p):]
	if j := strings.IndexByte(s, '/'); j >= 0 {
		s = s[:j]
	}
	return strings.TrimSpace(s)
}

// typeOf derives the resource type from the last /providers/ part of an
// id: the namespace followed by every other segment (the types, not the
// names), e.g. microsoft.compute/virtualmachinescalesets/extensions. Ids
// without a provider are subscriptions and resource groups.
func typeOf(id string) string {
	i := strings.LastIndex(id, "/providers/")
	if i < 0 {
		switch {
		case strings.Contains(id, "/resourcegroups/"):
			return "microsoft.resources/subscriptions/resourcegroups"
		case strings.HasPrefix(id, "/subscriptions/"):
			return "microsoft.resources/subscriptions"
		}
		return ""
	}
	rest := strings.Trim(id[i+len("/providers/"):], "/")
	ns, rest, more := strings.Cut(rest, "/")
	if ns == "" {
		return ""
	}
	if !more {
		return ns // /providers/microsoft.authorization: the namespace itself
	}
	var b strings.Builder
	b.Grow(len(ns) + len(rest))
	b.WriteString(ns)
	for even := true; rest != ""; even = !even {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if even && seg != "" {
			b.WriteByte('/')
			b.WriteString(seg)
		}
	}
	return b.String()
}

// segmentAfter returns the id segment that follows the segment named key
// (compared ignoring case), e.g. the region after "locations"; "" if none.
func segmentAfter(id, key string) string {
	for rest := id; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if record.EqualFold(seg, key) {
			next, _, _ := strings.Cut(rest, "/")
			return next
		}
	}
	return ""
}

// lastSegment returns the final segment of an id: the resource's name.
func lastSegment(id string) string {
	id = strings.TrimRight(id, "/")
	return id[strings.LastIndexByte(id, '/')+1:]
}
