package serve

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// activityLine is a diagnostic setting's Activity Log record by a user of
// the tenant, from addr, its properties' JSON as given.
func activityLine(at time.Time, op, resource, status, addr, props string) string {
	return fmt.Sprintf(`{"time":%q,"resourceId":"/SUBSCRIPTIONS/00000000-1111-4222-8333-000000000001/RESOURCEGROUPS/RG-BUILD/PROVIDERS/%s",`+
		`"operationName":%q,"category":"Administrative","resultType":%q,"callerIpAddress":%q,"correlationId":"c-%d",`+
		`"identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10",`+
		`"http://schemas.microsoft.com/identity/claims/objectidentifier":"6a1c3b0e-001c-4000-8000-000000000001",`+
		`"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"lea.moreau@contoso.example"}},"level":"Information","location":"eastus",`+
		`"properties":%s}`+"\n", at.Format(time.RFC3339Nano), resource, op, status, addr, at.UnixNano(), props)
}

// TestOwnedAddressesKeptAcrossRuns: the tenant's public IP write, read by
// one run of serve, makes its address the tenant's own; the engineer's
// writes from that build machine, read by the next run (a new process,
// as cron's --once), are from the tenant's own address, not from an
// Azure address it does not own. A process forgot what it learned, and
// every write from the tenant's machines alerted after a restart.
func TestOwnedAddressesKeptAcrossRuns(t *testing.T) {
	const buildVM = "4.156.33.7" // an Azure address
	day := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	ipWrite := activityLine(day, "MICROSOFT.NETWORK/PUBLICIPADDRESSES/WRITE", "MICROSOFT.NETWORK/PUBLICIPADDRESSES/BUILD-01-IP", "Success", "198.51.100.7",
		`{"statusCode":"OK","responseBody":"{\"properties\":{\"ipAddress\":\"`+buildVM+`\",\"publicIPAllocationMethod\":\"Static\"}}"}`)
	deploy := activityLine(day.Add(72*time.Hour), "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/AGENTS", "Start", buildVM,
		`{"requestbody":"{\"location\":\"eastus\",\"sku\":{\"name\":\"Standard_D4s_v5\",\"capacity\":2}}"}`)
	const rule = "azure.signin.azure_ip_not_owned.arm"
	fired := func(as []alert.Alert) bool {
		for _, a := range as {
			if a.Rule == rule {
				return true
			}
		}
		return false
	}

	// Without the write, the deploy is from an Azure address not the
	// tenant's: the test can fail.
	st, watched := openStore(t), t.TempDir()
	if err := os.WriteFile(filepath.Join(watched, "1.json"), []byte(deploy), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := cycle(t, st, watched, newProcess(t)()); !fired(res.Fresh) {
		t.Fatalf("%s did not fire on a write from %s with no public IP write read: the test proves nothing", rule, buildVM)
	}

	st2, res := twoRuns(t, []byte(ipWrite), []byte(deploy))
	if fired(res.Fresh) {
		t.Errorf("%s fired on the tenant's own build machine (%s) in the run after the one that read its public IP write", rule, buildVM)
	}
	owned, full, err := st2.Owned(context.Background(), time.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := event.OwnedAddr{Tenant: "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10", Prefix: netip.MustParsePrefix(buildVM + "/32")}
	if len(owned) != 1 || owned[0] != want || full {
		t.Errorf("the store keeps %v (more: %v), want %v", owned, full, want)
	}
}
