package activitylog

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestStartedMachines: a start of machines that exist is read as a
// Compute whose target is the started resource, so that the hunt prices
// it from the resource's writes: a VM, a scale-set instance and an Azure
// ML compute instance are one machine; a scale set started for the
// instances its request lists is as many (each once); one started whole,
// and an AKS cluster, count none until the hunt learns them; a restart
// and a deallocate are no start.
func TestStartedMachines(t *testing.T) {
	t.Parallel()
	const sub = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-gpu/providers/"
	// The diagnostic-settings shape: ARM actions are top-level category
	// Action, and their Start record has at most the request.
	rec := func(op, id, body string) string {
		props := `{"eventCategory":"Administrative","entity":"` + id + `","message":"` + op + `"}`
		if body != "" {
			props = `{"eventCategory":"Administrative","requestbody":` + body + `}`
		}
		return `{"time":"2026-03-14T22:00:00.0000000Z","resourceId":"` + strings.ToUpper(id) + `","operationName":"` + strings.ToUpper(op) + `","category":"Action",` +
			`"resultType":"Start","resultSignature":"Started.","correlationId":"6b1d6f4e-0a8e-4c53-9a57-2f8f2c0e3d11","properties":` + props + `}`
	}
	vm := sub + "Microsoft.Compute/virtualMachines/gpu-01"
	vmss := sub + "Microsoft.Compute/virtualMachineScaleSets/train-a100"
	inst := vmss + "/virtualMachines/3"
	ci := sub + "Microsoft.MachineLearningServices/workspaces/ws/computes/ci-gpu"
	aks := sub + "Microsoft.ContainerService/managedClusters/aks-gpu"
	low := strings.ToLower
	for _, c := range []struct {
		name, rec string
		want      *event.Compute
	}{
		{"a deallocated VM started", rec("Microsoft.Compute/virtualMachines/start/action", vm, ""), &event.Compute{Service: "vm", Count: 1, Target: low(vm)}},
		{"a scale set started whole", rec("Microsoft.Compute/virtualMachineScaleSets/start/action", vmss, ""), &event.Compute{Service: "vmss", Target: low(vmss)}},
		{"a scale set started for three instances, one named twice", rec("Microsoft.Compute/virtualMachineScaleSets/start/action", vmss, `"{\"instanceIds\":[\"0\",\"1\",\"4\",\"1\"]}"`), &event.Compute{Service: "vmss", Count: 3, Target: low(vmss)}},
		{"a body that lists none starts them all", rec("Microsoft.Compute/virtualMachineScaleSets/start/action", vmss, `"{\"instanceIds\":[]}"`), &event.Compute{Service: "vmss", Target: low(vmss)}},
		{"one scale-set instance", rec("Microsoft.Compute/virtualMachineScaleSets/virtualMachines/start/action", inst, ""), &event.Compute{Service: "vmss", Count: 1, Target: low(inst)}},
		{"an Azure ML compute instance", rec("Microsoft.MachineLearningServices/workspaces/computes/start/action", ci, ""), &event.Compute{Service: "aml", Count: 1, Target: low(ci)}},
		{"a stopped AKS cluster", rec("Microsoft.ContainerService/managedClusters/start/action", aks, ""), &event.Compute{Service: "aks", Target: low(aks)}},
		{"a restart is no start", rec("Microsoft.Compute/virtualMachines/restart/action", vm, ""), nil},
		{"a deallocate is no start", rec("Microsoft.Compute/virtualMachines/deallocate/action", vm, ""), nil},
	} {
		checkCompute(t, c.name, c.rec, c.want)
	}
}
