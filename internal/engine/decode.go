package engine

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// errCorrupt says a spilled hit did not decode: a temporary file was
// changed or truncated under the hunt.
var errCorrupt = errors.New("a kept rule hit is corrupt (temporary file changed?)")

// decoder reads an encoded hit: held as one string, so the strings it
// returns share that one allocation, or as bytes read in place (a light
// decode, which copies out only what it keeps). The first error sticks.
type decoder[S string | []byte] struct {
	s   S
	err error
}

func (d *decoder[S]) uvarint() uint64 {
	var x uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			d.s = d.s[i+1:]
			return x | uint64(c)<<(7*i)
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	d.fail()
	return 0
}

func (d *decoder[S]) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder[S]) str() S {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.fail()
		return d.s[:0]
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

func (d *decoder[S]) byte() byte {
	if len(d.s) == 0 {
		d.fail()
		return 0
	}
	v := d.s[0]
	d.s = d.s[1:]
	return v
}

func (d *decoder[S]) addr() netip.Addr {
	var a netip.Addr
	if err := a.UnmarshalBinary([]byte(d.str())); err != nil {
		d.fail()
	}
	return a
}

func (d *decoder[S]) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.s = d.s[:0]
}

// decodeHit reads an encoded hit; needs names the rule's correlation
// fields, in the order they were encoded.
func decodeHit(rec []byte, needs func(rule int) []need) (*keptHit, error) {
	e, ok := entryOf(rec)
	if !ok {
		return nil, errCorrupt
	}
	h := &keptHit{rule: int(e.rule)}
	d := decoder[string]{s: string(rec[headerLen:])}
	h.key = d.str()
	h.group = d.str()
	h.keep = d.byte()
	h.time = decodeTime(&d, e)
	for _, s := range [...]*string{&h.tenant, &h.sub, &h.principal.ID, &h.principal.UPN, &h.principal.Name, &h.principal.AppID,
		&h.corrID, &h.resource, &h.summary, &h.loc.File, &h.eventID, &h.shape, &h.operation, &h.hosts} {
		*s = d.str()
	}
	if computed, note, longer, cluster := decodeAddrs(&d, h); computed {
		// Resource and Operation are the event's resource and
		// correlation ids, encoded above (the resource longer when
		// flagged: a Databricks cluster's).
		c := &alert.Compute{Service: d.str(), Size: d.str(), Region: d.str(), Resource: h.resource, Operation: h.corrID}
		c.Count = int(d.varint())
		c.Spot = d.byte() == 1
		c.CountNote = note
		if longer {
			c.Resource += d.str()
		}
		if cluster {
			c.Cluster = d.str()
		}
		h.compute = c
	}
	if h.action {
		h.target = d.str()
		h.from, h.to = int(d.varint()), int(d.varint())
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := decodeNeeds(&d, h, needs); err != nil {
		return nil, err
	}
	return h, nil
}

// lightState is what a run of light decodes share: the strings they keep,
// reused from hit to hit while they repeat (most hits are of one tenant
// and file).
type lightState struct{ tenant, file, sub string }

func (l *lightState) get(last *string, b []byte) string {
	if string(b) != *last {
		*last = string(b)
	}
	return *last
}

// decodeLight reads of an encoded hit only what correlations and the
// refresh of owned addresses read (time, rule, tenant, where it was read,
// addresses and the correlation fields, as names and vals), for a rule
// that makes no alert of its own: most hits of a large hunt. It copies
// out those strings alone, where decodeHit copies the whole hit; a
// fire's members are read again in full (Engine.pickAt, Engine.pick).
// names gives the rule's field names, in the order they were encoded.
func decodeLight(rec []byte, names func(rule int) []string, l *lightState) (*keptHit, error) {
	e, ok := entryOf(rec)
	if !ok {
		return nil, errCorrupt
	}
	h := &keptHit{rule: int(e.rule)}
	d := decoder[[]byte]{s: rec[headerLen:]}
	d.str() // key
	d.str() // group
	h.keep = d.byte()
	h.time = decodeTime(&d, e)
	var strs [14][]byte // as in decodeHit: the tenant is first, the file tenth
	for i := range strs {
		strs[i] = d.str()
	}
	if d.err != nil {
		return nil, d.err
	}
	h.tenant, h.loc.File = l.get(&l.tenant, strs[0]), l.get(&l.file, strs[9])
	if h.tenant == "" { // its subscription may name its owner (Owners)
		h.sub = l.get(&l.sub, strs[1])
	}
	if computed, note, longer, cluster := decodeAddrs(&d, h); computed {
		// A compute create is kept whole enough to price it (Engine.Created)
		// and for lateRequest to make a settled request's vCPUs and GPUs in
		// all from its size and count: such hits are a few in a thousand.
		c := &alert.Compute{Service: string(d.str()), Size: string(d.str()), Region: string(d.str())}
		c.Count = int(d.varint())
		c.Spot = d.byte() == 1
		c.CountNote = note
		h.resource, h.corrID = string(strs[7]), string(strs[6])
		c.Resource, c.Operation = h.resource, h.corrID
		if longer { // what the compute's resource adds to the event's
			c.Resource += string(d.str())
		}
		if cluster {
			c.Cluster = string(d.str())
		}
		h.compute = c
		h.principal.ID, h.principal.UPN, h.principal.AppID = string(strs[2]), string(strs[3]), string(strs[5])
	}
	if h.action {
		h.target = string(d.str())
		h.from, h.to = int(d.varint()), int(d.varint())
	}
	if d.err != nil {
		return nil, d.err
	}
	// The fields' values share one copy of what is left: the fields.
	rest := decoder[string]{s: string(d.s)}
	if n := rest.uvarint(); n > 0 && rest.err == nil {
		h.names = names(h.rule)
		if uint64(len(h.names)) != n {
			return nil, errCorrupt
		}
		h.vals = make([][]string, n)
		all := make([]string, 0, n) // mostly one value each
		for i := range h.vals {
			k := rest.uvarint()
			if k > uint64(len(rest.s)) {
				rest.fail()
				break
			}
			start := len(all)
			for range k {
				all = append(all, rest.str())
			}
			h.vals[i] = all[start:len(all):len(all)]
		}
	}
	if rest.err != nil {
		return nil, rest.err
	}
	// lateRegion reads the resource of a hit whose region is missing;
	// lateRequest an autoscale setting's, and who wrote it; lateScale the
	// setting autoscale acted for; managed a VM write's.
	if i := slices.Index(h.names, "region"); i >= 0 && len(h.vals[i]) == 0 || h.scaled || h.action {
		h.resource = string(strs[7])
	}
	if string(strs[12]) == event.OpVMWrite {
		h.resource, h.operation = string(strs[7]), event.OpVMWrite
	}
	if h.scaled {
		h.principal.ID = string(strs[2])
	}
	return h, nil
}

// decodeTime reads the zone the record gave its time in (the instant is
// in the header).
func decodeTime[S string | []byte](d *decoder[S], e entry) time.Time {
	t := time.Unix(e.sec, int64(e.nsec))
	switch d.byte() {
	case 0:
		return t.UTC()
	case 1:
		return t
	}
	off := d.varint()
	return t.In(time.FixedZone(string(d.str()), int(off)))
}

// decodeAddrs reads the hit's location in its file and its addresses,
// and says whether the compute it created follows, its count's note
// (event.Compute.CountNote), and whether its resource is longer than the
// event's (computeResource).
func decodeAddrs[S string | []byte](d *decoder[S], h *keptHit) (computed bool, note string, longer, cluster bool) {
	h.loc.Line = int(d.varint())
	h.loc.Offset = d.varint()
	h.loc.Index = int(d.varint())
	flags := d.byte()
	a := &h.addrs
	a.flow, a.dns, a.srcCand, a.dstCand = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0
	h.scaled = flags&32 != 0
	h.action = flags&64 != 0
	if flags&128 != 0 { // a second byte of flags (appendRecordPart)
		more := d.byte()
		switch {
		case more&1 != 0:
			note = event.CountFormula
		case more&2 != 0:
			note = event.CountFormulaUnknown
		case more&8 != 0:
			note = event.CountCapacityUnknown
		}
		longer, cluster = more&4 != 0, more&16 != 0
	}
	a.source = d.addr()
	if a.flow {
		a.src, a.dst = d.addr(), d.addr()
	}
	if a.dns {
		a.client = d.addr()
	}
	return flags&16 != 0, note, longer, cluster
}

// decodeNeeds reads the correlation fields, the end of the hit.
func decodeNeeds(d *decoder[string], h *keptHit, needs func(rule int) []need) error {
	if n := d.uvarint(); n > 0 && d.err == nil {
		names := needs(h.rule)
		if uint64(len(names)) != n {
			return errCorrupt
		}
		h.fields = make(map[string][]string, n)
		for _, nd := range names {
			k := d.uvarint()
			if k > uint64(len(d.s)) {
				d.fail()
				break
			}
			vals := make([]string, 0, k)
			for range k {
				vals = append(vals, d.str())
			}
			h.fields[nd.name] = vals
		}
	}
	return d.err
}
