package host

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// fuzzHints are the framings a record can arrive with; the fuzzer picks one.
var fuzzHints = []record.Hint{
	{Format: "json"},
	{Format: "csv", Table: "DeviceProcessEvents"},
	{Format: "auditd"},
	{Format: "sysmon"},
	{Format: "json", Table: "Syslog"},
	{Format: "csv", Table: "SecurityEvent"},
	{Format: "csv", Table: "WindowsEvent"},
	{Format: "json", Table: "Event"},
}

// seedRecords returns the JSON records of the fixtures, including the
// synthetic objects the splitters make from the text fixtures.
func seedRecords(f *testing.F) []string {
	var out []string
	out = append(out, fixtureLines(f, "mde_streaming.ndjson")...)
	out = append(out, fixtureLines(f, "mde_hunting.ndjson")...)
	for _, s := range []struct {
		split splitFunc
		file  string
	}{
		{SplitAuditd, "auditd_xmrig.log"}, {SplitAuditd, "auditd_interleaved.log"},
		{SplitSysmon, "sysmon_two.xml"}, {SplitSysmon, "sysmon_syslog.log"},
	} {
		recs, _ := split(f, s.split, fixture(f, s.file))
		for _, r := range recs {
			out = append(out, r.json)
		}
	}
	return append(out,
		`{"Type":"Syslog","ProcessName":"sysmon","TimeGenerated":"2024-01-01T00:00:00Z","SyslogMessage":"<Event><System><EventID>1</EventID></System><EventData><Data Name=\"UtcTime\">2024-01-01 00:00:00</Data></EventData></Event>"}`,
		`{"time":"1.5","serial":"1","EXECVE":{"argc":"-3","a0":null},"SYSCALL":{"syscall":59,"success":["no"]},"PATH":{"0":1}}`,
		`{"System":{"EventID":1,"Provider":"x"},"EventData":[1]}`,
		seRow(nil), seRow(map[string]string{"EventID": `"4688"`, "NewProcessId": `"0x"`, "ProcessId": "-1"}),
		seRow(map[string]string{"EventID": "4624"}),
		eventRow(1, "Microsoft-Windows-Sysmon"), eventRow(3, "Sysmon"), windowsEventRow(1, false), windowsEventRow(1, true),
	)
}

func FuzzDecode(f *testing.F) {
	for i, r := range seedRecords(f) {
		f.Add([]byte(r), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, hint uint8) {
		var p fastjson.Parser
		v, err := p.ParseBytes(data)
		if err != nil {
			return
		}
		var sc record.Scratch
		h := fuzzHints[int(hint)%len(fuzzHints)]
		shapes := []string{ShapeMDEStreaming, ShapeMDEHunting, ShapeAuditd, ShapeSysmon, ShapeSysmonSyslog}
		if s, ok := Detect(v, h); ok {
			shapes = append(shapes[:0], s)
		}
		// Decode must survive any object under any shape, not only the
		// one Detect picks.
		for _, s := range shapes {
			evs, err := Decode(&sc, v, s, nil)
			sc.Reset()
			for _, e := range evs {
				if e.Kind != event.KindProcess || e.Process == nil || e.Shape != s {
					t.Fatalf("event kind %v shape %q process %v", e.Kind, e.Shape, e.Process)
				}
				if err == nil && e.Time.IsZero() {
					t.Fatalf("event without time from %s", data)
				}
			}
		}
	})
}

// checkSplit runs a splitter over fuzz input and checks every record it
// emits: valid JSON for both parsers, a line inside the input, and safe to
// Detect and Decode.
func checkSplit(t *testing.T, f splitFunc, format string, data []byte) {
	lines := bytes.Count(data, []byte("\n")) + 1
	var sc record.Scratch
	err := f(bytes.NewReader(data), func(rec []byte, line int) error {
		if line < 1 || line > lines {
			t.Fatalf("record line %d outside 1..%d", line, lines)
		}
		if !json.Valid(rec) {
			t.Fatalf("emitted record is not JSON: %q", rec)
		}
		v, err := fastjson.ParseBytes(rec)
		if err != nil {
			t.Fatalf("fastjson cannot parse emitted record: %v: %q", err, rec)
		}
		if v.Type() != fastjson.TypeObject {
			t.Fatalf("emitted record is not an object: %q", rec)
		}
		shape, ok := Detect(v, record.Hint{Format: format})
		if !ok {
			t.Fatalf("emitted record not claimed: %q", rec)
		}
		evs, err := Decode(&sc, v, shape, nil)
		sc.Reset()
		for _, e := range evs {
			if err == nil && e.Time.IsZero() {
				t.Fatalf("event without time from %q", rec)
			}
		}
		return nil
	}, func(line int, reason error) {
		if line < 1 || line > lines || reason == nil {
			t.Fatalf("bad line %d (%v) outside 1..%d", line, reason, lines)
		}
	})
	if err != nil {
		t.Fatalf("split returned %v over an in-memory reader", err)
	}
}

