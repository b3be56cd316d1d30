package activitylog

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
)

// started reads a start of machines that exist (event.StartsCompute): a
// Compute with the service and what the record says of the count, its
// Target the resource itself, which the hunt settles at its end with the
// size and capacity the resource's own writes named
// (enrich.Enricher.LateRequest). The record names no size: a start is an
// action with at most a list of instances (Learn REST API, "Virtual
// Machine Scale Sets - Start": VirtualMachineScaleSetVMInstanceIDs,
// instanceIds, "omitting ... will result in the operation being performed
// on all virtual machines in the virtual machine scale set").
//
// A VM, a scale-set instance and an Azure ML compute instance (the only
// Azure ML compute that starts: a cluster scales itself) are one machine.
// A scale set started whole and an AKS cluster are as many as the hunt
// learns they hold: Count 0 until then, never guessed as one.
func started(b *bodies, e *event.Event) *event.Compute {
	c := &event.Compute{Target: e.ResourceID}
	switch e.Operation {
	case event.OpStartVM:
		c.Service, c.Count = svcVM, 1
	case event.OpStartVMSSVM:
		c.Service, c.Count = svcVMSS, 1
	case event.OpStartVMSS:
		c.Service = svcVMSS
		// Only the request may list them; an instance id repeated is
		// started once.
		seen := map[string]bool{}
		for _, id := range b.array("instanceIds") {
			if s := b.sc.Str(id); s != "" && !seen[s] && len(seen) < maxStartIDs {
				seen[s] = true
			}
		}
		c.Count = len(seen)
	case event.OpStartAML:
		c.Service, c.Count = svcAML, 1
	case event.OpStartAKS:
		c.Service = svcAKS
	default:
		return nil
	}
	return c
}

// maxStartIDs bounds the instance ids a start's body is read for: a scale
// set holds at most 1,000 instances (Flexible orchestration), and a body
// listing more says nothing more.
const maxStartIDs = 1000

// clusterJob reads a command or sweep job submitted to a compute of its
// workspace (computeId names it: a cluster, or an attached Kubernetes
// cluster). The job creates no machine: the cluster's write asked for
// them, counted then at its maximum node count, and a job on it is no
// compute create (Count 0: no rule on creates counts it, as none did when
// the reader gave it no Compute). But a cluster that idles at zero nodes
// is capacity waiting, and a job asking for 50 of them wakes them: the
// same as starting deallocated machines. So the job is read as a start of
// its cluster (Target, the cluster's id once the event's is known:
// clusterTarget), asking for Wakes machines (instanceCount, a sweep's
// trial's, times its concurrent trials), which the hunt bounds by the
// cluster's maximum and prices at its size when it read the cluster's
// write (enrich's lateStart); unread, they are machines of unknown size.
func clusterJob(b *bodies, computeID string) *event.Compute {
	trial := b.count("properties", "resources", "instanceCount") == 0 && b.count("properties", "trial", "resources", "instanceCount") > 0
	return &event.Compute{Service: svcAML, Target: computeID, Wakes: jobMachines(b, trial)}
}

// clusterTarget turns a cluster job's computeId into the resource id of
// the workspace compute it names, lower case: an ARM id as it is, a name
// ("azureml:gpu-cluster", "gpu-cluster") under the job's own workspace.
func clusterTarget(jobID, computeID string) string {
	id := strings.ToLower(strings.TrimRight(strings.TrimSpace(computeID), "/"))
	if strings.HasPrefix(id, "/subscriptions/") {
		return id
	}
	id = strings.TrimPrefix(id, "azureml:")
	ws, _, ok := strings.Cut(jobID, "/jobs/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return ""
	}
	return ws + "/computes/" + id
}
