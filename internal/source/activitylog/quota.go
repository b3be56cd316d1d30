package activitylog

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Quota sources, as event.Quota names them.
const (
	srcQuota    = "quota"
	srcCapacity = "capacity"
	srcSupport  = "support"
	srcStatus   = "statusmessage"
)

// Quota names for the regional totals, as Microsoft.Quota and the usage
// API name them ("Total Regional vCPUs" and "Total Regional Spot vCPUs").
const (
	familyCores       = "cores"
	familyLowPriority = "lowPriorityCores"
)

// quotaRequest reads a Microsoft.Quota request. Its resource id is
// …/providers/Microsoft.Compute/locations/{region}/providers/Microsoft.Quota/quotas/{family};
// the body has properties.limit.value (properties.limit in older API
// versions) and properties.name.value.
func quotaRequest(b *bodies, rawID string) *event.Quota {
	q := &event.Quota{Source: srcQuota, Region: record.Region(segmentAfter(rawID, "locations"))}
	q.Family = b.first("properties", "name", "value")
	if q.Family == "" {
		q.Family = lastSegment(rawID)
	}
	for _, body := range b.list() {
		lim := b.sc.Get(body, "properties", "limit")
		if lim != nil && lim.Type() == fastjson.TypeObject {
			lim = b.sc.Get(lim, "value")
		}
		if n, ok := record.Int(lim); ok {
			q.Limit = n
			break
		}
	}
	return q
}

// serviceLimit reads a Microsoft.Capacity quota request, the API the portal
// used before Microsoft.Quota: resource id
// …/Microsoft.Capacity/resourceProviders/Microsoft.Compute/locations/{region}/serviceLimits/{family},
// body properties.limit and properties.name.value.
func serviceLimit(b *bodies, rawID string) *event.Quota {
	q := &event.Quota{Source: srcCapacity, Region: record.Region(segmentAfter(rawID, "locations"))}
	q.Family = b.first("properties", "name", "value")
	if q.Family == "" {
		q.Family = lastSegment(rawID)
	}
	for _, body := range b.list() {
		if n, ok := b.sc.Int(body, "properties", "limit"); ok {
			q.Limit = n
			break
		}
	}
	return q
}

// supportTicket reads a quota-increase support ticket:
// properties.quotaTicketDetails.quotaChangeRequests[] each hold a region
// and a payload, a JSON string such as {"SKU":"DSv3 Series","NewLimit":100}
// or {"VMFamily":"Av2 Series","NewLimit":205,"Type":"Dedicated"} (Batch).
// An event carries one quota: the first request that names a new limit. A
// ticket without quota details (a technical ticket) has no quota.
func supportTicket(b *bodies) *event.Quota {
	for _, body := range b.list() {
		for _, r := range b.sc.Array(body, "properties", "quotaTicketDetails", "quotaChangeRequests") {
			// The payload is JSON in a string, the caller's text too.
			payload := b.sc.Object(b.sc.Get(r, "payload"))
			n, ok := b.sc.Int(payload, "NewLimit")
			if !ok {
				continue
			}
			q := &event.Quota{Source: srcSupport, Limit: n, Region: record.Region(b.sc.Str(r, "region"))}
			q.Family = firstNonEmpty(b.sc.Str(payload, "SKU"), b.sc.Str(payload, "VMFamily"), b.sc.Str(payload, "Type"))
			return q
		}
	}
	return nil
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x = strings.TrimSpace(x); x != "" {
			return x
		}
	}
	return ""
}

// glanceQuota says what g's operation and outcome tell of the quota the
// record may carry: none unless it is one of the quota operations or it
// failed; a failure carries one only when its text says "uota",
// quotaExceeded's first test, which Glance.LacksQuota looks for only when
// a rule asks. Most failed operations are so set aside without decoding
// their status message, most without a search of their text.
func glanceQuota(g *event.Glance) {
	switch g.Operation {
	case opQuota, opServiceLimit, opSupport:
		return
	}
	if g.Outcome != event.OutcomeFailed {
		g.NoQuota = true
		return
	}
	g.QuotaNamed = true
}

// asWritten returns line when its strings are spelled in it as they read,
// so that tests for literals in the text are sound; nil when a \u escape
// could hide any letter, or a \/ (PHP's writer escapes every slash) a
// slash. BriefLine asks the walk's bitmaps the same (BackslashBefore).
func asWritten(line []byte) []byte {
	if !bytes.Contains(line, []byte(`\u`)) && !bytes.Contains(line, []byte(`\/`)) {
		return line
	}
	return nil
}

