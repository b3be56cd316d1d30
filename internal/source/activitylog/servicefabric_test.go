package activitylog

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestServiceFabricNodeTypes: a Service Fabric managed cluster's node type
// is a compute create of its scale set: vmSize machines, sku.capacity of
// them when a body gives it (over vmInstanceCount, -1 under autoscale),
// Spot ones as low priority.
func TestServiceFabricNodeTypes(t *testing.T) {
	t.Parallel()
	const nt = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-sf/providers/Microsoft.ServiceFabric/managedClusters/sfmc1/nodeTypes/"
	for _, c := range []struct {
		name, rec string
		want      event.Compute
	}{
		{
			"GPU node type, request body in a string (az monitor activity-log list)",
			`{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"` + nt + `gpu","operationName":{"value":"Microsoft.ServiceFabric/managedClusters/nodeTypes/write"},"status":{"value":"Started"},
			"properties":{"requestbody":"{\"properties\":{\"isPrimary\":false,\"isStateless\":true,\"vmSize\":\"Standard_NC24ads_A100_v4\",\"vmInstanceCount\":20}}"}}`,
			event.Compute{Service: "sf", Size: "Standard_NC24ads_A100_v4", Count: 20},
		},
		{
			"autoscaled Spot node type: the response's capacity over the request's -1 (diagnostic)",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + nt + `be","operationName":"MICROSOFT.SERVICEFABRIC/MANAGEDCLUSTERS/NODETYPES/WRITE","category":"Write","resultType":"Accept",
			"properties":{"requestbody":"{\"properties\":{\"vmSize\":\"Standard_NV36ads_A10_v5\",\"vmInstanceCount\":-1,\"isSpotVM\":true}}",
			"responseBody":"{\"sku\":{\"name\":\"Standard_S2\",\"tier\":\"Standard\",\"capacity\":12},\"properties\":{\"vmSize\":\"Standard_NV36ads_A10_v5\",\"vmInstanceCount\":12,\"isSpotVM\":true}}"}}`,
			event.Compute{Service: "sf", Size: "Standard_NV36ads_A10_v5", Count: 12, LowPri: 12, Priority: "Spot"},
		},
		{
			"scale-out by a PATCH naming the capacity alone",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + nt + `gpu","operationName":"MICROSOFT.SERVICEFABRIC/MANAGEDCLUSTERS/NODETYPES/WRITE","category":"Write","resultType":"Start",
			"properties":{"requestbody":"{\"sku\":{\"capacity\":40}}"}}`,
			event.Compute{Service: "sf", Count: 40},
		},
		{
			"no body: the service only",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + nt + `gpu","operationName":"Microsoft.ServiceFabric/managedClusters/nodeTypes/write","category":"Write","resultType":"Success","properties":{}}`,
			event.Compute{Service: "sf", NoBody: true},
		},
	} {
		checkCompute(t, c.name, c.rec, &c.want)
	}
}
