package simulate

import (
	"fmt"
	"strings"
	"time"
)

// exportCut is cryptojacking with the logs cut while it deploys: an ops
// engineer's password-only account signs in from Azure, deletes the
// subscription's diagnostic setting that exports its Activity Log to the
// security team's workspace, deploys GPU scale sets with a miner in two
// far regions, and an hour after the delete writes the setting back, so
// the export runs on as before with a gap. The export holds nothing the
// subscription logs in the gap (flush drops those records from the
// diagnostic-settings blobs and the Log Analytics table; the Activity
// Log's own copy, the REST shape, keeps them): the delete is the last
// record before it, the setting's write the first after. The sign-in, the
// flows to the pool, the hosts' processes and Defender's alerts come
// through pipelines of their own.
func (g *gen) exportCut(at time.Time) Attack {
	t := g.t
	ip := pick(g.r, attackerIPs)
	p := t.People[t.Ops[g.r.IntN(len(t.Ops))]]
	g.signIn(at, signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Azure Portal", AppID: appPortal, Country: "US"})
	ua := actor{UPN: p.UPN, OID: p.OID, AppID: appPortal, Name: p.Name, IP: ip}
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.FirewallID)}}
	kit := g.minerKit()
	// The setting the platform team last wrote: moved to a new workspace
	// on its rotation day (woken.go), in working hours; attacks run at
	// night.
	name := "export-to-sentinel"
	if int(at.Sub(g.opt.Start).Hours()/24) > t.Rotation {
		name = "export-to-sentinel-v2"
	}
	setting := t.diagSettingID(name)
	a.Resources = append(a.Resources, strings.ToLower(setting))
	end := g.arm(at.Add(4*time.Minute+g.jitter(2*time.Minute)), ua, opDiagSettingDrop, setting, armOpts{})
	gap := window{from: end.Add(time.Minute)}
	now := end.Add(8*time.Minute + g.jitter(4*time.Minute))
	size := pick(g.r, []string{"Standard_NC24ads_A100_v4", "Standard_NC48ads_A100_v4", "Standard_NC24s_v3"})
	ep := g.poolEndpoint(pick(g.r, listedPools), 0)
	resolved := false
	for i, loc := range g.otherRegions(2) {
		now = now.Add(time.Minute + g.jitter(2*time.Minute))
		name := fmt.Sprintf("nodes-%d", i)
		rid := t.rg("rg-"+loc) + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/" + strings.ToUpper(name)
		net := g.attackNetwork(now, a.Start, ua, "rg-"+loc, name, loc)
		end := g.arm(now, ua, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", rid, armOpts{Body: vmssBody(loc, size, 20, "Spot", []any{}), Loc: loc, Accept: true})
		a.Resources = append(a.Resources, strings.ToLower(rid))
		host := fmt.Sprintf("nodes-%d%06d", i, g.r.IntN(20))
		up := end.Add(4*time.Minute + g.jitter(4*time.Minute))
		src := fmt.Sprintf("10.%d.7.%d", 74+i, 4+g.r.IntN(20)) // no benign host has these (flows.go)
		resolved = g.lookup(up, net, src, ep.host+".") || resolved
		g.driverExec(up.Add(-time.Minute), host, true, devCUDA)
		g.attackerExec(up.Add(2*time.Second), host, 1900+g.r.IntN(100), 1877, 0, kit.args(g.mnr, ep, devCUDA))
		g.minerAlert(&a, up.Add(2*time.Second), rid, host)
		a.extend(up.Add(2 * time.Second))
		a.extend(g.minerFlows(up, net, src, ep))
	}
	// The setting written back, over half an hour after the delete: the
	// rule's window sees the export gone.
	gap.to = later(now.Add(10*time.Minute), end.Add(time.Hour+g.jitter(20*time.Minute)))
	back := g.arm(gap.to, ua, opDiagSettingPut, setting, armOpts{Body: t.exportBody()})
	g.cuts = append(g.cuts, gap)
	a.extend(back)
	a.MustFire = []string{"azure.signin.azure_ip_not_owned", "azure.subscription.activity_log_export_removed"}
	a.driver(true, g.agents)
	a.mined(g.agents, kit, ep, resolved)
	a.addNote("the export is cut before the deployment: the scale sets' records are in the Activity Log's own copy (--shape rest) only, so the rules on creates are not expected")
	return a
}

// window is a span of time, from included, to excluded.
type window struct{ from, to time.Time }

// exported reports whether a record of the subscription's Activity Log at
// at reaches path's export: every one outside the gaps exportCut made,
// and every one of the Activity Log's own copy.
func (g *gen) exported(path string, at time.Time) bool {
	if !strings.HasPrefix(path, "insights-activity-logs/") && !strings.HasPrefix(path, "AzureActivity/") {
		return true
	}
	for _, w := range g.cuts {
		if !at.Before(w.from) && at.Before(w.to) {
			return false
		}
	}
	return true
}
