package incident

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// memberSets describes incidents as sorted lists of alert ids, sorted.
func memberSets(ins []Incident) [][]string {
	var out [][]string
	for _, in := range ins {
		var ids []string
		for _, e := range in.Timeline {
			ids = append(ids, e.Alert)
		}
		slices.Sort(ids)
		out = append(out, ids)
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

func TestWholeAttackChainIsOneIncidentWithStagesInOrder(t *testing.T) {
	t.Parallel()
	as := attackChain()
	ins := Build(as, Options{})
	if len(ins) != 1 {
		t.Fatalf("got %d incidents, want 1: %v", len(ins), memberSets(ins))
	}
	in := ins[0]
	var stages []string
	for _, s := range in.Stages {
		stages = append(stages, s.Stage)
	}
	want := []string{"initial_access", "escalation", "quota", "deployment", "drivers", "mining"}
	if !reflect.DeepEqual(stages, want) {
		t.Errorf("stages %v, want %v", stages, want)
	}
	if got := in.Stages[len(in.Stages)-1].Alerts; len(got) != 3 {
		t.Errorf("mining stage holds %v, want the flow, DNS and host alerts", got)
	}
	if in.Severity != alert.Critical {
		t.Errorf("severity %s, want critical (high alerts across six stages)", in.Severity)
	}
	if !in.Time.Equal(at(0)) || !in.LastTime.Equal(at(3*time.Hour+10*time.Minute)) {
		t.Errorf("span %s to %s", in.Time, in.LastTime)
	}
	const title = "Cryptojacking: GPU scale sets (80 instances) in 3 regions after elevated access by " + mallory
	if in.Title != title {
		t.Errorf("title %q, want %q", in.Title, title)
	}
	if in.Cost.USDPerHour != 308.54 || !in.Cost.Complete || len(in.Cost.Lines) != 3 {
		t.Errorf("cost %+v, want 40×3.673 + 20×3.673 + 20×4.408 = 308.54 over 3 lines", in.Cost)
	}
	if !reflect.DeepEqual(in.Principals, []string{mallory, "automation-sp"}) {
		t.Errorf("principals %v", in.Principals)
	}
	if !reflect.DeepEqual(in.Regions, []string{"eastus", "westus2", "southcentralus"}) {
		t.Errorf("regions %v", in.Regions)
	}
	for i := 1; i < len(in.Timeline); i++ {
		if in.Timeline[i].Time.Before(in.Timeline[i-1].Time) {
			t.Errorf("timeline out of order at %d", i)
		}
	}
	for _, a := range as {
		if a.Incident != in.ID {
			t.Errorf("alert %s names incident %q, want %s", a.ID, a.Incident, in.ID)
		}
	}
}

func TestGrouping(t *testing.T) {
	t.Parallel()
	ss := vmss(subA, "ss1")
	for _, tc := range []struct {
		name   string
		alerts []alert.Alert
		want   [][]int // incidents as indexes into alerts
	}{{
		name: "two unrelated attacks in one tenant stay two incidents, each keeping its own mining",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), ips("203.0.113.7"), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory), sub(subA),
				compute("vmss", "Standard_NC6s_v3", 10, "eastus", ss, "c1")),
			mk("azure.identity.privileged_role_assignment", alert.High, at(30*time.Minute), principal(eve), ips("192.0.2.99"), sub(subB)),
			mk("azure.compute.gpu_created", alert.Medium, at(2*time.Hour), principal(eve), sub(subB),
				compute("vmss", "Standard_NC6s_v3", 10, "eastus", vmss(subB, "other"), "c2")),
			mk("azure.network.mining_pool_connection", alert.High, at(3*time.Hour), sub(subA), ips("10.0.0.4", "198.51.100.23")),
			// The same pool as the first attack's miners: a shared destination links nothing.
			mk("azure.network.mining_pool_connection", alert.High, at(3*time.Hour+time.Minute), sub(subB), ips("10.1.0.4", "198.51.100.23")),
		},
		want: [][]int{{0, 1, 4}, {2, 3, 5}},
	}, {
		// A quota is the subscription's: an engineer's capacity planning
		// the morning after does not join the attack of the administrator
		// who raised the same family in the same region the day before.
		name: "raising the same quota links no one",
		alerts: []alert.Alert{
			mk("azure.signin.azure_ip_not_owned", alert.Medium, at(0), principal(mallory), ips("20.42.65.90")),
			mk("azure.identity.elevate_access", alert.High, at(time.Minute), principal(mallory), sub(subA), ips("20.42.65.90")),
			mk("azure.quota.increase", alert.Low, at(2*time.Hour), principal(mallory), sub(subA),
				res("/SUBSCRIPTIONS/"+subA+"/PROVIDERS/MICROSOFT.COMPUTE/LOCATIONS/EASTUS/PROVIDERS/MICROSOFT.QUOTA/QUOTAS/STANDARDDSV5FAMILY")),
			mk("azure.quota.increase", alert.Low, at(20*time.Hour), principal(eve), sub(subA), ips("198.51.100.18"),
				res("/subscriptions/"+subA+"/providers/Microsoft.Compute/locations/eastus/providers/Microsoft.Quota/quotas/standardDSv5Family")),
			mk("azure.quota.increase", alert.Low, at(20*time.Hour+5*time.Minute), principal(eve), sub(subA), ips("198.51.100.18"),
				res("/subscriptions/"+subA+"/providers/Microsoft.Capacity/resourceProviders/Microsoft.Compute/locations/eastus/serviceLimits/standardDSv5Family")),
		},
		want: [][]int{{0, 1, 2}, {3, 4}},
	}, {
		// Defender's alerts in the Activity Log name no one and only the
		// machine's name; the nearest incident of the subscription where
		// someone took control is another's.
		name: "an alert naming a machine joins the attack that created it, not the nearest",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory), sub(subA),
				compute("vmss", "Standard_NC6s_v3", 10, "eastus", vmss(subA, "train-0"), "c1")),
			mk("azure.identity.privileged_role_assignment", alert.High, at(150*time.Minute), principal(eve), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(3*time.Hour), principal(eve), sub(subA),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "rg", "render-01"), "c2")),
			// An instance of train-0 by its computer name; the set by its name.
			mk("azure.defender.mining_alert", alert.High, at(3*time.Hour+time.Minute), sub(subA), hosts("train-0000003")),
			mk("azure.defender.gpu_extension_alert", alert.Low, at(2*time.Hour), sub(subA), hosts("train-0")),
			// A host log names no subscription: the name in any.
			mk("azure.host.miner_process", alert.High, at(3*time.Hour+3*time.Minute), hosts("train-00000a")),
		},
		want: [][]int{{0, 1, 4, 5, 6}, {2, 3}},
	}, {
		// A team names its machines by a scheme: eve's ds-exp-569 of
		// yesterday was deleted and trent made one of the name today.
		// The machine made again is another: trent's alerts on it, and
		// Defender's alert on it after, do not join eve's incident,
		// which an attack on eve's account a few hours later extends.
		name: "a machine made again under the same name by someone else links nothing to the one before",
		alerts: []alert.Alert{
			mk("azure.compute.gpu_created", alert.Low, at(0), principal(eve), sub(subA),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "rg-ml", "ds-exp-569"), "c1")),
			mk("azure.compute.gpu_driver_extension", alert.Low, at(5*time.Minute), principal(eve), sub(subA),
				res(vmOf(subA, "rg-ml", "ds-exp-569")+"/extensions/NvidiaGpuDriverLinux")),
			mk("azure.compute.gpu_created", alert.Low, at(23*time.Hour), principal(trent), sub(subA),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "RG-ML", "DS-EXP-569"), "c2")),
			mk("azure.compute.gpu_driver_extension", alert.Low, at(23*time.Hour+4*time.Minute), principal(trent), sub(subA),
				res(vmOf(subA, "rg-ml", "ds-exp-569")+"/extensions/NvidiaGpuDriverLinux")),
			mk("azure.defender.gpu_extension_alert", alert.Low, at(23*time.Hour+6*time.Minute), sub(subA), res(vmOf(subA, "rg-ml", "ds-exp-569"))),
			mk("azure.signin.azure_ip_not_owned", alert.Medium, at(20*time.Hour), principal(eve), ips("20.42.65.90")),
			// eve made hers again herself: still hers.
			mk("azure.compute.gpu_created", alert.Low, at(21*time.Hour), principal(eve), sub(subA), ips("20.42.65.90"),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "rg-ml", "ds-exp-570"), "c3")),
			mk("azure.compute.gpu_created", alert.Low, at(22*time.Hour), principal(eve), sub(subA), ips("20.42.65.90"),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "rg-ml", "ds-exp-570"), "c4")),
			// mallory installs a driver on trent's new machine: a machine
			// touched, not made again, still links.
			mk("azure.compute.gpu_driver_extension", alert.Low, at(23*time.Hour+8*time.Minute), principal(mallory), sub(subA),
				res(vmOf(subA, "rg-ml", "ds-exp-569")+"/extensions/NvidiaGpuDriverLinux")),
		},
		want: [][]int{{0, 1, 5, 6, 7}, {2, 3, 4, 8}},
	}, {
		// Several tenants' data: a host log read beside both (no folder
		// of one tenant's) names no tenant, only its machine, which one
		// tenant's scale set named: it is that tenant's, and joins its
		// attack. Tenant B's attack at the same hour keeps its own.
		name: "a host alert without a tenant takes the tenant whose alerts name its machine",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory), sub(subA),
				compute("vmss", "Standard_NC6s_v3", 10, "eastus", vmss(subA, "train-0"), "c1")),
			mk("azure.identity.elevate_access", alert.High, at(time.Minute), principal(eve), sub(subB), tenant(tenantB)),
			mk("azure.compute.gpu_created", alert.Medium, at(61*time.Minute), principal(eve), sub(subB), tenant(tenantB),
				compute("vmss", "Standard_NC6s_v3", 10, "eastus", vmss(subB, "render"), "c2")),
			mk("azure.host.miner_process", alert.High, at(2*time.Hour), hosts("train-0000003"), tenant("")),
		},
		want: [][]int{{0, 1, 4}, {2, 3}},
	}, {
		name: "a host alert without a tenant whose machine's name two tenants hold stays alone",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory), sub(subA),
				compute("vmss", "Standard_NC6s_v3", 10, "eastus", vmss(subA, "train-0"), "c1")),
			mk("azure.identity.elevate_access", alert.High, at(time.Minute), principal(eve), sub(subB), tenant(tenantB)),
			mk("azure.compute.gpu_created", alert.Medium, at(61*time.Minute), principal(eve), sub(subB), tenant(tenantB),
				compute("vmss", "Standard_NC6s_v3", 10, "eastus", vmss(subB, "train-0"), "c2")),
			mk("azure.host.miner_process", alert.High, at(2*time.Hour), hosts("train-0000003"), tenant("")),
		},
		want: [][]int{{0, 1}, {2, 3}, {4}},
	}, {
		name: "a machine's name does not cross subscriptions, nor link two resources of that name",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory), sub(subA),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "rg1", "vm-01"), "c1")),
			mk("azure.identity.elevate_access", alert.High, at(90*time.Minute), principal(eve), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(2*time.Hour), principal(eve), sub(subA),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "rg2", "vm-01"), "c2")),
			mk("azure.identity.privileged_role_assignment", alert.High, at(2*time.Hour), principal(trent), sub(subB)),
			mk("azure.compute.gpu_created", alert.Medium, at(2*time.Hour+time.Minute), principal(trent), sub(subB),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subB, "rg", "vm-02"), "c3")),
			// Defender's alert on a vm-01 of subscription B: not A's.
			mk("azure.defender.mining_alert", alert.High, at(2*time.Hour+30*time.Minute), sub(subB), hosts("vm-01")),
		},
		want: [][]int{{0, 1}, {2, 3}, {4, 5, 6}},
	}, {
		// A host log names no subscription. vm-01 is a machine of two
		// attacks, in two subscriptions: the name cannot say which, so it
		// merges neither with the other; the miner joins the nearest.
		name: "a host's name held in two subscriptions joins one incident, not both",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory), sub(subA),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "rg", "vm-01"), "c1")),
			mk("azure.identity.privileged_role_assignment", alert.High, at(90*time.Minute), principal(trent), sub(subB)),
			mk("azure.compute.gpu_created", alert.Medium, at(2*time.Hour), principal(trent), sub(subB),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subB, "rg", "vm-01"), "c2")),
			mk("azure.host.miner_process", alert.High, at(2*time.Hour+10*time.Minute), hosts("vm-01")),
		},
		want: [][]int{{0, 1}, {2, 3, 4}},
	}, {
		name: "a host's name held in another subscription long before is this one's",
		alerts: []alert.Alert{
			mk("azure.compute.gpu_created", alert.Medium, at(-72*time.Hour), principal(trent), sub(subB),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subB, "rg", "vm-01"), "c0")),
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory), sub(subA),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(subA, "rg", "vm-01"), "c1")),
			mk("azure.host.miner_process", alert.High, at(2*time.Hour), hosts("vm-01")),
		},
		want: [][]int{{0}, {1, 2, 3}},
	}, {
		name: "the same principal a month later is a new incident",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory)),
			mk("azure.compute.gpu_created", alert.Medium, at(2*time.Hour), principal(mallory)),
			mk("azure.identity.elevate_access", alert.High, at(30*24*time.Hour), principal(mallory)),
		},
		want: [][]int{{0, 1}, {2}},
	}, {
		name: "a slow attack a step every 20 hours stays one incident over four days",
		alerts: []alert.Alert{
			mk("azure.signin.azure_ip_not_owned", alert.Medium, at(0), principal(mallory)),
			mk("azure.identity.elevate_access", alert.High, at(20*time.Hour), principal(mallory)),
			mk("azure.quota.increase", alert.Medium, at(40*time.Hour), principal(mallory)),
			mk("azure.compute.gpu_created", alert.Medium, at(60*time.Hour), principal(mallory)),
			mk("azure.compute.gpu_created", alert.Medium, at(80*time.Hour), principal(mallory)),
		},
		want: [][]int{{0, 1, 2, 3, 4}},
	}, {
		name: "the gap runs from the incident's latest alert, not from the alert sharing the key",
		alerts: []alert.Alert{
			mk("azure.compute.gpu_created", alert.Medium, at(0), principal(mallory), res(ss)),
			mk("azure.compute.gpu_driver_extension", alert.Medium, at(20*time.Hour), principal(mallory)),
			// Shares only the scale set with the first alert, 40 hours later,
			// but 20 hours after the incident's latest alert.
			mk("azure.compute.mass_deployment", alert.High, at(40*time.Hour), principal("automation-sp"), res(ss)),
		},
		want: [][]int{{0, 1, 2}},
	}, {
		name: "an alert whose events run on keeps the incident open until its last event",
		alerts: []alert.Alert{
			mk("azure.network.mining_pool_connection", alert.High, at(0), principal(mallory), last(at(72*time.Hour))),
			mk("azure.compute.gpu_created", alert.Medium, at(90*time.Hour), principal(mallory)),
		},
		want: [][]int{{0, 1}},
	}, {
		name: "different tenants never merge, even with the same principal, address and resource",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), ips("203.0.113.7"), res(ss)),
			mk("azure.identity.elevate_access", alert.High, at(time.Minute), principal(mallory), ips("203.0.113.7"), res(ss), tenant(tenantB)),
		},
		want: [][]int{{0}, {1}},
	}, {
		name: "a scale set's extension links to the scale set whoever installed it",
		alerts: []alert.Alert{
			mk("azure.compute.gpu_created", alert.Medium, at(0), principal(mallory), res(ss)),
			mk("azure.compute.gpu_driver_extension", alert.Medium, at(time.Hour), principal("automation-sp"),
				res(strings.ToLower(ss)+"/extensions/NvidiaGpuDriverLinux")),
			mk("azure.compute.gpu_created", alert.Medium, at(2*time.Hour), principal("other@contoso.com"), res(vmss(subA, "ss2"))),
		},
		want: [][]int{{0, 1}, {2}},
	}, {
		name: "a shared correlation id links two principals",
		alerts: []alert.Alert{
			mk("azure.compute.gpu_created", alert.Medium, at(0), principal(mallory), compute("vm", "Standard_NC6s_v3", 1, "eastus", "", "corr-9")),
			mk("azure.compute.mass_deployment", alert.High, at(time.Minute), principal("0f0f0f0f-app"), compute("vm", "Standard_NC6s_v3", 1, "eastus", "", "CORR-9")),
		},
		want: [][]int{{0, 1}},
	}, {
		// An attacker's address ties the account it escalated with to the
		// one it deploys with; an office's egress, behind which a whole
		// company works, ties nobody to anybody.
		name: "a public address or a resource shared by a few principals links them, one shared by many does not",
		alerts: func() []alert.Alert {
			as := []alert.Alert{
				mk("azure.identity.elevate_access", alert.High, at(0), principal(eve), ips("20.42.65.90")),
				mk("azure.compute.gpu_created", alert.Low, at(time.Minute), principal(mallory), ips("20.42.65.90")),
			}
			for i := range DefaultSharedBy + 1 {
				as = append(as, mk("azure.quota.increase", alert.Low, at(time.Duration(10+i)*time.Minute),
					principal(fmt.Sprintf("user%d@contoso.com", i)), ips("203.0.113.117")))
			}
			// The vault every team reads; a scale set three touch.
			vault := "/subscriptions/" + subA + "/resourceGroups/app/providers/Microsoft.KeyVault/vaults/kv"
			for i := range DefaultSharedBy + 1 {
				as = append(as, mk("custom.vault_read", alert.Medium, at(time.Duration(30+i)*time.Minute),
					principal(fmt.Sprintf("dev%d@contoso.com", i)), res(vault)))
			}
			set := vmss(subA, "shared-by-three")
			for i := range 3 {
				as = append(as, mk("azure.compute.gpu_driver_extension", alert.Low, at(time.Duration(50+i)*time.Minute),
					principal(fmt.Sprintf("ops%d@contoso.com", i)), res(set+"/extensions/nvidia")))
			}
			return as
		}(),
		want: func() [][]int {
			want := [][]int{{0, 1}}
			for i := range 2 * (DefaultSharedBy + 1) {
				want = append(want, []int{2 + i})
			}
			n := 2 + 2*(DefaultSharedBy+1)
			return append(want, []int{n, n + 1, n + 2})
		}(),
	}, {
		// The tenant's own egress is where its people work from: two
		// people behind it are two people, an outside address ties them.
		name: "the tenant's own public address ties no one",
		alerts: []alert.Alert{
			mk("azure.compute.gpu_created", alert.Low, at(0), principal(eve), ips("203.0.113.104"), owned("203.0.113.104")),
			mk("azure.compute.gpu_created", alert.Low, at(time.Minute), principal(mallory), ips("203.0.113.104"), owned("203.0.113.104")),
			mk("azure.quota.increase", alert.Low, at(2*time.Minute), principal("x@contoso.com"), ips("20.42.65.90")),
			mk("azure.quota.increase", alert.Low, at(3*time.Minute), principal("y@contoso.com"), ips("20.42.65.90", "203.0.113.104"), owned("203.0.113.104")),
		},
		want: [][]int{{0}, {1}, {2, 3}},
	}, {
		// Three accounts, each named by its UPN in one alert and its object
		// id in another: six spellings, three people.
		name: "an address's people are counted by who they are, not how alerts spell them",
		alerts: func() []alert.Alert {
			var as []alert.Alert
			for i := range 3 {
				upn, oid := fmt.Sprintf("acct%d@contoso.com", i), fmt.Sprintf("0000000%d-oid", i)
				as = append(as,
					mk("azure.signin.azure_ip_not_owned", alert.Medium, at(time.Duration(2*i)*time.Minute), principal(upn), ips("20.42.65.90")),
					mk("azure.signin.azure_ip_not_owned.arm", alert.Medium, at(time.Duration(2*i+1)*time.Minute), principal(oid),
						pids(oid, upn), ips("20.42.65.90")))
			}
			return as
		}(),
		want: [][]int{{0, 1, 2, 3, 4, 5}},
	}, {
		name: "a private address links within its subscription only",
		alerts: []alert.Alert{
			mk("azure.network.mining_pool_connection", alert.High, at(0), principal("x"), sub(subA), ips("10.0.0.4")),
			mk("azure.dns.mining_pool_lookup", alert.High, at(time.Minute), principal("y"), sub(subA), ips("10.0.0.4")),
			mk("azure.dns.mining_pool_lookup", alert.High, at(2*time.Minute), principal("z"), sub(subB), ips("10.0.0.4")),
		},
		want: [][]int{{0, 1}, {2}},
	}, {
		name: "platform addresses and provider-wide scopes link nothing",
		alerts: []alert.Alert{
			mk("azure.dns.mining_pool_lookup", alert.High, at(0), principal("x"), sub(subA), ips("168.63.129.16"),
				res("/providers/Microsoft.Authorization/elevateAccess", "/subscriptions/"+subA)),
			mk("azure.dns.mining_pool_lookup", alert.High, at(time.Minute), principal("y"), sub(subA), ips("168.63.129.16"),
				res("/providers/Microsoft.Authorization/elevateAccess", "/subscriptions/"+subA)),
		},
		want: [][]int{{0}, {1}},
	}, {
		name: "mining with no principal and no incident near it stays on its own",
		alerts: []alert.Alert{
			mk("azure.compute.gpu_created", alert.Medium, at(0), principal(mallory), sub(subA)),
			mk("azure.network.mining_pool_connection", alert.High, at(50*time.Hour), sub(subA), ips("198.51.100.23")),
		},
		want: [][]int{{0}, {1}},
	}, {
		name: "an alert that connects to nothing is an incident of its own",
		alerts: []alert.Alert{
			mk("azure.quota.increase", alert.Low, at(0), principal(mallory)),
		},
		want: [][]int{{0}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ins := Build(tc.alerts, Options{})
			var want [][]string
			for _, group := range tc.want {
				var ids []string
				for _, i := range group {
					ids = append(ids, tc.alerts[i].ID)
				}
				slices.Sort(ids)
				want = append(want, ids)
			}
			slices.SortFunc(want, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
			if got := memberSets(ins); !reflect.DeepEqual(got, want) {
				t.Errorf("incidents %v\nwant %v", got, want)
			}
			for _, a := range tc.alerts {
				if !strings.HasPrefix(a.Incident, "inc-") {
					t.Errorf("alert %s names no incident", a.ID)
				}
			}
		})
	}
}

