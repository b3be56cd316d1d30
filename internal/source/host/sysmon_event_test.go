package host

import (
	"strconv"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// sysmonData is a ProcessCreate event's EventData, as Sysmon for Windows
// names its members.
var sysmonData = [][2]string{
	{"RuleName", "-"}, {"UtcTime", "2026-03-21 02:10:16.988"}, {"ProcessGuid", "{5b4c3f1a-1f0e-6601-2a00-000000001400}"},
	{"ProcessId", "8000"}, {"Image", `C:\Windows\Temp\dwm.exe`}, {"FileVersion", "-"},
	{"CommandLine", `"C:\Windows\Temp\dwm.exe" --algo ETCHASH --pool 192.0.2.44:443 --user 0x5a7F3c9E1d2B4a6C8e0F1a3B5c7D9e2F4a6B8c0D.rig07`},
	{"CurrentDirectory", `C:\Windows\system32\`}, {"User", `NT AUTHORITY\SYSTEM`}, {"IntegrityLevel", "System"},
	{"Hashes", "SHA1=0A1B,MD5=0C1D,SHA256=2BFAA60FBB58BB52DEABC0E90F06A21C5343BE640333CEA50A86F985CCCC5018,IMPHASH=0E1F"},
	{"ParentProcessGuid", "{5b4c3f1a-1f0d-6601-2900-000000001400}"}, {"ParentProcessId", "1876"},
	{"ParentImage", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`}, {"ParentCommandLine", `powershell.exe -File C:\Packages\run.ps1`},
}

const sysmonResource = `"/subscriptions/C380B0C2-BB37-4FC6-9164-72193A67D60E/resourceGroups/gpu-eastus/providers/Microsoft.Compute/virtualMachineScaleSets/train-0/virtualMachines/12"`

// eventRow is an Event table row of Sysmon's event id, its EventData as
// the agent writes it: XML in a string.
func eventRow(id int, source string) string {
	xml := `<DataItem type="System.XmlData" time="2026-03-21T02:10:17.0000000+00:00" sourceHealthServiceId="9d2b6f0a-4c8e-4a1b-8f3d-5e7a9c1b3d58"><EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">`
	for _, d := range sysmonData {
		xml += `<Data Name="` + d[0] + `">` + d[1] + `</Data>`
	}
	xml += `</EventData></DataItem>`
	return `{"TenantId":"6c3f2a1b-0d4e-4f5a-9b8c-7d6e5f4a3b2c","SourceSystem":"OpsManager","TimeGenerated":"2026-03-21T02:10:17.120Z",` +
		`"Source":` + strconv.Quote(source) + `,"EventLog":"Microsoft-Windows-Sysmon/Operational","Computer":"train-0000012","EventLevel":4,` +
		`"EventLevelName":"Information","EventID":` + strconv.Itoa(id) + `,"UserName":"NT AUTHORITY\\SYSTEM",` +
		`"RenderedDescription":"Process Create:","EventData":` + strconv.Quote(xml) + `,"_ResourceId":` + sysmonResource + `,"Type":"Event"}`
}

// windowsEventRow is a WindowsEvent table row, its EventData an object
// (asString: a string holding one, as a CSV export gives it).
func windowsEventRow(id int, asString bool) string {
	data := "{"
	for i, d := range sysmonData {
		if i > 0 {
			data += ","
		}
		data += strconv.Quote(d[0]) + ":" + strconv.Quote(d[1])
	}
	data += "}"
	if asString {
		data = strconv.Quote(data)
	}
	return `{"TenantId":"6c3f2a1b-0d4e-4f5a-9b8c-7d6e5f4a3b2c","TimeGenerated":"2026-03-21T02:10:17.120Z","Computer":"train-0000012",` +
		`"Provider":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","EventID":` + strconv.Itoa(id) + `,` +
		`"EventLevel":4,"EventData":` + data + `,"_ResourceId":` + sysmonResource + `,"Type":"WindowsEvent"}`
}

func TestDetectSysmonForWindows(t *testing.T) {
	t.Parallel()
	checkDetect(t, []detectCase{
		{"Event row of Sysmon", eventRow(1, "Microsoft-Windows-Sysmon"), jsonHint, ShapeSysmonEvent},
		{"Event row of Sysmon's network event (claimed, no event)", eventRow(3, "Microsoft-Windows-Sysmon"), jsonHint, ShapeSysmonEvent},
		{"Event row of another log is not ours", `{"TimeGenerated":"2026-03-21T02:10:17Z","Source":"Service Control Manager","EventLog":"System","EventID":7036,"Type":"Event"}`, jsonHint, ""},
		{"WindowsEvent row of Sysmon", windowsEventRow(1, false), jsonHint, ShapeSysmonWindowsEvent},
		{"WindowsEvent row of the Security log is not ours", `{"TimeGenerated":"2026-03-21T02:10:17Z","Provider":"Microsoft-Windows-Security-Auditing","Channel":"Security","EventID":4688,"Type":"WindowsEvent"}`, jsonHint, ""},
		{"CSV row of the table the export names", windowsEventRow(1, true), record.Hint{Format: "csv", Table: "WindowsEvent"}, ShapeSysmonWindowsEvent},
		{"an Event query's projection without Type", `{"TimeGenerated":"2026-03-21T02:10:17Z","Source":"Microsoft-Windows-Sysmon","EventID":1,"EventData":"<DataItem/>"}`, jsonHint, ShapeSysmonEvent},
		{"a WindowsEvent query's projection without Type", `{"TimeGenerated":"2026-03-21T02:10:17Z","Provider":"Microsoft-Windows-Sysmon","EventID":1,"EventData":{}}`, jsonHint, ShapeSysmonWindowsEvent},
	})
}

func TestDecodeSysmonForWindows(t *testing.T) {
	t.Parallel()
	want := event.Process{
		Host: "train-0000012", Image: `C:\Windows\Temp\dwm.exe`,
		CommandLine:   `"C:\Windows\Temp\dwm.exe" --algo ETCHASH --pool 192.0.2.44:443 --user 0x5a7F3c9E1d2B4a6C8e0F1a3B5c7D9e2F4a6B8c0D.rig07`,
		ParentImage:   `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		ParentCommand: `powershell.exe -File C:\Packages\run.ps1`,
		User:          `NT AUTHORITY\SYSTEM`, PID: 8000, ParentPID: 1876,
		SHA256: "2bfaa60fbb58bb52deabc0e90f06a21c5343be640333cea50a86f985cccc5018",
	}
	at := time.Date(2026, 3, 21, 2, 10, 16, 988000000, time.UTC) // UtcTime: the process's start
	for _, tt := range []struct {
		name, rec, shape string
		hint             record.Hint
	}{
		{"Event row, EventData as XML", eventRow(1, "Microsoft-Windows-Sysmon"), ShapeSysmonEvent, jsonHint},
		{"WindowsEvent row, EventData as an object", windowsEventRow(1, false), ShapeSysmonWindowsEvent, jsonHint},
		{"WindowsEvent CSV row, EventData as a string", windowsEventRow(1, true), ShapeSysmonWindowsEvent, record.Hint{Format: "csv", Table: "WindowsEvent"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := decodeOne(t, tt.rec, tt.hint, tt.shape)
			if *e.Process != want {
				t.Errorf("process = %+v\nwant      %+v", *e.Process, want)
			}
			// TenantId is the workspace's: no tenant; the machine's
			// subscription places the event.
			if !e.Time.Equal(at) || e.Tenant != "" || e.Subscription != "c380b0c2-bb37-4fc6-9164-72193a67d60e" ||
				e.ID != "{5b4c3f1a-1f0e-6601-2a00-000000001400}" || e.Category != "Microsoft-Windows-Sysmon/Operational" || e.Kind != event.KindProcess {
				t.Errorf("event %+v", e)
			}
		})
	}
	for _, tt := range []struct {
		name, rec, shape string
		events           int
		wantErr          bool
	}{
		{"a network connection makes no event", eventRow(3, "Microsoft-Windows-Sysmon"), ShapeSysmonEvent, 0, false},
		{"EventData that is no XML is an error", `{"TimeGenerated":"2026-03-21T02:10:17Z","Source":"Microsoft-Windows-Sysmon","EventID":1,"EventData":"<DataItem><EventData>","Type":"Event"}`, ShapeSysmonEvent, 0, true},
		{"XML without EventData is an error", `{"TimeGenerated":"2026-03-21T02:10:17Z","Source":"Microsoft-Windows-Sysmon","EventID":1,"EventData":"<DataItem><Other/></DataItem>","Type":"Event"}`, ShapeSysmonEvent, 0, true},
		{"no EventData is an error", `{"TimeGenerated":"2026-03-21T02:10:17Z","Provider":"Microsoft-Windows-Sysmon","EventID":1,"Type":"WindowsEvent"}`, ShapeSysmonWindowsEvent, 0, true},
		{"no EventID is an error", `{"TimeGenerated":"2026-03-21T02:10:17Z","Provider":"Microsoft-Windows-Sysmon","Type":"WindowsEvent"}`, ShapeSysmonWindowsEvent, 0, true},
		{"no UtcTime: the row's time", `{"TimeGenerated":"2026-03-21T02:10:17Z","Provider":"Microsoft-Windows-Sysmon","EventID":1,"EventData":{"Image":"C:\\x.exe"},"Type":"WindowsEvent"}`, ShapeSysmonWindowsEvent, 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := decode(t, tt.rec, jsonHint, tt.shape)
			if (err != nil) != tt.wantErr || len(evs) != tt.events {
				t.Fatalf("%d events, err %v; want %d, error %v", len(evs), err, tt.events, tt.wantErr)
			}
		})
	}
}
