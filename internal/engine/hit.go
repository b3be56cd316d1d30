package engine

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// keptHit is one rule match as the end of the hunt needs it: what alerts,
// evidence, correlations and the late refresh of owned addresses read,
// and nothing else (no raw record, no typed extras). Hits are held encoded
// (encodeHit) and decoded one at a time as they are merged.
type keptHit struct {
	time      time.Time
	rule      int
	key       string // dedup key of the record
	group     string // merge-by values
	tenant    string
	sub       string
	principal event.Principal // ID, UPN, Name and AppID (actingApp) only
	corrID    string
	resource  string
	summary   string // Summary of the event, made while it was whole
	loc       event.Location
	eventID   string
	shape     string
	operation string
	hosts     string // the machines it names (eventHosts), NUL-separated
	addrs     hitAddrs
	keep      uint8 // refresh: does the rule still match (keep* bits)
	scaled    bool  // an autoscale setting's request, settled late (LateRequest)
	// action is autoscale's record of an action of its own, settled late
	// (LateScale): the target it named, and its instances before and
	// after.
	action   bool
	target   string
	from, to int
	compute  *alert.Compute
	fields   map[string][]string // values correlations asked for
	// A light decode gives those values as names (the rule's, shared)
	// and values instead: no map per hit.
	names []string
	vals  [][]string
}

// hitAddrs are the event's addresses: its alert's IPs, and what Refresh
// reads to learn whether one has since become the tenant's own.
type hitAddrs struct {
	source   netip.Addr
	flow     bool // the event is a flow: src and dst are its ends
	src, dst netip.Addr
	dns      bool // the event is a DNS query from client
	client   netip.Addr
	// srcCand and dstCand: the enrichment named an address not (yet) owned.
	srcCand, dstCand bool
}

// Bits of keptHit.keep: whether the rule matched again with the source,
// the destination or both marked owned (see variants).
const (
	keepSrc uint8 = 1 << iota
	keepDst
	keepBoth
)

// The layout of an encoded hit. The first 16 bytes are the sort header,
// fixed-width so runs sort and merge without decoding: event time
// (seconds, nanoseconds) and rule index, little endian. Then the dedup key,
// the merge-by group, the keep bits, the part shared by the record's hits
// (appendRecordPart) and the rule's correlation fields. Strings are a
// uvarint length and their bytes, integers varints.
const headerLen = 16

// appendHeader starts an encoded hit.
func appendHeader(b []byte, t time.Time, rule int, key string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(t.Unix()))
	b = binary.LittleEndian.AppendUint32(b, uint32(t.Nanosecond()))
	b = binary.LittleEndian.AppendUint32(b, uint32(rule))
	return appendStr(b, key)
}

// appendRecordPart encodes what the hits of one record share; summary is
// Summary(ev), made once per record.
func appendRecordPart(b []byte, ev *event.Event, summary string) []byte {
	// The instant is in the header; this keeps the zone the record gave.
	switch name, off := ev.Time.Zone(); {
	case ev.Time.Location() == time.UTC:
		b = append(b, 0)
	case ev.Time.Location() == time.Local:
		b = append(b, 1)
	default:
		b = appendStr(binary.AppendVarint(append(b, 2), int64(off)), name)
	}
	p := ev.Principal
	for _, s := range [...]string{ev.Tenant, ev.Subscription, p.ID, p.UPN, p.Name, actingApp(p), ev.CorrelationID, ev.ResourceID,
		summary, ev.Loc.File, ev.ID, ev.Shape, ev.Operation} {
		b = appendStr(b, s)
	}
	b = appendHosts(b, ev)
	b = binary.AppendVarint(b, int64(ev.Loc.Line))
	b = binary.AppendVarint(b, ev.Loc.Offset)
	b = binary.AppendVarint(b, int64(ev.Loc.Index))
	var flags byte
	if ev.Flow != nil {
		flags |= 1
	}
	if ev.DNS != nil {
		flags |= 2
	}
	if ev.Enrich.SrcIP != nil && !ev.Enrich.SrcIP.Owned {
		flags |= 4
	}
	if ev.Enrich.DstIP != nil && !ev.Enrich.DstIP.Owned {
		flags |= 8
	}
	c := computeOf(ev)
	if c != nil {
		flags |= 16
	}
	action := ev.Compute != nil && event.IsAutoscaleAction(ev.Operation)
	if ev.Compute != nil && ev.Compute.Target != "" && !action {
		flags |= 32
	}
	if action {
		flags |= 64
	}
	var more byte // flags of a second byte, which only hits that need it pay
	if c != nil {
		switch c.CountNote { // how the count is known (decodeAddrs)
		case event.CountFormula:
			more |= 1
		case event.CountFormulaUnknown:
			more |= 2
		case event.CountCapacityUnknown:
			more |= 8
		}
	}
	// The compute's resource is longer than the event's (computeResource),
	// and what it adds follows the compute.
	longer := ""
	if c != nil && c.Resource != ev.ResourceID {
		longer = strings.TrimPrefix(c.Resource, ev.ResourceID)
		more |= 4
	}
	if c != nil && c.Cluster != "" { // the Databricks cluster, which follows
		more |= 16
	}
	if more != 0 {
		flags |= 128
	}
	b = append(b, flags)
	if flags&128 != 0 {
		b = append(b, more)
	}
	b = appendAddr(b, ev.SourceIP)
	if ev.Flow != nil {
		b = appendAddr(appendAddr(b, ev.Flow.Src), ev.Flow.Dst)
	}
	if ev.DNS != nil {
		b = appendAddr(b, ev.DNS.Client)
	}
	if c != nil {
		// Resource and Operation are the event's resource and correlation
		// ids, encoded above; the resource may be longer (a Databricks
		// cluster's, computeResource): what it adds follows, flagged.
		b = appendStr(appendStr(appendStr(b, c.Service), c.Size), c.Region)
		b = binary.AppendVarint(b, int64(c.Count))
		b = append(b, boolByte(c.Spot))
		if more&4 != 0 {
			b = appendStr(b, longer)
		}
		if more&16 != 0 {
			b = appendStr(b, c.Cluster)
		}
	}
	if action {
		a := ev.Compute
		b = appendStr(b, a.Target)
		b = binary.AppendVarint(binary.AppendVarint(b, int64(a.Old)), int64(a.New))
	}
	return b
}

