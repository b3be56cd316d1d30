package host

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// Windows' own process log: the Security log's event 4688 ("A new process
// has been created"), as the Azure Monitor Agent (Microsoft Sentinel's
// Windows Security Events connector) or the legacy agent sends it to Log
// Analytics, in the SecurityEvent table: a row per event, the event's
// fields as columns (Azure Monitor's table reference). Read from a
// workspace's export (JSON, az monitor log-analytics query, the portal's
// CSV) or a data export rule's blobs. The command line is there only where
// the policy "Include command line in process creation events" is on;
// without it the row still names the program, and the hunt says, once per
// file, what it could not see (errNoCommandLine).
//
// Every SecurityEvent row is claimed and read; only 4688 makes an event
// (logons, service installs and the rest are read and say nothing here).

// securityEvent4688 is the Security log's process creation.
const securityEvent4688 = 4688

// errNoCommandLine is told once per file of 4688 events without their
// command line (the events are used): what a hunt of them cannot see.
const errNoCommandLine = record.Incomplete("Windows process creations (event 4688) without their command line: " +
	"the policy \"Include command line in process creation events\" is off on their machines, so the rules that read " +
	"command lines (a miner's options, a GPU driver's setup) see only each program's path; turn it on under " +
	"Computer Configuration > Administrative Templates > System > Audit Process Creation")

// decodeSecurityEvent reads a SecurityEvent row.
func decodeSecurityEvent(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	id, ok := sc.Int(v, "EventID")
	if !ok {
		return out, fmt.Errorf("SecurityEvent row without a numeric EventID")
	}
	if id != securityEvent4688 {
		return out, nil // not a process creation: nothing to report
	}
	ts := sc.FirstStr(v, "TimeGenerated", "TimeGenerated [UTC]")
	t, err := eventTime(ts)
	if err != nil {
		return out, err
	}

	e := newEvent(ShapeSecurityEvent)
	e.Time = t
	e.Operation = "processcreated"
	e.Category = tableSecurityEvent
	placeRow(sc, v, &e)

	p := e.Process
	p.Host = sc.Str(v, "Computer")
	p.Image = sc.Str(v, "NewProcessName")
	p.CommandLine = sc.Str(v, "CommandLine")
	p.ParentImage = sc.Str(v, "ParentProcessName")
	p.PID, _ = windowsPID(sc, v, "NewProcessId")
	p.ParentPID, _ = windowsPID(sc, v, "ProcessId") // the creator's
	p.User = sc.Str(v, "Account")
	if p.User == "" {
		p.User = windowsAccount(sc.Str(v, "SubjectDomainName"), sc.Str(v, "SubjectUserName"))
	}
	// The machine and its process id, at its time: the same event from
	// two exports is one. (A Windows account is the machine's or its
	// domain's: no principal of the tenant, as Defender's local accounts.)
	if p.Host != "" && p.PID != 0 {
		e.ID = strings.ToLower(p.Host) + ":" + strconv.FormatInt(p.PID, 10) + ":" + strconv.FormatInt(t.UnixNano(), 10)
	}
	if p.CommandLine == "" {
		return append(out, e), errNoCommandLine
	}
	return append(out, e), nil
}

// windowsAccount is an account as Windows writes it, DOMAIN\name, or
// the name alone when the domain is not given.
func windowsAccount(domain, name string) string {
	if domain != "" && name != "" {
		return domain + `\` + name
	}
	return name
}

// placeRow sets e's resource and subscription from a Log Analytics row of
// Windows' logs: its machine (_ResourceId), else its _SubscriptionId. The
// row names no tenant (TenantId is the workspace's): these place it, or
// its folder does.
func placeRow(sc *record.Scratch, v *fastjson.Value, e *event.Event) {
	e.ResourceID = strings.ToLower(sc.Str(v, "_ResourceId"))
	e.Subscription, _ = sc.Subscription(e.ResourceID)
	if e.Subscription == "" {
		e.Subscription = strings.ToLower(sc.Str(v, "_SubscriptionId"))
	}
}

// windowsPID reads a process id as the Security log writes it, hexadecimal
// ("0x1a2c"), or as a number.
func windowsPID(sc *record.Scratch, v *fastjson.Value, key string) (int64, bool) {
	s := strings.TrimSpace(sc.Str(v, key))
	if s == "" {
		return sc.Int(v, key)
	}
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err := strconv.ParseInt(h, 16, 64)
		return n, err == nil && n >= 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}