func TestTelemetryStaysApartWhenAsked(t *testing.T) {
	t.Parallel()
	ins := Build(attackChain(), Options{SeparateTelemetry: true})
	// The flow and DNS alerts share 10.0.0.4 in the subscription; the host
	// alert shares nothing.
	if len(ins) != 3 {
		t.Fatalf("got %d incidents %v, want the attack, the network pair and the host alert", len(ins), memberSets(ins))
	}
}

func TestGapOption(t *testing.T) {
	t.Parallel()
	as := []alert.Alert{
		mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory)),
		mk("azure.compute.gpu_created", alert.Medium, at(3*time.Hour), principal(mallory)),
	}
	if n := len(Build(slices.Clone(as), Options{Gap: time.Hour})); n != 2 {
		t.Errorf("a one-hour gap gave %d incidents, want 2", n)
	}
	if n := len(Build(as, Options{})); n != 1 {
		t.Errorf("the default gap gave %d incidents, want 1", n)
	}
}

// TestSharedByOption: how many principals may share an address and still
// be tied by it is the caller's: three accounts behind one address are one
// incident by default, three apart with a limit of two; seven behind an
// egress are seven by default, one with a limit of seven.
func TestSharedByOption(t *testing.T) {
	t.Parallel()
	behind := func(n int, addr string) []alert.Alert {
		var as []alert.Alert
		for i := range n {
			as = append(as, mk("azure.quota.increase", alert.Low, at(time.Duration(i)*time.Minute),
				principal(fmt.Sprintf("user%d@contoso.com", i)), ips(addr)))
		}
		return as
	}
	for _, tc := range []struct {
		people, limit, want int
	}{
		{3, 0, 1}, {3, 2, 3}, {3, 3, 1},
		{DefaultSharedBy + 2, 0, DefaultSharedBy + 2}, {DefaultSharedBy + 2, DefaultSharedBy + 2, 1},
	} {
		if n := len(Build(behind(tc.people, "20.42.65.90"), Options{SharedBy: tc.limit})); n != tc.want {
			t.Errorf("%d principals behind one address, limit %d: %d incidents, want %d", tc.people, tc.limit, n, tc.want)
		}
	}
}

