package activitylog

import (
	"strconv"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// An Instance Mix scale set (sku.name "Mix") is read by the sizes its
// skuProfile lists: the one that mines best, wherever it is listed, counted
// at sku.capacity; Spot instances are low priority, less the regular ones
// a Spot Priority Mix policy keeps. Read as it was, the size was "Mix":
// no GPUs, no price.
func TestInstanceMixScaleSets(t *testing.T) {
	t.Parallel()
	const vmss = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/mix1"
	for _, c := range []struct {
		name, body string
		want       event.Compute
	}{
		{"Spot H100 listed after two CPU sizes",
			`{"location":"eastus","sku":{"name":"Mix","capacity":39},"properties":{"orchestrationMode":"Flexible","skuProfile":{"vmSizes":[{"name":"Standard_D96as_v5"},{"name":"Standard_F72s_v2"},{"name":"Standard_ND96isr_H100_v5"}],"allocationStrategy":"CapacityOptimized"},"virtualMachineProfile":{"priority":"Spot"}}}`,
			event.Compute{Service: "vmss", Size: "Standard_ND96isr_H100_v5", Count: 39, LowPri: 39, Priority: "Spot"}},
		{"sku name in another case, CPU sizes: the most vCPUs",
			`{"sku":{"name":"mix","capacity":"12"},"properties":{"skuProfile":{"vmSizes":[{"name":"Standard_D4s_v5","rank":0},{"name":"Standard_D16s_v5","rank":1},{"name":"Standard_D8s_v5","rank":2}],"allocationStrategy":"Prioritized"}}}`,
			event.Compute{Service: "vmss", Size: "Standard_D16s_v5", Count: 12}},
		{"Spot Priority Mix: 10 regular, then 25% of the other 90 regular",
			`{"sku":{"name":"Mix","capacity":100},"properties":{"priorityMixPolicy":{"baseRegularPriorityCount":10,"regularPriorityPercentageAboveBase":25},"skuProfile":{"vmSizes":[{"name":"Standard_NC24ads_A100_v4"}]},"virtualMachineProfile":{"priority":"Spot"}}}`,
			event.Compute{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 100, LowPri: 67, Priority: "Spot"}},
		{"Spot Priority Mix on a single-size scale set, base larger than the capacity",
			`{"sku":{"name":"Standard_D4s_v5","capacity":5},"properties":{"priorityMixPolicy":{"baseRegularPriorityCount":8},"virtualMachineProfile":{"priority":"Spot"}}}`,
			event.Compute{Service: "vmss", Size: "Standard_D4s_v5", Count: 5, Priority: "Spot"}},
		{"Mix without its sizes (a capacity PATCH): size unknown, not \"Mix\"",
			`{"sku":{"name":"Mix","capacity":300}}`,
			event.Compute{Service: "vmss", Count: 300}},
		{"Mix listing sizes the table lacks: the first, counted",
			`{"sku":{"name":"Mix","capacity":4},"properties":{"skuProfile":{"vmSizes":[{"name":"Custom_Q1"},{"name":"Custom_Q2"}]}}}`,
			event.Compute{Service: "vmss", Size: "Custom_Q1", Count: 4}},
	} {
		rec := `{"time":"2026-03-14T03:09:27Z","resourceId":"` + vmss + `","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE","category":"Write","resultType":"Start",` +
			`"properties":{"requestbody":` + strconv.Quote(c.body) + `}}`
		checkCompute(t, c.name, rec, &c.want)
	}
}

// A Compute Fleet's write (azurefleet 2024-11-01) is a compute create of
// its Spot plus regular capacity, the Spot part low priority, by the size
// of its vmSizesProfile that mines best.
func TestComputeFleets(t *testing.T) {
	t.Parallel()
	const id = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg/providers/Microsoft.AzureFleet/fleets/f1"
	for _, c := range []struct {
		name, rec string
		want      event.Compute
	}{
		{"500 Spot and 100 regular, A100 and H100 sizes (request in a string)",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + id + `","operationName":"MICROSOFT.AZUREFLEET/FLEETS/WRITE","category":"Write","resultType":"Start","properties":{"requestbody":` +
				strconv.Quote(`{"location":"westus3","properties":{"spotPriorityProfile":{"capacity":500,"minCapacity":100,"evictionPolicy":"Delete","allocationStrategy":"PriceCapacityOptimized","maintain":true},"regularPriorityProfile":{"capacity":100,"minCapacity":10,"allocationStrategy":"LowestPrice"},"vmSizesProfile":[{"name":"Standard_NC24ads_A100_v4"},{"name":"Standard_ND96isr_H100_v5"}],"computeProfile":{"baseVirtualMachineProfile":{},"computeApiVersion":"2023-09-01"}}}`) + `}}`,
			event.Compute{Service: "fleet", Size: "Standard_ND96isr_H100_v5", Count: 600, LowPri: 500}},
		{"Spot only, the response object (REST)",
			`{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"` + id + `","operationName":{"value":"Microsoft.AzureFleet/fleets/write"},"status":{"value":"Succeeded"},"properties":{"responseBody":` +
				strconv.Quote(`{"properties":{"provisioningState":"Creating","spotPriorityProfile":{"capacity":2},"vmSizesProfile":[{"name":"Standard_D2s_v3"},{"name":"Standard_D4s_v3"},{"name":"Standard_E2s_v3"}]}}`) + `}}`,
			event.Compute{Service: "fleet", Size: "Standard_D4s_v3", Count: 2, LowPri: 2, Priority: "Spot"}},
		{"attributes only, no size: counted, size unknown",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + id + `","operationName":"Microsoft.AzureFleet/fleets/write","category":"Write","resultType":"Start","properties":{"requestbody":` +
				strconv.Quote(`{"properties":{"regularPriorityProfile":{"capacity":40},"vmAttributes":{"vCpuCount":{"min":64},"memoryInGiB":{"min":0},"acceleratorSupport":"Required"}}}`) + `}}`,
			event.Compute{Service: "fleet", Count: 40}},
		{"no body: the service only",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + id + `","operationName":"Microsoft.AzureFleet/fleets/write","category":"Write","resultType":"Success","properties":{}}`,
			event.Compute{Service: "fleet", NoBody: true}},
	} {
		checkCompute(t, c.name, c.rec, &c.want)
	}
}

// A Compute Fleet's base VM profile installs extensions on every VM it
// makes, as a scale set's model does: a GPU driver there is read.
func TestComputeFleetExtensions(t *testing.T) {
	t.Parallel()
	rec := `{"time":"2026-03-14T03:09:27Z","resourceId":"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg/providers/Microsoft.AzureFleet/fleets/f1","operationName":"Microsoft.AzureFleet/fleets/write","category":"Write","resultType":"Start","properties":{"requestbody":` +
		strconv.Quote(`{"properties":{"regularPriorityProfile":{"capacity":8},"vmSizesProfile":[{"name":"Standard_NC24ads_A100_v4"}],"computeProfile":{"baseVirtualMachineProfile":{"extensionProfile":{"extensions":[{"name":"mon","properties":{"publisher":"Microsoft.Azure.Monitor","type":"AzureMonitorLinuxAgent"}},{"name":"gpu","properties":{"publisher":"Microsoft.HpcCompute","type":"NvidiaGpuDriverLinux"}}]}}}}}`) + `}}`
	v := fastjson.MustParse(rec)
	shape, _ := Detect(v, record.Hint{Format: "json"})
	evs, err := Decode(&record.Scratch{}, v, shape, nil)
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v, %d events", err, len(evs))
	}
	if x := evs[0].Extension; x == nil || x.Type != "NvidiaGpuDriverLinux" || x.Publisher != "Microsoft.HpcCompute" {
		t.Errorf("extension %+v, want the NVIDIA driver", x)
	}
}
