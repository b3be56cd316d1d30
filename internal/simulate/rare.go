package simulate

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// Chores done every few weeks. A real tenant has work that comes round
// less often than a fortnight: the disaster-recovery drill in a region it
// otherwise does not use, a team's GPU benchmark before each release, the
// month-end report job redeployed, a sandbox subscription made by hand,
// quota raised in every region ahead of a project, a new engineer made
// Contributor on their first day, a data scientist who travels and goes
// on with her usual GPU work from abroad, where ID Protection rates her
// sign-in unfamiliar. Each is done by someone who does nothing else in
// Azure. A first_seen rule that forgets within its window calls that
// person, region, service or subscription maker new each time the chore
// comes round; a rule that takes planning, onboarding or a risky sign-in
// followed by usual work for an attack pages someone for it. The rest of
// the benign history was written so that every deployer and region comes
// back within 14 days; these do not. Their own stream (g.rare) and their
// own people, outside the tenant's head count: every other record of a
// seed is the same as without them.

// A chore is one recurring piece of work: first is the day of the export
// it is first done (within the baseline, so a hunt learns it), every the
// days between two rounds: more than first_seen's old 14-day memory, less
// than a month.
type chore struct {
	name         string
	owner        person
	first, every int
	away         bool // after its first round, done from abroad (signInAway)
	do           func(g *gen, at time.Time, owner actor, round int)
}

// drRegions are where a tenant in a geography holds its disaster-recovery
// copy, by the tenant's first region: a region of its own geography that
// the tenant otherwise does not use, and that no attack takes (farRegions).
var drRegions = map[string][]string{
	"westeurope":         {"swedencentral", "switzerlandnorth", "norwayeast"},
	"germanywestcentral": {"swedencentral", "switzerlandnorth"},
	"eastus2":            {"westus2", "northcentralus"},
	"australiaeast":      {"australiasoutheast"},
}

// newChores draws the tenant's chores and their owners from r.
func newChores(r *rand.Rand, t *tenant) []chore {
	dr := "swedencentral"
	if rs := drRegions[t.Regions[0]]; len(rs) > 0 {
		dr = pick(r, rs)
	}
	cs := []chore{
		{name: "dr-drill", do: func(g *gen, at time.Time, a actor, round int) {
			g.createVM(at, a, "dr-"+dr, fmt.Sprintf("dr-drill-%02d", round), dr, "Standard_D4s_v5", false)
		}},
		{name: "gpu-benchmark", do: func(g *gen, at time.Time, a actor, round int) {
			g.gpuVM(at, a, fmt.Sprintf("bench-%02d", round), pick(g.r, []string{"Standard_NC4as_T4_v3", "Standard_NC24ads_A100_v4"}), false)
		}},
		{name: "report-job", do: func(g *gen, at time.Time, a actor, round int) {
			loc := g.t.Regions[0]
			g.arm(at, a, "MICROSOFT.APP/JOBS/WRITE", g.t.rg("reports")+"/PROVIDERS/MICROSOFT.APP/JOBS/MONTH-END-REPORT",
				armOpts{Body: reportJob(g.t, loc, round), Loc: loc, Accept: true})
		}},
		{name: "sandbox-subscription", do: func(g *gen, at time.Time, a actor, round int) {
			g.alias(at, a, fmt.Sprintf("sandbox-%s-%02d", strings.Split(a.Name, ".")[0], round), "", "")
		}},
		// Capacity planning: the same CPU family raised in every region the
		// tenant runs in, minutes apart, as the portal's quota page submits
		// a request for several regions at once.
		{name: "capacity-planning", do: func(g *gen, at time.Time, a actor, round int) {
			limit := 200 + 100*round + 50*g.r.IntN(4)
			for _, loc := range g.t.Regions {
				at = g.quota(at, a, loc, "standardDSv5Family", limit).Add(time.Minute + g.jitter(3*time.Minute))
			}
		}},
	}
	taken := map[string]bool{}
	for _, p := range t.People {
		taken[p.UPN] = true
	}
	// Onboarding: the identity administrator creates a new engineer's
	// account and makes them Contributor on the subscription within the
	// hour, from the office; the engineer makes a first VM the next
	// morning.
	cs = append(cs, chore{name: "onboarding", do: func(g *gen, at time.Time, a actor, round int) {
		hire := newPerson(g.r, g.t.Domain, "ops", taken)
		admin := person{Name: a.Name, UPN: a.UPN, OID: a.OID}
		g.audit(at, admin, a.IP, "Add user", "UserManagement", "Add", "Core Directory", hire, nil)
		g.assignRole(at.Add(30*time.Minute+g.jitter(20*time.Minute)), a, roleContributor, hire.OID)
		next, ip := at.Add(20*time.Hour+g.jitter(2*time.Hour)), g.t.office(g.r)
		g.signIn(next, signin{UPN: hire.UPN, OID: hire.OID, IP: ip, App: "Azure Portal", AppID: appPortal, MFA: true})
		// Every other hire joins the data-science team: their first
		// machine is a GPU one, with its driver.
		if round%2 == 0 {
			g.gpuVM(next.Add(20*time.Minute+g.jitter(20*time.Minute)), g.user(hire, ip, true), "ds-"+strings.Split(hire.Name, ".")[0], "Standard_NC4as_T4_v3", false)
			return
		}
		loc := g.t.Regions[0]
		g.createVM(next.Add(20*time.Minute+g.jitter(20*time.Minute)), g.user(hire, ip, true), "ops-"+loc, "vm-"+strings.Split(hire.Name, ".")[0], loc, "Standard_D4s_v5", false)
	}})
	// The traveller: the team's usual GPU machine, in the team's
	// region, made at the office the first time and from abroad
	// every time after.
	cs = append(cs, chore{name: "traveller", away: true, do: func(g *gen, at time.Time, a actor, round int) {
		g.gpuVM(at, a, fmt.Sprintf("train-%s-%02d", strings.Split(a.Name, ".")[0], round), "Standard_NC24ads_A100_v4", false)
	}})
	for i := range cs {
		cs[i].owner = newPerson(r, t.Domain, "dev", taken)
		cs[i].first = 1 + r.IntN(5)
		cs[i].every = 16 + r.IntN(11)
	}
	return cs
}