// quotaExceeded reads a failed operation's status message for a quota
// failure. Compute writes, over the years and APIs:
//
//	Operation could not be completed as it results in exceeding approved
//	standardNCSv3Family Cores quota. Additional details - Deployment Model:
//	Resource Manager, Location: eastus, Current Limit: 0, Current Usage: 0,
//	Additional Required: 24, (Minimum) New Limit Required: 24.
//
// (also "Total Regional Cores" and "LowPriorityCores", under the codes
// QuotaExceeded or OperationNotAllowed), and the older
//
//	Operation results in exceeding quota limits of Core. Maximum allowed: 4,
//	Current in use: 4, Additional requested: 2.
//
// Other services' quota failures (Batch, Machine Learning, container
// groups) say "quota" and "exceed" or "reached" without figures: they yield
// an exceeded quota with no family. The text is searched only after a cheap
// check that it mentions a quota.
func quotaExceeded(msg, fallbackRegion string) *event.Quota {
	if !strings.Contains(msg, "uota") { // Quota, quota, QuotaExceeded
		return nil
	}
	low := lowerASCII(msg)
	if !strings.Contains(low, "exceed") && !strings.Contains(low, "reached") {
		return nil
	}
	q := &event.Quota{Exceeded: true, Source: srcStatus}
	const approved = "exceeding approved "
	switch i := strings.Index(low, approved); {
	case i >= 0:
		rest := msg[i+len(approved):]
		if j := strings.Index(low[i+len(approved):], " quota"); j >= 0 {
			q.Family = quotaFamily(rest[:j])
		}
		q.Current, _ = labelInt(low, "current limit:")
		q.Usage, _ = labelInt(low, "current usage:")
		q.Required, _ = labelInt(low, "additional required:")
		q.Limit, _ = labelInt(low, "new limit required:")
	case strings.Contains(low, "exceeding quota limits of core"):
		q.Family = familyCores
		q.Current, _ = labelInt(low, "maximum allowed:")
		q.Usage, _ = labelInt(low, "current in use:")
		q.Required, _ = labelInt(low, "additional requested:")
		if q.Usage > 0 || q.Required > 0 {
			q.Limit = q.Usage + q.Required // the minimum new limit, by definition
		}
	}
	q.Region = record.Region(labelText(msg, low, "location:"))
	if q.Region == "" {
		q.Region = fallbackRegion
	}
	return q
}

// quotaFamily maps the quota a message names to its Microsoft.Quota name:
// "standardNCSv3Family Cores" -> standardNCSv3Family, "Total Regional Cores"
// -> cores, "LowPriorityCores" -> lowPriorityCores.
func quotaFamily(name string) string {
	name = strings.TrimSpace(name)
	for _, suffix := range []string{" Cores", " cores", " vCPUs"} {
		name = strings.TrimSuffix(name, suffix)
	}
	key := strings.ToLower(strings.ReplaceAll(name, " ", ""))
	switch {
	case key == "totalregional", key == "totalregionalcores", key == "cores":
		return familyCores
	case strings.Contains(key, "lowpriority"), strings.Contains(key, "spot"):
		return familyLowPriority
	}
	return name
}

// labelInt reads the integer after a label in low (lower-cased text).
func labelInt(low, label string) (int64, bool) {
	i := strings.Index(low, label)
	if i < 0 {
		return 0, false
	}
	s := strings.TrimLeft(low[i+len(label):], " ")
	j := 0
	for j < len(s) && j < 18 && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(s[:j], 10, 64)
	return n, err == nil
}

// labelText returns the word after a label, from the original text (low
// is lowerASCII(msg): the same byte offsets), up to the next comma or
// period.
func labelText(msg, low, label string) string {
	i := strings.Index(low, label)
	if i < 0 {
		return ""
	}
	s := strings.TrimLeft(msg[i+len(label):], " ")
	if j := strings.IndexAny(s, ",.\n"); j >= 0 {
		s = s[:j]
	}
	if len(s) > 64 {
		return ""
	}
	return s
}

// lowerASCII lower-cases ASCII letters only, byte for byte, so that offsets
// found in the result index the original (strings.ToLower may change the
// length of non-ASCII text).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