// TestOrderIndependence: shuffled input gives the same incidents, ids
// and all, and every alert names the same incident.
func TestOrderIndependence(t *testing.T) {
	t.Parallel()
	base := attackChain()
	base = append(base,
		mk("azure.identity.privileged_role_assignment", alert.High, at(30*time.Minute), principal(eve), ips("192.0.2.99"), sub(subB)),
		mk("azure.compute.gpu_created", alert.Medium, at(2*time.Hour), principal(eve), sub(subB),
			compute("vm", "Standard_ND96asr_v4", 2, "westus2", "", "c7")),
		mk("azure.identity.elevate_access", alert.High, at(30*24*time.Hour), principal(mallory)),
		mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory), tenant(tenantB)),
		// Same time and rule as another alert: the id breaks the tie.
		mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal("twin@contoso.com"), sub(subB),
			func(a *alert.Alert) { a.ID += "-twin" }),
		// Machines named by Defender's alerts and a host log, one of them
		// a scale set's instance.
		mk("azure.defender.mining_alert", alert.High, at(3*time.Hour), sub(subA), hosts("ss-eastus000004")),
		mk("azure.defender.gpu_extension_alert", alert.Low, at(3*time.Hour+time.Minute), sub(subB), hosts("ss-westus2")),
		mk("azure.host.miner_process", alert.High, at(3*time.Hour+2*time.Minute), hosts("ss-scus000001", "ss-eastus000004")),
	)
	first := slices.Clone(base)
	want := Build(first, Options{})
	wantOf := incidentOf(first, want)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		shuffled := slices.Clone(base)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := Build(shuffled, Options{})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: incidents differ:\n%v\nwant\n%v", round, memberSets(got), memberSets(want))
		}
		for id, inc := range incidentOf(shuffled, got) {
			if wantOf[id] != inc {
				t.Fatalf("round %d: alert %s in %s, want %s", round, id, inc, wantOf[id])
			}
		}
	}
	host, signin := idOf("azure.host.miner_process", at(3*time.Hour+10*time.Minute)), idOf("azure.signin.azure_ip_not_owned", at(0))
	if wantOf[host] != wantOf[signin] {
		t.Errorf("the host alert joined %s, not the attack it follows (%s)", wantOf[host], wantOf[signin])
	}
	if len(want) != 5 {
		t.Errorf("got %d incidents %v, want 5", len(want), memberSets(want))
	}
}

