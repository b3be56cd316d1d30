package event

// StartsCompute reports whether an operation (lower case) starts machines
// that exist already: a deallocated VM, a scale set or one of its
// instances, an Azure ML compute instance, a stopped AKS cluster. Such a
// start creates nothing, so CreatesCompute leaves it out (the hunt's NOT
// JUDGED counts creates only); its record names no size, which the hunt
// learns from the resource's own writes (enrich.Enricher.LateRequest).
// Restarts are not starts: the machine was running.
func StartsCompute(op string) bool {
	switch op {
	case OpStartVM, OpStartVMSS, OpStartVMSSVM, OpStartAML, OpStartAKS:
		return true
	}
	return false
}

// The start actions, as events carry their operation (Learn REST API:
// "Virtual Machines - Start", "Virtual Machine Scale Sets - Start",
// "Virtual Machine Scale Set VMs - Start", "Compute - Start" of Azure
// Machine Learning, "Managed Clusters - Start" of AKS).
const (
	OpStartVM     = "microsoft.compute/virtualmachines/start/action"
	OpStartVMSS   = "microsoft.compute/virtualmachinescalesets/start/action"
	OpStartVMSSVM = "microsoft.compute/virtualmachinescalesets/virtualmachines/start/action"
	OpStartAML    = "microsoft.machinelearningservices/workspaces/computes/start/action"
	OpStartAKS    = "microsoft.containerservice/managedclusters/start/action"
)
