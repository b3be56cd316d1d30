package host

import (
	"bytes"
	"strings"
	"testing"
)

// WholeEnd leaves out what may be an event still being written: the
// auditd records of the newest seconds, a Sysmon event not yet closed.
func TestWholeEnd(t *testing.T) {
	audit := func(sec, serial string) string {
		return "type=SYSCALL msg=audit(" + sec + ".100:" + serial + "): arch=c000003e syscall=59 success=yes exe=\"/bin/sh\"\n"
	}
	event := "<Event><System><EventID>1</EventID></System><EventData><Data Name=\"Image\">/bin/sh</Data></EventData></Event>"
	for _, c := range []struct {
		name, kind, text, want string // want: the text WholeEnd keeps
	}{
		{"auditd: the newest seconds wait", "auditd",
			audit("1000", "1") + audit("1003", "2") + audit("1010", "3") + audit("1012", "4") + audit("1015", "5"),
			audit("1000", "1") + audit("1003", "2")},
		{"auditd: an older event's record after a newer one stays with it", "auditd",
			audit("1000", "1") + audit("1009", "2") + "type=EXECVE msg=audit(1000.100:1): argc=1 a0=\"sh\"\n" + audit("1010", "3"),
			audit("1000", "1") + audit("1009", "2") + "type=EXECVE msg=audit(1000.100:1): argc=1 a0=\"sh\"\n"},
		{"auditd: lines that are no records pass", "auditd",
			audit("1000", "1") + "garbage\n" + audit("1010", "2") + "\n",
			audit("1000", "1")},
		{"auditd: all within the window", "auditd", audit("1000", "1") + audit("1004", "2"), ""},
		{"sysmon: one event per syslog line", "sysmon",
			"Nov 27 10:00:00 vm1 sysmon: " + event + "\nNov 27 10:00:01 vm1 sysmon: " + event + "\n",
			"Nov 27 10:00:00 vm1 sysmon: " + event + "\nNov 27 10:00:01 vm1 sysmon: " + event + "\n"},
		{"sysmon: an event over lines waits for </Event>", "sysmon",
			event + "\n<Event>\n <System><EventID>1</EventID></System>\n <EventData>\n </EventData>\n",
			event + "\n"},
		{"sysmon: spaces in the closing tag", "sysmon", "<Event>\n</Event >\r\n<Event>\n", "<Event>\n</Event >\r\n"},
		{"not a host log", "json-lines", "{}\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := WholeEnd(c.kind, []byte(c.text)); got != len(c.want) || !strings.HasPrefix(c.text, c.want) {
				t.Errorf("WholeEnd = %d (%q), want %d (%q)", got, c.text[:min(got, len(c.text))], len(c.want), c.want)
			}
		})
	}
}

// Whatever the bytes, WholeEnd keeps a prefix of whole lines: serve reads
// on from it, so a cut inside a line would start the next read mid-record.
func FuzzWholeEnd(f *testing.F) {
	for _, name := range []string{"auditd_xmrig.log", "auditd_interleaved.log", "sysmon_two.xml", "sysmon_syslog.log"} {
		b := fixture(f, name)
		f.Add(b, name[:strings.IndexByte(name, '_')] == "sysmon")
	}
	f.Add([]byte("</EventData>\n</Event\n>x</Event>"), true)
	f.Fuzz(func(t *testing.T, b []byte, sysmon bool) {
		kind := "auditd"
		if sysmon {
			kind = "sysmon"
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			b = b[:i+1] // WholeEnd is given whole lines
		} else {
			b = nil
		}
		n := WholeEnd(kind, b)
		if n < 0 || n > len(b) || (n > 0 && b[n-1] != '\n') {
			t.Fatalf("WholeEnd = %d of %d bytes: not the end of a line", n, len(b))
		}
	})
}
