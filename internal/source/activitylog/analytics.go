package activitylog

import (
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
)

// Compute services whose clusters run VMs in a resource group the service
// manages, under its own identity: the cluster's or pool's write is the
// only record that names who asked for them, as an AKS pool's is.
const (
	svcHDInsight = "hdinsight"
	svcSynapse   = "synapse"
	svcARO       = "aro"
)

const (
	opHDInsight       = event.OpHDInsightWrite
	opHDInsightResize = event.OpHDInsightResize
	opSynapse         = "microsoft.synapse/workspaces/bigdatapools/write"
	opARO             = "microsoft.redhatopenshift/openshiftclusters/write"
)

// hdinsightCluster reads an HDInsight cluster's write (azure-rest-api-specs
// Microsoft.HDInsight stable 2021-06-01, CreateLinuxSparkSshPassword.json):
// properties.computeProfile.roles[], each of targetInstanceCount machines
// of hardwareProfile.vmSize (headnode, workernode, zookeepernode…). An
// autoscaled role (autoscale.capacity) is counted at its maximum, as an
// AKS pool's is: the cluster grows to it on the load the attacker makes.
// The roles are pools: the one that mines best is kept (bestPools), and
// the worker role besides (WorkerSize, Workers), which a resize grows.
func hdinsightCluster(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcHDInsight}
	roles := b.array("properties", "computeProfile", "roles")
	all := make([]event.Compute, len(roles))
	for i, r := range roles {
		all[i].Size = b.sc.Str(r, "hardwareProfile", "vmSize")
		n, _ := b.sc.Int(r, "targetInstanceCount")
		if m, ok := b.sc.Int(r, "autoscale", "capacity", "maxInstanceCount"); ok && m > n {
			n = m
		}
		all[i].Count = clampCount(n)
		if strings.EqualFold(b.sc.Str(r, "name"), workerRole) {
			c.WorkerSize, c.Workers = all[i].Size, all[i].Count
		}
	}
	bestPools(c, slices.Values(all))
	return c
}

// workerRole is the HDInsight role that resizes (the REST API's roleName
// takes no other).
const workerRole = "workernode"

// hdinsightResize reads an HDInsight cluster's resize (azure-rest-api-specs
// Microsoft.HDInsight stable 2021-06-01, ResizeLinuxHadoopCluster.json:
// POST .../clusters/{cluster}/roles/workernode/resize with body
// {"targetInstanceCount": n}). It names the workers the cluster is to
// have, not their size: the cluster's write does (its worker role), which
// the hunt settles at its end (enrich.Enricher.LateRequest), as a Batch
// pool's resize. Target is the cluster, lower case: the record's resource
// is its role (the path before the verb), or, written otherwise, the
// cluster itself.
func hdinsightResize(b *bodies, resourceID string) *event.Compute {
	id := strings.ToLower(strings.TrimRight(resourceID, "/"))
	if i := strings.LastIndex(id, "/roles/"); i >= 0 {
		id = id[:i]
	}
	if !strings.Contains(id, "/providers/microsoft.hdinsight/clusters/") {
		return nil
	}
	return &event.Compute{Service: svcHDInsight, Target: id, Count: b.count("targetInstanceCount")}
}

// synapseSparkPool reads a Synapse workspace's Spark pool (bigDataPools;
// azure-rest-api-specs Microsoft.Synapse stable 2021-06-01,
// bigDataPool.json: properties.nodeSize, nodeSizeFamily, nodeCount,
// autoScale.{enabled,minNodeCount,maxNodeCount}). A pool holds no machines
// until a notebook or job starts an instance, which takes up to its node
// count, or its autoscale maximum: counted there, as an Azure ML
// cluster at its maximum node count. compute.size is the node size as
// written (Small to XXXLarge), which the size table knows by the VM of its
// vCores and memory (enrich.SynapseNodeSize). The GPU-accelerated family,
// a preview retired in July 2024, has nodes of sizes not known here: its
// size is left empty, not read as a memory-optimized node's.
func synapseSparkPool(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcSynapse}
	family := b.first("properties", "nodeSizeFamily")
	if family == "" || strings.EqualFold(family, "MemoryOptimized") || strings.EqualFold(family, "None") {
		c.Size = b.first("properties", "nodeSize")
	}
	n := int64(b.count("properties", "nodeCount"))
	if on, _ := b.boolean("properties", "autoScale", "enabled"); on {
		n = max(n, int64(b.count("properties", "autoScale", "maxNodeCount")))
	}
	c.Count = clampCount(n)
	return c
}

// openShiftCluster reads an Azure Red Hat OpenShift cluster's write
// (azure-rest-api-specs Microsoft.RedHatOpenShift, OpenShiftClusters:
// properties.workerProfiles[] of count vmSize machines, GPU sizes
// allowed; masterProfile.vmSize, three control-plane machines that run no
// workload). The worker profiles are pools: the one that mines best is
// kept (bestPools).
func openShiftCluster(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcARO}
	profiles := b.array("properties", "workerProfiles")
	all := make([]event.Compute, len(profiles))
	for i, p := range profiles {
		all[i].Size = b.sc.Str(p, "vmSize")
		n, _ := b.sc.Int(p, "count")
		all[i].Count = clampCount(n)
	}
	bestPools(c, slices.Values(all))
	return c
}
