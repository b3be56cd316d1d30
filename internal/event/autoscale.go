package event

import (
	"net/netip"
	"strings"
	"time"
)

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

// The records Azure Monitor autoscale writes of its own actions, under
// its own name (category Autoscale, caller
// Microsoft.Insights/autoscaleSettings), on the setting's resource id.
// Each action is logged twice: initiated, and completed (the *Result
// operations), both naming the target's instances before and after
// (OldInstancesCount, NewInstancesCount). Learn lists the six in the
// Microsoft.Insights operations ("Azure permissions for Monitor":
// "Autoscale scale up initiated", "Autoscale scale up completed", …).
const (
	opScaleUp                 = "microsoft.insights/autoscalesettings/scaleup/action"
	opScaleUpResult           = "microsoft.insights/autoscalesettings/scaleupresult/action"
	opPredictiveScaleUp       = "microsoft.insights/autoscalesettings/predictivescaleup/action"
	opPredictiveScaleUpResult = "microsoft.insights/autoscalesettings/predictivescaleupresult/action"
	opScaleDown               = "microsoft.insights/autoscalesettings/scaledown/action"
	opScaleDownResult         = "microsoft.insights/autoscalesettings/scaledownresult/action"
)

// IsAutoscaleAction reports whether an operation (lower case) is one of
// autoscale's records of its own scale actions, initiated or completed,
// out or in.
func IsAutoscaleAction(op string) bool {
	switch op {
	case opScaleUp, opScaleUpResult, opPredictiveScaleUp, opPredictiveScaleUpResult, opScaleDown, opScaleDownResult:
		return true
	}
	return false
}

// AutoscaleCompleted reports whether an autoscale action's operation is
// the record of the action done (scale up, predictive scale up or scale
// down completed): one per action, so that an action's instances are read
// once, not again from the record of its start.
func AutoscaleCompleted(op string) bool {
	return op == opScaleUpResult || op == opPredictiveScaleUpResult || op == opScaleDownResult
}

// AutoscaleGrows reports whether an operation is the completion of a
// scale-out, whose new instances are compute the target gained.
func AutoscaleGrows(op string) bool {
	return op == opScaleUpResult || op == opPredictiveScaleUpResult
}

// ScaleCredit is what the end of a hunt makes of autoscale's completed
// action on a target (enrich.Enricher.LateScale): the instances it counts
// for (Added), whom they are credited to (Writer, the principal who last
// wrote the setting before it; empty when the hunt read no such write),
// and the target's id, size, region and service as the hunt learned them
// ("" when it did not).
type ScaleCredit struct {
	Added                         int
	Writer                        Principal
	Target, Size, Region, Service string
}

// ScaleWrite is a principal's write of an autoscale target: its Start
// record's time and the instances it asked for; ids in lower case. What
// enrichment learns of them (enrich.Learned) a service keeps in its store
// (store.Learned) between cycles.
type ScaleWrite struct {
	Target, Principal string
	At                time.Time
	Count             int
}

// StartWrite is what the writes of a resource machines are started from
// (a VM, a scale set, an Azure ML compute, an AKS cluster) named: its
// size and count, each with the time of the write that named it ("" and 0
// when none did), and its region; its id in lower case. What enrichment
// learns of them (enrich.Learned) a service keeps in its store between
// runs, so that a start read after a restart is sized by a write read
// before it.
type StartWrite struct {
	ID, Size, Region string
	Count            int
	SizeAt, CountAt  time.Time
}

// OwnedAddr is an address or range a tenant's public IP or prefix write
// named (a single address as its /32 or /128): the tenant's own. What an
// Enricher learns of them (enrich.Learned) a service keeps in its store,
// so that a restart does not take the tenant's machines for strangers'.
// Tenant is "" when the record named none: every tenant's.
type OwnedAddr struct {
	Tenant string
	Prefix netip.Prefix
}
