package host

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// Sysmon for Windows in Log Analytics. Its events reach a workspace in one
// of two tables, each a row per event (Azure Monitor's table reference,
// and Sentinel's ASIM Sysmon parsers read them so):
//
//   - Event: Windows event logs an agent collects (the Azure Monitor
//     Agent's or the legacy agent's Windows event log data source). Source
//     is the provider (Microsoft-Windows-Sysmon), EventLog the channel, and
//     EventData a string of XML: <DataItem …><EventData …><Data
//     Name="Image">…</Data>…</EventData></DataItem>.
//   - WindowsEvent: Windows Event Forwarding's events (Sentinel's Windows
//     Forwarded Events connector). Provider, Channel, and EventData an
//     object of the Data elements by name (a string holding one in a CSV).
//
// Only Sysmon's rows are claimed (both tables hold every Windows log); only
// event 1, ProcessCreate, makes an event, read as Sysmon for Linux's is.
// Neither names a tenant: TenantId is the workspace's; _ResourceId names
// the machine's subscription.

// The tables.
const (
	tableEvent        = "Event"
	tableWindowsEvent = "WindowsEvent"
)

// sysmonWindowsRow reports whether a row of tableEvent or tableWindowsEvent
// is Sysmon's: its provider (Source or Provider) or its channel (EventLog
// or Channel) names it.
func sysmonWindowsRow(v *fastjson.Value, table string) bool {
	provider, channel := "Source", "EventLog"
	if strings.EqualFold(table, tableWindowsEvent) {
		provider, channel = "Provider", "Channel"
	}
	return containsFold(strField(v, provider), "sysmon") || containsFold(strField(v, channel), "sysmon")
}

// containsFold reports whether b holds word (lower case), in any case.
func containsFold(b []byte, word string) bool {
	return strings.Contains(strings.ToLower(string(b)), word)
}

// decodeSysmonWindows reads a Sysmon row of the Event or WindowsEvent
// table (shape ShapeSysmonEvent or ShapeSysmonWindowsEvent).
func decodeSysmonWindows(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	id, ok := sc.Int(v, "EventID")
	if !ok {
		return out, fmt.Errorf("%s row without a numeric EventID", tableOf(shape))
	}
	if id != 1 {
		return out, nil // not a process creation: nothing to report
	}
	s := sysmonSystem{id: "1", computer: sc.Str(v, "Computer")}
	var data *fastjson.Value
	if shape == ShapeSysmonWindowsEvent {
		s.provider, s.channel = sc.Str(v, "Provider"), sc.Str(v, "Channel")
		if data = sc.Object(sc.Get(v, "EventData")); data != nil && data.Type() != fastjson.TypeObject {
			data = nil
		}
	} else {
		s.provider, s.channel = sc.Str(v, "Source"), sc.Str(v, "EventLog")
		var err error
		if data, err = eventDataXML(sc, strField(v, "EventData")); err != nil {
			return out, err
		}
	}
	row := sysmonRow{host: s.computer, time: sc.FirstStr(v, "TimeGenerated", "TimeGenerated [UTC]")}
	n := len(out)
	out, err := sysmonProcess(data, s, shape, row, out)
	if err == nil && len(out) > n {
		e := &out[n]
		e.ResourceID = strings.ToLower(sc.Str(v, "_ResourceId"))
		e.Subscription, _ = sc.Subscription(e.ResourceID)
	}
	return out, err
}

// tableOf names a shape's table in an error.
func tableOf(shape string) string {
	if shape == ShapeSysmonWindowsEvent {
		return tableWindowsEvent
	}
	return tableEvent
}

// eventDataXML reads the Event table's EventData, <DataItem><EventData>
// with its <Data Name="…"> elements (or <EventData> alone), into an object
// of the Data elements by name; nil when the column is empty.
func eventDataXML(sc *record.Scratch, text []byte) (*fastjson.Value, error) {
	if len(strings.TrimSpace(string(text))) == 0 {
		return nil, nil
	}
	root, err := parseXMLElement(text)
	if err != nil {
		return nil, fmt.Errorf("EventData: %w", err)
	}
	data := root
	if root.name != "EventData" {
		data = nil
		for _, k := range root.kids {
			if k.name == "EventData" {
				data = k
				break
			}
		}
		if data == nil {
			return nil, fmt.Errorf("EventData: no <EventData> in <%s>", record.Clip(root.name, 32))
		}
	}
	var o jsonObject
	o.open('{')
	writeMembers(&o, data)
	o.close('}')
	v, err := sc.Parse(o.b)
	if err != nil {
		return nil, fmt.Errorf("EventData: %w", err) // not expected: the writer escapes everything
	}
	return v, nil
}
