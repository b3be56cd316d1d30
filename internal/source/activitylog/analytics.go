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
	opHDInsight = "microsoft.hdinsight/clusters/write"
	opSynapse   = "microsoft.synapse/workspaces/bigdatapools/write"
	opARO       = "microsoft.redhatopenshift/openshiftclusters/write"
)

// hdinsightCluster reads an HDInsight cluster's write (azure-rest-api-specs
// Microsoft.HDInsight stable 2021-06-01, CreateLinuxSparkSshPassword.json):
// properties.computeProfile.roles[], each of targetInstanceCount machines
// of hardwareProfile.vmSize (headnode, workernode, zookeepernode…). An
// autoscaled role (autoscale.capacity) is counted at its maximum, as an
// AKS pool's is: the cluster grows to it on the load the attacker makes.
// The roles are pools: the one that mines best is kept (bestPools).
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
	}
	bestPools(c, slices.Values(all))
	return c
}

// synapseNodeSizes are the VM sizes of a Synapse Spark pool's memory-
// optimized node sizes, by vCores and memory (Learn, "Apache Spark pool
// configurations in Azure Synapse Analytics": Small 4 vCores and 32 GB,
// Medium 8/64, Large 16/128, XLarge 32/256, XXLarge 64/432, XXXLarge
// 80/504, the last for isolated compute). The pool names no VM size of
// its own; the size table judges the VM of the same vCores and memory.
// The GPU-accelerated family (HardwareAcceleratedGPU) was a preview
// retired in July 2024: its nodes' size is not known here.
var synapseNodeSizes = map[string]string{
	"small":    "Standard_E4s_v3",
	"medium":   "Standard_E8s_v3",
	"large":    "Standard_E16s_v3",
	"xlarge":   "Standard_E32s_v3",
	"xxlarge":  "Standard_E64s_v3",
	"xxxlarge": "Standard_E80ids_v4",
}

// synapseSparkPool reads a Synapse workspace's Spark pool (bigDataPools;
// azure-rest-api-specs Microsoft.Synapse stable 2021-06-01,
// bigDataPool.json: properties.nodeSize, nodeSizeFamily, nodeCount,
// autoScale.{enabled,minNodeCount,maxNodeCount}). A pool holds no machines
// until a notebook or job starts an instance, which takes up to its node
// count, or its autoscale maximum: counted there, as an Azure ML
// cluster at its maximum node count. compute.size is the VM of the node
// size's vCores and memory.
func synapseSparkPool(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcSynapse}
	family := b.first("properties", "nodeSizeFamily")
	if family == "" || strings.EqualFold(family, "MemoryOptimized") || strings.EqualFold(family, "None") {
		c.Size = synapseNodeSizes[strings.ToLower(strings.TrimSpace(b.first("properties", "nodeSize")))]
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
