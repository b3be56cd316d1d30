package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOwnedAddressIsItsTenantsOnly hunts two tenants' Activity Logs side
// by side, as a responder or a service over many tenants does. Tenant A
// made a public IP; a user of tenant B writes from it (an attacker's
// machine in A, used against B): for B it is an Azure address B does not
// own. A's own engineer writing from it is at home. Before, an address
// any tenant's write named was every tenant's own.
func TestOwnedAddressIsItsTenantsOnly(t *testing.T) {
	t.Parallel()
	const addr = "4.156.33.7" // an Azure address
	const tenantA, tenantB = "aaaa0000-0000-4000-8000-000000000001", "bbbb0000-0000-4000-8000-000000000002"
	day := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	line := func(at time.Time, tenant, who, op, resource, status, props string) string {
		return fmt.Sprintf(`{"time":%q,"resourceId":"/SUBSCRIPTIONS/%s/RESOURCEGROUPS/RG/PROVIDERS/%s","operationName":%q,"category":"Administrative",`+
			`"resultType":%q,"callerIpAddress":%q,"correlationId":"c-%d","identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":%q,`+
			`"http://schemas.microsoft.com/identity/claims/objectidentifier":"%x-0000-4000-8000-000000000001","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"%s@contoso.example"}},`+
			`"level":"Information","location":"eastus","properties":%s}`+"\n",
			at.Format(time.RFC3339), tenant[:8]+"-1111-4222-8333-000000000001", resource, op, status, addr, at.UnixNano(), tenant, who[:4], who, props)
	}
	deploy := `{"requestbody":"{\"location\":\"eastus\",\"sku\":{\"name\":\"Standard_D4s_v5\",\"capacity\":2}}"}`
	// A's deploy comes first in the file: the address is learned after
	// it was read, which the end of the hunt settles (Refresh).
	log := line(day.Add(time.Hour), tenantA, "aaronops", "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/AGENTS", "Start", deploy) +
		line(day, tenantA, "aaronops", "MICROSOFT.NETWORK/PUBLICIPADDRESSES/WRITE", "MICROSOFT.NETWORK/PUBLICIPADDRESSES/BUILD-IP", "Success",
			`{"statusCode":"OK","responseBody":"{\"properties\":{\"ipAddress\":\"`+addr+`\"}}"}`) +
		line(day.Add(2*time.Hour), tenantB, "bobbyeng", "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/AGENTS", "Start", deploy)
	path := filepath.Join(t.TempDir(), "activity.json")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", "hunt", "--no-progress", "--format", "jsonl", "--data-dir", t.TempDir(), path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	fired := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var a struct{ Rule, Tenant string }
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if a.Rule == "azure.signin.azure_ip_not_owned.arm" {
			fired[a.Tenant] = true
		}
	}
	if fired[tenantA] || !fired[tenantB] {
		t.Errorf("a write from %s, the address tenant A made: alerted for A %v, for B %v; want only for B", addr, fired[tenantA], fired[tenantB])
	}
}
