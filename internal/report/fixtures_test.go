package report

import (
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// Hostile strings an attacker can plant in record values that reach an
// alert: terminal escapes, a bell, a right-to-left override, a newline that
// forges a table row, a spreadsheet formula, invalid UTF-8, a C1 CSI, DEL
// and a JavaScript line separator.
const (
	hostileANSI    = "evil\x1b[31m\a@contoso.example"
	hostileNewline = "svc-miner\n2026-05-01 00:00:00  critical  forged.rule"
	hostileFormula = `=HYPERLINK("http://evil.example/","open")`
	hostileSummary = "installed NvidiaGpuDriverLinux on vm-\u202egpj.exe\xff\u2028\u009b2J\x7f"
)

const (
	tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	subID    = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
)

func fixtureAlerts() []alert.Alert {
	t0 := time.Date(2026, 5, 1, 9, 12, 3, 456_000_000, time.UTC)
	return []alert.Alert{
		{
			ID: "9a2c41d07e55b3f10a64", Rule: "azure.identity.elevate_access", RuleVersion: 1,
			Title:    "Global Administrator elevated access to all Azure subscriptions",
			Severity: alert.High, Time: t0, LastTime: t0.Add(2 * time.Second),
			Tenant: tenantID, Principal: "ga-admin@contoso.example",
			IPs:       []string{"203.0.113.7"},
			Resources: []string{"/providers/microsoft.authorization"},
			Summary:   "ga-admin@contoso.example elevated access to User Access Administrator at root scope",
			Tags:      []string{"attack.privilege_escalation", "attack.t1098.003", "attack.t1078.004"},
			Evidence: []alert.Evidence{
				{File: "logs/activity/PT1H.json", Line: 12, EventID: "e1", Time: t0, Shape: "activity.diagnostic", Operation: "microsoft.authorization/elevateaccess/action"},
				{File: "logs/audit.json", Offset: 4096, Time: t0.Add(2 * time.Second), Shape: "audit.graph"},
			},
		},
		{
			ID: "1f00c3a9b2d4e5f60718", Rule: "azure.compute.gpu_driver_extension", RuleVersion: 1,
			Title:    "GPU driver extension installed on a VM or scale set",
			Severity: alert.Medium,
			// A time in another zone: every output writes UTC.
			Time:         time.Date(2026, 5, 1, 18, 40, 0, 0, time.FixedZone("JST", 9*3600)),
			Tenant:       tenantID,
			Subscription: subID,
			Principal:    hostileANSI,
			IPs:          []string{"not-an-ip"},
			Resources:    []string{hostileFormula, "/subscriptions/" + subID + "/resourcegroups/rg/providers/microsoft.compute/virtualmachines/-vm1"},
			Hosts:        []string{"-vm1", hostileFormula},
			Summary:      hostileSummary,
			Tags:         []string{"attack.impact", "attack.t1496"},
			Evidence: []alert.Evidence{
				{File: "=cmd.json", Line: 3, Time: t0, Shape: "activity.diagnostic", Operation: "microsoft.compute/virtualmachines/extensions/write"},
			},
			Incident: "inc-42",
		},
		{
			ID: "c0ffee0000000000beef", Rule: "azure.network.mining_pool_connection", RuleVersion: 2,
			Title:    "Connection to a cryptocurrency mining pool",
			Severity: alert.Critical, Time: t0.Add(time.Hour), LastTime: t0.Add(2 * time.Hour),
			Subscription: subID, Principal: hostileNewline,
			IPs:     []string{"10.0.0.4", "198.51.100.9"},
			Summary: "10.0.0.4 connected to mining pool pool.example.org (Example Pool) port 3333, 4200 times over two hours from a scale set whose name is long enough to need truncating",
			Tags:    []string{"attack.defense-evasion", "attack.impact", "attack.t1496", "attack.t9999", "attack.g0139"},
			Evidence: []alert.Evidence{
				{File: "flows/PT1H.json", Line: 1, Index: 3, Time: t0.Add(time.Hour), Shape: "flow.vnet"},
				{EventID: "evt-without-file", Time: t0.Add(2 * time.Hour), Shape: "flow.vnet"},
			},
		},
		{
			ID: "0000000000000000000a", Rule: "host.info", Title: "Quiet alert with nothing else",
			Severity: alert.Informational, Time: t0.Add(3 * time.Hour), Summary: "",
		},
	}
}
