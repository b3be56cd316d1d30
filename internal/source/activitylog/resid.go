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

// typeOf derives the resource type from the last /providers/ part of an
// id: the namespace followed by every other segment (the types, not the
// names), e.g. microsoft.compute/virtualmachinescalesets/extensions. Ids
// without a provider are subscriptions and resource groups.
func typeOf(id string) string { return string(appendType(nil, id)) }

// appendType appends the type typeOf derives to dst: the decoder builds it
// in a stack buffer and interns it, since types repeat record after record.
func appendType(dst []byte, id string) []byte {
	i := lastIndex(id, "/providers/")
	if i < 0 {
		switch {
		case strings.Contains(id, "/resourcegroups/"):
			return append(dst, "microsoft.resources/subscriptions/resourcegroups"...)
		case strings.HasPrefix(id, "/subscriptions/"):
			return append(dst, "microsoft.resources/subscriptions"...)
		}
		return dst
	}
	rest := strings.Trim(id[i+len("/providers/"):], "/")
	ns, rest, more := strings.Cut(rest, "/")
	if ns == "" {
		return dst
	}
	dst = append(dst, ns...)
	if !more {
		return dst // /providers/microsoft.authorization: the namespace itself
	}
	for even := true; rest != ""; even = !even {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if even && seg != "" {
			dst = append(dst, '/')
			dst = append(dst, seg...)
		}
	}
	return dst
}

// lastIndex is strings.LastIndex for ids, which hold the separator once or
// twice: forward searches, which the standard library vectorises, find it
// several times faster than the backward one.
func lastIndex(s, sep string) int {
	last := -1
	for from := 0; ; {
		i := strings.Index(s[from:], sep)
		if i < 0 {
			return last
		}
		last = from + i
		from = last + 1 // occurrences may overlap
	}
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
