// Package posture holds the tenant snapshot the posture checks read, the
// checks themselves (pure functions of a snapshot) and their findings.
package posture

// Status is a check's verdict.
type Status string

// The verdicts. NotAssessed is never a pass: it says what could not be read.
const (
	Pass        Status = "pass"
	Fail        Status = "fail"
	NotAssessed Status = "not_assessed"
)

// Finding is one check's result over one scope.
type Finding struct {
	// Check is the stable dotted name, such as "posture.identity.mfa_registration".
	Check string `json:"check"`
	// Area is the second part of Check: identity, rbac, notify, quota,
	// monitoring, subscription, defender, policy.
	Area string `json:"area"`
	// Title says what the check asks, in a few words.
	Title string `json:"title"`
	// Status is pass, fail or not_assessed.
	Status Status `json:"status"`
	// Severity (critical, high, medium, low) orders what to fix first; it is
	// the check's weight when it fails.
	Severity string `json:"severity"`
	// Scope is "tenant" or the subscription's resource ID.
	Scope string `json:"scope"`
	// ScopeName is the subscription's display name, when there is one.
	ScopeName string `json:"scopeName,omitempty"`
	// Summary is one line saying what was found.
	Summary string `json:"summary"`
	// Evidence lists the facts behind the verdict (user names, role
	// assignments, regions with quota), capped by the check.
	Evidence []Evidence `json:"evidence,omitempty"`
	// Why says why it matters for cryptojacking.
	Why string `json:"why"`
	// Fix says how to fix it.
	Fix string `json:"fix"`
	// Missing lists the permissions whose absence left the check not assessed.
	Missing []string `json:"missing,omitempty"`
}

// Evidence is one fact behind a finding. Subject and Detail may hold text
// an attacker chose (user and resource names): outputs escape them.
type Evidence struct {
	Subject string `json:"subject"`
	Detail  string `json:"detail,omitempty"`
}

// Text is the evidence as one line, "subject: detail" (or the subject
// alone), unescaped.
func (e Evidence) Text() string {
	if e.Detail == "" {
		return e.Subject
	}
	return e.Subject + ": " + e.Detail
}

// AreaScore is the score of one area: the share of its checks' weight that
// passed, among those assessed.
type AreaScore struct {
	Area        string `json:"area"`
	Score       int    `json:"score"` // 0-100; -1 when nothing was assessed
	Passed      int    `json:"passed"`
	Failed      int    `json:"failed"`
	NotAssessed int    `json:"notAssessed"`
}
