package event

import "strings"

// autoscaleTargets are the resource types an Azure Monitor autoscale
// setting scales whose instances mamori counts as compute, with the
// service (Compute.Service) it counts them as. Autoscale also scales API
// Management, Service Bus and other services' units: no machines of the
// tenant's code, no compute. The Activity Log reader names a setting's
// service from this list and enrichment learns the writes of these types
// (their size, their instances): one list, so the two cannot disagree on
// which targets count.
var autoscaleTargets = [...]struct{ typ, service string }{
	{"microsoft.compute/virtualmachinescalesets", "vmss"},
	{"microsoft.web/serverfarms", "appservice"},
	{"microsoft.servicefabric/managedclusters/nodetypes", "sf"},
	// An Azure ML managed online endpoint's deployment: its instances.
	{"microsoft.machinelearningservices/workspaces/onlineendpoints/deployments", "aml"},
}

// AutoscaleService is the service mamori counts the instances of a
// resource of type typ (lower case) as when an autoscale setting scales
// it, "" for a type that is no compute.
func AutoscaleService(typ string) string {
	for _, t := range autoscaleTargets {
		if typ == t.typ {
			return t.service
		}
	}
	return ""
}

// WritesAutoscaleTarget reports whether an operation (lower case, as
// events carry it) is the write of a resource an autoscale setting may
// scale and whose instances mamori counts.
func WritesAutoscaleTarget(op string) bool {
	typ, ok := strings.CutSuffix(op, "/write")
	return ok && AutoscaleService(typ) != ""
}
