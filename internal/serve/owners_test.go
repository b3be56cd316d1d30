package serve

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/store"
)

// TestTenantlessLogsPlacedAcrossCycles: a service over two tenants, each
// in a folder of its own. A cycle that reads only their flow logs,
// firewall DNS lookups and hosts' process logs (none names a tenant)
// places each alert in its tenant by the subscriptions and folders
// earlier cycles read (the store's sightings), with the id one hunt over
// everything gives it.
func TestTenantlessLogsPlacedAcrossCycles(t *testing.T) {
	staged := t.TempDir()
	for name, o := range map[string]simulate.Options{
		// Linux machines, whose process logs (auditd's or Sysmon's) name no
		// tenant: Windows ones log through Defender for Endpoint, which does.
		"a": {Seed: 11, Days: 7, Scenarios: []string{"gpu-scaleset-chain"}, HostAgents: simulate.AgentsAll, MachineOS: simulate.OSLinux},
		"b": {Seed: 12, Days: 7, Scenarios: []string{"cpu-mining"}, HostAgents: simulate.AgentsAll, MachineOS: simulate.OSLinux},
	} {
		if _, err := simulate.Write(filepath.Join(staged, name), o); err != nil {
			t.Fatal(err)
		}
	}
	// The logs that name no tenant, by their folders in the simulation.
	unnamedLog := func(rel string) bool {
		for _, d := range []string{"insights-logs-flowlogflowevent", "firewall-eventhub", "hosts"} {
			if strings.Contains(filepath.ToSlash(rel), "/"+d+"/") {
				return true
			}
		}
		return false
	}
	st, watched := openStore(t), t.TempDir()
	stage := func(second bool) {
		t.Helper()
		copyFiles(t, staged, watched, func(rel string) bool { return filepath.Base(rel) != "truth.json" && unnamedLog(rel) == second })
	}
	process := newProcess(t)
	stage(false)
	cycle(t, st, watched, process())
	stage(true)
	got := map[string]string{} // alert id → tenant
	c2 := cycle(t, st, watched, process())
	if c2.Carried == 0 {
		t.Error("the second cycle read no carried record: the count of records read again is not tested")
	}
	for _, a := range c2.Fresh {
		if strings.HasPrefix(a.Rule, "azure.network.") || strings.HasPrefix(a.Rule, "azure.dns.") || strings.HasPrefix(a.Rule, "azure.host.") {
			got[a.ID] = a.Tenant
		}
	}
	hr, err := hunt.Run(t.Context(), inputsOf(t, watched), process())
	if err != nil {
		t.Fatal(err)
	}
	// The store counted each record once, as the one hunt did: the
	// records carried into the second cycle were counted by the first.
	if seen, err := st.Sightings(t.Context()); err != nil {
		t.Fatal(err)
	} else if !reflect.DeepEqual(seen, hr.Sightings) {
		t.Errorf("the store's sightings\n%v\none hunt's\n%v", seen, hr.Sightings)
	}
	want := map[string]string{}
	for _, a := range hr.Alerts {
		if _, ok := got[a.ID]; ok || strings.HasPrefix(a.Rule, "azure.network.") || strings.HasPrefix(a.Rule, "azure.dns.") || strings.HasPrefix(a.Rule, "azure.host.") {
			want[a.ID] = a.Tenant
		}
	}
	if len(want) == 0 {
		t.Fatal("one hunt: no flow, DNS or host alert: the test proves nothing")
	}
	for id, tenant := range want {
		if tenant == "" {
			t.Errorf("one hunt: alert %s has no tenant", id)
		}
		if g, ok := got[id]; !ok {
			t.Errorf("served: no alert %s (one hunt's, of tenant %s)", id, tenant)
		} else if g != tenant {
			t.Errorf("served: alert %s of tenant %q, one hunt's %q", id, g, tenant)
		}
	}
	for id, tenant := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("served: alert %s of tenant %q, not one hunt's", id, tenant)
		}
	}
}

