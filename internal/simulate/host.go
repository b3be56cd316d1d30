package simulate

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// benignNames are what the tenant's machines resolve every day.
var benignNames = []string{
	"login.microsoftonline.com.", "management.azure.com.", "packages.microsoft.com.", "archive.ubuntu.com.",
	"security.ubuntu.com.", "github.com.", "pypi.org.", "files.pythonhosted.org.", "download.pytorch.org.",
	"registry-1.docker.io.", "ntp.ubuntu.com.", "global.handler.control.monitor.azure.com.", "api.nuget.org.",
	"westeurope.login.microsoft.com.", "huggingface.co.", "objects.githubusercontent.com.",
}

// dns writes one firewall DNS proxy record (AZFWDnsQuery) into the hour's
// file of Event Hub messages, laid out as a capture is: year/month/day/hour.
func (g *gen) dns(at time.Time, src, name string) {
	if g.track {
		g.addrs = append(g.addrs, src)
	}
	r := map[string]any{
		"time": stamp(at), "resourceId": g.t.FirewallID, "category": "AZFWDnsQuery", "operationName": "AZFWDnsQuery",
		"properties": map[string]any{
			"SourceIp": src, "SourcePort": 30000 + g.r.IntN(30000), "QueryId": g.r.IntN(65536), "QueryType": pick(g.r, []string{"A", "A", "AAAA"}),
			"QueryClass": "IN", "QueryName": name, "Protocol": "udp", "RequestSize": 40 + len(name), "DnssecOkBit": false,
			"EDNS0BufferSize": 512, "ResponseCode": "NOERROR", "ResponseFlags": "qr,rd,ra", "ResponseSize": 80 + g.r.IntN(200),
			"RequestDurationSecs": float64(g.r.IntN(40000)) / 1e6, "ErrorNumber": 0, "ErrorMessage": "",
		},
	}
	g.add(at.Format("firewall-eventhub/azfwdnsquery/2006/01/02/15.json"), kindRecords, at, marshal(r))
}

// lookup writes the firewall's record of src, a machine of net, resolving
// name, when net resolves through the firewall, and reports whether it
// did.
func (g *gen) lookup(at time.Time, net network, src, name string) bool {
	if net.proxied {
		g.dns(at, src, name)
	}
	return net.proxied
}

// benignDNS writes an hour of ordinary lookups from the spoke networks.
func (g *gen) benignDNS(h time.Time, work bool) {
	n := 8*g.scale + g.r.IntN(8*g.scale)
	if work {
		n += 14 * g.scale
	}
	for range n {
		g.dns(h.Add(g.jitter(time.Hour)), spokeAddr(g.r), pick(g.r, benignNames))
	}
}

// exec writes the auditd records of one successful execve on host.
func (g *gen) exec(at time.Time, host string, pid, ppid int, uid int, args []string) {
	g.logExec(at, host, g.execText(g.r, at, host, pid, ppid, uid, args), false)
}

// attackerExec is exec on a machine an attacker created: its events reach
// the logs only when an agent policy reaches every new machine. The draws
// are made either way, so the rest of the tenant is the same bytes.
func (g *gen) attackerExec(at time.Time, host string, pid, ppid int, uid int, args []string) {
	g.logExec(at, host, g.execText(g.r, at, host, pid, ppid, uid, args), true)
}

// logExec writes the event b of host to its process log, unless the host
// is an attacker's (attacker) that no agent reaches.
func (g *gen) logExec(at time.Time, host string, b []byte, attacker bool) {
	if !attacker || g.agents == AgentsAll {
		path, kind := hostLogFile(g.logOf(host), g.t.ID, host, at)
		g.add(path, kind, at, b)
	}
}

