package event

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"strings"
	"time"
	"unicode/utf8"
)

// A responder often holds the same days in two exports (a storage
// account's blobs and a workspace's rows, a portal download beside them):
// each record is then read twice. What tells two readings of one record
// apart from two records is what every export of it writes alike: the id
// Azure gives it (a sign-in's, an audit's, a security alert's), or, for an
// Activity Log event, whose diagnostic records carry no eventDataId, its
// time, operation, outcome, correlation id and resource; for a firewall's
// record, its time and endpoints. The engine counts a record's hits once
// by it (its dedup keys), and the hunt counts the records read by it
// (RecordKey).

// AppendActivityKey appends what every export of an Activity Log event
// (or of the security alert an Activity Log record holds) writes alike:
// its kind, its time to the millisecond (CSV exports keep no more), its
// operation (in lower case, as the decoders give it), its outcome (or
// status), correlation id and resource, the last two in lower case.
// ActivityKeyed says which events are known by it.
func AppendActivityKey(b []byte, k Kind, t time.Time, op string, o Outcome, status, correlation, resource string) []byte {
	b = append(b, byte(k))
	b = binary.LittleEndian.AppendUint64(b, uint64(t.UnixMilli()))
	b = append(b, op...)
	b = append(b, 0)
	if o != 0 {
		b = append(b, o.String()...)
	} else {
		b = AppendLower(b, status)
	}
	b = append(b, 0)
	b = AppendLower(b, strings.TrimSpace(correlation))
	b = append(b, 0)
	return AppendLower(b, resource)
}

// ActivityKeyed reports whether e is known by AppendActivityKey: an
// Activity Log event (or the security alert its record holds) with a time
// and a correlation id, but not a security alert that names its own id,
// which is the same in the Activity Log's record of it, Resource
// Manager's alert and a SecurityAlert row, whose times and resources
// differ.
func ActivityKeyed(e *Event) bool {
	if e.CorrelationID == "" || e.Time.IsZero() || e.Kind != KindActivity && e.Kind != KindAlert {
		return false
	}
	return e.Kind != KindAlert || e.ID == ""
}

// AppendFirewallKey appends what every export of an Azure Firewall record
// (a DNS lookup, a connection its rules logged) writes alike: an Event
// Hub's or a storage account's diagnostic records and a workspace's AZFW*
// rows carry the same time, client endpoint and, for a lookup, query id,
// name and type, in texts that differ; a lookup logged in the legacy text
// is the same lookup too. false when e is no firewall record, or names no
// source port: nothing then tells two lookups of one client in one
// millisecond apart.
func AppendFirewallKey(b []byte, e *Event) ([]byte, bool) {
	if e.Time.IsZero() || !strings.HasPrefix(e.Shape, "firewall.") {
		return b, false
	}
	start := len(b)
	b = append(b, byte(e.Kind))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Time.UnixMilli()))
	switch {
	case e.DNS != nil && e.DNS.ClientPort != 0:
		b = appendLookup(b, e.DNS)
	case e.Flow != nil && e.Flow.SrcPort != 0:
		// The category too: a threat-intelligence or IDPS record of a
		// connection is a record of its own beside the rule's.
		f := e.Flow
		b = AppendLower(b, e.Category)
		b = append(b, 0)
		b = append(b, f.Protocol...)
		b = append(b, 0)
		b = f.Src.AppendTo(b)
		b = binary.LittleEndian.AppendUint16(b, f.SrcPort)
		b = f.Dst.AppendTo(b)
		b = binary.LittleEndian.AppendUint16(b, f.DstPort)
		b = append(b, f.Host...)
		b = append(b, 0)
		b = append(b, f.Action...)
	default:
		return b[:start], false
	}
	return b, true
}

// appendLookup appends what tells a DNS lookup from another in every
// export: its client's endpoint, query id, name and type.
func appendLookup(b []byte, d *DNS) []byte {
	b = d.Client.AppendTo(b)
	b = binary.LittleEndian.AppendUint16(b, d.ClientPort)
	b = binary.LittleEndian.AppendUint16(b, d.QueryID)
	b = append(b, d.Query...)
	b = append(b, 0)
	return AppendLower(b, d.Type)
}