func incidentOf(as []alert.Alert, ins []Incident) map[string]string {
	m := map[string]string{}
	for _, a := range as {
		m[a.ID] = a.Incident
	}
	return m
}

// An incident's id is its tenant's and its first alert's: the same in
// any order, kept when a later alert joins (a service's next cycle), new
// when an earlier one does (a log read late).
func TestIncidentIDIsItsFirstAlerts(t *testing.T) {
	t.Parallel()
	a := mk("azure.quota.increase", alert.Low, at(0), principal(mallory))
	b := mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory))
	one := Build([]alert.Alert{a, b}, Options{})
	two := Build([]alert.Alert{b, a}, Options{})
	first := Build([]alert.Alert{a}, Options{})
	later := Build([]alert.Alert{b}, Options{})
	if len(one) != 1 || one[0].ID != two[0].ID || one[0].ID != first[0].ID || one[0].ID == later[0].ID ||
		!strings.HasPrefix(one[0].ID, "inc-") || len(one[0].ID) != 24 {
		t.Errorf("ids: both %s, reversed %s, the first alone %s, the later alone %s", one[0].ID, two[0].ID, first[0].ID, later[0].ID)
	}
	other := a
	other.Tenant = "another-tenant"
	if Build([]alert.Alert{other}, Options{})[0].ID == first[0].ID {
		t.Error("the same first alert in another tenant gave the same id")
	}
	if Build(nil, Options{}) != nil {
		t.Error("no alerts should give no incidents")
	}
}

func TestResourceKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ id, want string }{
		{"/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachineScaleSets/ss/extensions/x",
			"/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/ss"},
		{"/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachineScaleSets/ss/virtualMachines/3",
			"/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/ss"},
		{"/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Security/x/y",
			"/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm"},
		{"/subscriptions/S/resourceGroups/RG/", "/subscriptions/s/resourcegroups/rg"},
		{"/subscriptions/S", ""},
		{"/", ""},
		{"", ""},
		{"/providers/Microsoft.Authorization/elevateAccess", ""},
		// Quotas are the subscription's settings, not anyone's resource.
		{"/subscriptions/S/providers/Microsoft.Capacity/resourceProviders/Microsoft.Compute/locations/eastus/serviceLimits/f", ""},
		{"/SUBSCRIPTIONS/S/PROVIDERS/MICROSOFT.COMPUTE/LOCATIONS/EASTUS/PROVIDERS/MICROSOFT.QUOTA/QUOTAS/STANDARDDSV5FAMILY", ""},
		{"/subscriptions/S/providers/Microsoft.Compute/locations/eastus/providers/Microsoft.Quota/quotaRequests/r1", ""},
		{"/subscriptions/S/providers/Microsoft.Security/locations/westeurope/alerts/a1",
			"/subscriptions/s/providers/microsoft.security/locations/westeurope/alerts/a1"},
		{"/subscriptions/S/providers/Microsoft.Authorization/roleAssignments/r1",
			"/subscriptions/s/providers/microsoft.authorization/roleassignments/r1"},
	} {
		if got := resourceKey(tc.id); got != tc.want {
			t.Errorf("resourceKey(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
}

func TestIPKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ ip, sub, want string }{
		{"203.0.113.7", "", "203.0.113.7"},
		{"::ffff:203.0.113.7", subA, "203.0.113.7"},
		{"10.0.0.4", "S", "s|10.0.0.4"},
		{"10.0.0.4", "", ""},
		{"100.64.1.2", "s", "s|100.64.1.2"},
		{"168.63.129.16", "s", ""},
		{"169.254.169.254", "s", ""},
		{"127.0.0.1", "s", ""},
		{"not an ip", "s", ""},
		{"2001:db8::1", "", "2001:db8::1"},
	} {
		if got := ipKey(tc.ip, tc.sub); got != tc.want {
			t.Errorf("ipKey(%q, %q) = %q, want %q", tc.ip, tc.sub, got, tc.want)
		}
	}
}

