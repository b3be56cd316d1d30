package enrich

import (
	"sync"

	"github.com/mamori-sec/mamori/internal/event"
)

// An ID Protection risk detection is written again as it changes: the
// same id, at risk when found, remediated once its user proves to be
// herself (a secure password change or reset, MFA a risk policy asked
// for). A hunt reads the whole export before it names alerts, so a
// detection whose user remediated it in a later record is passed over,
// with every hit of its records (Remediated): leaked credentials changed
// the next morning are not a takeover. A detection an administrator
// dismissed or confirmed safe is not: an attacker holding an
// administrator dismisses the detections on the accounts it uses, and
// whether that was the tenant's own decision is for the tenant to check.

// remediatedDetails are the riskDetail values of a remediation by the
// user herself, documented for riskDetection.
var remediatedDetails = map[string]bool{
	"userPerformedSecuredPasswordChange":   true,
	"userPerformedSecuredPasswordReset":    true,
	"userPassedMFADrivenByRiskBasedPolicy": true,
}

// remediations are the detection ids whose users remediated them, for
// one hunt (ForgetLearned clears them). Bounded as every learned table is.
type remediations struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (e *Enricher) learnRemediated(ev *event.Event) {
	r := ev.Risk
	if r == nil || ev.ID == "" || r.State != "remediated" || !remediatedDetails[r.Detail] {
		return
	}
	m := &e.remediated
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[string]bool{}
	}
	if len(m.ids) >= MaxLearned {
		e.keep(false) // not learned: its detection's alerts stand
		return
	}
	m.ids[ev.ID] = true
}

// Remediated reports, at the end of the hunt, whether the user remediated
// the risk detection id in some record the hunt read. Ids are ID
// Protection's, 64 hex digits, unique without their tenant (which a
// Graph export does not name).
func (e *Enricher) Remediated(id string) bool {
	m := &e.remediated
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ids[id]
}
