package network

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Decode appends the events read from v to out: one per flow tuple for
// flow logs, one per public address for Traffic Analytics rows that list
// several, one per record otherwise. When part of a record is bad, the good
// parts are still appended and the error names the first bad part.
//
// A flow log's events point at flows held in sc (Scratch.Flows): they are
// good until sc decodes another flow record. The source worker hands each
// record's events on before it reads the next; a caller that keeps them
// longer copies their flows.
func Decode(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	switch shape {
	case shapeNSG:
		return decodeNSG(sc, v, out)
	case shapeVNet:
		return decodeVNet(sc, v, out)
	case shapeFirewall:
		return decodeFirewall(sc, v, out)
	case shapeDNS:
		return decodeDNS(sc, v, out)
	case shapeTraffic:
		return decodeTraffic(sc, v, out)
	}
	return out, fmt.Errorf("unknown network shape %q", shape)
}

// recordTime reads the time of a diagnostic record or Log Analytics row.
func recordTime(sc *record.Scratch, v *fastjson.Value) (time.Time, error) {
	s := sc.FirstPeek(v, "time", "TimeGenerated")
	if s == "" {
		return time.Time{}, record.ErrNoTime
	}
	t, err := record.Time(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", record.ErrNoTime, record.Clip(s, 48))
	}
	return t, nil
}

// setResource fills ResourceID, ResourceType and Subscription from an ARM
// resource id, which flow and firewall logs write in upper case. id may
// be a view of the parser's memory: what is kept is a copy.
func setResource(sc *record.Scratch, e *event.Event, id string) {
	if id == "" {
		return
	}
	// A log's records mostly name one firewall, NSG or flow log: lowered
	// once and shared (Scratch.Lower), not copied for each record.
	id = sc.Lower(id)
	e.ResourceID = id
	e.ResourceType = resourceType(id)
	if e.Subscription == "" {
		e.Subscription = record.SubscriptionOf(id)
	}
}

// resourceType returns "namespace/type[/subtype…]" of a lower-case
// resource id: the segments after the last /providers/ minus the names.
func resourceType(id string) string {
	const p = "/providers/"
	i := strings.LastIndex(id, p)
	if i < 0 {
		return ""
	}
	tail := strings.TrimLeft(id[i+len(p):], "/")
	rest := strings.TrimRight(tail, "/")
	ns, rest, ok := strings.Cut(rest, "/")
	if !ok || ns == "" {
		return ""
	}
	// One type ("microsoft.network/azurefirewalls/hub-fw"): the type is
	// the start of tail, shared rather than built.
	if typ, name, ok := strings.Cut(rest, "/"); ok && typ != "" && !strings.Contains(name, "/") {
		return tail[:len(ns)+1+len(typ)]
	}
	var b strings.Builder
	b.WriteString(ns)
	// rest alternates type/name; the types are the even segments.
	for n := 0; rest != ""; n++ {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if n%2 == 0 && seg != "" {
			b.WriteByte('/')
			b.WriteString(seg)
		}
	}
	return b.String()
}

// watcherRegion reads the region out of a flow log resource id whose
// Network Watcher has Azure's default name, NetworkWatcher_<region>: the
// flow log lives in the region of the resource it watches.
func watcherRegion(id string) string {
	const p = "/networkwatchers/networkwatcher_"
	i := strings.Index(id, p)
	if i < 0 {
		return ""
	}
	r := id[i+len(p):]
	if j := strings.IndexByte(r, '/'); j >= 0 {
		r = r[:j]
	}
	return r
}

// badParts collects the bad parts of one record: the first is described,
// the rest counted, so a record with a thousand bad tuples gives one
// readable error rather than a thousand.
type badParts struct {
	what  string // "flow tuple", "public IP entry"
	first string
	n     int
}

func (b *badParts) add(index int, err error) {
	if b.n == 0 {
		b.first = fmt.Sprintf("bad %s (index %d): %v", b.what, index, err)
	}
	b.n++
}

// err returns nil when nothing was bad. The text starts with a fixed
// reason ("bad flow tuple") so statistics can group it; the index is the
// part's Loc.Index.
func (b *badParts) err() error {
	switch b.n {
	case 0:
		return nil
	case 1:
		return errors.New(b.first)
	}
	return fmt.Errorf("%s (and %d more)", b.first, b.n-1)
}
