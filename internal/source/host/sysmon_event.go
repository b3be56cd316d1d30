package host

import (
	"bytes"
	"fmt"

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
// Neither names a tenant: TenantId is the workspace's (placeRow).

// sysmonTable is one of the two tables as its rows name Sysmon: by their
// provider's column, or their channel's.
type sysmonTable struct{ name, shape, provider, channel string }

var (
	eventTable        = sysmonTable{"Event", ShapeSysmonEvent, "Source", "EventLog"}
	windowsEventTable = sysmonTable{"WindowsEvent", ShapeSysmonWindowsEvent, "Provider", "Channel"}
)

// sysmonTableOf is the table of a shape of this file.
func sysmonTableOf(shape string) sysmonTable {
	if shape == ShapeSysmonWindowsEvent {
		return windowsEventTable
	}
	return eventTable
}

// detect is Detect for a row of t: its shape when it is Sysmon's (its
// provider or its channel names it).
func (t sysmonTable) detect(v *fastjson.Value) (string, bool) {
	if record.ContainsFold(strField(v, t.provider), "sysmon") || record.ContainsFold(strField(v, t.channel), "sysmon") {
		return t.shape, true
	}
	return "", false
}

// decodeSysmonWindows reads a Sysmon row of the Event or WindowsEvent
// table (shape ShapeSysmonEvent or ShapeSysmonWindowsEvent).
func decodeSysmonWindows(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	t := sysmonTableOf(shape)
	id, ok := sc.Int(v, "EventID")
	if !ok {
		return out, fmt.Errorf("%s row without a numeric EventID", t.name)
	}
	if id != 1 {
		return out, nil // not a process creation: nothing to report
	}
	s := sysmonSystem{id: "1", computer: sc.Str(v, "Computer"), provider: sc.Str(v, t.provider), channel: sc.Str(v, t.channel)}
	var data *fastjson.Value
	if t == windowsEventTable {
		if data = sc.Object(sc.Get(v, "EventData")); data != nil && data.Type() != fastjson.TypeObject {
			data = nil
		}
	} else {
		var err error
		if data, err = eventDataXML(sc, strField(v, "EventData")); err != nil {
			return out, err
		}
	}
	row := sysmonRow{host: s.computer, time: sc.FirstStr(v, "TimeGenerated", "TimeGenerated [UTC]")}
	n := len(out)
	out, err := sysmonProcess(data, s, shape, row, out)
	if err == nil && len(out) > n {
		placeRow(sc, v, &out[n])
	}
	return out, err
}

// eventDataXML reads the Event table's EventData, <DataItem><EventData>
// with its <Data Name="…"> elements (or <EventData> alone), into an object
// of the Data elements by name; nil when the column is empty.
func eventDataXML(sc *record.Scratch, text []byte) (*fastjson.Value, error) {
	if len(bytes.TrimSpace(text)) == 0 {
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
	writeEventJSON(&o, data)
	v, err := sc.Parse(o.b)
	if err != nil {
		return nil, fmt.Errorf("EventData: %w", err) // not expected: the writer escapes everything
	}
	return v, nil
}
