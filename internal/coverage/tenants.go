package coverage

import (
	"slices"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
)

// TenantGaps are the logs one tenant's exports lacked while other
// tenants' held them, in data of several tenants: NOT SEEN for that
// tenant alone (the whole input's NOT SEEN says nothing of them, since
// the log was read).
type TenantGaps struct {
	Tenant string
	Gaps   []Gap
}

// MissingPerTenant lists, per tenant of tenants (sorted), the logs of
// ten.Kinds it has no record of while the input held others' (events),
// with the rules and correlations that could not alert for it, as Missing
// counts them. Only the tenants whose exports are in the input should be
// asked about (those that own a subscription or a folder, owner.Table):
// a partner whose token names its own tenant in a customer's records
// exported nothing here to lack.
func MissingPerTenant(set *rules.Set, events [event.KindCount]int64, ten *Tenancy, tenants []string) []TenantGaps {
	if ten == nil || len(ten.Reads) < 2 {
		return nil
	}
	var out []TenantGaps
	for _, t := range slices.Sorted(slices.Values(tenants)) {
		own := events
		for _, k := range ten.Kinds {
			own[k] = 0
		}
		for _, r := range ten.Reads[t] {
			if slices.Contains(ten.Kinds, r.Kind) {
				own[r.Kind] = r.Events
			}
		}
		var gaps []Gap
		for _, g := range Missing(set, own) {
			if slices.Contains(ten.Kinds, g.Kind) && events[g.Kind] > 0 {
				gaps = append(gaps, g)
			}
		}
		if len(gaps) > 0 {
			out = append(out, TenantGaps{Tenant: t, Gaps: gaps})
		}
	}
	return out
}
