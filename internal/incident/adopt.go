package incident

import (
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// adopt gives a host's alert that names no tenant the tenant of the
// alerts that hold its machine's name within the gap (the scale set that
// created it, Defender's alert on it), when they are all one tenant's: a
// host's log names neither tenant nor subscription, and in several
// tenants' data the hunt gives it one only by the folder it was read
// from (engine.Owners), which a folder holding several tenants' logs
// cannot say. Names repeat across tenants (vm-01 is in every one): a name
// held in two tenants leaves the alert as it is, unattributed rather than
// guessed into one. It runs before the grouping, which then links the
// alert within its tenant as hostLinks does.
func adopt(alerts []alert.Alert, gap time.Duration) {
	type holding struct {
		tenant      string
		first, last time.Time
	}
	var orphans []int
	for i := range alerts {
		if a := &alerts[i]; strings.TrimSpace(a.Tenant) == "" && len(a.Hosts) > 0 {
			orphans = append(orphans, i)
		}
	}
	if len(orphans) == 0 {
		return // the usual hunt: the link keys are made once, by the grouping
	}
	names := map[string][]holding{}
	for i := range alerts {
		a := &alerts[i]
		t := strings.TrimSpace(a.Tenant)
		if t == "" {
			continue
		}
		for _, h := range linkKeys(a).held {
			if anySubscription(h.key) {
				names[h.key] = append(names[h.key], holding{t, a.Time, alertEnd(a)})
			}
		}
	}
	for _, i := range orphans {
		a := &alerts[i]
		end := alertEnd(a)
		var tenants []string
		for _, k := range linkKeys(a).seek {
			if !anySubscription(k) {
				continue
			}
			for _, h := range names[k] {
				if a.Time.Sub(h.last) <= gap && h.first.Sub(end) <= gap &&
					!slices.ContainsFunc(tenants, func(o string) bool { return strings.EqualFold(o, h.tenant) }) {
					tenants = append(tenants, h.tenant)
				}
			}
		}
		if len(tenants) == 1 {
			a.Tenant = tenants[0]
		}
	}
}