// execText is the process log's event of one process start on host (an
// audit event, Sysmon's or Defender for Endpoint's: sysmon.go, mde.go),
// its inode, process guid or report id drawn from r.
func (g *gen) execText(r *rand.Rand, at time.Time, host string, pid, ppid int, uid int, args []string) []byte {
	g.serial[host]++
	if g.track {
		g.hosts = append(g.hosts, host)
	}
	switch g.logOf(host) {
	case LogSysmon:
		return sysmonText(r, at, host, g.serial[host], pid, ppid, uid, args)
	case LogMDE:
		return mdeText(r, at, g.t.ID, host, g.serial[host], pid, ppid, uid, args, g.windows[host] != "")
	case LogSecurityEvent:
		return securityEventText(r, at, host, g.windows[host], pid, ppid, uid, args)
	case LogSysmonEvent:
		return sysmonWindowsText(r, at, host, g.windows[host], g.serial[host], pid, ppid, uid, args)
	}
	id := fmt.Sprintf("audit(%d.%03d:%d)", at.Unix(), at.Nanosecond()/1e6, 4000+g.serial[host]*7)
	exe := args[0]
	comm := exe[strings.LastIndexByte(exe, '/')+1:]
	var b strings.Builder
	fmt.Fprintf(&b, "type=SYSCALL msg=%s: arch=c000003e syscall=59 success=yes exit=0 a0=55d0c4a3b2a0 a1=55d0c4a3b3c0 a2=55d0c4a3b410 a3=0 items=2 ppid=%d pid=%d auid=%d uid=%d gid=%d euid=%d suid=%d fsuid=%d egid=%d sgid=%d fsgid=%d tty=(none) ses=3 comm=%q exe=%q key=\"exec\"\n",
		id, ppid, pid, uid, uid, uid, uid, uid, uid, uid, uid, uid, comm, exe)
	fmt.Fprintf(&b, "type=EXECVE msg=%s: argc=%d", id, len(args))
	for i, a := range args {
		fmt.Fprintf(&b, " a%d=%s", i, auditField(a))
	}
	fmt.Fprintf(&b, "\ntype=CWD msg=%s: cwd=\"/home/azureuser\"\n", id)
	fmt.Fprintf(&b, "type=PATH msg=%s: item=0 name=%q inode=%d dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0\n", id, exe, 390000+r.IntN(9000))
	fmt.Fprintf(&b, "type=PROCTITLE msg=%s: proctitle=%s", id, auditField(strings.Join(args, "\x00")))
	return []byte(b.String())
}

// logOf is the log that holds host's processes: the tenant's agent's, or
// on a Windows machine (windows.go) Windows' counterpart of it.
func (g *gen) logOf(host string) string {
	if g.windows[host] == "" {
		return g.hostLog
	}
	return WindowsLog(g.hostLog)
}

// auditField encodes a value the way auditd does: quoted when plain, hex
// when it holds a space, a quote or a control or non-ASCII byte.
func auditField(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '"' || c >= 0x7f {
			return strings.ToUpper(hex.EncodeToString([]byte(s)))
		}
	}
	return `"` + s + `"`
}

// benignCommands are what engineers and training jobs run on the VMs.
var benignCommands = [][]string{
	{"/usr/bin/python3", "train.py", "--epochs", "40", "--batch-size", "256"},
	{"/usr/bin/nvidia-smi"},
	{"/usr/bin/apt-get", "update"},
	{"/usr/bin/git", "pull", "--ff-only"},
	{"/usr/bin/systemctl", "status", "azuremonitoragent"},
	{"/usr/bin/docker", "run", "--rm", "-v", "/data:/data", "ghcr.io/org/etl:2.4"},
	{"/usr/bin/rsync", "-a", "/data/checkpoints/", "/mnt/blob/checkpoints/"},
}

// benignHosts writes an hour of process starts on the team's machines.
func (g *gen) benignHosts(h time.Time, work bool) {
	if !work {
		return
	}
	hosts := []string{"ds-train-01", "ds-train-02", "build-agent-3"}
	for range 1 + g.r.IntN(2*g.scale) {
		g.exec(h.Add(g.jitter(time.Hour)), pick(g.r, hosts), 2000+g.r.IntN(60000), 1200+g.r.IntN(400), 1000, pick(g.r, benignCommands))
	}
}
