package cli

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// doctor names ID Protection's risk detections among fetch's logs, users'
// and service principals' apart (each needs its own licence), and a
// refused one with what it needs.
func TestWriteFetchAbilitiesRiskDetections(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	writeFetchAbilities(&b, []azure.LogRead{
		{Log: azure.LogRiskDetections, Pages: 1, Status: capture.OK},
		{Log: azure.LogRiskDetectionsServicePrincipal, Status: capture.Denied, Error: "HTTP 403 Authorization_RequestDenied",
			Permission: "Microsoft Graph IdentityRiskEvent.Read.All, and a Microsoft Entra Workload ID Premium licence"},
	})
	for _, want := range []string{
		"  Entra ID Protection risk detections of users               ok",
		"  Entra ID Protection risk detections of service principals  MISSING  Microsoft Graph IdentityRiskEvent.Read.All, and a Microsoft Entra Workload ID Premium licence\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q:\n%s", want, b.String())
		}
	}
}
