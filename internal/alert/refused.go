package alert

import "strings"

// RefusedSummary rewrites the summary of an alert on a compute create
// Azure refused ("WHO created RESOURCE in …", made from the create's Start
// record, which names the machines asked for): "asked for" where it said
// "created", and the refusal at the end. The verb is the one just before
// the resource's name; the refusal is said whatever the names around it
// hold. A summary already rewritten is returned as it is.
func RefusedSummary(summary, resource string, onQuota bool) string {
	const created, asked, refused = " created ", " asked for ", "; Azure refused it"
	if strings.Contains(summary, refused) {
		return summary
	}
	if i := strings.Index(summary, created+ShortID(resource)); i >= 0 {
		summary = summary[:i] + asked + summary[i+len(created):]
	}
	if onQuota {
		return summary + refused + " on quota, no machine ran"
	}
	return summary + refused + ", no machine ran"
}

// ShortID shortens a resource id to its last four segments, as alerts'
// summaries name resources; "?" for none.
func ShortID(id string) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	if len(parts) > 4 {
		parts = parts[len(parts)-4:]
	}
	if len(parts) == 0 || parts[0] == "" {
		return "?"
	}
	return strings.Join(parts, "/")
}
