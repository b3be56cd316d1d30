package incident

import (
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
)

// Accepted activity never joins an attack's incident: in the attack chain
// with its quota alert marked suppressed, the attack is one incident
// without it, the suppressed alert is an incident of its own, and every
// alert names the incident it is in. The attack comes first (worst).
func TestBuildMarkedKeepsSuppressedApart(t *testing.T) {
	t.Parallel()
	as := attackChain()
	var quota string
	for i := range as {
		if as[i].Rule == "azure.quota.increase" {
			as[i].Suppressed = &alert.Suppression{Reason: "planned training run"}
			quota = as[i].ID
			break
		}
	}
	if quota == "" {
		t.Fatal("the attack chain has no quota alert")
	}
	ins := BuildMarked(as, Options{})
	if len(ins) != 2 {
		t.Fatalf("%d incidents, want the attack and the suppressed alert: %v", len(ins), memberSets(ins))
	}
	if ins[0].Severity < ins[1].Severity {
		t.Errorf("incidents not worst first: %v then %v", ins[0].Severity, ins[1].Severity)
	}
	of := map[string]string{}
	for _, in := range ins {
		for _, e := range in.Timeline {
			of[e.Alert] = in.ID
		}
	}
	if got := memberSets(ins[1:]); !slices.Equal(got[0], []string{quota}) {
		t.Errorf("second incident holds %v, want only the suppressed alert %s", got, quota)
	}
	for _, a := range as {
		if a.Incident == "" || a.Incident != of[a.ID] {
			t.Errorf("alert %s names incident %q, it is in %q", a.ID, a.Incident, of[a.ID])
		}
	}
}
