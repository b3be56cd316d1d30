package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/htmlreport"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/store"
)

// storeView is what a store holds as `mamori alerts` lists it, and serve's
// dashboard shows it: the alerts since a time, grouped into incidents,
// with what the store read of each log, for every tenant or some.
type storeView struct {
	now       time.Time
	alerts    []alert.Alert
	incidents []incident.Incident
	formerly  map[string][]string // incident → the ids it was told as (formerIDs)
	health    serve.Health
	tenants   []string // lower case; nil: every tenant
	reads     []coverage.Read
	arrived   []time.Time
	outside   []coverage.Outside
}

// viewStore reads the store's alerts whose first event is at or after
// from (zero: all) and groups them; tenantIDs (--tenant, each may list
// several) narrows the view to those tenants: their alerts, incidents,
// own part of each log and own gaps, the compute creates the rules could
// not judge (counted over every tenant) left out. An unknown tenant is an
// unknownTenantError. quiet is serve's --quiet, for the logs that stopped
// (0: none judged).
func viewStore(ctx context.Context, st *store.Store, set *rules.Set, from time.Time, tenantIDs []string, iopts incident.Options, now time.Time, quiet time.Duration) (*storeView, error) {
	h, err := serve.StoreHealth(ctx, st, set, now, quiet)
	if err != nil {
		return nil, err
	}
	as, incs, stored, err := storeIncidents(ctx, st, from, iopts)
	if err != nil {
		return nil, err
	}
	v := &storeView{now: now, health: h}
	if v.tenants, err = onlyTenants(tenantIDs, h, as); err != nil {
		return nil, err
	}
	v.reads, v.arrived = h.Reads()
	if v.tenants != nil {
		as, incs = ofTenants(as, incs, v.tenants)
		v.reads, v.arrived = h.TenantReads(v.tenants)
		v.health = tenantHealth(h, v.tenants)
	}
	v.alerts, v.incidents, v.formerly = as, incs, formerIDs(as, stored)
	v.outside = coverage.Uncovered(set, incs, v.reads, h.Tenancy)
	return v, nil
}

// htmlInput is the view as the HTML report draws it.
func (v *storeView) htmlInput(title, product string) htmlreport.Input {
	if v.tenants != nil {
		title += ", tenant " + strings.Join(v.tenants, ", ")
	}
	in := htmlreport.Input{Alerts: v.alerts, Incidents: v.incidents, Title: title, Generated: v.now, Product: product,
		Read: v.reads, Outside: v.outside, NotSeenByTenant: v.health.NotSeenByTenant, Unsized: v.health.Unsized}
	if len(v.health.Logs) > 0 { // a store of an older mamori has no logs counted
		in.NotSeen = v.health.NotSeen
	}
	return in
}

// unknownTenantError is a --tenant the store follows not.
type unknownTenantError struct{ tenant string }

func (e unknownTenantError) Error() string {
	return fmt.Sprintf("%s: the store follows no such tenant ('mamori status --format json' lists those it does)", report.Terminal(e.tenant))
}

// onlyTenants reads --tenant: the tenants' ids, lower case; nil when none
// is given. A tenant the store has neither a log nor an alert of is
// refused (a typo would give an empty report).
func onlyTenants(ids []string, h serve.Health, as []alert.Alert) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	known := map[string]bool{}
	for _, t := range h.Tenants {
		known[strings.ToLower(t.Tenant)] = true
	}
	for _, a := range as {
		known[strings.ToLower(a.Tenant)] = true
	}
	var out []string
	for _, id := range ids {
		for _, t := range strings.Split(id, ",") {
			t = strings.ToLower(strings.TrimSpace(t))
			if !known[t] || t == "" {
				return nil, unknownTenantError{t}
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// ofTenants keeps the alerts and incidents of the tenants (an incident is
// one tenant's).
func ofTenants(as []alert.Alert, incs []incident.Incident, tenants []string) ([]alert.Alert, []incident.Incident) {
	as = slices.DeleteFunc(as, func(a alert.Alert) bool { return !slices.Contains(tenants, strings.ToLower(a.Tenant)) })
	incs = slices.DeleteFunc(incs, func(in incident.Incident) bool { return !slices.Contains(tenants, strings.ToLower(in.Tenant)) })
	return as, incs
}
