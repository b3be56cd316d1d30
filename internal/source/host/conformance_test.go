package host

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/samples"
	"github.com/valyala/fastjson"
)

// readSample returns a shared sample file, or skips.
func readSample(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(samples.File(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// splitDecode splits text and decodes every record, failing on any bad
// line or decode error.
func splitDecode(t *testing.T, f splitFunc, text []byte, h record.Hint, shape string) []event.Event {
	t.Helper()
	recs, bads := split(t, f, text)
	if len(bads) != 0 {
		t.Fatalf("%d bad lines, first: line %d: %v", len(bads), bads[0].line, bads[0].reason)
	}
	var evs []event.Event
	for _, r := range recs {
		got, err := decode(t, r.json, h, shape)
		if err != nil {
			t.Fatalf("record at line %d: %v", r.line, err)
		}
		for _, e := range got {
			if e.Time.IsZero() || e.Process == nil {
				t.Fatalf("record at line %d: event without time or process", r.line)
			}
		}
		evs = append(evs, got...)
	}
	return evs
}

func TestConformanceMsticpyAuditd(t *testing.T) {
	t.Parallel()
	text := readSample(t, "samples/msticpy/auditd_log.txt")
	if !LooksLikeAuditd(text[:4096]) || LooksLikeSysmon(text[:4096]) {
		t.Error("sniffing does not take the sample for auditd only")
	}

	// Count, independently of the splitter, the events holding an EXECVE record.
	serial := regexp.MustCompile(`^type=EXECVE msg=audit\(([0-9.]+:[0-9]+)\)`)
	withExecve := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		if m := serial.FindSubmatch(sc.Bytes()); m != nil {
			withExecve[string(m[1])] = true
		}
	}
	if len(withExecve) < 100 {
		t.Fatalf("sample holds %d EXECVE events: not the expected file", len(withExecve))
	}

	evs := splitDecode(t, SplitAuditd, text, auditdHint, ShapeAuditd)
	if len(evs) != len(withExecve) {
		t.Errorf("decoded %d execve events, sample has %d events with EXECVE", len(evs), len(withExecve))
	}
	byID := map[string]event.Event{}
	for _, e := range evs {
		byID[e.ID] = e
	}
	// waagent's iptables probe: 16 plain arguments.
	e, ok := byID["1551487424.873:755"]
	if !ok {
		t.Fatal("event 755 missing")
	}
	if e.Process.CommandLine != "iptables -w -t security -C OUTPUT -d 168.63.129.16 -p tcp -m conntrack --ctstate INVALID,NEW -j DROP" ||
		e.Process.Image != "/sbin/xtables-multi" || e.Process.PID != 19200 || e.Process.ParentPID != 19199 || e.Process.User != "0" ||
		!e.Time.Equal(time.Date(2019, 3, 2, 0, 43, 44, 873e6, time.UTC)) {
		t.Errorf("event 755: %v %+v", e.Time, *e.Process)
	}
	// The shell before it: a hex-encoded argument holding a space.
	if e := byID["1551487424.869:752"]; e.Process == nil || e.Process.CommandLine != "/bin/sh -c iptables --version" || e.Process.Image != "/bin/dash" {
		t.Errorf("event 752: %+v", e.Process)
	}
}

func TestConformanceOTRFAuditd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file  string
		cmds  []string
		image string // of the first event
		user  string
		login string
	}{
		{"samples/otrf-security-datasets/auditd_sh_arp_cache_2020-11-10074812.log", []string{"arp -a", "grep -v ^?"}, "/usr/sbin/arp", "1000", "1000"},
		{"samples/otrf-security-datasets/auditd_sh_binary_padding_dd_2020-11-10081941.log", []string{"dd if=/dev/zero bs=1 count=1"}, "/bin/dd", "1000", "1000"},
	}
	for _, tt := range tests {
		text := readSample(t, tt.file)
		if !LooksLikeAuditd(text) {
			t.Errorf("%s: LooksLikeAuditd false", tt.file)
		}
		evs := splitDecode(t, SplitAuditd, text, auditdHint, ShapeAuditd)
		if len(evs) != len(tt.cmds) {
			t.Errorf("%s: %d events, want %d", tt.file, len(evs), len(tt.cmds))
			continue
		}
		for i, e := range evs {
			if e.Process.CommandLine != tt.cmds[i] {
				t.Errorf("%s: event %d command %q, want %q", tt.file, i, e.Process.CommandLine, tt.cmds[i])
			}
		}
		if p := evs[0].Process; p.Image != tt.image || p.User != tt.user || p.LoginUser != tt.login || !evs[0].Principal.Empty() {
			t.Errorf("%s: image %q user %q login %q", tt.file, p.Image, p.User, p.LoginUser)
		}
	}
}

