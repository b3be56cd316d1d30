package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// slowSteps is how many days (one region each) the slow scenarios take.
const slowSteps = 3

// stepGap is the time between the slow scenarios' steps: a day, or eight
// hours when the simulation ends too soon for a day each; both stay far
// outside the hour the burst rules look at.
func (g *gen) stepGap(at time.Time) time.Duration {
	end := g.opt.Start.AddDate(0, 0, g.opt.Days)
	if at.Add((slowSteps-1)*24*time.Hour + 3*time.Hour).After(end) {
		return 8 * time.Hour
	}
	return 24 * time.Hour
}

// slowEvades are the per-hour rules the slow attack stays under.
var slowEvades = []string{
	"azure.quota.increase_burst", "azure.compute.mass_deployment", "azure.compute.multi_region_fanout",
	"azure.compute.gpu_driver_extension.many_machines",
	"azure.compute.quota_exceeded_failures", "azure.compute.quota_exceeded_failures.regions",
}

// slowAttack is the GPU chain spread out to stay under every per-hour
// threshold: a guest made Owner through the stolen admin session raises
// GPU quota in one far region a day and builds one small Spot scale set
// there with the NVIDIA driver; no quota failure, no second region within
// the hour, a few instances at a time.
func (g *gen) slowAttack(at time.Time) Attack {
	t := g.t
	ip := pick(g.r, attackerIPs)
	admin, guest, _, now := g.guestOwner(at, ip)
	a := Attack{Start: at, Principals: append(principalIDs(admin), principalIDs(guest)...), Resources: []string{strings.ToLower(t.FirewallID)}}
	kit := g.minerKit()
	ga := actor{UPN: guest.UPN, OID: guest.OID, AppID: appCLI, Name: guest.Name, IP: ip}
	regions := g.otherRegions(slowSteps)
	gap := g.stepGap(at)
	size, family := "Standard_NC24ads_A100_v4", "StandardNCADSA100v4Family"
	// A third build Windows machines (windows.go): T4s, whose four fit the
	// same 96 cores of quota.
	windows := g.drawWindows(&a)
	if windows {
		size, family = "Standard_NC16as_T4_v3", "standardNCASv3_T4Family"
	}
	driver, version := driverExtension(windows, devCUDA)
	pool := pick(g.r, listedPools)
	ep := g.poolEndpoint(pool, 0)
	resolved := false
	for i, loc := range regions {
		day := now.Add(10*time.Minute + time.Duration(i)*gap + g.jitter(20*time.Minute))
		s := signin{UPN: guest.UPN, OID: guest.OID, IP: ip, App: "Microsoft Azure CLI", AppID: appCLI, Guest: true, Country: "US"}
		if i == 0 {
			s.Risk, s.RiskState = "high", "atRisk"
		}
		g.signIn(day, s)
		step := g.quota(day.Add(2*time.Minute+g.jitter(2*time.Minute)), ga, loc, family, 96)
		rid := t.rg("gpu-"+loc) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/" + strings.ToUpper(fmt.Sprintf("eval-%d", i))
		net := g.attackNetwork(step.Add(5*time.Minute), a.Start, ga, "gpu-"+loc, fmt.Sprintf("eval-%d", i), loc)
		body := withOS(vmssBody(loc, size, 3+g.r.IntN(2), "Spot", []any{}), windows, "eval")
		step = g.arm(step.Add(5*time.Minute+g.jitter(5*time.Minute)), ga, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", rid, armOpts{Body: body, Loc: loc, Accept: true})
		step = g.arm(step.Add(time.Minute+g.jitter(time.Minute)), ga, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/WRITE", rid+"/EXTENSIONS/"+strings.ToUpper(driver),
			armOpts{Body: extBody(loc, "Microsoft.HpcCompute", driver, version, nil), Loc: loc, Accept: true})
		a.Resources = append(a.Resources, strings.ToLower(rid))
		up := step.Add(4*time.Minute + g.jitter(4*time.Minute))
		src := fmt.Sprintf("10.%d.4.%d", 44+i, 4+g.r.IntN(20))
		resolved = g.lookup(up, net, src, pool+".") || resolved
		host := fmt.Sprintf("eval-%d%06d", i, g.r.IntN(4))
		g.setWindows(host, rid, windows)
		g.attackerExec(up.Add(2*time.Second), host, 1900+g.r.IntN(100), 1877, 0, kit.argsIn(minersOn(windows), g.mnr, ep, devCUDA))
		g.minerAlert(&a, up.Add(2*time.Second), rid, host)
		a.extend(up.Add(2 * time.Second))
		a.extend(g.minerFlows(up, net, src, ep))
	}
	a.MustFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm", "azure.signin.risky_then_quota_or_compute",
		"azure.identity.privileged_role_assignment", "azure.identity.new_account_privileged",
		"azure.quota.increase.gpu", "azure.compute.gpu_created", "azure.compute.first_time_deployer",
		"azure.compute.gpu_driver_extension", "azure.compute.gpu_driver_extension.first_by_principal",
		"azure.compute.new_region",
	}
	a.Evades = slowEvades
	a.Note = fmt.Sprintf("one region and a few instances every %s: built to stay under the per-hour burst rules in evades; first-seen and per-event rules still catch it", gap)
	a.mined(g.agents, kit, ep, resolved)
	return a
}

// slowTwin is a data scientist's multi-day experiment: one GPU quota raise
// in the team's region, then a small A100 scale set with the NVIDIA driver
// on each of the next days, always from the office with MFA.
func (g *gen) slowTwin(at time.Time) Attack {
	t := g.t
	p := g.latest(t.DS, at)
	ip := t.office(g.r)
	loc := t.DSRegion
	ua := g.user(p, ip, true)
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.FirewallID)}}
	gap := g.stepGap(at)
	g.quota(at.Add(5*time.Minute+g.jitter(5*time.Minute)), ua, loc, "StandardNCADSA100v4Family", 96)
	for i := range slowSteps {
		day := at.Add(20*time.Minute + time.Duration(i)*gap + g.jitter(20*time.Minute))
		g.signIn(day, signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Microsoft Azure CLI", AppID: appCLI, MFA: true})
		rid := t.rg("ml-training") + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/" + strings.ToUpper(fmt.Sprintf("ablation-%d", i))
		step := g.arm(day.Add(3*time.Minute), ua, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", rid,
			armOpts{Body: vmssBody(loc, "Standard_NC24ads_A100_v4", 3+g.r.IntN(2), "Regular", []any{}), Loc: loc, Accept: true})
		step = g.arm(step.Add(time.Minute+g.jitter(time.Minute)), ua, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/WRITE", rid+"/EXTENSIONS/NVIDIAGPUDRIVERLINUX",
			armOpts{Body: extBody(loc, "Microsoft.HpcCompute", "NvidiaGpuDriverLinux", "1.9", nil), Loc: loc, Accept: true})
		a.Resources = append(a.Resources, strings.ToLower(rid))
		up := step.Add(4*time.Minute + g.jitter(4*time.Minute))
		g.dns(up, fmt.Sprintf("10.20.3.%d", 10+i), "download.pytorch.org.")
		g.exec(up.Add(time.Minute), fmt.Sprintf("ablation-%d%06d", i, 0), 2400+i, 1, 1000, []string{"/usr/bin/python3", "train.py", "--ablation", fmt.Sprint(i)})
		a.extend(up.Add(time.Minute))
	}
	a.MustNotFire = slices.Clone(gpuTwinQuiet)
	return a
}
