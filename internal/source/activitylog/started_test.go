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

// TestClusterJobs: an Azure ML job on a cluster of its workspace is read
// as a start of that cluster asking for the machines the job runs on at
// once: a sweep's trials times each trial's instances, bounded by its
// total; the cluster named by id, by azureml: name or by bare name.
func TestClusterJobs(t *testing.T) {
	t.Parallel()
	const (
		jobs    = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/jobs/"
		cluster = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourcegroups/rg-ml/providers/microsoft.machinelearningservices/workspaces/mlw1/computes/a100-cluster"
	)
	rec := func(id, props string) string {
		return `{"time":"2026-03-14T22:00:00Z","resourceId":"` + jobs + id + `","operationName":"MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/JOBS/WRITE","category":"Write","resultType":"Start",` +
			`"properties":{"requestbody":"{\"properties\":` + strings.ReplaceAll(props, `"`, `\"`) + `}"}}`
	}
	for _, c := range []struct {
		name, rec string
		want      *event.Compute
	}{
		{"a 50-node distributed PyTorch job on the data team's cluster",
			rec("j1", `{"jobType":"Command","computeId":"`+strings.ToUpper(cluster)+`","resources":{"instanceCount":50},"distribution":{"distributionType":"PyTorch"}}`),
			&event.Compute{Service: "aml", Target: cluster, Wakes: 50}},
		{"a sweep of 20 concurrent two-node trials, named azureml:",
			rec("j2", `{"jobType":"Sweep","computeId":"azureml:a100-cluster","trial":{"resources":{"instanceCount":2}},"limits":{"maxConcurrentTrials":20,"maxTotalTrials":100}}`),
			&event.Compute{Service: "aml", Target: cluster, Wakes: 40}},
		{"a sweep of 8 trials in all runs no more than 8 at once, named by name",
			rec("j3", `{"jobType":"Sweep","computeId":"a100-cluster","limits":{"maxConcurrentTrials":20,"maxTotalTrials":8}}`),
			&event.Compute{Service: "aml", Target: cluster, Wakes: 8}},
		{"a job naming no count runs on one node",
			rec("j4", `{"jobType":"Command","computeId":"a100-cluster"}`),
			&event.Compute{Service: "aml", Target: cluster, Wakes: 1}},
	} {
		checkCompute(t, c.name, c.rec, c.want)
	}
}
