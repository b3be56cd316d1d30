package activitylog

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// TestDuplicateNamesReadAsAzureActs: a request body is the caller's text
// and may name a member twice, or in two cases; Azure acts on the last
// (record.Scratch.lastKey), so every body mamori reads is read so. In each
// case the first value is the decoy a reader of the first would take.
func TestDuplicateNamesReadAsAzureActs(t *testing.T) {
	t.Parallel()
	const (
		sub   = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6"
		rg    = sub + "/resourceGroups/rg-ml/providers/"
		mlw   = rg + "Microsoft.MachineLearningServices/workspaces/mlw"
		vmss  = "Microsoft.Compute/virtualMachineScaleSets/write"
		owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	)
	compute := func(e *event.Event) any { return e.Compute }
	for _, c := range []struct {
		name, op, id, body string
		got                func(*event.Event) any
		want               any
	}{
		{"VM: size and priority written twice", "Microsoft.Compute/virtualMachines/write", rg + "Microsoft.Compute/virtualMachines/vm1",
			`{"location":"eastus","properties":{"hardwareProfile":{"vmSize":"Standard_B1s","vmSize":"Standard_ND96asr_v4"},"priority":"Spot","priority":"Regular"}}`,
			compute, &event.Compute{Service: "vm", Size: "Standard_ND96asr_v4", Count: 1, Priority: "Regular"}},
		{"scale set: a one-machine CPU sku hiding forty GPU machines", vmss, rg + "Microsoft.Compute/virtualMachineScaleSets/ss1",
			`{"sku":{"name":"Standard_B1s","name":"Standard_ND96asr_v4","capacity":1,"capacity":40}}`,
			compute, &event.Compute{Service: "vmss", Size: "Standard_ND96asr_v4", Count: 40}},
		{"scale set: the later names in another case", vmss, rg + "Microsoft.Compute/virtualMachineScaleSets/ss1",
			`{"sku":{"name":"Standard_B1s","Name":"Standard_ND96asr_v4","capacity":1,"CAPACITY":40}}`,
			compute, &event.Compute{Service: "vmss", Size: "Standard_ND96asr_v4", Count: 40}},
		{"scale set: the whole sku twice, the second one's name escaped", vmss, rg + "Microsoft.Compute/virtualMachineScaleSets/ss1",
			`{"sku":{"name":"Standard_B1s","capacity":1},"properties":{},"\u0073ku":{"name":"Standard_ND96asr_v4","capacity":40}}`,
			compute, &event.Compute{Service: "vmss", Size: "Standard_ND96asr_v4", Count: 40}},
		// .NET's OrdinalIgnoreCase does not take the Kelvin sign for a k:
		// to Azure the second member is no sku.
		{"scale set: a later sku spelled with a Kelvin sign is not the sku", vmss, rg + "Microsoft.Compute/virtualMachineScaleSets/ss1",
			`{"sku":{"name":"Standard_ND96asr_v4","capacity":40},"s\u212Au":{"name":"Standard_B1s","capacity":1}}`,
			compute, &event.Compute{Service: "vmss", Size: "Standard_ND96asr_v4", Count: 40}},
		{"Azure ML cluster", "Microsoft.MachineLearningServices/workspaces/computes/write", mlw + "/computes/gpu",
			`{"properties":{"computeType":"AmlCompute","properties":{"vmSize":"Standard_DS3_v2","vmSize":"Standard_NC24ads_A100_v4","scaleSettings":{"maxNodeCount":2,"maxNodeCount":50}}}}`,
			compute, &event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 50}},
		{"Azure ML online deployment", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write", mlw + "/onlineEndpoints/ep/deployments/blue",
			`{"sku":{"capacity":1,"capacity":20},"properties":{"instanceType":"Standard_DS3_v2","instanceType":"Standard_NC40ads_H100_v5"}}`,
			compute, &event.Compute{Service: "aml", Size: "Standard_NC40ads_H100_v5", Count: 20}},
		{"Azure ML job: a workspace cluster named, then serverless", "Microsoft.MachineLearningServices/workspaces/jobs/write", mlw + "/jobs/j1",
			`{"properties":{"jobType":"Command","computeId":"` + mlw + `/computes/cpu-cluster","computeId":"serverless","resources":{"instanceType":"Standard_NC24ads_A100_v4","instanceCount":4}}}`,
			compute, &event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 4}},
		{"Azure ML job: archived, then not", "Microsoft.MachineLearningServices/workspaces/jobs/write", mlw + "/jobs/j1",
			`{"properties":{"jobType":"Command","isArchived":true,"isArchived":false,"resources":{"instanceType":"Standard_NC24ads_A100_v4","instanceCount":4}}}`,
			compute, &event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 4}},
		{"Azure ML pipeline: a step written twice runs as written last", "Microsoft.MachineLearningServices/workspaces/jobs/write", mlw + "/jobs/p1",
			`{"properties":{"jobType":"Pipeline","settings":{"default_compute":"serverless"},"jobs":{"train":{"type":"command","resources":{"instance_type":"Standard_ND96asr_v4","instance_count":4}},"prep":{"type":"command","resources":{"instance_type":"Standard_D4s_v5"}},"train":{"type":"command","resources":{"instance_type":"Standard_D4s_v5","instance_count":1}}}}}`,
			compute, &event.Compute{Service: "aml", Size: "Standard_D4s_v5", Count: 2}},
		{"Batch pool", "Microsoft.Batch/batchAccounts/pools/write", rg + "Microsoft.Batch/batchAccounts/ba/pools/p1",
			`{"properties":{"vmSize":"STANDARD_D2S_V3","vmSize":"STANDARD_NC6S_V3","scaleSettings":{"fixedScale":{"targetDedicatedNodes":1,"targetDedicatedNodes":30}}}}`,
			compute, &event.Compute{Service: "batch", Size: "STANDARD_NC6S_V3", Count: 30}},
		{"container group", "Microsoft.ContainerInstance/containerGroups/write", rg + "Microsoft.ContainerInstance/containerGroups/cg",
			`{"properties":{"containers":[{"name":"c","properties":{"resources":{"requests":{"cpu":1,"gpu":{"count":1,"sku":"K80","count":4,"sku":"V100"}}}}}],"priority":"Spot","priority":"Regular"}}`,
			compute, &event.Compute{Service: "aci", Count: 1, GPUs: 4, GPUSKU: "V100", CPUs: 1, Priority: "Regular"}},
		{"AKS node pool", "Microsoft.ContainerService/managedClusters/agentPools/write", rg + "Microsoft.ContainerService/managedClusters/aks1/agentPools/gpu",
			`{"properties":{"vmSize":"Standard_D4s_v5","vmSize":"Standard_NC24ads_A100_v4","count":1,"count":12,"enableAutoScaling":true,"enableAutoScaling":false,"maxCount":90}}`,
			compute, &event.Compute{Service: "aks", Size: "Standard_NC24ads_A100_v4", Count: 12}},
		{"AKS cluster: its pools written twice", "Microsoft.ContainerService/managedClusters/write", rg + "Microsoft.ContainerService/managedClusters/aks1",
			`{"properties":{"agentPoolProfiles":[{"name":"sys","count":3,"vmSize":"Standard_D4s_v5"}],"agentPoolProfiles":[{"name":"sys","count":3,"vmSize":"Standard_D4s_v5"},{"name":"gpu","count":6,"vmSize":"Standard_NV36ads_A10_v5"}]}}`,
			compute, &event.Compute{Service: "aks", Size: "Standard_NV36ads_A10_v5", Count: 6}},
		{"Container Apps environment", "Microsoft.App/managedEnvironments/write", rg + "Microsoft.App/managedEnvironments/cae",
			`{"properties":{"workloadProfiles":[{"name":"Consumption","workloadProfileType":"Consumption"}],"workloadProfiles":[{"name":"gpu","workloadProfileType":"NC24-A100","maximumCount":4}]}}`,
			compute, &event.Compute{Service: "aca", Size: "NC24-A100", Count: 4}},
		{"App Service plan: a Consumption sku hiding thirty P5mv3 workers", "Microsoft.Web/serverfarms/write", rg + "Microsoft.Web/serverfarms/asp1",
			`{"sku":{"name":"Y1","tier":"Dynamic","capacity":1,"name":"P5mv3","tier":"PremiumMV3","capacity":30},"kind":"linux"}`,
			compute, &event.Compute{Service: "appservice", Size: "P5mv3", Count: 30}},
		{"Service Fabric node type: size, count and Spot written twice", "Microsoft.ServiceFabric/managedClusters/nodeTypes/write", rg + "Microsoft.ServiceFabric/managedClusters/sfmc/nodeTypes/nt",
			`{"properties":{"vmSize":"Standard_D2s_v5","vmInstanceCount":1,"isSpotVM":true,"vmSize":"Standard_NC24ads_A100_v4","vmInstanceCount":20,"isSpotVM":false}}`,
			compute, &event.Compute{Service: "sf", Size: "Standard_NC24ads_A100_v4", Count: 20}},
		{"Service Fabric node type: its sku's capacity written twice", "Microsoft.ServiceFabric/managedClusters/nodeTypes/write", rg + "Microsoft.ServiceFabric/managedClusters/sfmc/nodeTypes/nt",
			`{"sku":{"capacity":1,"capacity":40}}`,
			compute, &event.Compute{Service: "sf", Count: 40}},
		{"autoscale setting: a disabled minimum of one on API Management, then two hundred on a scale set", "microsoft.insights/autoscalesettings/write", rg + "microsoft.insights/autoscalesettings/as1",
			`{"properties":{"enabled":false,"targetResourceUri":"` + rg + `Microsoft.ApiManagement/service/apim","profiles":[{"name":"p","capacity":{"minimum":"1","maximum":"1","default":"1"}}],` +
				`"Enabled":true,"targetResourceUri":"` + rg + `Microsoft.Compute/virtualMachineScaleSets/ss1","profiles":[{"name":"p","capacity":{"minimum":"1","maximum":"1","default":"1","Minimum":"200","maximum":"200"}}]}}`,
			compute, &event.Compute{Service: "vmss", Count: 200, Target: strings.ToLower(rg + "Microsoft.Compute/virtualMachineScaleSets/ss1")}},
		{"autoscale setting: the target's region written twice", "microsoft.insights/autoscalesettings/write", rg + "microsoft.insights/autoscalesettings/as1",
			`{"location":"eastus","properties":{"targetResourceUri":"` + rg + `Microsoft.Compute/virtualMachineScaleSets/ss1","targetResourceLocation":"eastus","targetResourceLocation":"brazilsouth","profiles":[{"name":"p","capacity":{"minimum":"5","maximum":"5","default":"5"}}]}}`,
			func(e *event.Event) any { return e.Region }, "brazilsouth"},
		{"VM extension", "Microsoft.Compute/virtualMachines/extensions/write", rg + "Microsoft.Compute/virtualMachines/vm1/extensions/setup",
			`{"properties":{"publisher":"Microsoft.Azure.Extensions","type":"CustomScript","publisher":"Microsoft.HpcCompute","type":"NvidiaGpuDriverLinux"}}`,
			func(e *event.Event) any { return e.Extension },
			&event.Extension{Publisher: "Microsoft.HpcCompute", Type: "NvidiaGpuDriverLinux", Name: "setup"}},
		{"scale set's extensions written twice", vmss, rg + "Microsoft.Compute/virtualMachineScaleSets/ss1",
			`{"sku":{"name":"Standard_NC6s_v3","capacity":2},"properties":{"virtualMachineProfile":{"extensionProfile":{"extensions":[{"name":"mon","properties":{"publisher":"Microsoft.Azure.Monitor","type":"AzureMonitorLinuxAgent"}}],"extensions":[{"name":"miner","properties":{"publisher":"Microsoft.Azure.Extensions","type":"CustomScript"}}]}}}}`,
			func(e *event.Event) any { return e.Extension },
			&event.Extension{Publisher: "Microsoft.Azure.Extensions", Type: "CustomScript", Name: "miner"}},
		{"quota request", "Microsoft.Quota/quotas/write", sub + "/providers/Microsoft.Compute/locations/eastus/providers/Microsoft.Quota/quotas/standardNDASv4Family",
			`{"properties":{"limit":{"limitObjectType":"LimitValue","value":10,"value":960},"name":{"value":"standardNDASv4Family"}}}`,
			func(e *event.Event) any { return e.Quota },
			&event.Quota{Source: "quota", Region: "eastus", Family: "standardNDASv4Family", Limit: 960}},
		{"service limit request", "Microsoft.Capacity/resourceProviders/locations/serviceLimits/write", sub + "/providers/Microsoft.Capacity/resourceProviders/Microsoft.Compute/locations/westus2/serviceLimits/standardNCSv3Family",
			`{"properties":{"limit":12,"limit":480,"name":{"value":"standardNCSv3Family"}}}`,
			func(e *event.Event) any { return e.Quota },
			&event.Quota{Source: "capacity", Region: "westus2", Family: "standardNCSv3Family", Limit: 480}},
		{"support ticket: the payload, JSON in a string, written twice over", "Microsoft.Support/supportTickets/write", sub + "/providers/Microsoft.Support/supportTickets/t1",
			`{"properties":{"quotaTicketDetails":{"quotaChangeRequests":[{"region":"EastUS","payload":"{\"SKU\":\"DSv3 Series\",\"NewLimit\":10,\"SKU\":\"NCADSA100v4 Series\",\"NewLimit\":500}"}]}}}`,
			func(e *event.Event) any { return e.Quota },
			&event.Quota{Source: "support", Region: "eastus", Family: "NCADSA100v4 Series", Limit: 500}},
		{"role assignment: Reader written, then Owner", "Microsoft.Authorization/roleAssignments/write", sub + "/providers/Microsoft.Authorization/roleAssignments/0b6a2f4e-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
			`{"Properties":{"RoleDefinitionId":"` + sub + `/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7","RoleDefinitionId":"` + sub + `/providers/Microsoft.Authorization/roleDefinitions/` + owner + `","PrincipalId":"5a1f0c3e-8b2d-4e6f-9a7c-1d3e5f7a9b0c","Scope":"` + sub + `"}}`,
			func(e *event.Event) any { return e.Role },
			&event.RoleAssignment{RoleDefinitionID: owner, RoleName: "Owner", PrincipalID: "5a1f0c3e-8b2d-4e6f-9a7c-1d3e5f7a9b0c", Scope: sub}},
		{"tenant change request", "Microsoft.Subscription/changeTenantRequest/write", sub + "/providers/Microsoft.Subscription/changeTenantRequest/default",
			`{"properties":{"destinationTenantId":"11111111-2222-4333-8444-555555555555","destinationTenantId":"99999999-8888-4777-8666-555555555555"}}`,
			func(e *event.Event) any { return e.TenantChange.To }, "99999999-8888-4777-8666-555555555555"},
		{"public address", "Microsoft.Network/publicIPAddresses/write", rg + "Microsoft.Network/publicIPAddresses/pip1",
			`{"properties":{"ipAddress":"20.1.2.3","ipAddress":"52.4.5.6"}}`,
			func(e *event.Event) any { return e.PublicAddrs }, []netip.Prefix{netip.MustParsePrefix("52.4.5.6/32")}},
		{"region of a record that names none but its body's", "Microsoft.Compute/virtualMachines/write", rg + "Microsoft.Compute/virtualMachines/vm1",
			`{"location":"westeurope","location":"australiaeast","properties":{"hardwareProfile":{"vmSize":"Standard_NC6s_v3"}}}`,
			func(e *event.Event) any { return e.Region }, "australiaeast"},
	} {
		rec := `{"time":"2026-03-14T03:09:27Z","resourceId":"` + c.id + `","operationName":"` + c.op + `","category":"Write","resultType":"Start",` +
			`"properties":{"requestbody":` + strconv.Quote(c.body) + `}}`
		v := fastjson.MustParse(rec)
		evs, err := Decode(&record.Scratch{}, v, shapeDiag, nil)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v, %d events", c.name, err, len(evs))
		}
		if diff := cmp.Diff(c.want, c.got(&evs[0]), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestLastOfEach: of a map's key written twice only the last member is
// read, in a map of a few members and in one large enough to be indexed;
// keys differing in case are two keys.
func TestLastOfEach(t *testing.T) {
	t.Parallel()
	for _, n := range []int{3, 40} {
		var doc, want []string
		for i := range n {
			doc = append(doc, fmt.Sprintf(`"k%d":%d`, i, i))
			if i != 1 {
				want = append(want, fmt.Sprintf("k%d=%d", i, i))
			}
		}
		doc = append(doc, `"k1":-1`, `"K2":-2`)
		want = append(want, "k1=-1", "K2=-2")
		var got []string
		lastOfEach(fastjson.MustParse("{"+strings.Join(doc, ",")+"}"), func(name []byte, v *fastjson.Value) bool {
			got = append(got, string(name)+"="+v.String())
			return true
		})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d members (-want +got):\n%s", n, diff)
		}
	}
}

