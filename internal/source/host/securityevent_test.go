package host

import (
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// seRow is a SecurityEvent row of event 4688 as a workspace's JSON export
// gives it (the columns of Azure Monitor's table reference), with fields
// replaced or removed (value "-").
func seRow(fields map[string]string) string {
	cols := map[string]string{
		"TenantId": `"6c3f2a1b-0d4e-4f5a-9b8c-7d6e5f4a3b2c"`, "SourceSystem": `"OpsManager"`,
		"TimeGenerated": `"2026-03-21T02:10:16.988Z"`, "Account": `"NT AUTHORITY\\SYSTEM"`, "AccountType": `"Machine"`,
		"Computer": `"train-0000012"`, "EventSourceName": `"Microsoft-Windows-Security-Auditing"`, "Channel": `"Security"`,
		"Task": `13312`, "Level": `"8"`, "EventID": `4688`, "Activity": `"4688 - A new process has been created."`,
		"CommandLine":  `"\"C:\\Windows\\Temp\\svchost64.exe\" -o pool.supportxmr.com:443 -u 48edf --tls"`,
		"NewProcessId": `"0x1f40"`, "NewProcessName": `"C:\\Windows\\Temp\\svchost64.exe"`,
		"ParentProcessName": `"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"`, "ProcessId": `"0x754"`,
		"SubjectDomainName": `"WORKGROUP"`, "SubjectLogonId": `"0x3e7"`, "SubjectUserName": `"TRAIN-0000012$"`,
		"SubjectUserSid": `"S-1-5-18"`, "TargetUserName": `"-"`, "TokenElevationType": `"%%1936"`,
		"MandatoryLabel": `"S-1-16-16384"`, "_ResourceId": `"/subscriptions/C380B0C2-BB37-4FC6-9164-72193A67D60E/resourceGroups/gpu-eastus/providers/Microsoft.Compute/virtualMachineScaleSets/train-0/virtualMachines/12"`,
		"Type": `"SecurityEvent"`,
	}
	for k, v := range fields {
		if v == "-" {
			delete(cols, k)
			continue
		}
		cols[k] = v
	}
	var b strings.Builder
	b.WriteByte('{')
	for k, v := range cols {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + k + `":` + v)
	}
	return b.String() + "}"
}

func TestDetectSecurityEvent(t *testing.T) {
	t.Parallel()
	checkDetect(t, []detectCase{
		{"row naming its table", seRow(nil), jsonHint, ShapeSecurityEvent},
		{"a logon is claimed too (read, no event)", seRow(map[string]string{"EventID": "4624"}), jsonHint, ShapeSecurityEvent},
		{"CSV row of the table the export names", seRow(map[string]string{"Type": "-"}), record.Hint{Format: "csv", Table: "SecurityEvent"}, ShapeSecurityEvent},
		{"the same columns in another table", seRow(map[string]string{"Type": `"Event"`}), jsonHint, ""},
		{"a query's projection without Type", `{"TimeGenerated":"2026-03-21T02:10:16Z","Computer":"w","EventID":4688,"NewProcessName":"C:\\x.exe","CommandLine":"x"}`, jsonHint, ShapeSecurityEvent},
		{"a projection without Windows' columns is not ours", `{"TimeGenerated":"2026-03-21T02:10:16Z","Computer":"w","EventID":4688}`, jsonHint, ""},
	})
}

func TestDecodeSecurityEvent(t *testing.T) {
	t.Parallel()
	e := decodeOne(t, seRow(nil), jsonHint, ShapeSecurityEvent)
	want := event.Process{
		Host: "train-0000012", Image: `C:\Windows\Temp\svchost64.exe`,
		CommandLine: `"C:\Windows\Temp\svchost64.exe" -o pool.supportxmr.com:443 -u 48edf --tls`,
		ParentImage: `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		User:        `NT AUTHORITY\SYSTEM`, PID: 0x1f40, ParentPID: 0x754,
	}
	if *e.Process != want {
		t.Errorf("process = %+v\nwant      %+v", *e.Process, want)
	}
	at := time.Date(2026, 3, 21, 2, 10, 16, 988000000, time.UTC)
	// TenantId is the workspace's: no tenant; the machine's subscription
	// places the event.
	if !e.Time.Equal(at) || e.Tenant != "" || e.Subscription != "c380b0c2-bb37-4fc6-9164-72193a67d60e" ||
		!strings.HasSuffix(e.ResourceID, "/virtualmachinescalesets/train-0/virtualmachines/12") ||
		e.Operation != "processcreated" || e.Category != "SecurityEvent" || e.Kind != event.KindProcess || e.Outcome != event.OutcomeSucceeded {
		t.Errorf("event %+v", e)
	}
	if !e.Principal.Empty() {
		t.Errorf("the machine's account is a principal: %+v", e.Principal)
	}
	if e.ID == "" {
		t.Error("no id: the same event from two exports would count twice")
	}

	tests := []struct {
		name    string
		fields  map[string]string
		hint    record.Hint
		events  int
		wantErr bool
		check   func(*event.Process) bool
	}{
		{"a logon makes no event", map[string]string{"EventID": "4624"}, jsonHint, 0, false, nil},
		{"the portal's CSV: every value a string", map[string]string{"EventID": `"4688"`, "Type": "-", "TimeGenerated": "-", "TimeGenerated [UTC]": `"3/21/2026, 2:10:16.988 AM"`}, record.Hint{Format: "csv", Table: "SecurityEvent"}, 1, false,
			func(p *event.Process) bool { return p.PID == 0x1f40 }},
		{"process ids as numbers", map[string]string{"NewProcessId": "8000", "ProcessId": "1876"}, jsonHint, 1, false,
			func(p *event.Process) bool { return p.PID == 8000 && p.ParentPID == 1876 }},
		{"no command line (the policy off): the program still, and what was lost", map[string]string{"CommandLine": "-"}, jsonHint, 1, true,
			func(p *event.Process) bool { return p.CommandLine == "" && p.Image == `C:\Windows\Temp\svchost64.exe` }},
		{"no Account: the subject", map[string]string{"Account": "-"}, jsonHint, 1, false,
			func(p *event.Process) bool { return p.User == `WORKGROUP\TRAIN-0000012$` }},
		{"an unreadable process id is left out", map[string]string{"NewProcessId": `"0xzz"`}, jsonHint, 1, false,
			func(p *event.Process) bool { return p.PID == 0 }},
		{"no EventID is an error", map[string]string{"EventID": "-"}, jsonHint, 0, true, nil},
		{"no time is an error", map[string]string{"TimeGenerated": "-"}, jsonHint, 0, true, nil},
		{"an unreadable time is an error", map[string]string{"TimeGenerated": `"yesterday"`}, jsonHint, 0, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := decode(t, seRow(tt.fields), tt.hint, ShapeSecurityEvent)
			if (err != nil) != tt.wantErr || len(evs) != tt.events {
				t.Fatalf("%d events, err %v; want %d, error %v", len(evs), err, tt.events, tt.wantErr)
			}
			// An event with an error is read for what it holds: the
			// error says what was lost, once per file.
			if _, incomplete := err.(record.Incomplete); len(evs) > 0 && err != nil && !incomplete {
				t.Errorf("events with an error that is no record.Incomplete: %v", err)
			}
			if tt.check != nil && !tt.check(evs[0].Process) {
				t.Errorf("process %+v", *evs[0].Process)
			}
		})
	}
}