func TestConformanceGraplSysmon(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want event.Process
		at   time.Time
	}{
		{
			file: "samples/grapl-sysmon-linux/linux_sysmon_eid1_event_with_control_char.xml",
			want: event.Process{Host: "user-VirtualBox", Image: "/usr/bin/file", CommandLine: "file \a", ParentImage: "/usr/bin/bash",
				ParentCommand: "bash", User: "user", PID: 1993, ParentPID: 1895},
			at: time.Date(2022, 1, 20, 17, 2, 16, 949e6, time.UTC),
		},
		{
			file: "samples/grapl-sysmon-linux/linux_sysmon_eid1_process_creation.xml",
			want: event.Process{Host: "tux", Image: "/usr/bin/tr", CommandLine: "tr [:upper:][:lower:]", User: "root", PID: 49570, ParentPID: 49568},
			at:   time.Date(2022, 1, 4, 19, 54, 15, 661e6, time.UTC),
		},
	}
	for _, tt := range tests {
		text := readSample(t, tt.file)
		if !LooksLikeSysmon(text) || LooksLikeAuditd(text) {
			t.Errorf("%s: sniffing does not take the sample for Sysmon only", tt.file)
		}
		evs := splitDecode(t, SplitSysmon, text, sysmonHint, ShapeSysmon)
		if len(evs) != 1 {
			t.Errorf("%s: %d events, want 1", tt.file, len(evs))
			continue
		}
		if *evs[0].Process != tt.want || !evs[0].Time.Equal(tt.at) {
			t.Errorf("%s:\n got %v %+v\nwant %v %+v", tt.file, evs[0].Time, *evs[0].Process, tt.at, tt.want)
		}
	}
}

func TestConformanceDefenderStreamingSample(t *testing.T) {
	t.Parallel()
	text := readSample(t, "samples/elastic-integrations/m365_defender_streaming_DeviceProcessEvents.ndjson")
	e := decodeOne(t, string(bytes.TrimSpace(text)), jsonHint, ShapeMDEStreaming)
	want := event.Process{
		Host: "testmachine6", Image: `C:\Windows\System32\smartscreen.exe`, CommandLine: "smartscreen.exe -Embedding",
		ParentImage: `c:\windows\system32\svchost.exe`, ParentCommand: "svchost.exe -k DcomLaunch -p",
		User: `testmachine6\administrator1`, PID: 6412, ParentPID: 996,
		SHA256: "8011a5f4ac65d85cbe593bdad886449e3807d950b234e77c675a0f7ca3b7c781",
	}
	if *e.Process != want {
		t.Errorf("process = %+v\nwant      %+v", *e.Process, want)
	}
	if !e.Time.Equal(time.Date(2022, 11, 9, 17, 59, 52, 626578600, time.UTC)) || e.Tenant != "12345af3-bc0e-4f36-b08e-27759e912345" {
		t.Errorf("time %v tenant %q", e.Time, e.Tenant)
	}
}

func TestConformanceOtherAdvancedHuntingTablesAreNotClaimed(t *testing.T) {
	t.Parallel()
	text := readSample(t, "samples/otrf-security-datasets/GoldenSAMLADFSMailAccess_Microsoft365DefenderEvents.json")
	rows := 0
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		rows++
		v, err := fastjson.ParseBytes(sc.Bytes())
		if err != nil {
			t.Fatalf("row %d: %v", rows, err)
		}
		if shape, ok := Detect(v, jsonHint); ok {
			t.Errorf("row %d (ActionType %s) claimed as %q", rows, v.GetStringBytes("ActionType"), shape)
		}
	}
	if rows != 9 {
		t.Errorf("%d rows, want 9", rows)
	}
}
