package incident

import (
	"fmt"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// Synthetic values for the tests: tenants, subscriptions, principals and
// addresses from the documentation ranges.
const (
	tenantA = "11111111-1111-1111-1111-111111111111"
	tenantB = "22222222-2222-2222-2222-222222222222"
	subA    = "aaaaaaaa-0000-0000-0000-000000000001"
	subB    = "bbbbbbbb-0000-0000-0000-000000000002"
	mallory = "mallory@contoso.com"
	eve     = "eve@contoso.com"
	trent   = "trent@contoso.com"
)

var t0 = time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// mk is an alert with the fields the grouping reads; the id is derived
// from the rule and time so every alert of a test is distinct.
func mk(rule string, sev alert.Severity, t time.Time, opts ...func(*alert.Alert)) alert.Alert {
	a := alert.Alert{
		ID:       idOf(rule, t),
		Rule:     rule,
		Title:    "title of " + rule,
		Severity: sev,
		Time:     t,
		Tenant:   tenantA,
	}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func idOf(rule string, t time.Time) string {
	return fmt.Sprintf("%s@%d", rule, t.Unix())
}

func principal(p string) func(*alert.Alert) { return func(a *alert.Alert) { a.Principal = p } }
func sub(s string) func(*alert.Alert)       { return func(a *alert.Alert) { a.Subscription = s } }
func tenant(t string) func(*alert.Alert)    { return func(a *alert.Alert) { a.Tenant = t } }
func ips(v ...string) func(*alert.Alert)    { return func(a *alert.Alert) { a.IPs = v } }
func owned(v ...string) func(*alert.Alert)  { return func(a *alert.Alert) { a.OwnedIPs = v } }
func res(v ...string) func(*alert.Alert)    { return func(a *alert.Alert) { a.Resources = v } }
func last(t time.Time) func(*alert.Alert)   { return func(a *alert.Alert) { a.LastTime = t } }
func hosts(v ...string) func(*alert.Alert)  { return func(a *alert.Alert) { a.Hosts = v } }
func pids(v ...string) func(*alert.Alert)   { return func(a *alert.Alert) { a.PrincipalIDs = v } }
func tags(v ...string) func(*alert.Alert)   { return func(a *alert.Alert) { a.Tags = v } }
func stage(s string) func(*alert.Alert)     { return func(a *alert.Alert) { a.Stage = s } }

func compute(service, size string, n int, region, resource, corr string) func(*alert.Alert) {
	return func(a *alert.Alert) {
		a.Compute = append(a.Compute, alert.Compute{Service: service, Size: size, Count: n, Region: region,
			Resource: resource, Operation: corr})
	}
}

func vmss(subscription, name string) string {
	return "/subscriptions/" + subscription + "/resourceGroups/rg-ml/providers/Microsoft.Compute/virtualMachineScaleSets/" + name
}

func vmOf(subscription, group, name string) string {
	return "/subscriptions/" + subscription + "/resourceGroups/" + group + "/providers/Microsoft.Compute/virtualMachines/" + name
}

// attackChain is one cryptojacking attack on tenant A by mallory: a
// sign-in from outside, elevation, a role grant, quota, GPU scale sets in
// three regions, the NVIDIA driver extension (installed by an automation
// identity, linked through the scale set), then mining seen in flows, DNS
// and on a host, which name no principal.
func attackChain() []alert.Alert {
	ss1, ss2, ss3 := vmss(subA, "ss-eastus"), vmss(subA, "ss-westus2"), vmss(subA, "ss-scus")
	return []alert.Alert{
		mk("azure.signin.azure_ip_not_owned", alert.Medium, at(0), principal(mallory), ips("203.0.113.7")),
		mk("azure.identity.elevate_access", alert.High, at(10*time.Minute), principal(mallory), ips("203.0.113.7"),
			res("/providers/Microsoft.Authorization/elevateAccess")),
		mk("azure.identity.privileged_role_assignment", alert.High, at(20*time.Minute), principal(mallory), sub(subA),
			res("/subscriptions/"+subA+"/providers/Microsoft.Authorization/roleAssignments/9f1c0d1e-0000-0000-0000-000000000001")),
		mk("azure.quota.increase", alert.Medium, at(40*time.Minute), principal(mallory), sub(subA),
			res("/subscriptions/"+subA+"/providers/Microsoft.Capacity/resourceProviders/Microsoft.Compute/locations/eastus/serviceLimits/standardNCADSA100v4Family")),
		mk("azure.compute.gpu_created", alert.Medium, at(time.Hour), principal(mallory), sub(subA), ips("203.0.113.7"),
			res(ss1), compute("vmss", "Standard_NC24ads_A100_v4", 40, "eastus", ss1, "corr-1")),
		mk("azure.compute.mass_deployment", alert.High, at(time.Hour+5*time.Minute), principal(mallory), sub(subA),
			res(ss1), compute("vmss", "Standard_NC24ads_A100_v4", 40, "eastus", ss1, "corr-1")),
		mk("azure.compute.multi_region_fanout", alert.High, at(time.Hour+10*time.Minute), principal(mallory), sub(subA),
			res(ss2, ss3), compute("vmss", "Standard_NC24ads_A100_v4", 20, "westus2", ss2, "corr-2"),
			compute("vmss", "Standard_NC24ads_A100_v4", 20, "southcentralus", ss3, "corr-3")),
		mk("azure.compute.gpu_driver_extension", alert.Medium, at(time.Hour+30*time.Minute), principal("automation-sp"), sub(subA),
			res(ss1+"/extensions/NvidiaGpuDriverLinux")),
		mk("azure.network.mining_pool_connection", alert.High, at(3*time.Hour), sub(subA), ips("10.0.0.4", "198.51.100.23"),
			res("/subscriptions/"+subA+"/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/nw/flowLogs/fl")),
		mk("azure.dns.mining_pool_lookup", alert.High, at(3*time.Hour+5*time.Minute), sub(subA), ips("10.0.0.4")),
		mk("azure.host.miner_process", alert.High, at(3*time.Hour+10*time.Minute)),
	}
}