func TestDegenerateAlertsStillNameAnIncident(t *testing.T) {
	t.Parallel()
	as := []alert.Alert{
		{},
		{ID: "x", IPs: []string{"", "::", "not-an-ip", "[2001:db8::1]:443"}, Resources: []string{"", "/", "//providers//"}},
		{ID: "y", Principal: " ", Compute: []alert.Compute{{Count: -5}, {Size: "Standard_NC6s_v3", Count: 1 << 40, Region: "\x00"}}},
		{ID: "z", Time: time.Unix(1<<40, 0), LastTime: time.Unix(0, 0), Principal: "p"},
		{ID: "z2", Time: time.Unix(-1<<40, 0), Principal: "p"},
	}
	ins := Build(as, Options{Gap: time.Duration(1<<63 - 1)})
	if alone := Build([]alert.Alert{{}}, Options{}); alone[0].Title != "Untitled alert" {
		t.Errorf("an alert without title or rule gave title %q", alone[0].Title)
	}
	n := 0
	for _, in := range ins {
		n += len(in.Timeline)
		if in.Title == "" {
			t.Errorf("incident %s has no title", in.ID)
		}
	}
	if n != len(as) {
		t.Errorf("%d alerts in incidents, want %d", n, len(as))
	}
	for _, a := range as {
		if a.Incident == "" {
			t.Errorf("alert %q names no incident", a.ID)
		}
	}
}

