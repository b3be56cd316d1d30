package simulate

import (
	"crypto/sha1"
	"encoding/hex"
	"math/rand/v2"
	"path"
	"strings"
	"time"
)

// Defender for Endpoint's process events, as its streaming API writes them
// to a storage account: a container per table
// (insights-logs-advancedhunting-deviceprocessevents), an hourly blob per
// tenant, one JSON line a record, the row in properties, the envelope's
// Tenant the streaming API's own "DefaultTenant" beside the Entra tenantId
// (as a record it wrote shows). Unlike auditd's
// and Sysmon's logs, every machine's events share the tenant's blobs.

// mdeContainer is the streaming API's container of DeviceProcessEvents.
const mdeContainer = "insights-logs-advancedhunting-deviceprocessevents"

// mdeText is Defender for Endpoint's ProcessCreated row of one process
// start on host, in its streaming API's record. seq numbers the host's
// events; r draws as the audit event draws its inode, once, so that every
// agent leaves the tenant's other records the same. windows says host is a
// Windows machine (windows.go).
func mdeText(r *rand.Rand, at time.Time, tenant, host string, seq, pid, ppid, uid int, args []string, windows bool) []byte {
	user, _, parent, parentCmd := processContext(uid, ppid)
	domain, cmd, file := host, strings.Join(args, " "), path.Base(args[0])
	if windows {
		user, parent, parentCmd = windowsContext(uid)
		if user == "system" {
			domain = "nt authority"
		}
		cmd, file = windowsCommandLine(args), args[0][strings.LastIndexByte(args[0], '\\')+1:]
	}
	parentFile := parent[strings.LastIndexAny(parent, `/\`)+1:]
	device := sha1.Sum([]byte(tenant + "/" + host)) // a device id is 40 hex digits, stable per machine
	ts := at.UTC().Format("2006-01-02T15:04:05.0000000Z")
	return marshal(map[string]any{
		// The API publishes a record a few minutes after the event.
		"time": at.Add(3 * time.Minute).UTC().Format("2006-01-02T15:04:05.0000000Z"), "tenantId": tenant, "Tenant": "DefaultTenant",
		"operationName": "Publish", "category": "AdvancedHunting-DeviceProcessEvents",
		"properties": map[string]any{
			"Timestamp": ts, "DeviceId": hex.EncodeToString(device[:]), "DeviceName": host, "ActionType": "ProcessCreated",
			"FileName": file, "FolderPath": args[0], "ProcessCommandLine": cmd,
			"ProcessId": pid, "ProcessCreationTime": ts, "AccountDomain": domain, "AccountName": user, "AccountSid": nil,
			"AccountUpn": nil, "AccountObjectId": nil, "InitiatingProcessFileName": parentFile,
			"InitiatingProcessFolderPath": parent, "InitiatingProcessCommandLine": parentCmd, "InitiatingProcessId": ppid,
			"InitiatingProcessAccountName": user, "ReportId": seq*10000 + r.IntN(9000), "MachineGroup": "UnassignedGroup",
			"AdditionalFields": "{}",
		},
	})
}
