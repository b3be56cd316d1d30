package network

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// taRow holds the Traffic Analytics columns this decoder reads. One pass
// over the row finds them under each of their spellings: the
// AzureNetworkAnalytics_CL names with type suffixes (SrcIP_s, DestPort_d),
// the same names without suffix (msticpy's export), and NTANetAnalytics
// (SrcIp, BytesSrcToDest, AclRule).
type taRow struct {
	table                              *fastjson.Value
	start, intervalStart, end, created *fastjson.Value
	src, dst, vm                       *fastjson.Value
	srcPub, dstPub, pub, allExt        *fastjson.Value
	dport, l4, dir, status             *fastjson.Value
	pk1, pk2, by1, by2                 *fastjson.Value
	allowIn, allowOut, denyIn, denyOut *fastjson.Value
	rule, rules                        *fastjson.Value
	sub, sub1, sub2, subID, nsgs       *fastjson.Value
	region, region1, region2           *fastjson.Value
	resourceID                         *fastjson.Value
	nta                                bool // a column only NTANetAnalytics has
}

func (r *taRow) read(o *fastjson.Object) {
	o.Visit(func(k []byte, x *fastjson.Value) {
		if x.Type() == fastjson.TypeNull {
			return
		}
		switch string(k) {
		case "Type", "$table", "TableName":
			r.table = x
		case "FlowStartTime_t", "FlowStartTime":
			r.start = x
		case "FlowIntervalStartTime_t", "FlowIntervalStartTime":
			r.intervalStart = x
		case "FlowEndTime_t", "FlowEndTime":
			r.end = x
		case "TimeGenerated":
			r.created = x
		case "SrcIP_s", "SrcIP":
			r.src = x
		case "SrcIp":
			r.src, r.nta = x, true
		case "DestIP_s", "DestIP":
			r.dst = x
		case "DestIp":
			r.dst, r.nta = x, true
		case "VMIP_s", "VMIP", "VMIPAddress":
			r.vm = x
		case "SrcPublicIPs_s", "SrcPublicIPs", "SrcPublicIps":
			r.srcPub = x
		case "DestPublicIPs_s", "DestPublicIPs", "DestPublicIps":
			r.dstPub = x
		case "PublicIPs_s", "PublicIPs":
			r.pub = x
		case "AllExtIPs":
			r.allExt = x
		case "DestPort_d", "DestPort":
			r.dport = x
		case "L4Protocol_s", "L4Protocol":
			r.l4 = x
		case "FlowDirection_s", "FlowDirection":
			r.dir = x
		case "FlowStatus_s", "FlowStatus":
			r.status = x
		case "InboundPackets_d", "InboundPackets", "PacketsSrcToDest":
			r.pk1 = x
		case "OutboundPackets_d", "OutboundPackets", "PacketsDestToSrc":
			r.pk2 = x
		case "InboundBytes_d", "InboundBytes":
			r.by1 = x
		case "BytesSrcToDest":
			r.by1, r.nta = x, true
		case "OutboundBytes_d", "OutboundBytes":
			r.by2 = x
		case "BytesDestToSrc":
			r.by2, r.nta = x, true
		case "AllowedInFlows_d", "AllowedInFlows":
			r.allowIn = x
		case "AllowedOutFlows_d", "AllowedOutFlows":
			r.allowOut = x
		case "DeniedInFlows_d", "DeniedInFlows":
			r.denyIn = x
		case "DeniedOutFlows_d", "DeniedOutFlows":
			r.denyOut = x
		case "NSGRule_s", "NSGRule":
			r.rule = x
		case "AclRule":
			r.rule, r.nta = x, true
		case "NSGRules_s", "NSGRules":
			r.rules = x
		case "Subscription_g", "Subscription_s":
			r.sub = x
		case "Subscription1_g", "Subscription1_s":
			r.sub1 = x
		case "SrcSubscription":
			r.sub1, r.nta = x, true
		case "Subscription2_g", "Subscription2_s":
			r.sub2 = x
		case "DestSubscription":
			r.sub2, r.nta = x, true
		case "_SubscriptionId", "SubscriptionId":
			r.subID = x
		case "NSGList_s", "NSGList":
			r.nsgs = x
		case "Region_s", "VMRegion":
			r.region = x
		case "Region1_s", "SrcRegion":
			r.region1 = x
		case "Region2_s", "DestRegion":
			r.region2 = x
		case "_ResourceId":
			r.resourceID = x
		}
	})
}

