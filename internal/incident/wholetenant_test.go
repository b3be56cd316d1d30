package incident

import (
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// TestWholeTenantAlertTiesNoOne: a correlation over the whole tenant (no
// group-by: every compute request of an hour) lists every principal whose
// request it summed. An engineer's build VM in the thief's hour must not
// tie her to the thief's incident through it, nor count her and the thief
// as one person. Its resources still place it beside the machines it
// names.
func TestWholeTenantAlertTiesNoOne(t *testing.T) {
	at := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	const (
		tenant = "t1"
		gpuSet = "/subscriptions/s/resourcegroups/gpu/providers/microsoft.compute/virtualmachinescalesets/train-0"
		build  = "/subscriptions/s/resourcegroups/ops/providers/microsoft.compute/virtualmachines/build-agent-7"
	)
	thief := alert.Alert{ID: "a1", Rule: "azure.compute.gpu_created", Severity: alert.Low, Time: at.Add(30 * time.Minute), Tenant: tenant,
		Principal: "maria@contoso.example", PrincipalIDs: []string{"maria@contoso.example", "c0ffee00"}, Resources: []string{gpuSet}}
	engineer := alert.Alert{ID: "a2", Rule: "azure.identity.privileged_role_assignment", Severity: alert.Medium, Time: at, Tenant: tenant,
		Principal: "dana@contoso.example", PrincipalIDs: []string{"dana@contoso.example", "a11ce000"}}
	sum := alert.Alert{ID: "a3", Rule: "azure.compute.gpu_volume.tenant", Severity: alert.High, Time: at.Add(time.Minute), Tenant: tenant,
		WholeTenant: true, PrincipalIDs: []string{"dana@contoso.example", "a11ce000", "maria@contoso.example", "c0ffee00"},
		Resources: []string{build, gpuSet}}
	ins := Build([]alert.Alert{thief, engineer, sum}, Options{})
	if len(ins) != 2 {
		t.Fatalf("%d incidents, want 2 (the thief's with the tenant's sum, the engineer's alone)", len(ins))
	}
	for _, in := range ins {
		var rules []string
		for _, a := range in.Timeline {
			rules = append(rules, a.Rule)
		}
		if len(in.Timeline) == 2 && (rules[0] == "azure.identity.privileged_role_assignment" || rules[1] == "azure.identity.privileged_role_assignment") {
			t.Errorf("the engineer's alert joined %v", rules)
		}
	}
}
