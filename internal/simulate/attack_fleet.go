package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The fleet attack: three stolen accounts, five 8-GPU VMs each, 40 GPUs a
// principal in the hour against gpu_volume's 48, 120 in the tenant
// against gpu_volume.tenant's 96; a driver extension on every VM of the
// first two, five a principal against gpu_driver_extension.many_machines'
// five, and NVIDIA's image, driver and all, for the third's.
const (
	fleetPrincipals = 3
	fleetVMs        = 5
	fleetSize       = "Standard_ND96asr_v4"
)

// fleetWindows is the Windows fleet's (windows.go): ten four-GPU T4
// machines a principal, the same 40 GPUs, 640 vCPUs; ten drivers.
var fleetWindows = struct {
	size string
	vms  int
}{"Standard_NC64as_T4_v3", 10}

// listedPools are pools mining-pool intelligence lists as confirmed
// (data/mining/pools.csv): the attacks mine on one of them.
var listedPools = []string{"gulf.moneroocean.stream", "pool.supportxmr.com", "xmr-eu1.nanopool.org"}

// candidatePools are pools mining-pool intelligence lists only as
// candidates (data/mining/pools.csv, confidence candidate): a miner on one
// is seen by azure.dns.mining_pool_lookup.candidate, not by the confirmed
// lookup rule.
var candidatePools = []string{"alphablockmonero.xyz"}

// gpuFleet is an attacker holding several stolen developers' passwords,
// used from an Azure address the tenant does not own, who splits its GPU
// machines among them so that no one principal's hour passes the GPU sum:
// each builds five single GPU VMs in a region of the tenant's, whose
// machines sit in the tenant's spoke network, installs the NVIDIA driver
// extension on each and mines on a pool only listed as a candidate. The
// tenant's hour gives it away (gpu_volume.tenant), and the first two
// principals' drivers (gpu_driver_extension.many_machines); the third
// makes its machines from NVIDIA's image, which carries the driver
// (gpu_driver_image). A third build Windows machines (fleetWindows), the
// third account's from the Windows Data Science VM's image.
func (g *gen) gpuFleet(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.fleet)
	defer restore()
	ip := pick(g.r, attackerIPs)
	loc := t.Regions[len(t.Regions)-1]
	net := g.spoke(loc)
	ep := g.poolEndpoint(pick(g.r, candidatePools), 0)
	devs := t.developers()
	a := Attack{Start: at, Resources: []string{strings.ToLower(t.FirewallID)}}
	kit := g.minerKit()
	size, vms, driver, base, withDriver := fleetSize, fleetVMs, "NvidiaGpuDriverLinux", ubuntuImage, nvidiaImage
	windows := g.drawWindows(&a)
	if windows {
		size, vms, driver, base, withDriver = fleetWindows.size, fleetWindows.vms, "NvidiaGpuDriverWindows", windowsImage, dsvmWindowsImage
	}
	now, resolved := at, false
	for j, k := range g.r.Perm(len(devs))[:fleetPrincipals] {
		p := devs[k]
		a.Principals = append(a.Principals, principalIDs(p)...)
		ua := g.stolenCLI(now, p, ip, false)
		now = now.Add(2*time.Minute + g.jitter(time.Minute))
		for i := range vms {
			name := fmt.Sprintf("render-%d%d-%04d", j, i, g.r.IntN(10000))
			rid := t.vmID("render-"+loc, name)
			g.deploys[ua.OID] = append(g.deploys[ua.OID], now)
			// The last account's machines are from an image that carries
			// the driver: no extension is written for them.
			fromImage := j == fleetPrincipals-1
			img := base
			if fromImage {
				img = withDriver
			}
			end := g.arm(now, ua, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", rid, armOpts{Body: vmBodyFrom(loc, size, img), Loc: loc, Accept: true})
			if !fromImage {
				ext := end.Add(30*time.Second + g.jitter(30*time.Second))
				end = g.arm(ext, ua, "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE", rid+"/EXTENSIONS/"+strings.ToUpper(driver),
					armOpts{Body: extBody(loc, "Microsoft.HpcCompute", driver, "1.6", nil), Loc: loc, Accept: true})
				if j == 0 && i == 0 {
					g.extensionAlert(&a, ext, rid)
				}
			}
			if j == 0 && i == 0 {
				g.computeAlert(&a, now, ua, ip)
			}
			a.Resources = append(a.Resources, strings.ToLower(rid))
			up := end.Add(3*time.Minute + g.jitter(2*time.Minute))
			src := fmt.Sprintf("10.%d.%d.%d", 30+len(t.Regions), 6+j, 10+i)
			resolved = g.lookup(up, net, src, ep.host+".") || resolved
			g.setWindows(name, rid, windows)
			g.attackerExec(up.Add(2*time.Second), name, 1900+g.r.IntN(100), 1877, 0, kit.argsIn(minersOn(windows), g.mnr, ep, devCUDA))
			g.minerAlert(&a, up.Add(2*time.Second), rid, name)
			a.extend(up.Add(2 * time.Second))
			a.extend(g.minerFlows(up, net, src, ep))
			now = now.Add(time.Minute + g.jitter(time.Minute))
		}
	}
	a.MustFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm",
		"azure.compute.gpu_created", "azure.compute.first_time_deployer",
		"azure.compute.gpu_driver_extension.many_machines", "azure.compute.gpu_volume.tenant",
		"azure.compute.gpu_driver_image",
	}
	a.driver(false, g.agents)
	a.minerProcess(g.agents, kit)
	a.expectDefender(g.agents, "azure.defender.mining_alert", "azure.defender.compute_creation_alert", "azure.defender.gpu_extension_alert")
	a.expect("azure.dns.mining_pool_lookup.candidate", resolved, "the miners resolved their pool through no DNS the tenant logs")
	a.poolFlow(ep)
	return a
}

// gpuFleetTwin is the data-science team's hackathon: three of its people,
// MFA from the office, each build a large and a small GPU VM with the
// driver in the team's region within the hour (the third from Azure's HPC
// image, which carries it): several principals, large GPU machines and
// drivers at once, 27 GPUs in all.
func (g *gen) gpuFleetTwin(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.fleet)
	defer restore()
	a := Attack{Start: at, Resources: []string{strings.ToLower(t.FirewallID)}}
	now := at
	for n, d := range t.DS[:min(3, len(t.DS))] {
		p := t.People[d]
		ip := t.office(g.r)
		g.signIn(now, signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Azure Portal", AppID: appPortal, MFA: true})
		a.Principals = append(a.Principals, principalIDs(p)...)
		ua := g.user(p, ip, true)
		for _, size := range []string{"Standard_ND96asr_v4", "Standard_NC24ads_A100_v4"} {
			now = now.Add(3*time.Minute + g.jitter(2*time.Minute))
			name := fmt.Sprintf("hack-%s-%03d", strings.Split(p.Name, ".")[0], g.r.IntN(1000))
			build := g.gpuVM
			if n == 2 { // the third makes hers from Azure's HPC image, driver and all
				build = g.hpcVM
			}
			end := build(now, ua, name, size, false)
			a.Resources = append(a.Resources, strings.ToLower(t.rg("ml-training")+"/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/"+strings.ToUpper(name)))
			a.extend(end)
		}
	}
	a.MustNotFire = slices.Clone(gpuTwinQuiet)
	return a
}
