package incident

import (
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// Stages are the kill-chain stages of a cryptojacking attack, in order.
// They are internal/rules.Stages (a test keeps the two equal): an alert's
// Stage comes from its rule's "stage" key.
var Stages = []string{"initial_access", "escalation", "persistence", "quota", "deployment", "drivers", "mining"}

// ruleStages gives the stages of the catalogue's rules by name, for
// alerts whose rule set no stage (an alert's own Stage and the table's
// are both kept). A name not listed is looked up without its last
// dotted part, so "azure.compute.gpu_driver_extension.first_by_principal"
// inherits from "azure.compute.gpu_driver_extension". A risky sign-in
// followed by compute is initial access only: it once counted as
// escalation too, which titled such an incident "after privilege
// escalation" where nobody escalated, and raised its severity a level for
// a stage it did not show.
var ruleStages = map[string][]string{
	"azure.signin.azure_ip_not_owned":           {"initial_access"},
	"azure.signin.risky_then_quota_or_compute":  {"initial_access"},
	"azure.identity.elevate_access":             {"escalation"},
	"azure.identity.privileged_role_assignment": {"escalation"},
	"azure.identity.new_account_privileged":     {"persistence"},
	"azure.subscription.moved_to_other_tenant":  {"persistence"},
	"azure.quota.increase":                      {"quota"},
	"azure.quota.increase_burst":                {"quota"},
	"azure.compute.quota_exceeded_failures":     {"quota"},
	"azure.compute.gpu_created":                 {"deployment"},
	"azure.compute.mass_deployment":             {"deployment"},
	"azure.compute.first_time_deployer":         {"deployment"},
	"azure.compute.new_region":                  {"deployment"},
	"azure.compute.multi_region_fanout":         {"deployment"},
	"azure.compute.unusual_service":             {"deployment"},
	"azure.compute.compute_created":             {"deployment"},
	"azure.compute.compute_requested":           {"deployment"},
	"azure.compute.non_vm_compute_created":      {"deployment"},
	"azure.compute.gpu_driver_extension":        {"drivers"},
	"azure.network.mining_pool_connection":      {"mining"},
	"azure.dns.mining_pool_lookup":              {"mining"},
	"azure.host.miner_process":                  {"mining"},
}

// tagStages reads a stage from tags when neither the alert nor the table
// gives one, first match wins. Tags are compared folded (lower case, '-'
// as '_'); an entry matches the tag itself and its sub-techniques
// ("attack.t1578" matches "attack.t1578.002"). Creating cloud instances
// (T1578) is deployment; resource hijacking (T1496) without it is the
// mining itself; tactics map to the access stages.
var tagStages = []struct{ tag, stage string }{
	{"attack.t1578", "deployment"},
	{"attack.t1496", "mining"},
	// Before escalation and persistence: a rule tagged with every tactic
	// valid accounts (T1078) serve is a sign-in, the way in.
	{"attack.initial_access", "initial_access"},
	{"attack.privilege_escalation", "escalation"},
	{"attack.persistence", "persistence"},
	{"attack.command_and_control", "mining"},
	{"attack.impact", "deployment"},
}

// stagePrefixes are the tags that name a stage outright: "stage.mining",
// "mamori.stage.mining".
var stagePrefixes = []string{"mamori.stage.", "stage."}

// StagesOf returns the kill-chain stages of an alert, in kill-chain
// order: its Stage and the table's stages for its rule; failing both, a
// tag naming a stage; failing that, deployment when its records deployed
// (deploys); failing that, its ATT&CK tags. An alert none of these place
// has no stage.
func StagesOf(a *alert.Alert) []string {
	out := ruleStagesOf(a)
	if len(out) == 0 {
		out = unplacedStages(a)
	}
	slices.SortFunc(out, func(x, y string) int { return slices.Index(Stages, x) - slices.Index(Stages, y) })
	return slices.Compact(out)
}

// ruleStagesOf are the stages an alert's rule says it is in: its own
// stage key and the table's, not its tags.
func ruleStagesOf(a *alert.Alert) []string {
	var out []string
	if isStage(a.Stage) {
		out = append(out, a.Stage)
	}
	return append(out, ruleTable(a.Rule)...)
}

func ruleTable(rule string) []string {
	for name := strings.ToLower(rule); name != ""; {
		if s, ok := ruleStages[name]; ok {
			return s
		}
		i := strings.LastIndexByte(name, '.')
		if i < 0 || strings.Count(name, ".") < 3 {
			// Never fall back to an area ("azure.compute"): only a rule's variants inherit.
			return nil
		}
		name = name[:i]
	}
	return nil
}

// unplacedStages places an alert whose rule names no stage. What its
// records did outranks a tactic its rule was tagged with: SigmaHQ's
// "Number Of Resource Creation Or Deployment Activities" matches every VM
// write and is tagged privilege escalation and persistence, which made
// each data scientist's GPU machine "possible cryptojacking after
// privilege escalation", at high.
func unplacedStages(a *alert.Alert) []string {
	folded := foldTags(a.Tags)
	if s := namedStage(folded); s != "" {
		return []string{s}
	}
	if deploys(a) {
		return []string{"deployment"}
	}
	for _, m := range tagStages {
		for _, t := range folded {
			if t == m.tag || strings.HasPrefix(t, m.tag+".") {
				return []string{m.stage}
			}
		}
	}
	return nil
}

// deploys reports whether an alert's records deployed: it priced the
// compute they created, or every record it lists is a compute create (the
// Start record of a write names no size) or a template deployment (which
// deploys what its template holds, and is no escalation for it).
func deploys(a *alert.Alert) bool {
	if len(a.Compute) > 0 {
		return true
	}
	return len(a.Evidence) > 0 && !slices.ContainsFunc(a.Evidence, func(e alert.Evidence) bool {
		return !event.CreatesCompute(e.Operation) && e.Operation != opTemplateDeployment
	})
}

// opTemplateDeployment is an ARM template's deployment, as events carry
// its operation.
const opTemplateDeployment = "microsoft.resources/deployments/write"

// namedStage is the stage the first tag naming one names, "" for none.
func namedStage(folded []string) string {
	for _, t := range folded {
		for _, p := range stagePrefixes {
			if s, ok := strings.CutPrefix(t, p); ok && isStage(s) {
				return s
			}
		}
	}
	return ""
}

// foldTags compares tags as written by any hand: lower case, '-' as '_'.
func foldTags(tags []string) []string {
	folded := make([]string, len(tags))
	for i, t := range tags {
		folded[i] = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(t)), "-", "_")
	}
	return folded
}

func isStage(s string) bool { return slices.Contains(Stages, s) }
