package incident

import (
	"reflect"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/rules"
)

func TestStagesMatchTheRuleCatalogue(t *testing.T) {
	t.Parallel()
	if !reflect.DeepEqual(Stages, rules.Stages) {
		t.Errorf("incident.Stages %v differ from rules.Stages %v", Stages, rules.Stages)
	}
	for rule, stages := range ruleStages {
		for _, s := range stages {
			if !isStage(s) {
				t.Errorf("ruleStages[%s] names unknown stage %q", rule, s)
			}
		}
	}
	for _, m := range tagStages {
		if !isStage(m.stage) {
			t.Errorf("tagStages %s names unknown stage %q", m.tag, m.stage)
		}
	}
}

func TestStagesOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		a    alert.Alert
		want []string
	}{
		{"the rule's stage comes first", alert.Alert{Rule: "custom.rule", Stage: "quota"}, []string{"quota"}},
		{"the table places a catalogue rule", alert.Alert{Rule: "azure.identity.elevate_access"}, []string{"escalation"}},
		{"a correlation spans two stages, in kill-chain order", alert.Alert{Rule: "azure.signin.risky_then_quota_or_compute", Stage: "escalation"},
			[]string{"initial_access", "escalation"}},
		{"a risky sign-in then compute is the way in, not an escalation", alert.Alert{Rule: "azure.signin.risky_then_quota_or_compute", Stage: "initial_access"},
			[]string{"initial_access"}},
		{"a rule's variant inherits its stage", alert.Alert{Rule: "azure.compute.gpu_driver_extension.first_by_principal"}, []string{"drivers"}},
		{"an area alone is not a rule", alert.Alert{Rule: "azure.compute.something_new"}, nil},
		{"a stage tag", alert.Alert{Rule: "x", Tags: []string{"attack.t1496", "mamori.stage.quota"}}, []string{"quota"}},
		{"creating cloud instances is deployment", alert.Alert{Rule: "x", Tags: []string{"attack.impact", "attack.t1496", "attack.t1578.002"}}, []string{"deployment"}},
		{"resource hijacking alone is mining", alert.Alert{Rule: "x", Tags: []string{"attack.impact", "attack.T1496"}}, []string{"mining"}},
		{"Sigma 2 tactic spelling", alert.Alert{Rule: "x", Tags: []string{"attack.initial-access", "attack.t1078.004"}}, []string{"initial_access"}},
		{"privilege escalation", alert.Alert{Rule: "x", Tags: []string{"attack.privilege_escalation"}}, []string{"escalation"}},
		// SigmaHQ tags a sign-in rule with every tactic valid accounts
		// (T1078) serve: it is the way in.
		{"valid accounts are the way in", alert.Alert{Rule: "x", Tags: []string{"attack.defense-evasion", "attack.persistence",
			"attack.privilege-escalation", "attack.initial-access", "attack.t1078.004"}}, []string{"initial_access"}},
		{"an unknown stage value is ignored", alert.Alert{Rule: "x", Stage: "lateral", Tags: []string{"attack.persistence"}}, []string{"persistence"}},
		{"nothing to go by", alert.Alert{Rule: "x", Tags: []string{"attack.discovery"}}, nil},
		// What the records did outranks the tactics a broad rule is
		// tagged with (SigmaHQ's "Number Of Resource Creation Or
		// Deployment Activities": every VM write, tagged escalation).
		{"records that created compute are deployment", alert.Alert{Rule: "x", Tags: []string{"attack.privilege-escalation", "attack.persistence", "attack.t1098"},
			Compute: []alert.Compute{{Service: "vm", Size: "Standard_NC6s_v3", Count: 1}}}, []string{"deployment"}},
		{"so are a template's deployment and a VM's Start record, by their operations", alert.Alert{Rule: "x", Tags: []string{"attack.privilege-escalation"},
			Evidence: []alert.Evidence{{Operation: "microsoft.resources/deployments/write"}, {Operation: "microsoft.compute/virtualmachines/write"}}}, []string{"deployment"}},
		{"but not a role grant beside them", alert.Alert{Rule: "x", Tags: []string{"attack.privilege-escalation"},
			Evidence: []alert.Evidence{{Operation: "microsoft.resources/deployments/write"}, {Operation: "microsoft.authorization/roleassignments/write"}}}, []string{"escalation"}},
		{"unless a tag names the stage", alert.Alert{Rule: "x", Tags: []string{"attack.privilege-escalation", "stage.escalation"},
			Compute: []alert.Compute{{Service: "vm", Count: 1}}}, []string{"escalation"}},
		{"or the rule's own stage", alert.Alert{Rule: "x", Stage: "persistence", Compute: []alert.Compute{{Service: "vm", Count: 1}}}, []string{"persistence"}},
	} {
		if got := StagesOf(&tc.a); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestBroadRuleOnComputeRaisesNothing: a broad rule tagged privilege
// escalation on a data scientist's GPU machine (SigmaHQ's "Number Of
// Resource Creation Or Deployment Activities") leaves the incident at its
// alerts' severity, in the stages the records show; the same alert
// without compute is still an escalation, before compute, and raises it.
func TestBroadRuleOnComputeRaisesNothing(t *testing.T) {
	t.Parallel()
	broad := func(opts ...func(*alert.Alert)) []alert.Alert {
		return []alert.Alert{
			mk("d2d901db", alert.Medium, at(0), append(opts, principal(mallory), tags("attack.privilege-escalation", "attack.persistence", "attack.t1098"))...),
			mk("azure.compute.gpu_created", alert.Low, at(time.Second), principal(mallory), compute("vm", "Standard_NC6s_v3", 1, "eastus2", "ds-train-01", "c1")),
			mk("azure.compute.gpu_driver_extension", alert.Low, at(5*time.Minute), principal(mallory)),
		}
	}
	in := Build(broad(compute("vm", "Standard_NC6s_v3", 1, "eastus2", "ds-train-01", "c1")), Options{})
	if len(in) != 1 || in[0].Severity != alert.Medium || len(in[0].Stages) != 2 || in[0].Stages[0].Stage != "deployment" {
		t.Errorf("the broad rule on the compute's records: %+v, want one medium incident in deployment and drivers", in)
	}
	in = Build(broad(), Options{})
	if len(in) != 1 || in[0].Severity != alert.High || in[0].Stages[0].Stage != "escalation" {
		t.Errorf("an escalation rule's alert without compute: %+v, want it an escalation that raises the incident to high", in)
	}
}