// TestBodyRegionNamedInAnyCase: a Start record names no region but its
// body's, which Azure reads in any case and however escaped; so does the
// decode, and a body that names none leaves the region empty.
func TestBodyRegionNamedInAnyCase(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"Location":"brazilsouth","properties":{"hardwareProfile":{"vmSize":"Standard_NC6s_v3"}}}`: "brazilsouth",
		`{"LOCATION":"brazilsouth"}`:      "brazilsouth",
		`{"loc\u0061tion":"brazilsouth"}`: "brazilsouth",
		`{"properties":{"hardwareProfile":{"vmSize":"Standard_NC6s_v3"}},"tags":{"site":"location"}}`:       "",
		`{"properties":{"hardwareProfile":{"vmSize":"Standard_NC6s_v3"}},"tags":{"old location":"eastus"}}`: "",
	} {
		rec := `{"time":"2026-03-14T03:09:27Z","resourceId":"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",` +
			`"operationName":"Microsoft.Compute/virtualMachines/write","category":"Write","resultType":"Start","properties":{"requestbody":` + strconv.Quote(body) + `}}`
		evs, err := Decode(&record.Scratch{}, fastjson.MustParse(rec), shapeDiag, nil)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v, %d events", body, err, len(evs))
		}
		if got := evs[0].Region; got != want {
			t.Errorf("%s: region %q, want %q", body, got, want)
		}
	}
}
