package enrich

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// A detection its user remediated is learned; one an administrator
// dismissed or confirmed safe, or a remediation an administrator made, is
// not (an attacker holding an administrator closes detections too); a
// service's next cycle starts without them.
func TestRemediatedDetections(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	risk := func(id, state, detail string) *event.Event {
		return &event.Event{Kind: event.KindRisk, ID: id, Operation: event.OpUserRiskDetection, Risk: &event.Risk{State: state, Detail: detail}}
	}
	for _, ev := range []*event.Event{
		risk("a", "remediated", "userPerformedSecuredPasswordChange"),
		risk("b", "remediated", "userPassedMFADrivenByRiskBasedPolicy"),
		risk("c", "dismissed", "adminDismissedAllRiskForUser"),
		risk("d", "confirmedSafe", "adminConfirmedSigninSafe"),
		risk("e", "remediated", "adminGeneratedTemporaryPassword"),
		risk("f", "atRisk", "none"),
	} {
		e.Apply(ev)
	}
	for id, want := range map[string]bool{"a": true, "b": true, "c": false, "d": false, "e": false, "f": false, "g": false} {
		if got := e.Remediated(id); got != want {
			t.Errorf("%s: remediated %v, want %v", id, got, want)
		}
	}
	e.ForgetLearned()
	if e.Remediated("a") {
		t.Error("a service's next cycle still passes over a remediation it did not read")
	}
}
