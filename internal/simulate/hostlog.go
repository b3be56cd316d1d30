package simulate

import "time"

// The machines' process logs come from one of the three agents mamori
// reads (Options.HostLog, drawn from the seed by default): auditd's
// execve records in hosts/NAME/audit.log, Sysmon for Linux's process
// creations (event 1), which it writes to syslog, in hosts/NAME/syslog
// (sysmon.go), or Defender for Endpoint's, in its streaming API's hourly
// blobs of the whole tenant (mde.go). The same processes either way, so
// the evaluation measures the host rules on every reader.

// The process logs Options.HostLog describes.
const (
	LogAuditd = "auditd"
	LogSysmon = "sysmon"
	LogMDE    = "mde"
)

// The logs of Windows machines (windows.go), no option: they take
// Defender for Endpoint's where the tenant runs it, Sysmon for Windows
// (its events in Log Analytics' Event table) beside Sysmon for Linux, and
// Windows' Security log's event 4688 (Log Analytics' SecurityEvent table)
// beside auditd; a day's export a file.
const (
	LogSecurityEvent = "securityevent"
	LogSysmonEvent   = "sysmon-event"
)

// WindowsLog is the log a tenant's Windows machines write beside its
// Linux machines' hostLog.
func WindowsLog(hostLog string) string {
	switch hostLog {
	case LogMDE:
		return LogMDE
	case LogSysmon:
		return LogSysmonEvent
	}
	return LogSecurityEvent
}

// The shares of drawn tenants whose machines run Sysmon for Linux and
// Defender for Endpoint; auditd the rest.
const (
	sysmonShare = 1.0 / 3
	mdeShare    = 1.0 / 6
)

// hostLogFile is where the agent log writes host's process start at at
// in tenant, and the kind of file it is.
func hostLogFile(log, tenant, host string, at time.Time) (path string, kind int) {
	switch log {
	case LogSysmon:
		return "hosts/" + host + "/syslog", kindText
	case LogMDE:
		return mdeContainer + "/tenantId=" + tenant + "/" + hourPath(at) + "/PT1H.json", kindLines
	case LogSecurityEvent:
		return "securityevent/SecurityEvent_" + at.UTC().Format("2006-01-02") + ".json", kindArray
	case LogSysmonEvent:
		return "windows-events/Event_" + at.UTC().Format("2006-01-02") + ".json", kindArray
	}
	return "hosts/" + host + "/audit.log", kindText
}

// processContext is what the agents that name them say of a process
// started by uid under ppid (the simulator keeps no process tree): its
// user and folder, and its parent, systemd for services, a shell
// otherwise.
func processContext(uid, ppid int) (user, cwd, parent, parentCmd string) {
	user, cwd = "azureuser", "/home/azureuser"
	if uid == 0 {
		user, cwd = "root", "/root"
	}
	parent, parentCmd = "/usr/bin/bash", "-bash"
	if ppid == 1 {
		parent, parentCmd = "/usr/lib/systemd/systemd", "/sbin/init"
	}
	return user, cwd, parent, parentCmd
}