// An incident lists the machines its alerts name, once each: what a
// responder isolates.
func TestIncidentListsItsMachines(t *testing.T) {
	t.Parallel()
	as := []alert.Alert{
		mk("azure.compute.gpu_created", alert.Medium, at(0), principal(mallory), sub(subA),
			compute("vmss", "Standard_NC6s_v3", 10, "eastus", vmss(subA, "train-0"), "c1")),
		mk("azure.defender.mining_alert", alert.High, at(time.Hour), sub(subA), hosts("train-0000003")),
		mk("azure.host.miner_process", alert.High, at(time.Hour+time.Minute), hosts("train-0000003", "train-0000004")),
	}
	incs := Build(as, Options{})
	if len(incs) != 1 || !slices.Equal(incs[0].Hosts, []string{"train-0000003", "train-0000004"}) {
		t.Fatalf("incidents %+v, want one listing train-0000003 and train-0000004", incs)
	}
}

// TestMachineNameInManySubscriptionsLinksNothing: a host log names its
// machine only (no subscription). A name that five subscriptions' machines
// held, days apart, is the latest's; one that more held (an AKS node's, a
// template's vm-0, here one deployer's in each) names no machine, as an
// address more than five principals share names no one, and the host's
// alert stays alone.
func TestMachineNameInManySubscriptionsLinksNothing(t *testing.T) {
	t.Parallel()
	for _, n := range []int{DefaultSharedBy, DefaultSharedBy + 1} {
		var as []alert.Alert
		for i := range n {
			s := fmt.Sprintf("%08d-0000-4000-8000-000000000000", i+1)
			as = append(as, mk("azure.compute.gpu_created", alert.Medium, at(time.Duration(i)*72*time.Hour), principal(trent), sub(s),
				compute("vm", "Standard_NC6s_v3", 1, "eastus", vmOf(s, "rg", "vm-0"), fmt.Sprint("c", i))))
		}
		last := as[n-1].Time
		as = append(as, mk("azure.host.miner_process", alert.High, last.Add(2*time.Hour), hosts("vm-0")))
		Build(as, Options{})
		host, latest := as[n].Incident, as[n-1].Incident
		if joined := host == latest; joined != (n <= DefaultSharedBy) {
			t.Errorf("vm-0 in %d subscriptions: the miner's alert joined the latest machine's incident: %v, want %v", n, joined, n <= DefaultSharedBy)
		}
	}
}

