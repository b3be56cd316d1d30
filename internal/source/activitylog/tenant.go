package activitylog

import (
	"net/netip"
	"strings"

	"github.com/mamori-sec/mamori/internal/record"

	"github.com/mamori-sec/mamori/internal/event"
)

// tenantChange reads a subscription's move to another directory.
//
// What the Activity Log records (found with the search tool, 2026):
//   - Completing the move is Microsoft.Subscription/updateTenant/action in
//     the Security category. Microsoft Sentinel's analytic rule
//     "Subscription moved to another tenant" (Azure/Azure-Sentinel,
//     Solutions/Azure Activity/Analytic Rules/SubscriptionMigration.yaml)
//     reads both tenants from Properties_d.message with the pattern
//     "moved from tenant {guid} to tenant {guid}"; no other field names them.
//   - The newer API (Microsoft.Subscription 2024-08-01-preview, bicep types
//     in Azure/bicep-types-az) creates a subscription-scoped
//     Microsoft.Subscription/changeTenantRequest resource whose body has
//     properties.destinationTenantId and destinationOwnerId; the request is
//     made from the source directory, so From is the event's tenant.
//
// Both operations yield a TenantChange even when the tenants cannot be read:
// the operation itself is the signal.
func tenantChange(b *bodies, e *event.Event) *event.TenantChange {
	tc := &event.TenantChange{}
	if e.Operation == opChangeTenant {
		tc.From = e.Tenant
		tc.To = strings.ToLower(strings.TrimSpace(b.first("properties", "destinationTenantId")))
		return tc
	}
	msg := text(b.message)
	if !strings.Contains(msg, "tenant") {
		return tc
	}
	low := lowerASCII(msg)
	tc.From = guidAfter(low, "from tenant ")
	tc.To = guidAfter(low, "to tenant ")
	return tc
}

// guidAfter returns the GUID that follows label in low, "" if none does.
func guidAfter(low, label string) string {
	i := strings.Index(low, label)
	if i < 0 {
		return ""
	}
	s := low[i+len(label):]
	if len(s) >= 36 && record.IsGUID(s[:36]) {
		return s[:36]
	}
	return ""
}

// publicAddrs reads the address a public IP write was given
// (properties.ipAddress, as a /32 or /128) or the range of a public IP
// prefix (properties.ipPrefix). The address appears in the response body
// once Azure has allocated it.
func publicAddrs(b *bodies) []netip.Prefix {
	if s := b.first("properties", "ipAddress"); s != "" {
		if a := record.IP(s); a.IsValid() {
			return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}
		}
	}
	if s := b.first("properties", "ipPrefix"); s != "" {
		if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil {
			return []netip.Prefix{p.Masked()}
		}
	}
	return nil
}