// decodeTraffic reads one Traffic Analytics row. A row aggregates the
// flows of one four-tuple over an interval; for flows to or from the
// internet (AzurePublic, ExternalPublic, MaliciousFlow) the remote side is
// a list of public addresses instead of SrcIP/DestIP. Each listed address
// becomes its own event (Loc.Index = its position in the list) with the
// packet and byte counts the list gives for it, so every remote address
// can be matched against threat lists. A row with no usable address still
// yields one event: the port, protocol, direction and action are worth
// hunting on by themselves.
func decodeTraffic(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	o, err := v.Object()
	if err != nil {
		return out, fmt.Errorf("traffic analytics row is a JSON %s", v.Type())
	}
	var r taRow
	r.read(o)
	t, ok := firstTime(r.start, r.intervalStart, r.end, r.created)
	if !ok {
		return out, record.ErrNoTime
	}
	base := event.Event{Time: t, Kind: event.KindFlow, Shape: shapeTraffic, Operation: opFlow, Category: catTraffic}
	switch {
	case record.EqualFold(view(r.table), catNTA), r.table == nil && r.nta:
		base.Category = catNTA
	}
	fl := event.Flow{
		Protocol:  protocolName(view(r.l4)),
		Direction: directionName(view(r.dir)),
		Action:    actionName(view(r.status)),
		DstPort:   portOf(number(r.dport)),
		Rule:      taRule(&r),
		Src:       addrOf(view(r.src)),
		Dst:       addrOf(view(r.dst)),
	}
	if fl.Action == "" {
		fl.Action = actionFromCounts(&r)
	}
	fl.Packets = addSat(count(r.pk1), count(r.pk2))
	fl.Bytes = addSat(count(r.by1), count(r.by2))
	taResource(sc, &base, &r, fl.Direction)

	// The Azure VM's own address stands in for the missing local side.
	if vm := addrOf(view(r.vm)); vm.IsValid() {
		switch {
		case fl.Direction == dirOut && !fl.Src.IsValid():
			fl.Src = vm
		case fl.Direction == dirIn && !fl.Dst.IsValid():
			fl.Dst = vm
		}
	}
	list, remoteIsSrc := publicList(&r, &fl)
	if list == "" {
		return appendTraffic(out, &base, fl, 0), nil
	}
	bad := badParts{what: "public IP entry"}
	i, good := 0, 0
	for e, rest := nextEntry(list); e != ""; e, rest = nextEntry(rest) {
		if f, err := publicEntry(e, fl, remoteIsSrc); err != nil {
			bad.add(i, err)
		} else {
			out = appendTraffic(out, &base, f, i)
			good++
		}
		i++
	}
	if good == 0 {
		out = appendTraffic(out, &base, fl, 0)
	}
	return out, bad.err()
}

// appendTraffic appends base with its own copy of fl.
func appendTraffic(out []event.Event, base *event.Event, fl event.Flow, index int) []event.Event {
	out = append(out, *base)
	e := &out[len(out)-1]
	e.Flow = &fl
	e.SourceIP = fl.Src
	e.Loc.Index = index
	return out
}

// publicList returns the list of remote public addresses a row gives for
// a side it left empty, and whether they are the source.
func publicList(r *taRow, fl *event.Flow) (string, bool) {
	if s := view(r.srcPub); s != "" && !fl.Src.IsValid() {
		return s, true
	}
	if s := view(r.dstPub); s != "" && !fl.Dst.IsValid() {
		return s, false
	}
	// The older columns do not say which side is remote: the flow's
	// direction does (outbound goes to them, inbound comes from them).
	remoteIsSrc := fl.Direction == dirIn
	if remoteIsSrc && fl.Src.IsValid() || !remoteIsSrc && fl.Dst.IsValid() {
		return "", false
	}
	if s := view(r.allExt); s != "" {
		return s, remoteIsSrc // msticpy: the row was already split per address
	}
	return view(r.pub), remoteIsSrc
}

