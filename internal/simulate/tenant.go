package simulate

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// person is a human account of the simulated tenant.
type person struct {
	Name, UPN, OID string
	Team           string // ops, ds, admin, dev
	Guest          bool
}

// app is a service principal: its application id and object id.
type app struct {
	Name, AppID, OID string
}

// tenant is the simulated organisation: one Entra tenant, one subscription,
// the people and automation in it and where it usually runs compute.
type tenant struct {
	ID, Sub, Domain string
	Regions         []string // the two or three regions the tenant uses
	DSRegion        string   // where the data-science team trains
	People          []person
	Ops, DS         []int // indexes into People of the compute deployers
	Admin           int   // the Global Administrator
	CI              app   // the deployment pipeline's service principal
	Monitor         app   // the monitoring automation
	ML              app   // the data-science team's scheduled training pipeline
	StartStop       app   // the Automation runbook that starts and stops the build agents
	Rotation        int   // the day the platform team moves the Activity Log export (woken.go)
	Office          []netip.Addr
	FirewallID      string
}

// Well-known first-party application ids, as they appear in real logs.
const (
	appPortal = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"
	appCLI    = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	appPS     = "1950a258-227b-4e31-a9cf-717495945fc2"
	appTeams  = "1fec8e78-bce4-4aaf-ab1b-5451cc387264"
	appOffice = "4765445b-32c6-49b0-83e6-1d93765276ca"
)

var (
	regionSets = [][]string{
		{"westeurope", "northeurope", "uksouth"},
		{"eastus2", "centralus"},
		{"germanywestcentral", "westeurope", "francecentral"},
		{"australiaeast", "southeastasia"},
	}
	domains    = []string{"contoso.example", "fabrikam.example", "northwind.example", "tailspin.example", "woodgrove.example"}
	firstNames = []string{"anna", "ben", "carla", "david", "eva", "farid", "grace", "hiro", "ines", "jonas", "kim", "lars", "mei", "nora", "omar", "paula", "quinn", "rosa", "sven", "tara", "uma", "victor", "wen", "yusuf", "zoe"}
	lastNames  = []string{"berg", "costa", "dubois", "evans", "fischer", "garcia", "hansen", "ito", "jansen", "kowalski", "lopez", "meyer", "nakamura", "olsen", "petrov", "rossi", "silva", "tanaka", "visser", "weber"}
)

// guid draws a version-4 GUID from r, so ids are part of the seeded stream.
func guid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	a = a&^0xf000 | 0x4000
	b = b&^(0xc<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// pick returns one element of s.
func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// newTenant draws a tenant whose head count follows the size factor.
func newTenant(r *rand.Rand, scale int) *tenant {
	t := &tenant{ID: guid(r), Sub: guid(r), Domain: pick(r, domains)}
	t.Regions = append([]string(nil), pick(r, regionSets)...)
	t.DSRegion = t.Regions[0]
	t.Office = []netip.Addr{
		netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + r.IntN(200))}),
		netip.AddrFrom4([4]byte{203, 0, 113, byte(10 + r.IntN(200))}),
	}
	seen := map[string]bool{}
	n := 40 * scale
	for i := 0; len(t.People) < n && i < n*20; i++ {
		name := pick(r, firstNames) + "." + pick(r, lastNames)
		if seen[name] {
			name = fmt.Sprintf("%s%d", name, i)
		}
		seen[name] = true
		t.People = append(t.People, person{Name: name, UPN: name + "@" + t.Domain, OID: guid(r), Team: "dev"})
	}
	// The first accounts get the roles that matter to the scenarios.
	t.Admin = 0
	t.People[0].Team = "admin"
	// Teams stay small at every size, as they are in real companies.
	nOps, nDS := 2+min(scale, 3), 2+min(scale, 2)
	for i := 1; i <= nOps; i++ {
		t.People[i].Team = "ops"
		t.Ops = append(t.Ops, i)
	}
	for i := nOps + 1; i <= nOps+nDS; i++ {
		t.People[i].Team = "ds"
		t.DS = append(t.DS, i)
	}
	t.CI = app{Name: "github-deploy-" + strings.Split(t.Domain, ".")[0], AppID: guid(r), OID: guid(r)}
	t.Monitor = app{Name: "ops-monitoring-automation", AppID: guid(r), OID: guid(r)}
	t.FirewallID = "/SUBSCRIPTIONS/" + strings.ToUpper(t.Sub) + "/RESOURCEGROUPS/HUB-NETWORK/PROVIDERS/MICROSOFT.NETWORK/AZUREFIREWALLS/HUB-FW"
	// Drawn last, so the ids drawn before it stay what they were.
	t.ML = app{Name: "aml-training-pipeline", AppID: guid(r), OID: guid(r)}
	return t
}

// rg is the upper-case resource id prefix of a resource group, the way
// diagnostic records spell it.
func (t *tenant) rg(name string) string {
	return "/SUBSCRIPTIONS/" + strings.ToUpper(t.Sub) + "/RESOURCEGROUPS/" + strings.ToUpper(name)
}

// vmID is the id of the tenant's VM name in resource group group.
func (t *tenant) vmID(group, name string) string {
	return t.rg(group) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/" + strings.ToUpper(name)
}

// office returns one of the company's egress addresses.
func (t *tenant) office(r *rand.Rand) string { return pick(r, t.Office).String() }

// developers are the people neither in ops, nor data scientists, nor the
// administrator: those whose stolen passwords the attacks use.
func (t *tenant) developers() []person { return t.People[len(t.Ops)+len(t.DS)+1:] }
