package activitylog

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestNoQuota checks the text test that lets a failure be read briefly:
// it may claim "no quota" only where quotaExceeded and the quota
// operations' readers certainly find none.
func TestNoQuota(t *testing.T) {
	t.Parallel()
	const (
		plain   = `{"operationName":"MICROSOFT.WEB/SITES/WRITE","properties":{"statusMessage":"{\"error\":{\"code\":\"Conflict\"}}"}}`
		quota   = `{"operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","properties":{"statusMessage":"{\"error\":{\"code\":\"QuotaExceeded\"}}"}}`
		escaped = `{"properties":{"statusMessage":"Operation results in exceeding q\u0075ota limits of Core."}}`
	)
	cases := []struct {
		name, line, op string
		o              event.Outcome
		want           bool
	}{
		{"a failure that never mentions a quota", plain, "microsoft.web/sites/write", event.OutcomeFailed, true},
		{"a success", quota, "microsoft.compute/virtualmachines/write", event.OutcomeSucceeded, true},
		{"a failure on quota", quota, "microsoft.compute/virtualmachines/write", event.OutcomeFailed, false},
		{"a failure whose quota hides behind an escape", escaped, "microsoft.web/sites/write", event.OutcomeFailed, false},
		{"a quota request, whatever its text", `{}`, opQuota, event.OutcomeSucceeded, false},
		{"a service limit request", `{}`, opServiceLimit, event.OutcomeFailed, false},
		{"a support ticket", `{}`, opSupport, event.OutcomeStarted, false},
	}
	for _, c := range cases {
		if got := noQuota([]byte(c.line), c.op, c.o); got != c.want {
			t.Errorf("%s: noQuota = %v, want %v", c.name, got, c.want)
		}
	}
}