// newPerson draws someone whose address is not yet taken.
func newPerson(r *rand.Rand, domain, team string, taken map[string]bool) person {
	for {
		name := pick(r, firstNames) + "." + pick(r, lastNames)
		if upn := name + "@" + domain; !taken[upn] {
			taken[upn] = true
			return person{Name: name, UPN: upn, OID: guid(r), Team: team}
		}
	}
}

// reportJob is a Container Apps job that runs once a month on the
// Consumption profile: the body of its create or update.
func reportJob(t *tenant, loc string, round int) map[string]any {
	return map[string]any{"location": loc, "properties": map[string]any{
		"environmentId": t.rg("reports") + "/providers/Microsoft.App/managedEnvironments/reports-env",
		"configuration": map[string]any{"triggerType": "Schedule", "replicaTimeout": 3600, "replicaRetryLimit": 1,
			"scheduleTriggerConfig": map[string]any{"cronExpression": "0 2 1 * *", "parallelism": 1, "replicaCompletionCount": 1}},
		"template": map[string]any{"containers": []any{map[string]any{"name": "report",
			"image":     fmt.Sprintf("%s.azurecr.io/reports/month-end:1.%d", strings.Split(t.Domain, ".")[0], round),
			"resources": map[string]any{"cpu": 1, "memory": "2Gi"}}}}}}
}

// benignChores does the chores that fall on day: the owner signs in at the
// office, with MFA, and does the work minutes later.
func (g *gen) benignChores(day time.Time) {
	n := int(day.Sub(g.opt.Start).Hours() / 24)
	restore := g.drawFrom(g.rare)
	defer restore()
	for _, c := range g.chores {
		if n < c.first || (n-c.first)%c.every != 0 {
			continue
		}
		at := day.Add(9*time.Hour + g.jitter(7*time.Hour))
		round := 1 + (n-c.first)/c.every
		s := signin{UPN: c.owner.UPN, OID: c.owner.OID, IP: g.t.office(g.r), App: "Azure Portal", AppID: appPortal, MFA: true}
		if c.away && round > 1 {
			s = g.signInAway(s)
		}
		g.signIn(at, s)
		c.do(g, at.Add(3*time.Minute+g.jitter(5*time.Minute)), g.user(c.owner, s.IP, true), round)
	}
}

// signInAway is s made abroad: a hotel's or a conference's network (an
// address neither the tenant's nor Azure's), in a country the tenant does
// not work from, which ID Protection rates unfamiliar (medium, at risk:
// no risk policy remediates it). She still signs in with MFA.
func (g *gen) signInAway(s signin) signin {
	s.IP = netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + g.r.IntN(240))}).String()
	s.Country = pick(g.r, []string{"SG", "JP", "US", "BR", "ZA"})
	s.Risk, s.RiskState, s.RiskEvents = "medium", "atRisk", `["unfamiliarFeatures"]`
	return s
}

// choreTruth tells the chores done within the export.
func (g *gen) choreTruth() []Chore {
	var out []Chore
	for _, c := range g.chores {
		if c.first < g.opt.Days {
			out = append(out, Chore{Name: c.name, Principal: strings.ToLower(c.owner.UPN), FirstDay: c.first, EveryDays: c.every})
		}
	}
	return out
}
