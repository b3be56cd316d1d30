package hunt

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// unnamed reports whether a rule reads a log whose records name no tenant:
// flow logs, a firewall's DNS lookups, a host's processes.
func unnamed(rule string) bool {
	for _, p := range []string{"azure.network.", "azure.dns.", "azure.host."} {
		if strings.HasPrefix(rule, p) {
			return true
		}
	}
	return false
}

// placed is an alert as a test compares it across hunts: its id, whose
// it is and the incident it is in.
type placed struct{ id, tenant, incident string }

func placements(as []alert.Alert) map[placed]bool {
	out := map[placed]bool{}
	for _, a := range as {
		out[placed{a.ID, a.Tenant, a.Incident}] = true
	}
	return out
}

// TestSeveralTenantsHuntedTogether: a service, or a responder with
// several tenants' exports, hunts them in one run. The records that name
// no tenant (flows, DNS lookups, host processes) must be placed in their
// tenant, by their subscription or the folder they were read from, so
// that the run finds exactly what hunting each tenant alone finds: the
// same alerts, tenants and incidents (the mining stage inside its
// attack's incident, not a tenantless incident apiece).
func TestSeveralTenantsHuntedTogether(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	var baseline time.Duration
	for name, o := range map[string]simulate.Options{
		// auditd's logs, which name no machine: the folder alone places them
		// (Linux machines: Windows ones log through Defender for Endpoint).
		"a": {Seed: 11, Scenarios: []string{"gpu-scaleset-chain"}, HostAgents: simulate.AgentsAll, HostLog: simulate.LogAuditd, MachineOS: simulate.OSLinux},
		"b": {Seed: 12, Scenarios: []string{"cpu-mining"}, HostAgents: simulate.AgentsAll, HostLog: simulate.LogAuditd, MachineOS: simulate.OSLinux},
	} {
		truth, err := simulate.Write(filepath.Join(root, name), o)
		if err != nil {
			t.Fatal(err)
		}
		baseline = time.Duration(truth.BaselineDays) * 24 * time.Hour
	}
	hunt := func(paths ...string) *Result {
		t.Helper()
		set, enr := catalogue(t)
		res, err := Run(context.Background(), expand(t, paths...), Config{Rules: set, Enricher: enr, Workers: 2, Baseline: baseline})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	want := map[placed]bool{}
	for _, name := range []string{"a", "b"} {
		res := hunt(filepath.Join(root, name))
		n := 0
		for _, a := range res.Alerts {
			if unnamed(a.Rule) {
				n++
			}
		}
		if n == 0 {
			t.Fatalf("tenant %s alone: no flow, DNS or host alert: the test proves nothing", name)
		}
		for p := range placements(res.Alerts) {
			want[p] = true
		}
	}
	together := hunt(root)
	got := placements(together.Alerts)
	for p := range want {
		if !got[p] {
			t.Errorf("hunted alone: alert %s of tenant %q in %s; not so together", p.id, p.tenant, p.incident)
		}
	}
	for p := range got {
		if !want[p] {
			t.Errorf("hunted together: alert %s of tenant %q in %s; not so alone", p.id, p.tenant, p.incident)
		}
	}
	for _, a := range together.Alerts {
		if a.Tenant == "" {
			t.Errorf("%s at %s: no tenant", a.Rule, a.Time)
		}
	}

	// The host logs of both tenants moved to one folder beside theirs:
	// the folder says not whose they are, and neither does anything else
	// (auditd names no machine), so their alerts are left without a
	// tenant, not guessed into one. Flows and DNS lookups keep theirs,
	// by subscription.
	for _, name := range []string{"a", "b"} {
		if err := os.Rename(filepath.Join(root, name, "hosts"), filepath.Join(root, "hosts-"+name)); err != nil {
			t.Fatal(err)
		}
	}
	hosts := 0
	for _, a := range hunt(root).Alerts {
		switch {
		case strings.HasPrefix(a.Rule, "azure.host."):
			hosts++
			if a.Tenant != "" {
				t.Errorf("%s on %v, read beside both tenants' folders: tenant %s, want none", a.Rule, a.Evidence[0].File, a.Tenant)
			}
		case a.Tenant == "":
			t.Errorf("%s at %s: no tenant", a.Rule, a.Time)
		}
	}
	if hosts == 0 {
		t.Fatal("no host alert once the host logs moved")
	}

	// The same logs written with auditd's node= (name_format = hostname):
	// each names its machine, which one tenant's alerts hold (its scale
	// set, Defender's alerts on it), and joins that tenant's attack.
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "audit.log" || !strings.Contains(p, "hosts-") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		node := "node=" + filepath.Base(filepath.Dir(p)) + " "
		lines := strings.SplitAfter(string(b), "\n")
		for i, l := range lines {
			if l != "" {
				lines[i] = node + l
			}
		}
		return os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	res := hunt(root)
	incOf := map[string]string{} // tenant → the incident of its mass deployment
	for _, a := range res.Alerts {
		if a.Rule == "azure.compute.mass_deployment" {
			incOf[a.Tenant] = a.Incident
		}
	}
	named := 0
	for _, a := range res.Alerts {
		if a.Rule != "azure.host.miner_process" || len(a.Hosts) == 0 {
			continue
		}
		named++
		if a.Tenant == "" || incOf[a.Tenant] == "" || a.Incident != incOf[a.Tenant] {
			t.Errorf("miner on %v: tenant %q, incident %s; want its tenant's attack (%v)", a.Hosts, a.Tenant, a.Incident, incOf)
		}
	}
	if named == 0 {
		t.Fatal("no miner alert names its machine: the test proves nothing")
	}
}

// TestTenantWithoutItsSignInsIsNamed: hunted together, one tenant
// exported its sign-ins and the other did not. Globally the sign-in log
// was read, so NOT SEEN says nothing; the attack of the tenant without
// them must say its sign-ins were not in the input, and the other
// tenant's incidents nothing of the kind.
func TestTenantWithoutItsSignInsIsNamed(t *testing.T) {
	t.Parallel()
	res, truths := huntTwoTenants(t, simulate.Options{Seed: 21, Days: 7, Scenarios: []string{"gpu-scaleset-chain"}},
		simulate.Options{Seed: 22, Days: 7, Scenarios: []string{"gpu-scaleset-chain"}}, "signins")
	tenantOf := map[string]string{}
	for _, in := range res.Incidents {
		tenantOf[in.ID] = in.Tenant
	}
	missing := 0
	for _, o := range res.Outside {
		if !o.Missing {
			continue
		}
		if tenantOf[o.Incident] != truths["b"].Tenant || o.Tenant != truths["b"].Tenant {
			t.Errorf("%s (of tenant %s): %s", o.Incident, tenantOf[o.Incident], o)
		}
		if o.Log.Kind == event.KindSignIn {
			missing++
		}
	}
	if missing == 0 {
		t.Errorf("no incident of tenant b says its sign-ins were not read: %v", res.Outside)
	}
	if ns := res.NotSeenByTenant; len(ns) != 1 || ns[0].Tenant != truths["b"].Tenant || len(ns[0].Gaps) != 1 || ns[0].Gaps[0].Kind != event.KindSignIn {
		t.Errorf("not seen by tenant: %+v, want tenant b's sign-ins", ns)
	}
}

// TestTenantWithoutItsDNSLogIsNamed: the firewall's DNS lookups, read
// briefly, name neither tenant nor subscription; each tenant's folder
// places them, so a tenant whose DNS log is missing while the other's was
// read is named, as one without its sign-ins is.
func TestTenantWithoutItsDNSLogIsNamed(t *testing.T) {
	t.Parallel()
	res, truths := huntTwoTenants(t, simulate.Options{Seed: 23, Days: 7, Scenarios: []string{"cpu-mining"}, HostAgents: simulate.AgentsAll},
		simulate.Options{Seed: 24, Days: 7, Scenarios: []string{"cpu-mining"}, HostAgents: simulate.AgentsAll}, "firewall-eventhub")
	if res.Unnamed[event.KindDNS] != 0 || res.Unnamed[event.KindProcess] != 0 {
		t.Errorf("placed in no tenant: %v", res.Unnamed)
	}
	if ns := res.NotSeenByTenant; len(ns) != 1 || ns[0].Tenant != truths["b"].Tenant || len(ns[0].Gaps) != 1 || ns[0].Gaps[0].Kind != event.KindDNS {
		t.Errorf("not seen by tenant: %+v, want tenant b's DNS lookups", ns)
	}
	for _, r := range res.Tenants {
		if r.Kind == event.KindDNS && r.Tenant != truths["a"].Tenant || r.Kind == event.KindProcess && r.Tenant == "" {
			t.Errorf("tenant read %+v", r)
		}
	}
}

// TestPartnerRecordsKeepTheTenantsPlaces: one customer's export in which
// a partner's delegated administrator acted (the partner's tenant id in
// a few records' claims) holds two tenants, so no record that names none
// is the data's only tenant's; its subscription and folder still are the
// customer's (nine in ten of their records), and the flows, DNS lookups
// and host processes keep the tenant, ids and incidents of the export
// without the partner.
func TestPartnerRecordsKeepTheTenantsPlaces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	truth, err := simulate.Write(dir, simulate.Options{Seed: 41, Days: 7, Scenarios: []string{"gpu-scaleset-chain"}, HostAgents: simulate.AgentsAll})
	if err != nil {
		t.Fatal(err)
	}
	hunt := func() map[placed]bool {
		t.Helper()
		set, enr := catalogue(t)
		res, err := Run(context.Background(), expand(t, dir), Config{Rules: set, Enricher: enr, Workers: 2, Baseline: truth.Baseline()})
		if err != nil {
			t.Fatal(err)
		}
		out := map[placed]bool{}
		for _, a := range res.Alerts {
			if unnamed(a.Rule) {
				out[placed{a.ID, a.Tenant, a.Incident}] = true
			}
		}
		return out
	}
	want := hunt()
	if len(want) == 0 {
		t.Fatal("no flow, DNS or host alert: the test proves nothing")
	}
	// The partner acts in the first Activity Log file that has claims.
	const claim = `"http://schemas.microsoft.com/identity/claims/tenantid":"`
	const partner = "99999999-8888-7777-6666-555555555555"
	changed := 0
	err = filepath.WalkDir(filepath.Join(dir, "insights-activity-logs"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || changed > 0 {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		if n := strings.Count(s, claim+truth.Tenant+`"`); n > 0 {
			s = strings.Replace(s, claim+truth.Tenant+`"`, claim+partner+`"`, min(n, 5))
			changed = min(n, 5)
		}
		return os.WriteFile(p, []byte(s), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if changed == 0 {
		t.Fatal("no record's claims name the tenant: the test proves nothing")
	}
	got := hunt()
	for p := range want {
		if !got[p] {
			t.Errorf("without the partner: alert %s of tenant %q in %s; not so with it", p.id, p.tenant, p.incident)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d flow, DNS and host alerts with the partner, %d without", len(got), len(want))
	}
}

// huntTwoTenants simulates tenants a and b, each in a folder of its own,
// removes b's folder without (a log b never exported; "" removes none),
// and hunts both
// together with a's baseline.
func huntTwoTenants(t *testing.T, a, b simulate.Options, without string) (*Result, map[string]*simulate.Truth) {
	t.Helper()
	root := t.TempDir()
	truths := map[string]*simulate.Truth{}
	for name, o := range map[string]simulate.Options{"a": a, "b": b} {
		truth, err := simulate.Write(filepath.Join(root, name), o)
		if err != nil {
			t.Fatal(err)
		}
		truths[name] = truth
	}
	if without != "" {
		if err := os.RemoveAll(filepath.Join(root, "b", without)); err != nil {
			t.Fatal(err)
		}
	}
	set, enr := catalogue(t)
	res, err := Run(context.Background(), expand(t, root), Config{Rules: set, Enricher: enr, Workers: 2,
		Baseline: truths["a"].Baseline()})
	if err != nil {
		t.Fatal(err)
	}
	return res, truths
}

// TestTenantsOfDifferentHostAgentsAreBothSeen: one tenant's machines log
// through Defender for Endpoint, whose records name the tenant, the
// other's through auditd, whose logs their folder places. Each has its
// host logs: neither is said not to (NOT SEEN FOR SOME TENANTS), and each
// tenant's reads hold its process events. Before, a log kind any tenant's
// records named dropped every folder-placed record of that kind.
func TestTenantsOfDifferentHostAgentsAreBothSeen(t *testing.T) {
	t.Parallel()
	res, truths := huntTwoTenants(t, simulate.Options{Seed: 21, Days: 7, Scenarios: []string{"gpu-scaleset-chain"}, HostLog: simulate.LogMDE},
		simulate.Options{Seed: 22, Days: 7, Scenarios: []string{"gpu-scaleset-chain"}, HostLog: simulate.LogAuditd, MachineOS: simulate.OSLinux}, "")
	if len(res.NotSeenByTenant) != 0 {
		t.Errorf("not seen by tenant: %+v, want none", res.NotSeenByTenant)
	}
	for name, truth := range truths {
		var n int64
		for _, r := range res.Tenants {
			if r.Tenant == truth.Tenant && r.Kind == event.KindProcess {
				n += r.Events
			}
		}
		if n == 0 {
			t.Errorf("tenant %s (%s): no process events among its reads", name, truth.HostLog)
		}
	}
}
