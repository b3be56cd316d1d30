package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// attackerIPs are addresses inside AzureCloud (data/servicetags) the tenant
// does not own: an attacker's VM in another tenant.
var attackerIPs = []string{"20.42.64.17", "20.42.64.45", "20.42.65.90"}

// farRegions are where attackers find idle GPU capacity; a tenant's own
// regions are removed before one is picked.
var farRegions = []string{"eastus", "southcentralus", "japaneast", "westus3", "brazilsouth", "koreacentral", "centralindia", "canadacentral"}

// otherRegions returns n regions the tenant does not use, in a seeded order,
// preferring ones no other injection took. Each use is recorded, so inject
// can tell which attacks' regions are still new when they run.
func (g *gen) otherRegions(n int) []string {
	var free, taken []string
	for _, r := range farRegions {
		switch {
		case slices.Contains(g.t.Regions, r):
		case len(g.claimed[r]) > 0:
			taken = append(taken, r)
		default:
			free = append(free, r)
		}
	}
	g.r.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	out := append(free, taken...)[:n]
	for _, r := range out {
		g.claimed[r] = append(g.claimed[r], g.cur)
	}
	return out
}

// principalIDs are the ids an alert may name a person by, lower case.
func principalIDs(p person) []string { return []string{strings.ToLower(p.UPN), strings.ToLower(p.OID)} }

