package serve

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/hunt"
)

// One of Defender's alerts reaches a served folder twice, cycles apart:
// the Activity Log's record of it, then the workspace's SecurityAlert row
// and Resource Manager's list. The store keeps it once, as one hunt over
// all of them does; the second machine's alert, in the row export only,
// is new. The records are mining_alert's own test case.
func TestDefenderAlertFromTwoExportsStoredOnce(t *testing.T) {
	dir := filepath.Join("..", "..", "rules", "azure", "defender", "testdata", "mining_alert", "one-alert-in-three-exports-fires-once")
	process := newProcess(t)
	deliver := func(dst string, names ...string) {
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				t.Fatal(err)
			}
			if n == "PT1H.json" {
				// The hour's blob holds the tenant's other records, whose
				// callers' claims name the tenant (Activate Alert names none).
				b = append(b, adminRecord...)
			}
			if err := os.WriteFile(filepath.Join(dst, n), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	const rule = "azure.defender.mining_alert"
	st, watched := openStore(t), t.TempDir()
	deliver(watched, "PT1H.json")
	if n := countRule(cycle(t, st, watched, process()), rule); n != 1 {
		t.Fatalf("first cycle, the Activity Log: %d alerts, want 1", n)
	}
	deliver(watched, "SecurityAlert.json", "alerts.json")
	res := cycle(t, st, watched, process())
	if n := countRule(res, rule); n != 1 {
		t.Fatalf("second cycle, the rows and the list: %d new alerts, want 1 (the second machine's)", n)
	}
	for _, a := range res.Fresh {
		if a.Rule == rule && !strings.Contains(a.Summary, "train-1-vmss000005") {
			t.Errorf("the new alert is not the second machine's: %q", a.Summary)
		}
	}
}

const adminRecord = `{"time":"2026-03-14T03:20:11.0440000Z","resourceId":"/SUBSCRIPTIONS/7D9E1F20-3B4A-4C6D-9E8F-A1B2C3D4E5F6/RESOURCEGROUPS/OPS/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/BUILD-AGENT-1",` +
	`"operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.","durationMs":"0",` +
	`"callerIpAddress":"10.20.0.4","correlationId":"5c1e7a90-2b4d-4f6e-8a3c-9d0e1f2a3b4c","level":"Information","location":"westeurope",` +
	`"identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10",` +
	`"http://schemas.microsoft.com/identity/claims/objectidentifier":"6e2d4b1a-8c3f-4a5e-9b7d-0f1e2d3c4b5a"}},"properties":{}}` + "\n"

// A cycle that reads only a host's audit log, which names no tenant,
// gives its miner alert the tenant the store knows from earlier cycles, as
// one hunt over all the records gives it the data's only tenant: the alert
// is the hunt's (its id, its tenant) and `mamori alerts` can join it to
// the tenant's incident.
func TestHostLogAloneTakesTheStoresTenant(t *testing.T) {
	audit, err := os.ReadFile(filepath.Join("..", "..", "rules", "azure", "host", "testdata", "miner_process",
		"auditd-default-format-two-machines-fire-once-each", "train-0000004", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	process := newProcess(t)
	const rule, tenant = "azure.host.miner_process", "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10"
	put := func(dir, name string, b []byte) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	whole := t.TempDir()
	put(whole, "PT1H.json", []byte(adminRecord))
	put(whole, "train-0000004/audit.log", audit)
	hr, err := hunt.Run(t.Context(), inputsOf(t, whole), process())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, a := range hr.Alerts {
		if a.Rule == rule {
			if a.Tenant != tenant {
				t.Fatalf("one hunt: the miner alert's tenant is %q, want the data's only one", a.Tenant)
			}
			want = append(want, a.ID)
		}
	}
	st, watched := openStore(t), t.TempDir()
	put(watched, "PT1H.json", []byte(adminRecord))
	cycle(t, st, watched, process())
	put(watched, "train-0000004/audit.log", audit)
	var got []string
	for _, a := range cycle(t, st, watched, process()).Fresh {
		if a.Rule == rule {
			if a.Tenant != tenant {
				t.Errorf("served: the miner alert's tenant is %q, want the store's %s", a.Tenant, tenant)
			}
			got = append(got, a.ID)
		}
	}
	if len(want) != 1 || !slices.Equal(got, want) {
		t.Errorf("served: miner alerts %v, one hunt's %v", got, want)
	}
}
