package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// takeoverVMs is how many GPU machines the stolen data scientist's
// account makes: the team's usual machine, a few more than a day of the
// team's work holds, fewer than any GPU sum counts (one A100 each).
const takeoverVMs = 4

// takeoverEvades are the rules the takeover slips past by working as its
// account's owner does: in the team's region, with the team's size and
// driver, under every sum. risky_then_quota_or_compute pairs a risky
// sign-in only with quota or compute in a region new to the identity
// (version 8: a traveller's usual work is no attack), and this region is
// the owner's own.
var takeoverEvades = []string{
	"azure.signin.risky_then_quota_or_compute",
	"azure.compute.first_time_deployer", "azure.compute.new_region", "azure.compute.unusual_service",
	"azure.compute.gpu_driver_extension.first_by_principal",
	"azure.compute.gpu_volume", "azure.compute.gpu_volume.day", "azure.compute.gpu_volume.tenant",
	"azure.compute.mass_deployment", "azure.compute.multi_region_fanout",
}

// dataScientistTakeover is a data scientist's password in an attacker's
// hands, used at night from an Azure address the tenant does not own; ID
// Protection rates the sign-in risky (an anonymising address, unfamiliar
// features). The attacker blends in: the team's GPU machine, four times,
// in the team's resource group and region, with NVIDIA's driver extension
// as the team installs it, and mines on each. Nothing in the control
// plane is new for the account but where it signed in from.
func (g *gen) dataScientistTakeover(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.wk) // its own stream: the other scenarios' records stay as they were
	defer restore()
	ip := pick(g.r, attackerIPs)
	p := t.People[t.DS[g.r.IntN(len(t.DS))]]
	ua := g.stolenCLI(at, p, ip, true)
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.FirewallID)}}
	kit := g.minerKit()
	pool := pick(g.r, listedPools)
	ep := g.poolEndpoint(pool, 0)
	net := g.spoke(t.DSRegion)
	now, resolved := at.Add(4*time.Minute+g.jitter(3*time.Minute)), false
	for i := range takeoverVMs {
		name := fmt.Sprintf("train-%s-%02d", strings.Split(p.Name, ".")[0], 60+i)
		end := g.gpuVM(now, ua, name, "Standard_NC24ads_A100_v4", false)
		rid := t.rg("ml-training") + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/" + strings.ToUpper(name)
		a.Resources = append(a.Resources, strings.ToLower(rid))
		up := end.Add(3*time.Minute + g.jitter(2*time.Minute))
		src := fmt.Sprintf("10.%d.30.%d", 30+len(t.Regions), 10+i) // no benign host nor other attack has these (flows.go)
		resolved = g.lookup(up, net, src, pool+".") || resolved
		g.attackerExec(up.Add(2*time.Second), name, 1900+g.r.IntN(100), 1877, 0, kit.args(g.mnr, ep, devCUDA))
		g.minerAlert(&a, up.Add(2*time.Second), rid, name)
		a.extend(up.Add(2 * time.Second))
		a.extend(g.minerFlows(up, net, src, ep))
		now = end.Add(2*time.Minute + g.jitter(2*time.Minute))
	}
	a.MustFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm",
		"azure.compute.gpu_created", "azure.compute.gpu_driver_extension",
	}
	a.Evades = slices.Clone(takeoverEvades)
	a.Note = fmt.Sprintf("%d of the team's GPU machines in its region, by one of its data scientists' accounts from an Azure address: only the address and what the machines do give it away", takeoverVMs)
	a.mined(g.agents, kit, ep, resolved)
	return a
}

// dataScientistTakeoverTwin is the same data scientist abroad before a
// deadline: a hotel's network (neither the tenant's nor Azure's), a
// sign-in ID Protection rates unfamiliar, MFA passed, and four of the
// team's GPU machines in its region within the hour, as the team works.
func (g *gen) dataScientistTakeoverTwin(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.wk)
	defer restore()
	p := t.People[t.DS[g.r.IntN(len(t.DS))]]
	s := g.signInAway(signin{UPN: p.UPN, OID: p.OID, App: "Microsoft Azure CLI", AppID: appCLI, MFA: true})
	g.signIn(at, s)
	ua := g.user(p, s.IP, true)
	a := Attack{Start: at, Principals: principalIDs(p)}
	now := at.Add(4*time.Minute + g.jitter(3*time.Minute))
	for i := range takeoverVMs {
		name := fmt.Sprintf("train-%s-%02d", strings.Split(p.Name, ".")[0], 80+i)
		end := g.gpuVM(now, ua, name, "Standard_NC24ads_A100_v4", false)
		a.Resources = append(a.Resources, strings.ToLower(t.rg("ml-training")+"/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/"+strings.ToUpper(name)))
		g.exec(end.Add(3*time.Minute), name, 2600+i, 1, 1000, []string{"/usr/bin/python3", "/opt/train/train.py", "--run", fmt.Sprint(i)})
		a.extend(end.Add(3 * time.Minute))
		now = end.Add(2*time.Minute + g.jitter(2*time.Minute))
	}
	a.MustNotFire = slices.Concat(gpuTwinQuiet, []string{"azure.signin.risky_then_quota_or_compute"})
	return a
}
