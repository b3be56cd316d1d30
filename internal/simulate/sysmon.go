package simulate

import (
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// sysmonText is Sysmon for Linux's event 1 for one process start on host,
// as rsyslog writes it: a syslog line whose message is the event's XML.
// seq numbers the host's events; r draws as the audit event draws its
// inode, once, so that either agent leaves the tenant's other records the
// same.
func sysmonText(r *rand.Rand, at time.Time, host string, seq, pid, ppid, uid int, args []string) []byte {
	user, cwd, parent, parentCmd := processContext(uid, ppid)
	p := processCreate{at: at, seq: seq, pid: pid, ppid: ppid, image: args[0], cmd: strings.Join(args, " "), cwd: cwd, user: user,
		logonID: fmt.Sprint(uid), session: "3", integrity: "no level", parent: parent, parentCmd: parentCmd}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s sysmon: <Event><System><Provider Name=\"Linux-Sysmon\" Guid=\"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}\"/>"+
		"<EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"+
		"<TimeCreated SystemTime=\"%s\"/><EventRecordID>%d</EventRecordID><Correlation/><Execution ProcessID=\"812\" ThreadID=\"812\"/>"+
		"<Channel>Linux-Sysmon/Operational</Channel><Computer>%s</Computer><Security UserId=\"0\"/></System><EventData>",
		at.UTC().Format(time.Stamp), host, at.UTC().Format("2006-01-02T15:04:05.000000000Z"), seq, host)
	p.writeData(&b, r)
	b.WriteString("</EventData></Event>")
	return []byte(b.String())
}

// processCreate is what Sysmon's event 1 says of one process start, on
// Linux (sysmonText) or Windows (sysmonWindowsText): what differs between
// the two is given, the rest is Sysmon's.
type processCreate struct {
	at                          time.Time
	seq, pid, ppid              int
	image, cmd, cwd, user       string
	logonID, session, integrity string
	parent, parentCmd           string
}

// writeData writes the event's <Data> elements, its process guid drawn
// from r, once, as the audit event draws its inode.
func (p processCreate) writeData(b *strings.Builder, r *rand.Rand) {
	guid := fmt.Sprintf("{%08x-%04x-%04x-0000-%012x}", p.at.Unix(), r.IntN(9000), p.seq&0xffff, p.pid)
	data := [][2]string{
		{"RuleName", "-"}, {"UtcTime", p.at.UTC().Format("2006-01-02 15:04:05.000")}, {"ProcessGuid", guid},
		{"ProcessId", fmt.Sprint(p.pid)}, {"Image", p.image}, {"FileVersion", "-"}, {"Description", "-"},
		{"Product", "-"}, {"Company", "-"}, {"OriginalFileName", "-"}, {"CommandLine", p.cmd},
		{"CurrentDirectory", p.cwd}, {"User", p.user}, {"LogonGuid", "{00000000-0000-0000-0000-000000000000}"},
		{"LogonId", p.logonID}, {"TerminalSessionId", p.session}, {"IntegrityLevel", p.integrity}, {"Hashes", "-"},
		{"ParentProcessGuid", "-"}, {"ParentProcessId", fmt.Sprint(p.ppid)}, {"ParentImage", p.parent},
		{"ParentCommandLine", p.parentCmd}, {"ParentUser", p.user},
	}
	for _, d := range data {
		fmt.Fprintf(b, "<Data Name=%q>", d[0])
		xml.EscapeText(b, []byte(d[1])) // a command line may hold <, & and quotes
		b.WriteString("</Data>")
	}
}