// actingApp is the principal's app id when the app is who acted: a
// service principal's or a managed identity's own. A user's Activity Log
// records carry the app they used (the portal's, the CLI's), which every
// user of the tenant shares: kept as an id of the user, it tied every
// portal user's alerts into one incident. (The event keeps it, for rules:
// principal.app_id.)
func actingApp(p event.Principal) string {
	if p.Type == "User" || p.Type == "Guest" || p.Type == "" && p.UPN != "" {
		return ""
	}
	return p.AppID
}

// appendHosts encodes the machines an event names by host name (its
// process's host, its security alert's hosts and compromised entity) as
// one string, NUL-separated; most events name none.
func appendHosts(b []byte, ev *event.Event) []byte {
	var one [1]string
	var hosts []string
	switch {
	case ev.Process != nil:
		one[0] = ev.Process.Host
		hosts = one[:]
	case ev.Alert != nil:
		hosts = append(hosts, ev.Alert.Hosts...)
		hosts = append(hosts, ev.Alert.Entity)
	}
	var names []string
	for _, h := range hosts {
		if n := record.HostName(h); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return appendStr(b, strings.Join(names, "\x00"))
}

// hostList splits a hit's hosts.
func hostList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendAddr(b []byte, a netip.Addr) []byte {
	ab, _ := a.MarshalBinary() // zone included; the zero Addr is empty
	return appendStr(b, string(ab))
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// fieldTexts reads the values of one field as text, copied into buf (the
// end of each in ends): its match function is made once, so reading a
// field allocates nothing once the buffers have grown, and nothing is
// cloned.
type fieldTexts struct {
	buf   []byte
	ends  []int
	match func(sigma.Value) bool
}

func newFieldTexts() *fieldTexts {
	t := &fieldTexts{}
	t.match = func(v sigma.Value) bool {
		t.buf = append(t.buf, v.Text()...)
		t.ends = append(t.ends, len(t.buf))
		return false // every value
	}
	return t
}

// read reads field id of fe; text(i) is then its i-th value.
func (t *fieldTexts) read(fe sigma.Fields, id sigma.FieldID) {
	t.buf, t.ends = t.buf[:0], t.ends[:0]
	fe.Field(id, t.match)
}

func (t *fieldTexts) text(i int) []byte {
	start := 0
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.buf[start:t.ends[i]]
}

// appendGroup appends a hit's merge-by group, the values of the rule's
// merge-by fields as fe holds them.
func appendGroup(b []byte, fe sigma.Fields, merge []sigma.FieldID, t *fieldTexts) []byte {
	for _, id := range merge {
		t.read(fe, id)
		for i := range t.ends {
			b = append(append(b, t.text(i)...), 0)
		}
		b = append(b, 1)
	}
	return b
}

// appendNeeds encodes the values of the fields correlations read from
// this rule's hits, in the order of the rule's needs (decodeHit reads
// them back by name). full says every field has a value, and none is
// empty.
func appendNeeds(b []byte, fe sigma.Fields, needs []need, t *fieldTexts) (_ []byte, full bool) {
	full = true
	b = binary.AppendUvarint(b, uint64(len(needs)))
	for _, n := range needs {
		t.read(fe, n.id)
		b = binary.AppendUvarint(b, uint64(len(t.ends)))
		full = full && len(t.ends) > 0
		for i := range t.ends {
			v := t.text(i)
			full = full && len(v) > 0
			b = appendBytes(b, v)
		}
	}
	return b, full
}

// ips are the addresses an alert lists for the hit.
func (h *keptHit) ips() []string {
	var out []string
	a := h.addrs
	if a.source.IsValid() {
		out = append(out, a.source.String())
	}
	if a.flow {
		if a.src.IsValid() {
			out = append(out, a.src.String())
		}
		if a.dst.IsValid() {
			out = append(out, a.dst.String())
		}
	}
	if a.dns && a.client.IsValid() {
		out = append(out, a.client.String())
	}
	return out
}
