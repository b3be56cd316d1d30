package simulate

import (
	"fmt"
	"strings"
	"time"
)

// run writes the benign history and the scenarios.
func (g *gen) run() (*Truth, error) {
	g.inventory(g.opt.Start.Add(7 * time.Hour))
	for d := range g.opt.Days {
		day := g.opt.Start.AddDate(0, 0, d)
		weekday := day.Weekday() != time.Saturday && day.Weekday() != time.Sunday
		g.benignCompute(day, weekday)
		g.benignWoken(day, weekday)
		g.benignPipeline(day)
		g.benignVending(day)
		g.benignChores(day)
		g.benignAlerts(day)
		for h := range 24 {
			hour := day.Add(time.Duration(h) * time.Hour)
			work := weekday && h >= 7 && h < 18
			g.benignARM(hour, work)
			g.benignSignIns(hour, work)
			g.benignAudit(hour, work)
			g.benignDNS(hour, work)
			g.benignFlows(hour, work)
			g.benignHosts(hour, work)
		}
		g.benignRiskDay()
	}
	attacks := g.inject()
	g.riskDetections(attacks)
	return &Truth{
		Seed: g.opt.Seed, BaselineDays: baselineDays(g.opt.Days), Tenant: g.t.ID, Subscription: g.t.Sub,
		OwnedIPs: []string{"198.51.100.0/24", "203.0.113.0/24"}, HostAgents: g.agents, HostLog: g.hostLog, Attacks: attacks,
		Chores: g.choreTruth(),
	}, nil
}

// inventory is the first morning's build-out: every deployer creates
// compute in the tenant's regions, hours apart, so the baseline knows them
// all.
func (g *gen) inventory(at time.Time) {
	t := g.t
	for i, o := range t.Ops {
		p := t.People[o]
		loc := t.Regions[i%len(t.Regions)]
		g.createVM(at.Add(time.Duration(i)*100*time.Minute), g.user(p, t.office(g.r), true), "ops-"+loc, fmt.Sprintf("build-agent-%d", i+1), loc, "Standard_D4s_v5", false)
	}
	for i, loc := range t.Regions {
		p := t.People[t.Ops[0]]
		g.createVM(at.Add(time.Duration(i)*130*time.Minute+40*time.Minute), g.user(p, t.office(g.r), true), "web-"+loc, fmt.Sprintf("web-%s-0", loc), loc, "Standard_D8s_v5", false)
	}
	// The ops team's web fleet: a scale set, so scale sets are known too.
	fleet := at.Add(9 * time.Hour)
	g.arm(fleet, g.user(t.People[t.Ops[0]], t.office(g.r), true), "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", t.fleetID(),
		armOpts{Body: vmssBody(t.Regions[0], "Standard_D8s_v5", 6, "Regular", []any{customScript("apt-get install -y nginx")}), Loc: t.Regions[0], Accept: true})
	g.wokenInventory(at.Add(30 * time.Minute))
	g.hdiCluster(at.Add(5 * time.Hour))
	for i, d := range t.DS {
		g.gpuVM(at.Add(time.Duration(i)*90*time.Minute+20*time.Minute), g.user(t.People[d], t.office(g.r), true), fmt.Sprintf("ds-train-%02d", i+1), "Standard_NC6s_v3", false)
	}
}

// benignCompute writes a day's compute work: ops VMs in the usual regions,
// the data-science team's GPU machines, now and then a quota raise.
func (g *gen) benignCompute(day time.Time, weekday bool) {
	if !weekday {
		return
	}
	t := g.t
	n := int(day.Sub(g.opt.Start).Hours() / 24)
	// Every weekday each region gets a VM and the deployers take turns:
	// the tenant's daily work. Work that comes round every few weeks, by
	// people who do nothing else, is the chores' (rare.go).
	for i, loc := range t.Regions {
		p := t.People[t.Ops[(n+i)%len(t.Ops)]]
		g.opsVM(day.Add(8*time.Hour+g.jitter(9*time.Hour)), p, loc)
	}
	for range g.r.IntN(1 + g.scale) {
		g.opsVM(day.Add(8*time.Hour+g.jitter(9*time.Hour)), t.People[pick(g.r, t.Ops)], pick(g.r, t.Regions))
	}
	if n%3 == 0 {
		// The web fleet follows demand.
		p := t.People[t.Ops[n%len(t.Ops)]]
		g.arm(day.Add(9*time.Hour+g.jitter(8*time.Hour)), g.user(p, t.office(g.r), true), "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", t.fleetID(),
			armOpts{Body: vmssBody(t.Regions[0], "Standard_D8s_v5", 4+g.r.IntN(6), "Regular", []any{customScript("apt-get install -y nginx")}), Loc: t.Regions[0], Accept: true, Noisy: true})
	}
	// The data scientists take turns on the GPU machines.
	p := t.People[t.DS[n%len(t.DS)]]
	g.gpuVM(day.Add(9*time.Hour+g.jitter(7*time.Hour)), g.user(p, t.office(g.r), true), fmt.Sprintf("ds-exp-%03d", g.r.IntN(1000)), pick(g.r, []string{"Standard_NC6s_v3", "Standard_NC4as_T4_v3", "Standard_NC24ads_A100_v4"}), true)
	if g.r.IntN(10) == 0 {
		g.quota(day.Add(10*time.Hour+g.jitter(6*time.Hour)), g.user(t.People[t.Admin], t.office(g.r), true), pick(g.r, t.Regions), "standardDSv5Family", 200+50*g.r.IntN(8))
	}
}

// opsVM writes an ops engineer's ordinary CPU VM.
func (g *gen) opsVM(at time.Time, p person, loc string) {
	size := pick(g.r, []string{"Standard_D4s_v5", "Standard_D8s_v5", "Standard_E4s_v5"})
	g.createVM(at, g.user(p, g.t.office(g.r), true), "ops-"+loc, fmt.Sprintf("vm-%s-%03d", strings.Split(p.Name, ".")[0], g.r.IntN(1000)), loc, size, true)
}

// quota writes a Microsoft.Quota limit request.
func (g *gen) quota(at time.Time, a actor, loc, family string, limit int) time.Time {
	rid := "/SUBSCRIPTIONS/" + strings.ToUpper(g.t.Sub) + "/PROVIDERS/MICROSOFT.COMPUTE/LOCATIONS/" + strings.ToUpper(loc) + "/PROVIDERS/MICROSOFT.QUOTA/QUOTAS/" + strings.ToUpper(family)
	body := map[string]any{"properties": map[string]any{"limit": map[string]any{"limitObjectType": "LimitValue", "value": limit}, "name": map[string]any{"value": family}}}
	return g.arm(at, a, "MICROSOFT.QUOTA/QUOTAS/WRITE", rid, armOpts{Body: body, Accept: true})
}
