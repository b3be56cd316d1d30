package host

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// decodeSysmon reads a Sysmon event object (SplitSysmon's layout). Only
// EventID 1, ProcessCreate, is a process creation; other events, and
// events of other providers, decode to nothing. row stands in for
// the event's Computer and UtcTime when it lacks them (a Syslog row names
// both in its own columns).
func decodeSysmon(v *fastjson.Value, shape string, row sysmonRow, out []event.Event) ([]event.Event, error) {
	sys := v.Get("System")
	s := sysmonSystem{
		id: member(sys, "EventID"), provider: member(v.Get("System", "Provider"), "Name"), channel: member(sys, "Channel"),
		computer: member(sys, "Computer"), created: member(sys.Get("TimeCreated"), "SystemTime"),
	}
	return sysmonProcess(v.Get("EventData"), s, shape, row, out)
}

// sysmonSystem is what a Sysmon event's System element says: its id,
// provider, channel, machine and time, from the element or, in a Log
// Analytics row of Windows' events, from the row's columns.
type sysmonSystem struct{ id, provider, channel, computer, created string }

// sysmonProcess reads the event whose System is s and whose EventData
// members (Image, CommandLine…) are data, as decodeSysmon does.
func sysmonProcess(data *fastjson.Value, s sysmonSystem, shape string, row sysmonRow, out []event.Event) ([]event.Event, error) {
	if strings.TrimSpace(s.id) != "1" {
		return out, nil
	}
	if !sysmonProvider(s.provider) {
		return out, nil
	}
	if data == nil {
		return out, errors.New("ProcessCreate event without EventData")
	}
	ts := firstOf(str(data, "UtcTime"), s.created)
	ts = firstOf(ts, row.time)
	t, err := eventTime(ts)
	if err != nil {
		return out, err
	}

	e := newEvent(shape)
	e.Time = t
	e.Operation = "processcreate"
	e.Category = s.channel
	e.ID = dash(str(data, "ProcessGuid"))
	p := e.Process
	p.Host = firstOf(s.computer, row.host)
	p.Image = dash(str(data, "Image"))
	p.CommandLine = dash(str(data, "CommandLine"))
	p.ParentImage = dash(str(data, "ParentImage"))
	p.ParentCommand = dash(str(data, "ParentCommandLine"))
	p.User = dash(str(data, "User"))
	p.PID, _ = strconv.ParseInt(str(data, "ProcessId"), 10, 64)
	p.ParentPID, _ = strconv.ParseInt(str(data, "ParentProcessId"), 10, 64)
	p.SHA256 = sha256Of(str(data, "Hashes"))
	return append(out, e), nil
}

// sysmonStart is decodeSysmon's test of whether an event is a process
// start (EventID 1, of a Sysmon provider or an unnamed one), made on the
// XML as writeEventJSON would write it: false when its record would decode
// to nothing.
func sysmonStart(ev *xnode) bool {
	var id, prov string
	if sys := xget(ev, "System"); sys.el != nil {
		id = xget(sys.el, "EventID").text()
		if p := xget(sys.el, "Provider"); p.el != nil {
			prov = xget(p.el, "Name").text()
		}
	}
	if strings.TrimSpace(id) != "1" {
		return false
	}
	return sysmonProvider(prov)
}

// sysmonProvider reports whether an event's provider is Sysmon's, or
// unnamed: decodeSysmon and sysmonStart must agree on it.
func sysmonProvider(prov string) bool { return prov == "" || record.ContainsFold(prov, "sysmon") }

// xmember is a member writeMembers writes for an element: a string (a
// leaf's or an attribute's text), or an element written as an object.
type xmember struct {
	str string
	el  *xnode
}

// xget is the first member named key that writeMembers writes for n, as
// fastjson's Get finds it: attributes, then children, then "#text".
func xget(n *xnode, key string) xmember {
	for _, a := range n.attrs {
		if a.name == key {
			return xmember{str: a.val}
		}
	}
	for _, k := range n.kids {
		name, data := k.attr("Name")
		if data && k.name == "Data" {
			if name == key {
				return xmember{str: string(k.text)}
			}
			continue
		}
		if k.name != key {
			continue
		}
		if len(k.attrs) == 0 && len(k.kids) == 0 {
			return xmember{str: string(k.text)}
		}
		return xmember{el: k}
	}
	if key == "#text" && (len(n.kids) > 0 || len(n.attrs) > 0) {
		return xmember{str: string(bytes.TrimSpace(n.text))}
	}
	return xmember{}
}

// text is decodeSysmon's member(): a string as it is, an object's
// "#text" when that is a string.
func (m xmember) text() string {
	if m.el == nil {
		return m.str
	}
	if t := xget(m.el, "#text"); t.el == nil {
		return t.str
	}
	return ""
}

// sysmonRow is what a Syslog row says beside its message.
type sysmonRow struct{ host, time string }

// decodeSysmonSyslog reads a Log Analytics Syslog row from Sysmon for
// Linux: its SyslogMessage holds the event XML. A row without an event (a
// Sysmon status message) decodes to nothing.
func decodeSysmonSyslog(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	msg := strField(v, "SyslogMessage")
	i := eventStart(msg)
	if i < 0 {
		return out, nil
	}
	end := eventEnd(msg[i:])
	if end < 0 {
		return out, errSysmonOpen
	}
	ev, err := parseXMLElement(msg[i : i+end])
	if err != nil {
		return out, err
	}
	var o jsonObject
	writeEventJSON(&o, ev)
	obj, err := sc.Parse(o.b)
	if err != nil {
		return out, fmt.Errorf("sysmon event: %w", err) // not expected: the writer escapes everything
	}
	row := sysmonRow{
		host: sc.FirstStr(v, "Computer", "HostName"),
		time: sc.FirstStr(v, "TimeGenerated", "TimeGenerated [UTC]", "EventTime"),
	}
	return decodeSysmon(obj, ShapeSysmonSyslog, row, out)
}

// member returns a member's text: a string as it is, an element object's
// "#text", a number in its JSON form.
func member(v *fastjson.Value, key string) string {
	if v == nil {
		return ""
	}
	m := v.Get(key)
	if m == nil {
		return ""
	}
	switch m.Type() {
	case fastjson.TypeString:
		return string(m.GetStringBytes())
	case fastjson.TypeObject:
		return str(m, "#text")
	case fastjson.TypeNumber:
		return m.String()
	}
	return ""
}

// dash drops Sysmon's "-" for an unknown value.
func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// sha256Of picks the SHA256 from Sysmon's "SHA1=…,MD5=…,SHA256=…" list.
func sha256Of(hashes string) string {
	for rest := hashes; rest != ""; {
		var h string
		h, rest, _ = strings.Cut(rest, ",")
		if alg, val, ok := strings.Cut(strings.TrimSpace(h), "="); ok && strings.EqualFold(alg, "SHA256") {
			return strings.ToLower(strings.TrimSpace(val))
		}
	}
	return ""
}
