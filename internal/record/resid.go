package record

import "strings"

// SubscriptionOf returns the subscription id in an ARM resource id (the
// segment after "/subscriptions/", matched in any case; its own case
// kept), or "" for a tenant-level id (/providers/Microsoft.Authorization,
// management groups). The readers and the posture snapshot all derive a
// record's or a scope's subscription so.
func SubscriptionOf(id string) string {
	const p = "/subscriptions/"
	i := strings.Index(id, p) // ids are most often lower-cased already
	if i < 0 {
		if i = indexFold(id, p); i < 0 {
			return ""
		}
	}
	s := id[i+len(p):]
	if j := strings.IndexByte(s, '/'); j >= 0 {
		s = s[:j]
	}
	return strings.TrimSpace(s)
}

// indexFold is strings.Index for a lower-case ASCII needle starting with
// '/', ignoring the case of s.
func indexFold(s, needle string) int {
	for i := strings.IndexByte(s, '/'); i >= 0 && i+len(needle) <= len(s); {
		if EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
		j := strings.IndexByte(s[i+1:], '/')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return -1
}
