package activitylog

import (
	"strconv"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// TestAKSNodePools: an AKS cluster's or node pool's write is a compute
// create. A pool counts its nodes, its maximum when autoscaled, Spot ones
// as low priority; a cluster created with its pools takes the size of the
// pool that mines best, whatever their order, so a larger CPU pool listed
// first does not hide a GPU pool, and counts the nodes of that size.
func TestAKSNodePools(t *testing.T) {
	t.Parallel()
	const cluster = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1"
	for _, c := range []struct {
		name, rec string
		want      event.Compute
	}{
		{
			"node pool, autoscaled Spot GPU nodes, request body in a string (diagnostic)",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + cluster + `/agentPools/gpu","operationName":"MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE","category":"Write","resultType":"Start",
			"properties":{"requestbody":"{\"properties\":{\"count\":\"4\",\"vmSize\":\"Standard_NC24ads_A100_v4\",\"scaleSetPriority\":\"Spot\",\"enableAutoScaling\":true,\"minCount\":4,\"maxCount\":30}}"}}`,
			event.Compute{Service: "aks", Size: "Standard_NC24ads_A100_v4", Count: 30, LowPri: 30, Priority: "Spot"},
		},
		{
			"node pool, fixed count, autoscale maximum ignored while autoscale is off (REST)",
			`{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"` + cluster + `/agentPools/a100","operationName":{"value":"Microsoft.ContainerService/managedClusters/agentPools/write"},"status":{"value":"Accepted"},
			"properties":{"responseBody":"{\"properties\":{\"count\":12,\"vmSize\":\"Standard_ND96amsr_A100_v4\",\"enableAutoScaling\":false,\"maxCount\":90}}"}}`,
			event.Compute{Service: "aks", Size: "Standard_ND96amsr_A100_v4", Count: 12},
		},
		{
			"cluster with a large CPU pool listed before a smaller GPU pool (Log Analytics)",
			`{"Type":"AzureActivity","TimeGenerated":"2026-03-14T03:09:27Z","OperationNameValue":"MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/WRITE","ActivityStatusValue":"Start","_ResourceId":"` + cluster + `",
			"Properties_d":{"requestbody":"{\"location\":\"koreacentral\",\"properties\":{\"agentPoolProfiles\":[{\"name\":\"sys\",\"count\":3,\"vmSize\":\"Standard_D4s_v5\",\"mode\":\"System\"},{\"name\":\"web\",\"count\":20,\"vmSize\":\"Standard_F72s_v2\"},{\"name\":\"ml\",\"count\":6,\"vmSize\":\"Standard_NV36ads_A10_v5\",\"scaleSetPriority\":\"Spot\"}]}}"}}`,
			event.Compute{Service: "aks", Size: "Standard_NV36ads_A10_v5", Count: 6, LowPri: 6, Priority: "Spot"},
		},
		{
			"cluster write without a body: the service only",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + cluster + `","operationName":"Microsoft.ContainerService/managedClusters/write","category":"Write","resultType":"Success","properties":{}}`,
			event.Compute{Service: "aks", NoBody: true},
		},
	} {
		checkCompute(t, c.name, c.rec, &c.want)
	}
}

// A Container Apps environment's write is a compute create: the workload
// profile that mines best names the size (a GPU profile runs on A100 or
// T4 machines), counted up to its maximum; Consumption has no size.
func TestContainerAppsProfiles(t *testing.T) {
	t.Parallel()
	const env = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/cae1"
	for _, c := range []struct {
		name, profiles string
		want           event.Compute
	}{
		{"a GPU profile after a larger CPU one",
			`[{"name":"Consumption","workloadProfileType":"Consumption"},{"name":"web","workloadProfileType":"D32","maximumCount":20},{"name":"gpu","workloadProfileType":"NC48-A100","minimumCount":0,"maximumCount":8},{"name":"gpu2","workloadProfileType":"nc48-a100","maximumCount":2}]`,
			event.Compute{Service: "aca", Size: "NC48-A100", Count: 10}},
		{"serverless GPUs: at least one machine",
			`[{"name":"Consumption","workloadProfileType":"Consumption"},{"name":"t4","workloadProfileType":"Consumption-GPU-NC8as-T4"}]`,
			event.Compute{Service: "aca", Size: "Consumption-GPU-NC8as-T4", Count: 1}},
		{"Consumption only", `[{"name":"Consumption","workloadProfileType":"Consumption"}]`, event.Compute{Service: "aca"}},
	} {
		rec := `{"time":"2026-03-14T03:09:27Z","resourceId":"` + env + `","operationName":"MICROSOFT.APP/MANAGEDENVIRONMENTS/WRITE","category":"Write","resultType":"Start",` +
			`"properties":{"requestbody":` + strconv.Quote(`{"location":"westus3","properties":{"workloadProfiles":`+c.profiles+`}}`) + `}}`
		checkCompute(t, c.name, rec, &c.want)
	}
}

// checkCompute decodes one Activity Log record and compares its compute
// with want, nil for none.
func checkCompute(t *testing.T, name, rec string, want *event.Compute) {
	t.Helper()
	v := fastjson.MustParse(rec)
	shape, ok := Detect(v, record.Hint{Format: "json"})
	if !ok {
		t.Fatalf("%s: not an Activity Log record", name)
	}
	evs, err := Decode(&record.Scratch{}, v, shape, nil)
	if err != nil || len(evs) != 1 {
		t.Fatalf("%s: %v, %d events", name, err, len(evs))
	}
	if got := evs[0].Compute; (got == nil) != (want == nil) || got != nil && *got != *want {
		t.Errorf("%s: compute %+v, want %+v", name, got, want)
	}
}
