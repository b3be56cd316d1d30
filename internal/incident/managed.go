package incident

import (
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// An Azure Databricks cluster's machines are VMs Azure Databricks writes
// under its own application; the workspace's clusters log names the
// person who asked for them. One hunt over both logs counts the machines
// once, under the person (enrich.Enricher.Managed passes over the VM
// writes before any rule sees them). A service reads the two logs in
// different cycles, as they come: a cycle that reads the VM writes before
// the request can only alert on them under the application, and the
// store keeps those alerts and creates. Grouped again over the store,
// they would price the cluster twice (41 machines under the person and
// 41 under the application for a cluster of 40 workers). managedVMs
// finds, by the same rule the hunt applies, the VMs that requests among
// the alerts and creates count already; BuildMarked passes over them.

// managedVMs is the VMs (resource id, lower case) Azure Databricks wrote
// for clusters whose requests, among the alerts' compute and the
// creates, ask for at least as many machines as the cluster has VMs:
// enrich.Enricher.Managed's rule. More VMs than asked for (the cluster
// grew under load, was started again) stay counted, as in a hunt.
func managedVMs(alerts []alert.Alert, created []Created) map[string]bool {
	var asked []alert.Compute
	vms := map[string]map[string]bool{} // cluster -> its VMs
	note := func(c alert.Compute) {
		switch {
		case c.Cluster == "":
		case c.Service == "databricks":
			asked = append(asked, c)
		case c.Resource != "":
			if vms[c.Cluster] == nil {
				vms[c.Cluster] = map[string]bool{}
			}
			vms[c.Cluster][strings.ToLower(c.Resource)] = true
		}
	}
	for i := range alerts {
		for _, c := range alerts[i].Compute {
			note(c)
		}
	}
	for i := range created[:min(len(created), MaxCreated)] {
		note(created[i].Compute)
	}
	if len(asked) == 0 || len(vms) == 0 {
		return nil
	}
	// Each request once (its records and alerts repeat it), known by its
	// operation, and a cluster's requests summed, as the hunt counts them
	// (enrich's clusterAsk): a create of 10 workers and a resize to 40
	// ask for 50.
	for i := range asked {
		if asked[i].Operation != "" {
			asked[i].Resource = ""
		}
	}
	machines := map[string]int{}
	for _, c := range mergeCompute(asked) {
		machines[c.Cluster] += max(c.Count, 0)
	}
	var out map[string]bool
	for cluster, ids := range vms {
		if n, ok := machines[cluster]; !ok || len(ids) > n {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		for id := range ids {
			out[id] = true
		}
	}
	return out
}

// passedOver reports whether an alert is only of VMs managed counts:
// every record it names (as far as its evidence lists them) a VM write,
// and every resource one of those VMs. Its hits would not have reached a
// rule in a hunt that read the request first.
func passedOver(a *alert.Alert, managed map[string]bool) bool {
	if len(managed) == 0 || len(a.Resources) == 0 || len(a.Evidence) == 0 {
		return false
	}
	for _, ev := range a.Evidence {
		if ev.Operation != event.OpVMWrite {
			return false
		}
	}
	for _, r := range a.Resources {
		if !managed[strings.ToLower(r)] {
			return false
		}
	}
	return true
}

// managedVM reports whether c is the create of a VM managed counts.
func managedVM(c alert.Compute, managed map[string]bool) bool {
	return c.Service != "databricks" && c.Resource != "" && managed[strings.ToLower(c.Resource)]
}

// withoutManaged is cs without the creates of VMs managed counts: cs
// itself when it has none, else a copy.
func withoutManaged(cs []alert.Compute, managed map[string]bool) []alert.Compute {
	isManaged := func(c alert.Compute) bool { return managedVM(c, managed) }
	if len(managed) == 0 || !slices.ContainsFunc(cs, isManaged) {
		return cs
	}
	return slices.DeleteFunc(slices.Clone(cs), isManaged)
}