// Taking control counts toward a chain only from outside the tenant's own
// addresses: an administrator making a new engineer Contributor from the
// office, the engineer's first VM and the administrator's quota raise are
// onboarding, at the alerts' own levels. The same grant from an address
// that is not the tenant's makes the chain, and lifts the incident.
func TestControlFromTheTenantsOwnAddressesRaisesNothing(t *testing.T) {
	t.Parallel()
	office, outside := "198.51.100.24", "20.42.65.90"
	onboarding := func(from string, own ...string) []alert.Alert {
		return []alert.Alert{
			mk("azure.identity.privileged_role_assignment", alert.Medium, at(0), principal(eve), pids(eve, mallory), sub(subA), ips(from), owned(own...)),
			mk("azure.quota.increase", alert.Low, at(time.Hour), principal(eve), sub(subA), ips(from), owned(own...)),
			mk("azure.compute.first_time_deployer", alert.Medium, at(20*time.Hour), principal(mallory), sub(subA), ips(office), owned(office)),
		}
	}
	for _, c := range []struct {
		name string
		as   []alert.Alert
		want alert.Severity
	}{
		{"the grant from the office", onboarding(office, office), alert.Medium},
		{"the grant from elsewhere", onboarding(outside), alert.High},
		// An alert with no address says nothing of where it came from.
		{"the grant with no address", onboarding(""), alert.High},
	} {
		t.Run(c.name, func(t *testing.T) {
			as := c.as
			if as[0].IPs[0] == "" {
				as[0].IPs, as[1].IPs = nil, nil
			}
			ins := Build(as, Options{})
			if len(ins) != 1 {
				t.Fatalf("%d incidents, want one: %v", len(ins), memberSets(ins))
			}
			if ins[0].Severity != c.want {
				t.Errorf("severity %s, want %s (stages %v)", ins[0].Severity, c.want, ins[0].Stages)
			}
		})
	}
}
