package simulate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/enrich"
)

// TestSentinelProcessRowsJoinTheirTenant: Defender for Endpoint's process
// events exported from Microsoft Sentinel (the Log Analytics table
// DeviceProcessEvents) rather than its streaming API carry TenantId, which
// in every Log Analytics table is the workspace's id, not the Entra
// tenant's. Taken for the tenant, it put the miners' host alerts in a
// tenant of their own, each machine's an incident apart from the attack's.
// The tenant's streaming blobs, turned into one such export, must give the
// same: host alerts in the attack's tenant and incident.
func TestSentinelProcessRowsJoinTheirTenant(t *testing.T) {
	t.Parallel()
	set, enr := loadRules(t, enrich.Options{OwnedIPs: simulatedOwned})
	dir, truth := write(t, Options{Seed: 40, Days: testDays, Scenarios: []string{"gpu-scaleset-chain"}, HostAgents: AgentsAll, HostLog: LogMDE})
	const workspace = "6c3f2a1b-0d4e-4f5a-9b8c-7d6e5f4a3b2c"
	var rows []map[string]any
	container := filepath.Join(dir, mdeContainer)
	eachLine(t, container, func(line []byte) error {
		var r struct{ Properties map[string]any }
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		row := r.Properties
		row["TenantId"], row["Type"], row["TimeGenerated"], row["SourceSystem"] = workspace, "DeviceProcessEvents", row["Timestamp"], ""
		rows = append(rows, row)
		return nil
	})
	if len(rows) == 0 {
		t.Fatal("the tenant's Defender blobs hold no process: the test proves nothing")
	}
	if err := os.RemoveAll(container); err != nil {
		t.Fatal(err)
	}
	export, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sentinel"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sentinel", "DeviceProcessEvents.json"), export, 0o644); err != nil {
		t.Fatal(err)
	}

	res := huntWritten(t, dir, truth, set, enr)
	chain := ""
	for _, a := range res.Alerts {
		if a.Rule == "azure.compute.mass_deployment" && involves(a, truth.Attacks[0]) {
			chain = a.Incident
		}
	}
	if chain == "" {
		t.Fatal("no mass deployment alert of the attack in an incident")
	}
	host := 0
	for _, a := range res.Alerts {
		if !strings.HasPrefix(a.Rule, "azure.host.") || !involves(a, truth.Attacks[0]) {
			continue
		}
		host++
		if a.Tenant != truth.Tenant || a.Incident != chain {
			t.Errorf("%s on %v: tenant %q, incident %q; want the attack's, %q and %q", a.Rule, a.Hosts, a.Tenant, a.Incident, truth.Tenant, chain)
		}
	}
	if host == 0 {
		t.Error("no host alert of the attack from the Sentinel export")
	}
}
