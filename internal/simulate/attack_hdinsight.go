package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The analytics Spark cluster an ops engineer runs on HDInsight: written
// on the first morning (inventory) when a scenario resizes it, so that the
// baseline knows the service and its workers; its workers are
// memory-optimized CPU machines (HDInsight offers no GPU sizes), so mining
// on them is CPU mining. Its owner is an ops engineer, whose days hold no
// GPU work for a twin's span to catch.
const (
	hdiWorkers    = 4
	hdiWorkerSize = "Standard_E16_V3" // 16 vCPUs
)

// hdiScenarios are the scenarios that resize the cluster.
var hdiScenarios = []string{"hdinsight-resize", "hdinsight-resize-twin"}

// hdiClusterID is the analytics HDInsight cluster.
func (t *tenant) hdiClusterID() string {
	return t.rg("analytics") + "/PROVIDERS/MICROSOFT.HDINSIGHT/CLUSTERS/SPARK-" + strings.ToUpper(t.DSRegion)
}

// hdiCluster writes the analytics cluster when an HDInsight scenario is
// named, or none is (one is drawn later), from the stream of the HDInsight
// scenarios, so that a tenant without them is written as before.
func (g *gen) hdiCluster(at time.Time) {
	named := slices.ContainsFunc(g.opt.Scenarios, func(s string) bool { return slices.Contains(hdiScenarios, s) })
	if len(g.opt.Scenarios) > 0 && !named {
		return
	}
	restore := g.drawFrom(g.hdi)
	defer restore()
	t := g.t
	p := t.People[t.Ops[0]]
	body := map[string]any{"location": t.DSRegion, "properties": map[string]any{
		"clusterVersion": "5.1", "osType": "Linux", "clusterDefinition": map[string]any{"kind": "Spark"},
		"computeProfile": map[string]any{"roles": []any{
			hdiRole("headnode", 2, "Standard_E8_V3"), hdiRole("workernode", hdiWorkers, hdiWorkerSize), hdiRole("zookeepernode", 3, "Standard_A2_v2"),
		}}}}
	g.arm(at, g.user(p, t.office(g.r), true), "MICROSOFT.HDINSIGHT/CLUSTERS/WRITE", t.hdiClusterID(), armOpts{Body: body, Loc: t.DSRegion, Accept: true})
}

func hdiRole(name string, n int, size string) map[string]any {
	return map[string]any{"name": name, "targetInstanceCount": n, "hardwareProfile": map[string]any{"vmSize": size}}
}

// hdiResize writes a resize of the cluster's workers to n (REST: POST
// .../roles/workernode/resize), an action whose Start carries the body.
func (g *gen) hdiResize(at time.Time, a actor, n int) time.Time {
	return g.arm(at, a, "MICROSOFT.HDINSIGHT/CLUSTERS/ROLES/RESIZE/ACTION", g.t.hdiClusterID()+"/ROLES/WORKERNODE",
		armOpts{Body: map[string]any{"targetInstanceCount": n}, Loc: g.t.DSRegion, Accept: true})
}

// hdinsightResize is CPU mining on a cluster that exists: a developer's
// stolen password, used from an Azure address the tenant does not own,
// resizes the analytics Spark cluster from its four workers to 150 or
// more, and the workers mine from the tenant's spoke network. No machine is
// created by any write of the attacker's: the resize names a count and no
// size, which the cluster's write named weeks before.
func (g *gen) hdinsightResize(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.hdi)
	defer restore()
	ip := pick(g.r, attackerIPs)
	p := pick(g.r, t.developers()) // a developer
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.hdiClusterID()), strings.ToLower(t.FirewallID)}}
	ua := g.stolenCLI(at, p, ip, false)
	now := at.Add(3*time.Minute + g.jitter(2*time.Minute))
	g.deploys[ua.OID] = append(g.deploys[ua.OID], now)
	end := g.hdiResize(now, ua, 150+g.r.IntN(100))
	net := g.spoke(t.DSRegion)
	ep := g.poolEndpoint(pick(g.r, listedPools), 0)
	resolved := false
	for i := range 3 {
		up := end.Add(6*time.Minute + g.jitter(4*time.Minute))
		src := fmt.Sprintf("10.%d.%d.%d", 30+len(t.Regions), 20, 10+i)
		resolved = g.lookup(up, net, src, ep.host+".") || resolved
		a.extend(g.minerFlows(up, net, src, ep))
	}
	a.extend(end)
	// Not first_time_deployer: another scenario may have had the same
	// developer deploy on an earlier day.
	a.MustFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm",
		// 146 workers or more beyond the four: 2,336 vCPUs or more.
		"azure.compute.mass_deployment", "azure.compute.vcpu_volume", "azure.compute.vcpu_volume.tenant",
	}
	a.poolLookup(ep, resolved)
	a.poolFlow(ep)
	return a
}

// hdinsightTwin is the month-end batch: the cluster's owner, an ops
// engineer, MFA from the office, resizes its workers from four to 36 for
// the day and back in the evening: a resize asking for many workers, by a
// known deployer, of whom 32 are new.
func (g *gen) hdinsightTwin(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.hdi)
	defer restore()
	p := t.People[t.Ops[0]]
	ip := t.office(g.r)
	a := Attack{Start: at, Principals: principalIDs(p), Resources: []string{strings.ToLower(t.hdiClusterID())}}
	g.signIn(at, signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Azure Portal", AppID: appPortal, MFA: true})
	ua := g.user(p, ip, true)
	g.hdiResize(at.Add(4*time.Minute+g.jitter(2*time.Minute)), ua, 36)
	a.End = g.hdiResize(at.Add(8*time.Hour+g.jitter(time.Hour)), ua, hdiWorkers)
	a.MustNotFire = []string{
		"azure.signin.azure_ip_not_owned.arm", "azure.signin.risky_then_quota_or_compute",
		"azure.compute.mass_deployment", "azure.compute.multi_region_fanout", "azure.compute.new_region", "azure.compute.first_time_deployer",
		"azure.compute.unusual_service", "azure.dns.mining_pool_lookup", "azure.network.mining_pool_connection",
		// 32 new workers of 16 vCPUs: 512, under every vCPU sum.
		"azure.compute.vcpu_volume", "azure.compute.vcpu_volume.day", "azure.compute.vcpu_volume.tenant",
	}
	return a
}