// gpuChain is the full GPU cryptojacking chain: a Global Administrator's
// stolen session invites a guest, elevates access and makes the guest Owner;
// the guest signs in with one factor from Azure, raises GPU quota in three
// far regions, fails once on quota, builds spot scale sets of NVIDIA's or
// AMD's GPUs with their driver, and the instances resolve a pool and mine
// (its kit drawn: miners.go).
func (g *gen) gpuChain(at time.Time) Attack {
	t := g.t
	admin := t.People[t.Admin]
	ip := pick(g.r, attackerIPs)
	name := pick(g.r, firstNames) + "." + pick(g.r, lastNames)
	partner := pick(g.r, []string{"partner", "consult", "vendorlabs", "extsupport"})
	guest := person{Name: name, UPN: fmt.Sprintf("%s_%s.example#EXT#@%s", name, partner, t.Domain), OID: guid(g.r), Guest: true}
	a := Attack{Start: at, Principals: append(principalIDs(admin), principalIDs(guest)...), Resources: []string{strings.ToLower(t.FirewallID)}}
	kit := g.minerKit()

	g.signIn(at, signin{UPN: admin.UPN, OID: admin.OID, IP: ip, App: "Azure Portal", AppID: appPortal, MFA: true, Risk: "medium", RiskState: "atRisk", Country: "US"})
	now := at.Add(3*time.Minute + g.jitter(time.Minute))
	g.audit(now, admin, ip, "Invite external user", "UserManagement", "Add", "Invited Users", guest,
		[]any{map[string]any{"key": "invitedUserEmailAddress", "value": name + "@" + partner + ".example"}})
	now = now.Add(2*time.Minute + g.jitter(time.Minute))
	corr, adm := guid(g.r), g.user(admin, ip, true)
	g.rest(now, adm, "Microsoft.Authorization/elevateAccess/action", "/providers/Microsoft.Authorization", "Started", corr)
	g.rest(now.Add(800*time.Millisecond), adm, "Microsoft.Authorization/elevateAccess/action", "/providers/Microsoft.Authorization", "Succeeded", corr)
	// Entra ID's audit log records the elevation too (Learn: "Elevate
	// access to manage all Azure subscriptions", its Directory Audit log
	// entry); its ids come from the woken machines' stream, which the
	// benign history has finished with, so the attack's other records stay
	// as they were.
	restore := g.drawFrom(g.wk)
	g.audit(now.Add(2*time.Second), admin, ip, "User has elevated their access to User Access Administrator for their Azure Resources",
		"AzureRBACRoleManagementElevateAccess", "Assign", "Azure RBAC (Elevated Access)", admin, nil)
	restore()
	now = now.Add(2*time.Minute + g.jitter(time.Minute))
	g.assignRole(now, adm, roleOwner, guest.OID)

	// The guest takes over from here.
	now = now.Add(5*time.Minute + g.jitter(5*time.Minute))
	g.signIn(now, signin{UPN: guest.UPN, OID: guest.OID, IP: ip, App: "Microsoft Azure CLI", AppID: appCLI, Risk: "high", RiskState: "atRisk", Guest: true, Country: "US"})
	ga := actor{UPN: guest.UPN, OID: guest.OID, AppID: appCLI, Name: name, IP: ip}
	regions := g.otherRegions(4)
	size := pick(g.r, []string{"Standard_NC24ads_A100_v4", "Standard_NC48ads_A100_v4", "Standard_NC24s_v3"})
	// The pool: drawn from the flows' stream, so that the rest of a seed's
	// records stay what they were before flow logs were simulated.
	ep := g.poolEndpoint(pick(g.fr, []string{"fr.moneroocean.stream", "pool.supportxmr.com", "xmr-eu1.nanopool.org"}), 0)
	family := map[string]string{"Standard_NC24ads_A100_v4": "StandardNCADSA100v4Family", "Standard_NC48ads_A100_v4": "StandardNCADSA100v4Family", "Standard_NC24s_v3": "standardNCSv3Family"}[size]
	// One in five mines through its own proxy, reached by its address.
	if g.mnr.IntN(5) == 0 {
		ep = proxyEndpoint(g.mnr)
	}
	// A third of the attackers find AMD's Instinct machines free instead:
	// no Azure extension installs AMD's driver on Linux, so it goes on the
	// hosts as they boot, and the miner computes through OpenCL.
	dev := devCUDA
	if g.mnr.IntN(3) == 0 {
		dev = devOpenCL
		size, family = pick(g.mnr, []string{"Standard_ND96isr_MI300X_v5", "Standard_ND96is_MI300X_v5"}), "standardNDISv5MI300XFamily"
	}
	// A third take Windows' GPU sizes (windows.go).
	windows := g.drawWindows(&a)
	coin := false
	if windows {
		kit, ep, coin = g.coinKit(kit, dev, ep)
		size, family = g.windowsSize(dev)
	}
	body := func(loc, size string, capacity int, priority string, exts []any) map[string]any {
		return withOS(vmssBody(loc, size, capacity, priority, exts), windows, "train")
	}
	// First it tries where the capacity is, as attackers do, and each
	// region and family it tries refuses on quota: the first sizes it
	// reaches for in three of the regions, then two other GPU families.
	// Ids and times from the woken machines' stream, which the benign
	// history has finished with, so the attack's other records stay as
	// they were.
	restore = g.drawFrom(g.wk)
	other := struct{ size, family string }{"Standard_NC4as_T4_v3", "standardNCASv3_T4Family"}
	if family == other.family { // a Windows chain of T4 machines tries A10s
		other.size, other.family = "Standard_NV36ads_A10_v5", "StandardNVADSA10v5Family"
	}
	probes := []struct{ loc, size, family string }{
		{regions[0], size, family}, {regions[1], size, family}, {regions[2], size, family},
		{regions[0], "Standard_ND96asr_v4", "standardNDASv4_A100Family"}, {regions[1], other.size, other.family},
	}
	for i, pr := range probes {
		now = now.Add(20*time.Second + g.jitter(40*time.Second))
		id := t.rg("gpu-"+pr.loc) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/" + strings.ToUpper(fmt.Sprintf("probe-%d", i))
		g.arm(now, ga, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", id, armOpts{Body: body(pr.loc, pr.size, 20, "Spot", nil), Loc: pr.loc, Fail: quotaRefusal(pr.family, pr.loc, 480)})
		a.Resources = append(a.Resources, strings.ToLower(id))
	}
	restore()
	for _, loc := range regions[:3] {
		now = now.Add(time.Minute + g.jitter(3*time.Minute))
		g.quota(now, ga, loc, family, 960)
	}
	// The fourth region has no quota: the create fails, as Azure words it.
	now = now.Add(2 * time.Minute)
	fail := quotaRefusal(family, regions[3], 480)
	failID := t.rg("gpu-"+regions[3]) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/TRAIN-" + strings.ToUpper(regions[3])
	g.arm(now, ga, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", failID, armOpts{Body: body(regions[3], size, 20, "Spot", nil), Loc: regions[3], Fail: fail})
	a.Resources = append(a.Resources, strings.ToLower(failID))
	resolved := false
	// Half the attackers leave the driver extension out (the Activity Log
	// then shows nothing of the driver) and install it as the instances
	// boot. On Linux AMD's driver has no extension; on Windows it has, for
	// some of AMD's sizes (windowsHostDriver).
	hostDriver := g.drv.IntN(2) == 0
	if windows {
		hostDriver = windowsHostDriver(size, hostDriver)
	} else {
		hostDriver = hostDriver || dev == devOpenCL
	}
	for i, loc := range regions[:3] {
		now = now.Add(time.Minute + g.jitter(2*time.Minute))
		rid := t.rg("gpu-"+loc) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/" + strings.ToUpper(fmt.Sprintf("train-%d", i))
		net := g.attackNetwork(now, a.Start, ga, "gpu-"+loc, fmt.Sprintf("train-%d", i), loc)
		end := g.arm(now, ga, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", rid, armOpts{Body: body(loc, size, 20, "Spot", []any{}), Loc: loc, Accept: true})
		if i == 0 {
			g.computeAlert(&a, now, ga, ip)
		}
		if !hostDriver {
			extAt := end.Add(time.Minute + g.jitter(time.Minute))
			typ, version := driverExtension(windows, dev)
			end = g.arm(extAt, ga, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/WRITE", rid+"/EXTENSIONS/"+strings.ToUpper(typ),
				armOpts{Body: extBody(loc, "Microsoft.HpcCompute", typ, version, nil), Loc: loc, Accept: true})
			g.extensionAlert(&a, extAt, rid)
		}
		a.Resources = append(a.Resources, strings.ToLower(rid))
		// The instances come up, resolve the pool and start the miner.
		host := fmt.Sprintf("train-%d%06d", i, 3+g.r.IntN(20))
		g.setWindows(host, rid, windows)
		up := end.Add(4*time.Minute + g.jitter(4*time.Minute))
		src := fmt.Sprintf("10.%d.0.%d", 40+i, 4+g.r.IntN(20))
		if ep.named() {
			resolved = g.lookup(up, net, src, ep.host+".") || resolved
		}
		if hostDriver {
			g.driverExec(up.Add(-time.Minute), host, true, dev)
		}
		pid := 1900 + g.r.IntN(100)
		var args []string
		if coin {
			args = kit.coinArgs(g.win, ep)
		} else {
			args = kit.argsIn(minersOn(windows), g.mnr, ep, dev)
		}
		g.attackerExec(up.Add(2*time.Second), host, pid, 1877, 0, args)
		g.minerAlert(&a, up.Add(2*time.Second), rid, host)
		a.extend(up.Add(2 * time.Second))
		a.extend(g.minerFlows(up, net, src, ep))
	}
	a.MustFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm", "azure.signin.risky_then_quota_or_compute",
		"azure.identity.elevate_access", "azure.identity.elevate_access.audit", "azure.identity.privileged_role_assignment", "azure.identity.new_account_privileged",
		"azure.quota.increase.gpu", "azure.quota.increase_burst",
		"azure.compute.quota_exceeded_failures", "azure.compute.quota_exceeded_failures.regions",
		"azure.compute.gpu_created", "azure.compute.mass_deployment", "azure.compute.multi_region_fanout", "azure.compute.new_region",
		"azure.compute.first_time_deployer",
		// 80 machines of one to eight GPUs and 24 vCPUs or more each, the
		// quota failure's request among them.
		"azure.compute.gpu_volume", "azure.compute.vcpu_volume",
	}
	a.driver(hostDriver, g.agents)
	a.minerProcess(g.agents, kit)
	a.expectDefender(g.agents, "azure.defender.mining_alert", "azure.defender.compute_creation_alert")
	if !hostDriver {
		a.expectDefender(g.agents, "azure.defender.gpu_extension_alert")
	}
	a.poolLookup(ep, resolved)
	a.poolFlow(ep)
	return a
}

// gpuTwin is the data-science team's quarterly training run: its usual
// principal, MFA from the office, a GPU quota raise and an A100 scale set
// with the NVIDIA driver in its usual region.
func (g *gen) gpuTwin(at time.Time) Attack {
	t := g.t
	p := g.latest(t.DS, at)
	ip := t.office(g.r)
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.FirewallID)}}
	g.signIn(at, signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Azure Portal", AppID: appPortal, MFA: true})
	ua := g.user(p, ip, true)
	// A third of the teams run their quarterly work on Windows machines
	// (windows.go): rendering on A10s, the Windows driver extension in
	// the scale set, as Azure's guide for them gives it.
	windows := g.drawWindows(&a)
	size, family, capacity, ext, work := "Standard_NC24ads_A100_v4", "StandardNCADSA100v4Family", 16, "NvidiaGpuDriverLinux",
		[]string{"/usr/bin/python3", "-m", "torch.distributed.run", "--nproc-per-node", "1", "train.py", "--config", "q-run.yaml"}
	if windows {
		size, family, capacity, ext = "Standard_NV36ads_A10_v5", "StandardNVADSA10v5Family", 10, "NvidiaGpuDriverWindows"
		work = []string{`C:\Program Files\Blender Foundation\Blender 4.2\blender.exe`, "-b", `\\files\shots\q-reel.blend`, "-o", `\\files\renders\q-reel_####`, "-a"}
	}
	now := g.quota(at.Add(10*time.Minute+g.jitter(10*time.Minute)), ua, t.DSRegion, family, 384)
	loc := t.DSRegion
	rid := t.rg("ml-training") + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/QUARTERLY-TRAIN"
	driver := map[string]any{"name": ext, "properties": map[string]any{"publisher": "Microsoft.HpcCompute", "type": ext, "typeHandlerVersion": "1.9"}}
	body := withOS(vmssBody(loc, size, capacity, "Regular", []any{driver}), windows, "quarterly")
	now = g.arm(now.Add(20*time.Minute), ua, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", rid, armOpts{Body: body, Loc: loc, Accept: true})
	a.Resources = []string{strings.ToLower(rid)}
	upgrade := g.drv.IntN(2) == 0 // the team updates the driver on its machines first
	for i := range 3 {
		host := fmt.Sprintf("quarterly%06d", i)
		g.setWindows(host, rid, windows)
		up := now.Add(5*time.Minute + g.jitter(5*time.Minute))
		if upgrade {
			g.driverExec(up.Add(-2*time.Minute), host, false, devCUDA)
		}
		g.dns(up, fmt.Sprintf("10.%d.2.%d", 20, 10+i), "huggingface.co.")
		g.exec(up.Add(time.Minute), host, 2100+i, 1, 1000, work)
		if upgrade {
			g.twinAlert(up.Add(-2*time.Minute), rid, host)
		}
		a.extend(up.Add(time.Minute))
	}
	a.MustNotFire = slices.Clone(gpuTwinQuiet)
	return a
}

// gpuTwinQuiet are the rules a data-science team's routine GPU work
// (the GPU chain's and the slow attack's twins) must leave quiet: only the
// activity signals (GPU created, driver installed, quota raised) may fire.
var gpuTwinQuiet = []string{
	"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm", "azure.signin.risky_then_quota_or_compute",
	"azure.identity.elevate_access", "azure.identity.new_account_privileged", "azure.quota.increase_burst",
	"azure.compute.mass_deployment", "azure.compute.multi_region_fanout", "azure.compute.new_region", "azure.compute.first_time_deployer",
	"azure.compute.unusual_service", "azure.compute.gpu_driver_extension.first_by_principal", "azure.compute.gpu_driver_extension.many_machines",
	"azure.dns.mining_pool_lookup", "azure.host.miner_process", "azure.network.mining_pool_connection",
	"azure.defender.mining_alert", "azure.defender.compute_creation_alert", "azure.defender.gpu_extension_alert",
	// A team's largest work stays under the GPU and vCPU sums.
	"azure.compute.gpu_volume", "azure.compute.gpu_volume.day", "azure.compute.gpu_volume.tenant",
	"azure.compute.vcpu_volume", "azure.compute.vcpu_volume.day", "azure.compute.vcpu_volume.tenant",
}

// quotaRefusal is the error of a create refused on a family's quota in
// loc, as Azure words it.
func quotaRefusal(family, loc string, cores int) map[string]any {
	return map[string]any{"error": map[string]any{"code": "OperationNotAllowed", "message": fmt.Sprintf("Operation could not be completed as it results in exceeding approved %s Cores quota. Additional details - Deployment Model: Resource Manager, Location: %s, Current Limit: 0, Current Usage: 0, Additional Required: %d, (Minimum) New Limit Required: %d. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/ by specifying parameters listed in the ‘Details’ section for deployment to succeed.", family, loc, cores, cores)}}
}
