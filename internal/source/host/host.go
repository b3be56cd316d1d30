// Package host decodes host process-creation logs into events of kind
// process: Defender for Endpoint DeviceProcessEvents (the streaming API's
// Event Hub and storage records, Advanced Hunting exports and API rows, and
// the Log Analytics table), Linux auditd execve events, Sysmon's
// ProcessCreate events (Sysmon for Linux's text and Syslog rows, Sysmon for
// Windows' Event and WindowsEvent rows) and Windows' Security log event
// 4688 (Log Analytics' SecurityEvent rows): sysmon_event.go,
// securityevent.go.
//
// auditd and Sysmon write text, not JSON: SplitAuditd and SplitSysmon turn
// that text into one synthetic JSON object per event (layouts documented
// beside them), which the container layer passes back through Detect and
// Decode with Hint.Format "auditd" or "sysmon". LooksLikeAuditd and
// LooksLikeSysmon tell the container layer which splitter a file needs.
//
// Records that belong to a family but are no process creation (an auditd
// USER_AUTH event, a failed execve, a Sysmon network event, a
// DeviceProcessEvents row of another ActionType) decode to no event and no
// error: they were read, there is nothing to report about them.
package host

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// The shapes this family reads.
const (
	ShapeMDEStreaming       = "process.mde.streaming"       // streaming API record, category AdvancedHunting-DeviceProcessEvents
	ShapeMDEHunting         = "process.mde.hunting"         // Advanced Hunting export or API row, Log Analytics DeviceProcessEvents row
	ShapeAuditd             = "process.auditd"              // SplitAuditd's synthetic event
	ShapeSysmon             = "process.sysmon"              // SplitSysmon's synthetic event
	ShapeSysmonSyslog       = "process.sysmon.syslog"       // Log Analytics Syslog row whose SyslogMessage holds a Sysmon <Event>
	ShapeSecurityEvent      = "process.securityevent"       // Log Analytics SecurityEvent row (Windows' Security log; 4688 a process creation)
	ShapeSysmonEvent        = "process.sysmon.event"        // Log Analytics Event row of Sysmon for Windows (EventData as XML)
	ShapeSysmonWindowsEvent = "process.sysmon.windowsevent" // Log Analytics WindowsEvent row of Sysmon for Windows (EventData as an object)
)

const (
	tableProcess       = "DeviceProcessEvents"
	tableSyslog        = "Syslog"
	tableSecurityEvent = "SecurityEvent"
	streamCat          = "AdvancedHunting-DeviceProcessEvents"
)

// Detect reports whether v is a host process record and, if so, its shape.
// The synthetic auditd and sysmon objects are known by Hint.Format. A
// streaming record is known by its category; other AdvancedHunting-*
// categories are not claimed. A Log Analytics row is known by its table
// (Type column or Hint.Table): DeviceProcessEvents, SecurityEvent, or
// Syslog, Event and WindowsEvent rows from Sysmon. An Advanced Hunting row names no table: it is claimed when its
// ActionType is ProcessCreated, which only DeviceProcessEvents writes.
func Detect(v *fastjson.Value, h record.Hint) (string, bool) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return "", false
	}
	switch h.Format {
	case "auditd":
		return ShapeAuditd, true
	case "sysmon":
		return ShapeSysmon, true
	}
	if c := strField(v, "category"); c != nil {
		if bytes.EqualFold(c, []byte(streamCat)) {
			return ShapeMDEStreaming, true
		}
		if hasPrefixFold(c, "AdvancedHunting-") {
			return "", false
		}
	}
	table := h.Table
	if table == "" {
		table = string(strField(v, "Type"))
	}
	switch {
	case strings.EqualFold(table, tableProcess):
		return ShapeMDEHunting, true
	case strings.EqualFold(table, tableSecurityEvent):
		return ShapeSecurityEvent, true
	case strings.EqualFold(table, eventTable.name):
		return eventTable.detect(v)
	case strings.EqualFold(table, windowsEventTable.name):
		return windowsEventTable.detect(v)
	case strings.EqualFold(table, tableSyslog):
		if bytes.EqualFold(strField(v, "ProcessName"), []byte("sysmon")) ||
			eventStart(strField(v, "SyslogMessage")) >= 0 {
			return ShapeSysmonSyslog, true
		}
		return "", false
	case table != "":
		return "", false
	}
	if bytes.Equal(strField(v, "ActionType"), []byte("ProcessCreated")) &&
		(record.Has(v, "Timestamp") || record.Has(v, "TimeGenerated")) &&
		(record.Has(v, "ProcessCommandLine") || record.Has(v, "FolderPath")) {
		return ShapeMDEHunting, true
	}
	// A query's rows that kept no Type column (a project of the columns it
	// wanted): Windows' columns tell their tables. The gate is EventID as
	// Log Analytics spells it, looked up exactly: every record of another
	// family that reaches here misses it, and a lookup in any case costs
	// those a second pass over their members (BenchmarkDetectForeignRecord).
	switch {
	case v.Get("EventID") == nil || !record.Has(v, "TimeGenerated") && !record.Has(v, "TimeGenerated [UTC]"):
	case record.Has(v, "NewProcessName"):
		return ShapeSecurityEvent, true
	case record.ContainsFold(strField(v, "Source"), "sysmon") && record.Has(v, "EventData"):
		return ShapeSysmonEvent, true
	case record.ContainsFold(strField(v, "Provider"), "sysmon") && record.Has(v, "EventData"):
		return ShapeSysmonWindowsEvent, true
	}
	return "", false
}

// Decode appends the process events read from v, a record of the given
// shape, to out. See the package comment for records that yield none.
func Decode(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	switch shape {
	case ShapeMDEStreaming, ShapeMDEHunting:
		return decodeMDE(sc, v, shape, out)
	case ShapeAuditd:
		return decodeAuditd(v, out)
	case ShapeSysmon:
		return decodeSysmon(v, shape, sysmonRow{}, out)
	case ShapeSysmonSyslog:
		return decodeSysmonSyslog(sc, v, out)
	case ShapeSecurityEvent:
		return decodeSecurityEvent(sc, v, out)
	case ShapeSysmonEvent, ShapeSysmonWindowsEvent:
		return decodeSysmonWindows(sc, v, shape, out)
	}
	return out, fmt.Errorf("host: unknown shape %q", shape)
}

// eventTime reads an event's time: none is record.ErrNoTime, an unreadable
// one an error that quotes it.
func eventTime(ts string) (time.Time, error) {
	if ts == "" {
		return time.Time{}, record.ErrNoTime
	}
	t, err := record.Time(ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad event time %q", record.Clip(ts, 48))
	}
	return t, nil
}

// newEvent starts a process creation event.
func newEvent(shape string) event.Event {
	return event.Event{
		Kind:    event.KindProcess,
		Shape:   shape,
		Outcome: event.OutcomeSucceeded, // every event of this family is a process that started
		Process: &event.Process{},
	}
}

// strField returns the bytes of a string member (any key case), or nil.
// The bytes are valid only while v is.
func strField(v *fastjson.Value, key string) []byte {
	m := record.Key(v, key)
	if m == nil || m.Type() != fastjson.TypeString {
		return nil
	}
	return m.GetStringBytes()
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && bytes.EqualFold(b[:len(p)], []byte(p))
}
