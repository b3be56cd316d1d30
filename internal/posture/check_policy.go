package posture

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkAllowedSKUsLocations = &check{
	name:     "posture.policy.allowed_vm_skus_locations",
	title:    "Policy limits VM sizes or regions",
	severity: "medium",
	why: "Miners want GPU and large-core sizes in whatever region has capacity. An enforced \"Allowed virtual " +
		"machine size SKUs\" or \"Allowed locations\" policy denies them even to a stolen Owner account, " +
		"unless the attacker also rewrites policy, which is itself a loud, alertable act.",
	fix: "Assign the built-in policies at the subscription or a management group above it, with enforcement Default: " +
		"`az policy assignment create --name allowed-vm-skus --scope /subscriptions/SUB --policy " +
		"cccc23c7-8427-4f53-ad12-b6a63eb452b3 --params '{\"listOfAllowedSKUs\":{\"value\":[\"Standard_D2s_v5\"]}}'` and " +
		"`az policy assignment create --name allowed-locations --scope /subscriptions/SUB --policy " +
		"e56962a6-4747-49cd-b67b-bf8b01975c4c --params '{\"listOfAllowedLocations\":{\"value\":[\"westeurope\"]}}'`.",
	required:     []string{capture.KeyPolicyAssignments},
	optional:     []string{capture.KeyPolicyDefinitions},
	subscription: allowedSKUsLocations,
}

// Resource fields whose deny rules make a custom policy a copy of the built-ins.
const (
	skuField      = "microsoft.compute/virtualmachines/sku.name"
	locationField = "location"
)

// restricts says what a policy or initiative restricts: "sku", "location"
// or both, following an initiative's members one level down.
func (e *env) restricts(sub *Subscription, id string, depth int) map[string]bool {
	out := map[string]bool{}
	guid := lastSegment(id)
	if containsFold(e.cfg.Policy.SKUDefinitions, guid) {
		out["sku"] = true
	}
	if containsFold(e.cfg.Policy.LocationDefinitions, guid) {
		out["location"] = true
	}
	if d := sub.PolicyDefinitions[strings.ToLower(id)]; d != nil && denies(d.Effect) {
		for _, f := range d.Fields {
			switch strings.ToLower(f) {
			case skuField:
				out["sku"] = true
			case locationField:
				out["location"] = true
			}
		}
	}
	if set := sub.PolicySets[strings.ToLower(id)]; set != nil && depth == 0 {
		for _, m := range set.Definitions {
			for k := range e.restricts(sub, m, depth+1) {
				out[k] = true
			}
		}
	}
	return out
}

// denies reports whether an effect blocks creation: "deny", or a parameter
// (custom copies of the built-ins take the effect as one).
func denies(effect string) bool {
	return strings.EqualFold(effect, "deny") || strings.HasPrefix(effect, "[")
}

// assignmentApplies reports whether an assignment is enforced on the whole
// subscription: assigned at it or above it, not excluded, not DoNotEnforce.
func assignmentApplies(a *PolicyAssignment, sub string) bool {
	if strings.EqualFold(a.EnforcementMode, "DoNotEnforce") {
		return false
	}
	for _, n := range a.NotScopes {
		if strings.EqualFold(strings.TrimRight(n, "/"), "/subscriptions/"+sub) {
			return false
		}
	}
	scope := strings.ToLower(strings.TrimRight(a.Scope, "/"))
	if scope == "" {
		scope = strings.ToLower(a.ID)
	}
	// A resource group assignment covers only that group.
	if strings.Contains(scope, "/resourcegroups/") {
		return false
	}
	// Any management group will do: the subscription's assignment list
	// (armpolicy, no $filter) holds those of the groups above it and of no
	// other, so the group is an ancestor. Alert rules are listed where the
	// rule lives, whatever it watches, and need the hierarchy
	// (check_alerts.go).
	return scope == "/subscriptions/"+sub || strings.HasPrefix(scope, "/subscriptions/"+sub+"/providers/") ||
		strings.HasPrefix(scope, mgPrefix) || scope == "" || scope == "/"
}

func allowedSKUsLocations(e *env, sub *Subscription) Finding {
	found := map[string]bool{}
	var ev []Evidence
	for i := range sub.PolicyAssignments {
		a := &sub.PolicyAssignments[i]
		kinds := e.restricts(sub, a.DefinitionID, 0)
		if len(kinds) == 0 {
			continue
		}
		name := a.DisplayName
		if name == "" {
			name = a.Name
		}
		what := strings.Join(sortedKeys(kinds), " and ")
		if !assignmentApplies(a, sub.ID) {
			ev = append(ev, Evidence{Subject: name, Detail: what + " policy, but not enforced on the whole subscription (" + a.EnforcementMode + " " + a.Scope + ")"})
			continue
		}
		for k := range kinds {
			found[k] = true
		}
		ev = append(ev, Evidence{Subject: name, Detail: "enforces allowed " + what})
	}
	ok := found["sku"] || found["location"]
	if e.cfg.Policy.RequireBoth {
		ok = found["sku"] && found["location"]
	}
	if !ok {
		// A custom policy or initiative is only recognised from its
		// definition: without them a fail could be wrong.
		if g := e.need(sub, capture.KeyPolicyDefinitions); !g.empty() {
			f := e.notAssessed(sub, g)
			f.Evidence = ev
			return f
		}
		return e.result(sub, true, "no enforced policy limits VM sizes or locations", ev)
	}
	return e.result(sub, false, fmt.Sprintf("enforced policy limits %s", strings.Join(sortedKeys(found), " and ")), ev)
}