// addTextSeeds seeds a fuzzer with the testdata files of a kind.
func addTextSeeds(f *testing.F, pattern string) {
	names, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzSplitAuditd(f *testing.F) {
	addTextSeeds(f, "auditd_*.log")
	f.Add([]byte("type=EXECVE msg=audit(1.5:1): argc=2 a0=00FF a1[0]=41 a1[1]=\"b\" a1_len=2\x1dUID=\"x\nnode=n type=PATH msg=audit(1:1): name='q"))
	f.Fuzz(func(t *testing.T, data []byte) { checkSplit(t, SplitAuditd, "auditd", data) })
}

// FuzzAuditExec checks AuditBuilder.BuildProcess against decodeAuditd: an
// event it passes over decodes to nothing, without error, and every event
// it writes decodes to a process start or an error, the same record Build
// writes.
func FuzzAuditExec(f *testing.F) {
	addTextSeeds(f, "auditd_*.log")
	f.Add([]byte("type=SYSCALL msg=audit(1.0:1): arch=c00000b7 syscall=221 success=no SYSCALL=execve\ntype=EOE msg=audit(1.0:1): \n"))
	f.Add([]byte("type=SYSCALL msg=audit(1.0:2): syscall=2 success=yes\ntype=SYSCALL msg=audit(1.0:2): syscall=59\ntype=CWD msg=audit(1.0:2): cwd=\"/\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b, p AuditBuilder
		var sc record.Scratch
		GroupAuditd(bytes.NewReader(data), func(group []byte, _ int) error {
			checkProcessOnly(t, &sc, ShapeAuditd, b.Build(group), p.BuildProcess(group))
			return nil
		}, func(int, error) {})
	})
}

// checkProcessOnly checks what a builder's BuildProcess wrote (proc)
// against the record Build wrote (rec) and what it decodes to: nothing
// when proc is nil, else a process start or an error, and rec itself.
func checkProcessOnly(t *testing.T, sc *record.Scratch, shape string, rec, proc []byte) {
	t.Helper()
	v, err := fastjson.ParseBytes(rec)
	if err != nil {
		t.Fatalf("record is not JSON: %v: %q", err, rec)
	}
	evs, err := Decode(sc, v, shape, nil)
	sc.Reset()
	if got := len(evs) > 0 || err != nil; got != (proc != nil) {
		t.Fatalf("BuildProcess wrote %q, but the record decodes to %d events, error %v: %s", proc, len(evs), err, rec)
	}
	if proc != nil && !bytes.Equal(proc, rec) {
		t.Fatalf("BuildProcess wrote %s, Build %s", proc, rec)
	}
}

// FuzzSysmonProcess checks SysmonBuilder.BuildProcess against
// decodeSysmon, as FuzzAuditExec does for audit events: an event it passes
// over decodes to nothing, without error; every other is Build's record
// and decodes to a process start or an error; XML that does not read is
// an error for both.
func FuzzSysmonProcess(f *testing.F) {
	addTextSeeds(f, "sysmon_*")
	f.Add([]byte(`<Event xmlns="x"><System><Provider Name="Linux-Sysmon"/><EventID Qualifiers="">1</EventID></System><EventData><Data Name="UtcTime">2023-11-14 22:13:20.123</Data></EventData></Event>`))
	f.Add([]byte(`<Event><System><Provider><Name>other</Name></Provider><EventID>1</EventID></System><EventData/></Event>`))
	f.Add([]byte(`<Event System="1"><System><EventID> 1 </EventID></System></Event>`))
	f.Add([]byte(`<Event><System><EventID>3</EventID></System><EventData><Data Name="UtcTime">x</Data></EventData></Event>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b, p SysmonBuilder
		var sc record.Scratch
		GroupSysmon(bytes.NewReader(data), func(xml []byte, _ int) error {
			rec, err := b.Build(xml)
			proc, perr := p.BuildProcess(xml)
			if (err == nil) != (perr == nil) {
				t.Fatalf("Build error %v, BuildProcess error %v: %q", err, perr, xml)
			}
			if err == nil {
				checkProcessOnly(t, &sc, ShapeSysmon, rec, proc)
			}
			return nil
		}, func(int, error) {})
	})
}

func FuzzSplitSysmon(f *testing.F) {
	addTextSeeds(f, "sysmon_*")
	f.Add([]byte("<Event><System><EventID>1</EventID></System><EventData><Data Name=\"UtcTime\">2024-01-01 00:00:00</Data><Data Name=\"CommandLine\">\x07&#0;&#x110000;\xff</Data></EventData></Event>\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkSplit(t, SplitSysmon, "sysmon", data) })
}
