package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// pacedSets is how many scale sets the paced attack builds, one an hour
// and more apart; pacedSize and pacedCapacity what each holds: 5 × 8 GPUs,
// 40 an hour against gpu_volume's 48, 200 over the day against
// gpu_volume.day's 128. On Windows (windows.go), 10 × 4 T4s
// (pacedWindows), a size Azure's Windows GPU driver supports: the same
// GPUs, 640 vCPUs an hour against vcpu_volume's 1,024.
const (
	pacedSets     = 5
	pacedSize     = "Standard_ND96asr_v4"
	pacedCapacity = 5
)

// pacedWindows is the Windows attack's scale set: size, quota family,
// capacity and each machine's vCPUs.
var pacedWindows = struct {
	size, family    string
	capacity, vcpus int
}{"Standard_NC64as_T4_v3", "standardNCASv3_T4Family", 10, 64}

// pacedEvades are the per-hour rules the paced attack stays under.
var pacedEvades = []string{
	"azure.compute.gpu_volume", "azure.compute.gpu_volume.tenant", "azure.compute.vcpu_volume",
	"azure.compute.mass_deployment", "azure.compute.multi_region_fanout", "azure.quota.increase_burst",
	"azure.compute.quota_exceeded_failures", "azure.compute.gpu_driver_extension.many_machines",
}

// pacedGPUDay is a stolen developer's password-only account, used from an
// Azure address the tenant does not own, that knows the hourly sums: it
// raises A100 quota in one far region, then builds a scale set of five
// 8-GPU machines a little over each hour, so that no hour holds two, and
// mines on each. The day's sum of GPUs gives it away (gpu_volume.day).
// A third build Windows machines (pacedWindows).
func (g *gen) pacedGPUDay(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.wk) // its own stream: the other scenarios' records stay as they were
	defer restore()
	ip := pick(g.r, attackerIPs)
	p := pick(g.r, t.developers()) // a developer
	ua := g.stolenCLI(at, p, ip, false)
	loc := g.otherRegions(1)[0]
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.FirewallID)}}
	kit := g.minerKit()
	size, family, capacity, vcpus := pacedSize, "standardNDASv4_A100Family", pacedCapacity, 96
	windows := g.drawWindows(&a)
	if windows {
		w := pacedWindows
		size, family, capacity, vcpus = w.size, w.family, w.capacity, w.vcpus
	}
	now := g.quota(at.Add(4*time.Minute+g.jitter(4*time.Minute)), ua, loc, family, pacedSets*capacity*vcpus)
	pool := pick(g.r, listedPools)
	ep := g.poolEndpoint(pool, 0)
	resolved := false
	for i := range pacedSets {
		// 65 to 75 minutes apart: no window of an hour holds two sets.
		at := now.Add(5 * time.Minute)
		if i > 0 {
			at = now.Add(65*time.Minute + g.jitter(10*time.Minute))
		}
		rid := t.rg("gpu-"+loc) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/" + strings.ToUpper(fmt.Sprintf("batch-%d", i))
		net := g.attackNetwork(at, a.Start, ua, "gpu-"+loc, fmt.Sprintf("batch-%d", i), loc)
		body := withOS(vmssBody(loc, size, capacity, "Spot", []any{}), windows, "batch")
		g.arm(at, ua, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", rid, armOpts{Body: body, Loc: loc, Accept: true})
		now = at
		a.Resources = append(a.Resources, strings.ToLower(rid))
		up := at.Add(5*time.Minute + g.jitter(4*time.Minute))
		src := fmt.Sprintf("10.%d.5.%d", 60+i, 4+g.r.IntN(20))
		resolved = g.lookup(up, net, src, pool+".") || resolved
		host := fmt.Sprintf("batch-%d%06d", i, g.r.IntN(capacity))
		g.setWindows(host, rid, windows)
		g.attackerExec(up.Add(2*time.Second), host, 1900+g.r.IntN(100), 1877, 0, kit.argsIn(minersOn(windows), g.mnr, ep, devCUDA))
		g.minerAlert(&a, up.Add(2*time.Second), rid, host)
		a.extend(up.Add(2 * time.Second))
		a.extend(g.minerFlows(up, net, src, ep))
	}
	a.MustFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm",
		"azure.quota.increase.gpu", "azure.compute.gpu_created", "azure.compute.first_time_deployer",
		"azure.compute.new_region", "azure.compute.gpu_volume.day",
	}
	a.Evades = slices.Clone(pacedEvades)
	a.Note = fmt.Sprintf("%d scale sets of %d × %s, one a little over each hour: under the hourly sums, over the day's", pacedSets, capacity, size)
	a.mined(g.agents, kit, ep, resolved)
	return a
}

// pacedGPUDayTwin is a data scientist's sweep: MFA from the office, a
// scale set of one 8-GPU machine every hour and a half of the working day
// in the team's region, 40 GPUs in all: the most a team asks for in a day
// (gpu_volume.day's calibration), with its own daily work beside it.
func (g *gen) pacedGPUDayTwin(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.wk)
	defer restore()
	p := t.People[t.DS[g.r.IntN(len(t.DS))]]
	ip := t.office(g.r)
	g.signIn(at, signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Microsoft Azure CLI", AppID: appCLI, MFA: true})
	ua := g.user(p, ip, true)
	loc := t.DSRegion
	a := Attack{Start: at, Principals: principalIDs(p)}
	now := at
	for i := range 5 {
		now = now.Add(90*time.Minute + g.jitter(10*time.Minute))
		rid := t.rg("ml-training") + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/" + strings.ToUpper(fmt.Sprintf("sweep-%d", i))
		end := g.arm(now, ua, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", rid, armOpts{Body: vmssBody(loc, pacedSize, 1, "Regular", []any{}), Loc: loc, Accept: true})
		a.Resources = append(a.Resources, strings.ToLower(rid))
		g.exec(end.Add(5*time.Minute), fmt.Sprintf("sweep-%d%06d", i, 0), 2600+i, 1, 1000, []string{"/usr/bin/python3", "sweep.py", "--trial", fmt.Sprint(i)})
		a.extend(end.Add(5 * time.Minute))
	}
	a.MustNotFire = slices.Clone(gpuTwinQuiet)
	return a
}