// MachineLocal says e's id is one only on its machine, which e does not
// name: a process event of a log without host names (auditd's default
// format), whose serials restart on every machine. Two machines of one
// scale set, started alike, log the same time and serial; such an id
// would take one machine's event for a copy of the other's.
func MachineLocal(e *Event) bool {
	return e.Kind == KindProcess && e.Process != nil && e.Process.Host == ""
}

// AppendLower appends s in lower case: by Unicode's rules when s is not
// ASCII (as record.LowerCopy lowers a resource id: a brief reader's view
// of one must give the key the full event's gives), else eight bytes at
// a time, as LowerCopy does (an Activity Log record's resource id and
// correlation id are lowered for every record a hunt reads).
func AppendLower(b []byte, s string) []byte {
	start := len(b)
	b = append(b, s...)
	t := b[start:]
	i := 0
	for ; i+8 <= len(t); i += 8 {
		x := binary.LittleEndian.Uint64(t[i:])
		if x&highBits != 0 {
			return append(b[:start], strings.ToLower(s)...)
		}
		binary.LittleEndian.PutUint64(t[i:], x|upperBytes(x)>>2) // 0x80>>2 is the case bit
	}
	for ; i < len(t); i++ {
		c := t[i]
		if c >= utf8.RuneSelf {
			return append(b[:start], strings.ToLower(s)...)
		}
		if 'A' <= c && c <= 'Z' {
			t[i] = c + 'a' - 'A'
		}
	}
	return b
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// upperBytes has the high bit set in each byte that is 'A' to 'Z' of a
// word of eight ASCII bytes (record.LowerCopy's).
func upperBytes(x uint64) uint64 {
	return (x + lowBits*(0x80-'A')) &^ (x + lowBits*(0x80-'Z'-1)) & highBits
}

// keySeed seeds RecordKey's hashes: chosen at random when the program
// starts, so nobody can make two records' keys collide without knowing
// it; the keys are compared within one run, never kept.
var keySeed = maphash.MakeSeed()

// Families of RecordKey's hashes, their first byte: no two kinds of key
// hash the same bytes.
const (
	keyActivity = 1 + iota
	keyFirewall
	keyID
)

// RecordKey is a 64-bit hash of what every export of e writes alike (see
// above), for counting the records read once however many exports held
// them; 0 when e has none (a flow log's tuple, a record without an id),
// and such a record cannot be told from another. A brief event carries
// the key its reader made (Key), having kept no field to make it from.
// buf is scratch, kept by the caller from event to event.
func RecordKey(e *Event, buf *[]byte) uint64 {
	if e.Brief {
		return e.Key
	}
	// As the engine's dedup keys go: the Activity Log's, a firewall's,
	// then an id.
	b, ok := (*buf)[:0], false
	if ActivityKeyed(e) {
		b, ok = AppendActivityKey(append(b, keyActivity), e.Kind, e.Time, e.Operation, e.Outcome, e.Status, e.CorrelationID, e.ResourceID), true
	} else if strings.HasPrefix(e.Shape, "firewall.") {
		b, ok = AppendFirewallKey(append(b, keyFirewall), e)
	}
	if !ok && e.ID != "" && !MachineLocal(e) {
		b, ok = appendIDKey(b[:0], e.Kind, e.ID, e.Loc.Index), true
	}
	*buf = b // grown or not, kept: no allocation the next time
	if !ok {
		return 0 // a flow log's tuple: nothing tells it from another
	}
	return hashKey(b)
}

// ActivityRecordKey is RecordKey of an Activity Log event read briefly,
// from the fields its reader read (views of the record, which it does
// not keep); 0 without a time or a correlation id, as RecordKey.
func ActivityRecordKey(buf *[]byte, t time.Time, op string, o Outcome, status, correlation, resource string) uint64 {
	if t.IsZero() || correlation == "" {
		return 0
	}
	*buf = AppendActivityKey(append((*buf)[:0], keyActivity), KindActivity, t, op, o, status, correlation, resource)
	return hashKey(*buf)
}

// LookupRecordKey is RecordKey of a firewall's DNS lookup at t read
// briefly, from the lookup its reader read; 0 without a time or a client
// port, as RecordKey.
func LookupRecordKey(buf *[]byte, t time.Time, d *DNS) uint64 {
	if t.IsZero() || d.ClientPort == 0 {
		return 0
	}
	b := append((*buf)[:0], keyFirewall, byte(KindDNS))
	b = binary.LittleEndian.AppendUint64(b, uint64(t.UnixMilli()))
	*buf = appendLookup(b, d)
	return hashKey(*buf)
}

// IDRecordKey is RecordKey of an event of kind k known by its id, read
// briefly (a sign-in); 0 without an id.
func IDRecordKey(buf *[]byte, k Kind, id string) uint64 {
	if id == "" {
		return 0
	}
	*buf = appendIDKey((*buf)[:0], k, id, 0)
	return hashKey(*buf)
}

// appendIDKey appends the key of an id: its family, kind and the tuple's
// index in its record, then the id.
func appendIDKey(b []byte, k Kind, id string, index int) []byte {
	b = append(b, keyID, byte(k))
	b = binary.LittleEndian.AppendUint64(b, uint64(index))
	return append(b, id...)
}

// hashKey hashes a key, its family first; never 0, which says "no key".
func hashKey(b []byte) uint64 { return max(maphash.Bytes(keySeed, b), 1) }

// A hunt over 10 GB counts its records' keys in a bounded sample (the
// hunt package's repeats): a record whose key holds its time (the
// Activity Log's, a firewall's) is in the sample when TimeUnit's hash of
// its time ends in at least its kind's level of zero bits, so that all
// copies of a record, which share the time, are in it or out of it
// together. Making such a key (lowering the resource and correlation ids,
// hashing) is most of what counting costs a record, and past the bound
// most records need none: a reader asks Wanted first. A key that holds no
// time (an id, whose copies' times may differ: a Defender alert's in the
// Activity Log and in its own export) is its own unit.

// KeyLevels are one hunt worker's sampling levels, per kind; nil wants
// every key.
type KeyLevels [KindCount]int

// Wanted says whether the key of a record of kind k at t, a key that
// holds its time, is in the sample.
func (l *KeyLevels) Wanted(k Kind, t time.Time) bool {
	return l == nil || int(k) >= len(l) || bits.TrailingZeros64(TimeUnit(k, t)) >= l[k]
}

// TimeUnit is the sampling unit of a record of kind k at t whose key
// holds its time: a hash of the kind and the time to the millisecond (as
// the key holds it), the same in every worker and export.
func TimeUnit(k Kind, t time.Time) uint64 {
	// splitmix64's finaliser: each bit of the time moves half the
	// others. Never 0, which has every trailing bit zero.
	x := uint64(t.UnixMilli()) ^ uint64(k)<<56
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return max(x^x>>31, 1)
}

// KeyHoldsTime reports whether e's key (RecordKey), when it has one,
// holds its time and is sampled by TimeUnit; otherwise the key is its
// own unit. A brief event's is its reader's: the Activity Log's and the
// firewall's lookups hold their time, a sign-in's id does not.
func KeyHoldsTime(e *Event) bool {
	if e.Brief {
		return e.Kind == KindActivity || e.Kind == KindDNS
	}
	if ActivityKeyed(e) {
		return true
	}
	// As AppendFirewallKey takes it.
	return !e.Time.IsZero() && strings.HasPrefix(e.Shape, "firewall.") &&
		(e.DNS != nil && e.DNS.ClientPort != 0 || e.Flow != nil && e.Flow.SrcPort != 0)
}

// OpKey is a compute operation's key within one hunt (hunt.ComputeOps):
// the first 64 bits of the SHA-256 of its correlation id (trimmed, in
// ASCII lower case, as the engine compares it). Only compute creates are
// keyed, a few in a thousand records: the hash costs nothing a hunt can
// measure. A client may choose its correlation ids, and two that collide
// in 64 bits take some 2^32 tries: a store's keys, which join an
// operation's records across cycles and say which were refused, are made
// with its secret instead (KeyHash.OpKey).
func OpKey(correlationID string) uint64 {
	var buf [64]byte
	sum := sha256.Sum256(opText(&buf, correlationID))
	return binary.LittleEndian.Uint64(sum[:8])
}

// opText is a correlation id as OpKey keys it, in buf when it fits (an
// id's usual length, lowered without an allocation).
func opText(buf *[64]byte, correlationID string) []byte {
	id := strings.TrimSpace(correlationID)
	b := buf[:0]
	for i := 0; i < len(id); i++ {
		c := id[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
