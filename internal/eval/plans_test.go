package eval

import (
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// ScorePlans finds what a plan should not act on (a colleague cut off, a
// machine no attack ran) and what an attack did that no plan acts on (a
// role assignment whose alert is in no high incident).
func TestScorePlansFindsWrongAndMissed(t *testing.T) {
	t0 := time.Date(2026, 3, 17, 3, 0, 0, 0, time.UTC)
	const sub = "/subscriptions/0b1c2d3e-0000-4000-8000-000000000001"
	attacks := []simulate.Attack{{Scenario: "gpu-scaleset-chain", Principals: []string{"eve@contoso.example"}, Start: t0, End: t0.Add(time.Hour)},
		{Scenario: "gpu-scaleset-chain-twin", Twin: true, Principals: []string{"kim@contoso.example"}, Start: t0, End: t0.Add(time.Hour)}}
	as := []alert.Alert{
		{ID: "a1", Time: t0.Add(time.Minute), Stage: "deployment", Principal: "eve@contoso.example",
			Compute: []alert.Compute{{Count: 20, Resource: sub + "/resourcegroups/g/providers/microsoft.compute/virtualmachinescalesets/train-0"}}},
		// The colleague's work, tied into the attack's incident.
		{ID: "a2", Time: t0.Add(2 * time.Minute), Stage: "deployment", Principal: "kim@contoso.example",
			Compute: []alert.Compute{{Count: 2, Resource: sub + "/resourcegroups/ds/providers/microsoft.compute/virtualmachines/ds-1"}}},
		// The attack's role grant, in a medium incident of its own.
		{ID: "a3", Time: t0.Add(3 * time.Minute), Stage: "escalation", Principal: "eve@contoso.example",
			Resources: []string{sub + "/providers/microsoft.authorization/roleassignments/ra-1"}, Evidence: []alert.Evidence{{Operation: "microsoft.authorization/roleassignments/write"}}},
	}
	incs := []incident.Incident{
		{ID: "inc-1", Severity: alert.Critical, Timeline: []incident.Entry{{Alert: "a1"}, {Alert: "a2"}}},
		{ID: "inc-2", Severity: alert.Medium, Timeline: []incident.Entry{{Alert: "a3"}}},
	}
	s := ScorePlans(attacks, as, incs)
	if s.Plans != 1 || s.Acts != 2 {
		t.Errorf("%d plans, %d acts; want 1, 2 (the scale set, the role assignment)", s.Plans, s.Acts)
	}
	if len(s.Missed) != 1 || !strings.HasSuffix(s.Missed[0], "/roleassignments/ra-1") {
		t.Errorf("missed %q", s.Missed)
	}
	wrong := strings.Join(s.Wrong, "\n")
	if len(s.Wrong) != 3 || !strings.Contains(wrong, "kim@contoso.example") || !strings.Contains(wrong, "compute "+sub+"/resourcegroups/ds/") {
		t.Errorf("wrong:\n%s\nwant kim's two account commands and her machine", wrong)
	}
}
