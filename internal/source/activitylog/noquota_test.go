package activitylog

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
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
		g := event.Glance{Operation: c.op, Outcome: c.o, Text: asWritten([]byte(c.line))}
		glanceQuota(&g)
		if got := g.LacksQuota(); got != c.want {
			t.Errorf("%s: LacksQuota = %v, want %v", c.name, got, c.want)
		}
		if got := g.LacksQuota(); got != c.want {
			t.Errorf("%s: LacksQuota asked again = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestAsWritten checks which texts are given for tests on their literals:
// none where an escape could hide a letter or a slash; BriefLine's walk
// answers the same from its bitmaps.
func TestAsWritten(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, line string
		want       bool
	}{
		{"a line without backslashes", `{"resourceId":"/x/extensions/NvidiaGpuDriverLinux"}`, true},
		{"escaped quotes only", `{"body":"{\"type\":\"NvidiaGpuDriverLinux\"}"}`, true},
		{"a \\u escape", `{"resourceId":"/x/extensions/Nvidia\u0047puDriverLinux"}`, false},
		{"escaped slashes", `{"resourceId":"\/x\/extensions\/AzureMonitorLinuxAgent"}`, false},
	} {
		if got := asWritten([]byte(c.line)) != nil; got != c.want {
			t.Errorf("%s: asWritten gives the text: %v, want %v", c.name, got, c.want)
		}
		var words []uint64
		if w := jsonwalk.New([]byte(c.line), &words); w.BackslashBefore('u', '/') == c.want {
			t.Errorf("%s: the walk's bitmaps give the text: %v, want %v", c.name, !c.want, c.want)
		}
	}
}
