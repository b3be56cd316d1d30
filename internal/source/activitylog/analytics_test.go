package activitylog

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestAnalyticsClusters: HDInsight clusters, Synapse Spark pools and
// OpenShift clusters are compute creates: the role or worker profile that
// mines best, its machines (an autoscaled HDInsight role, a Synapse pool
// at their maximum), a Synapse node size as written, none for the
// retired GPU family.
func TestAnalyticsClusters(t *testing.T) {
	t.Parallel()
	const sub = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-data/providers/"
	rec := func(res, op, body string) string {
		return `{"time":"2026-03-14T03:09:27Z","resourceId":"` + sub + res + `","operationName":"` + op + `","category":"Write","resultType":"Start",
		"properties":{"requestbody":` + body + `}}`
	}
	for _, c := range []struct {
		name, rec string
		want      event.Compute
	}{
		{
			"HDInsight Spark cluster: the worker role, not the head nodes (REST spec shape)",
			rec("Microsoft.HDInsight/clusters/cluster1", "Microsoft.HDInsight/clusters/write",
				`{"properties":{"clusterVersion":"5.1","osType":"Linux","clusterDefinition":{"kind":"Spark"},"computeProfile":{"roles":[{"name":"headnode","minInstanceCount":1,"targetInstanceCount":2,"hardwareProfile":{"vmSize":"Standard_E8_V3"}},{"name":"workernode","targetInstanceCount":30,"hardwareProfile":{"vmSize":"Standard_NC24ads_A100_v4"}},{"name":"zookeepernode","targetInstanceCount":3,"hardwareProfile":{"vmSize":"Standard_A2_v2"}}]}}}`),
			event.Compute{Service: "hdinsight", Size: "Standard_NC24ads_A100_v4", Count: 30, WorkerSize: "Standard_NC24ads_A100_v4", Workers: 30},
		},
		{
			"HDInsight cluster whose head nodes mine best: the worker role kept besides, for a resize",
			rec("Microsoft.HDInsight/clusters/cluster3", "Microsoft.HDInsight/clusters/write",
				`{"properties":{"computeProfile":{"roles":[{"name":"headnode","targetInstanceCount":2,"hardwareProfile":{"vmSize":"Standard_NC24ads_A100_v4"}},{"name":"WorkerNode","targetInstanceCount":3,"hardwareProfile":{"vmSize":"Standard_D4_V3"}}]}}}`),
			event.Compute{Service: "hdinsight", Size: "Standard_NC24ads_A100_v4", Count: 2, WorkerSize: "Standard_D4_V3", Workers: 3},
		},
		{
			"HDInsight resize (REST spec shape): the workers asked for, the cluster its target",
			rec("Microsoft.HDInsight/clusters/Cluster1/roles/workernode", "Microsoft.HDInsight/clusters/roles/resize/action",
				`{"targetInstanceCount":120}`),
			event.Compute{Service: "hdinsight", Count: 120, Target: "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourcegroups/rg-data/providers/microsoft.hdinsight/clusters/cluster1"},
		},
		{
			"HDInsight resize whose record names the cluster, its body a string",
			rec("Microsoft.HDInsight/clusters/cluster1", "MICROSOFT.HDINSIGHT/CLUSTERS/ROLES/RESIZE/ACTION",
				`"{\"targetInstanceCount\":\"40\"}"`),
			event.Compute{Service: "hdinsight", Count: 40, Target: "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourcegroups/rg-data/providers/microsoft.hdinsight/clusters/cluster1"},
		},
		{
			"HDInsight autoscaled role: at its maximum",
			rec("Microsoft.HDInsight/clusters/cluster2", "MICROSOFT.HDINSIGHT/CLUSTERS/WRITE",
				`"{\"properties\":{\"computeProfile\":{\"roles\":[{\"name\":\"workernode\",\"targetInstanceCount\":4,\"autoscale\":{\"capacity\":{\"minInstanceCount\":3,\"maxInstanceCount\":60}},\"hardwareProfile\":{\"vmSize\":\"Standard_D16_V3\"}}]}}}"`),
			event.Compute{Service: "hdinsight", Size: "Standard_D16_V3", Count: 60, WorkerSize: "Standard_D16_V3", Workers: 60},
		},
		{
			"Synapse pool, fixed: XXLarge nodes, as written",
			rec("Microsoft.Synapse/workspaces/ws1/bigDataPools/pool1", "Microsoft.Synapse/workspaces/bigDataPools/write",
				`{"location":"eastus","properties":{"nodeCount":50,"nodeSizeFamily":"MemoryOptimized","nodeSize":"XXLarge","sparkVersion":"3.4"}}`),
			event.Compute{Service: "synapse", Size: "XXLarge", Count: 50},
		},
		{
			"Synapse pool, autoscaled (numbers as strings, as a PowerShell PUT sends): at its maximum",
			rec("Microsoft.Synapse/workspaces/ws1/bigDataPools/pool2", "Microsoft.Synapse/workspaces/bigDataPools/write",
				`{"properties":{"nodeCount":"0","nodeSizeFamily":"MemoryOptimized","nodeSize":"small","autoScale":{"enabled":true,"minNodeCount":"3","maxNodeCount":"200"}}}`),
			event.Compute{Service: "synapse", Size: "small", Count: 200},
		},
		{
			"Synapse GPU family (retired preview): counted, size not known",
			rec("Microsoft.Synapse/workspaces/ws1/bigDataPools/pool3", "Microsoft.Synapse/workspaces/bigDataPools/write",
				`{"properties":{"nodeCount":10,"nodeSizeFamily":"HardwareAcceleratedGPU","nodeSize":"Large"}}`),
			event.Compute{Service: "synapse", Count: 10},
		},
		{
			"OpenShift cluster: the GPU worker profile beside the general one",
			rec("Microsoft.RedHatOpenShift/openShiftClusters/aro1", "Microsoft.RedHatOpenShift/openShiftClusters/write",
				`{"location":"eastus","properties":{"clusterProfile":{"domain":"x","version":"4.14.16"},"masterProfile":{"vmSize":"Standard_D8s_v3"},"workerProfiles":[{"name":"worker","vmSize":"Standard_D4s_v3","diskSizeGB":128,"count":3},{"name":"gpu","vmSize":"Standard_NC96ads_A100_v4","count":20}]}}`),
			event.Compute{Service: "aro", Size: "Standard_NC96ads_A100_v4", Count: 20},
		},
	} {
		checkCompute(t, c.name, c.rec, &c.want)
	}
}