// publicEntry reads one list entry, "13.67.143.118|1|0|0|0|0|0"
// (address, flows started, flows ended, packets out, packets in, bytes
// out, bytes in) or a bare address, into a copy of the row's flow.
func publicEntry(e string, fl event.Flow, remoteIsSrc bool) (event.Flow, error) {
	ip, counts, _ := strings.Cut(e, "|")
	a := addrOf(ip)
	if !a.IsValid() {
		return fl, fmt.Errorf("bad address %q", record.Clip(ip, 48))
	}
	if remoteIsSrc {
		fl.Src = a
	} else {
		fl.Dst = a
	}
	if counts != "" {
		var c [6]int64
		for i := range c {
			var f string
			f, counts, _ = strings.Cut(counts, "|")
			c[i], _ = parseCount(f)
		}
		fl.Packets, fl.Bytes = addSat(c[2], c[3]), addSat(c[4], c[5])
	}
	return fl, nil
}

// nextEntry returns the next address entry of a list written as
// space-separated "ip|counts" entries or as a Python list string
// ("['1.2.3.4', '5.6.7.8']"), and the rest of the list.
func nextEntry(s string) (entry, rest string) {
	const seps = " ,'\"[]\t\r\n"
	s = strings.TrimLeft(s, seps)
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// taRule returns the NSG rule of a row: NSGRule_s (AclRule in
// NTANetAnalytics), else the name in the older NSGRules_s,
// "0|UserRule_ssh|I|A|3".
func taRule(r *taRow) string {
	if s := view(r.rule); s != "" {
		return strings.Clone(s)
	}
	s := view(r.rules)
	if s == "" {
		return ""
	}
	s, _, _ = strings.Cut(strings.TrimSpace(s), " ") // several rules: the first
	if _, name, ok := strings.Cut(s, "|"); ok {
		name, _, _ = strings.Cut(name, "|")
		return strings.Clone(name)
	}
	return strings.Clone(s)
}

// taResource sets subscription, region and resource id. Rows name the
// subscription and region of each side; the local side is the source of
// an outbound flow and the destination of an inbound one.
func taResource(sc *record.Scratch, e *event.Event, r *taRow, dir string) {
	if id := view(r.resourceID); id != "" {
		setResource(sc, e, id)
	}
	first, second := r.sub1, r.sub2
	rFirst, rSecond := r.region1, r.region2
	if dir == dirIn {
		first, second = r.sub2, r.sub1
		rFirst, rSecond = r.region2, r.region1
	}
	if e.Subscription == "" {
		sub := firstView(r.sub, first, second, r.subID)
		if sub == "" {
			// NSGList_s: "subscription/resourcegroup/nsg".
			sub, _, _ = strings.Cut(view(r.nsgs), "/")
		}
		e.Subscription = record.LowerCopy(strings.TrimSpace(sub))
	}
	// The view points into the parser's memory: copy before keeping it.
	e.Region = record.Region(strings.Clone(firstView(r.region, rFirst, rSecond)))
}

// actionFromCounts derives the NSG decision of a row without FlowStatus
// (msticpy's export) from its allowed and denied flow counts.
func actionFromCounts(r *taRow) string {
	allowed := addSat(count(r.allowIn), count(r.allowOut))
	denied := addSat(count(r.denyIn), count(r.denyOut))
	switch {
	case allowed > 0:
		return actAllow
	case denied > 0:
		return actDeny
	}
	return ""
}

// firstTime parses the first of several time columns that holds a time.
func firstTime(vs ...*fastjson.Value) (time.Time, bool) {
	for _, v := range vs {
		if s := view(v); s != "" {
			if t, err := record.Time(s); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// firstView returns the first non-empty string value.
func firstView(vs ...*fastjson.Value) string {
	for _, v := range vs {
		if s := view(v); s != "" {
			return s
		}
	}
	return ""
}

// number reads an integer from a JSON number or a numeric string: Log
// Analytics writes counts and ports as reals ("443.0" in CSV).
func number(v *fastjson.Value) (int64, bool) {
	if v == nil {
		return 0, false
	}
	var f float64
	switch v.Type() {
	case fastjson.TypeNumber:
		if i, err := v.Int64(); err == nil {
			return i, true
		}
		f = v.GetFloat64()
	case fastjson.TypeString:
		s := strings.TrimSpace(view(v))
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, true
		}
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// count reads a non-negative count; absent or bad is 0.
func count(v *fastjson.Value) int64 {
	n, ok := number(v)
	if !ok || n < 0 {
		return 0
	}
	return n
}