// TestStoreNamesATenantThatNeverSentALog: a store serving two tenants,
// one of which never exported its sign-ins: the store's health names that
// tenant and the sign-ins, as a hunt's NOT SEEN FOR SOME TENANTS does;
// the store's own NOT SEEN, which the other tenant's sign-ins fill, says
// nothing.
func TestStoreNamesATenantThatNeverSentALog(t *testing.T) {
	staged := t.TempDir()
	truths := map[string]*simulate.Truth{}
	for name, o := range map[string]simulate.Options{
		"a": {Seed: 31, Days: 3, Scenarios: []string{"cpu-mining"}},
		"b": {Seed: 32, Days: 3, Scenarios: []string{"cpu-mining"}},
	} {
		truth, err := simulate.Write(filepath.Join(staged, name), o)
		if err != nil {
			t.Fatal(err)
		}
		truths[name] = truth
	}
	st, watched := openStore(t), t.TempDir()
	copyFiles(t, staged, watched, func(rel string) bool {
		return filepath.Base(rel) != "truth.json" && !strings.HasPrefix(filepath.ToSlash(rel), "b/signins/")
	})
	process := newProcess(t)
	cfg := process()
	cycle(t, st, watched, cfg)
	h, err := StoreHealth(t.Context(), st, cfg.Rules, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(h.NotSeen, func(g coverage.Gap) bool { return g.Kind == event.KindSignIn }) {
		t.Errorf("the store's NOT SEEN names sign-ins, which tenant a sent")
	}
	// auditd names neither tenant nor subscription, but its folder is its
	// tenant's; flows name their subscription, whose owner places them:
	// none is placed in no tenant.
	for _, l := range h.Logs {
		if (l.Kind == "process" || l.Kind == "flow") && (l.Unnamed != 0 || l.Records == 0) {
			t.Errorf("the store's %s log: %+v", l.Kind, l)
		}
	}
	got := h.NotSeenByTenant
	if len(got) != 1 || got[0].Tenant != truths["b"].Tenant || len(got[0].Gaps) != 1 || got[0].Gaps[0].Kind != event.KindSignIn {
		t.Errorf("not seen by tenant: %+v, want tenant b's sign-ins", got)
	}
}

// TestTenantGapsOnlyOfLogsThatNameTheirTenant: a log some of whose
// records named no tenant (a Graph page of sign-ins) says nothing of which
// tenant lacks it; nor does one tenant's store, nor a tenant that owns
// nothing (a partner's token in a customer's records).
func TestTenantGapsOnlyOfLogsThatNameTheirTenant(t *testing.T) {
	t.Parallel()
	set := newProcess(t)().Rules
	logs := []store.LogSeen{{Kind: "activity", Records: 100}, {Kind: "signin", Records: 50}}
	rows := []store.TenantLogSeen{{Tenant: "a", Kind: "activity"}, {Tenant: "a", Kind: "signin"}, {Tenant: "b", Kind: "activity"},
		{Tenant: "p", Kind: "activity"}, {Tenant: "b", Subscription: "s", Kind: "signin"}}
	// The store's gaps, as StoreHealth finds them for the owners.
	tenantGaps := func(logs []store.LogSeen, rows []store.TenantLogSeen, owners []string) []coverage.TenantGaps {
		recs, ten := tenancy(logs, rows)
		return coverage.MissingPerTenant(set, recs, ten, owners)
	}
	got := tenantGaps(logs, rows, []string{"a", "b"})
	if len(got) != 1 || got[0].Tenant != "b" || len(got[0].Gaps) != 1 || got[0].Gaps[0].Kind != event.KindSignIn {
		t.Errorf("got %+v, want tenant b's sign-ins only", got)
	}
	logs[1].Unnamed = 5
	if got := tenantGaps(logs, rows, []string{"a", "b"}); len(got) != 0 {
		t.Errorf("sign-ins some of which named no tenant: %+v", got)
	}
	if got := tenantGaps(logs[:1], rows[2:3], []string{"b"}); len(got) != 0 {
		t.Errorf("one tenant: %+v", got)
	}
}

// TestSightingsOfFoldersGoneAreForgotten: the sightings of folders that
// no longer hold a file are dropped with the files' checkpoints (an
// export's retention deletes a day of hourly blobs), so the table stays
// the size of the folders; the folders above keep theirs, and a host's
// log is placed in its tenant as before.
func TestSightingsOfFoldersGoneAreForgotten(t *testing.T) {
	staged := t.TempDir()
	truths := map[string]*simulate.Truth{}
	for name, o := range map[string]simulate.Options{
		// auditd's logs, a host's own folder each, which places them.
		"a": {Seed: 61, Days: 3, Scenarios: []string{"cpu-mining"}, HostAgents: simulate.AgentsAll, HostLog: simulate.LogAuditd, MachineOS: simulate.OSLinux},
		"b": {Seed: 62, Days: 3, Scenarios: []string{"cpu-mining"}, HostAgents: simulate.AgentsAll, HostLog: simulate.LogAuditd, MachineOS: simulate.OSLinux},
	} {
		truth, err := simulate.Write(filepath.Join(staged, name), o)
		if err != nil {
			t.Fatal(err)
		}
		truths[name] = truth
	}
	st, watched := openStore(t), t.TempDir()
	copyFiles(t, staged, watched, func(rel string) bool { return filepath.Base(rel) != "truth.json" })
	process := newProcess(t)
	cycle(t, st, watched, process())
	before, err := st.Sightings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	hosts, err := filepath.Glob(filepath.Join(watched, "a", "hosts", "*", "*"))
	if err != nil || len(hosts) == 0 {
		t.Fatalf("no host log of tenant a (%v)", err)
	}
	if got := before.Decide().Of("", hosts[0]); got != truths["a"].Tenant {
		t.Fatalf("before: %s placed in %q, want tenant a's %s", hosts[0], got, truths["a"].Tenant)
	}
	// Tenant a's first day of Activity Log, gone.
	days, err := filepath.Glob(filepath.Join(watched, "a", "insights-activity-logs", "*", "SUBSCRIPTIONS", "*", "y=*", "m=*", "d=01"))
	if err != nil || len(days) != 1 {
		t.Fatalf("tenant a's first day: %v (%v)", days, err)
	}
	gone := days[0]
	if _, ok := before.Folders[gone]; !ok {
		t.Fatalf("no sightings of %s before: the test proves nothing", gone)
	}
	if err := os.RemoveAll(gone); err != nil {
		t.Fatal(err)
	}
	cycle(t, st, watched, process())
	after, err := st.Sightings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for dir, byTenant := range before.Folders {
		under := dir == gone || strings.HasPrefix(dir, gone+string(filepath.Separator))
		switch _, kept := after.Folders[dir]; {
		case under && kept:
			t.Errorf("%s is gone and keeps its sightings", dir)
		case !under && !reflect.DeepEqual(after.Folders[dir], byTenant):
			t.Errorf("%s: sightings %v after, %v before", dir, after.Folders[dir], byTenant)
		}
	}
	if len(after.Folders) >= len(before.Folders) || !reflect.DeepEqual(after.Subscriptions, before.Subscriptions) {
		t.Errorf("folders %d → %d, subscriptions %v → %v", len(before.Folders), len(after.Folders), before.Subscriptions, after.Subscriptions)
	}
	if got := after.Decide().Of("", hosts[0]); got != truths["a"].Tenant {
		t.Errorf("after: %s placed in %q, want tenant a's %s", hosts[0], got, truths["a"].Tenant)
	}
}
