package event

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math/bits"
	"strings"
	"time"
)

// A hunt's record keys are hashed with the program's random seed (keySeed)
// and compared within the hunt only. A service's store counts each record
// once over every cycle and every restart (mamori serve's LOGS IN THE
// STORE, as a hunt's LOGS READ): its keys must be the same in every
// process that opens the store, and still unknown to whoever writes the
// records. A KeyHash hashes them with the store's own secret, HMAC-SHA-256
// (a few hundred nanoseconds a key where maphash takes ten): only the
// keys a hunt's sample keeps are hashed so (KeyLevels), the others are
// not made at all.
//
// A key that holds its time is sampled by its time (TimeUnit), which is
// the same in every process. A key that holds an id was sampled by the
// key itself: keyed, its sampling unit is a hash of its text that needs
// no secret (unitOf), asked before the key is made, and the key is made
// to end in as many zero bits as that unit does, so that a hunt that
// samples keys by their own bits samples them alike.

// KeyHash makes records' keys with a store's secret. It is one worker's:
// not safe for concurrent use. A nil KeyHash makes the hunt's own keys
// (RecordKey, ActivityRecordKey, LookupRecordKey, IDRecordKey).
type KeyHash struct {
	mac hash.Hash
	sum [sha256.Size]byte
}

// NewKeyHash returns a KeyHash keyed with secret (never logged).
func NewKeyHash(secret []byte) *KeyHash {
	return &KeyHash{mac: hmac.New(sha256.New, secret)}
}

// hash is the key of the text b.
func (h *KeyHash) hash(b []byte) uint64 {
	if h == nil {
		return hashKey(b)
	}
	h.mac.Reset()
	h.mac.Write(b)
	return max(binary.LittleEndian.Uint64(h.mac.Sum(h.sum[:0])), 1)
}

// ActivityRecordKey is event.ActivityRecordKey made with h.
func (h *KeyHash) ActivityRecordKey(buf *[]byte, t time.Time, op string, o Outcome, status, correlation, resource string) uint64 {
	if h == nil {
		return ActivityRecordKey(buf, t, op, o, status, correlation, resource)
	}
	if t.IsZero() || correlation == "" {
		return 0
	}
	*buf = AppendActivityKey(append((*buf)[:0], keyActivity), KindActivity, t, op, o, status, correlation, resource)
	return h.hash(*buf)
}

// LookupRecordKey is event.LookupRecordKey made with h.
func (h *KeyHash) LookupRecordKey(buf *[]byte, t time.Time, d *DNS) uint64 {
	if h == nil {
		return LookupRecordKey(buf, t, d)
	}
	if t.IsZero() || d.ClientPort == 0 {
		return 0
	}
	b := append((*buf)[:0], keyFirewall, byte(KindDNS))
	b = binary.LittleEndian.AppendUint64(b, uint64(t.UnixMilli()))
	*buf = appendLookup(b, d)
	return h.hash(*buf)
}

// IDRecordKey is event.IDRecordKey made with h, and only when the key is
// in the sample of levels (0 otherwise; nil levels: every key).
func (h *KeyHash) IDRecordKey(buf *[]byte, levels *KeyLevels, k Kind, id string) uint64 {
	if h == nil {
		return IDRecordKey(buf, k, id)
	}
	if id == "" {
		return 0
	}
	*buf = appendIDKey((*buf)[:0], k, id, 0)
	return h.idKey(*buf, levels, k)
}

// idKey is the key of an id's text b when its unit is in the sample of
// levels, 0 otherwise; it ends in as many zero bits as its unit.
func (h *KeyHash) idKey(b []byte, levels *KeyLevels, k Kind) uint64 {
	tz := bits.TrailingZeros64(unitOf(b))
	if levels != nil && int(k) < len(levels) && tz < levels[k] {
		return 0
	}
	return (h.hash(b) | 1) << tz
}

// RecordKey is event.RecordKey made with h; a key that holds an id only
// when it is in the sample of levels.
func (h *KeyHash) RecordKey(e *Event, buf *[]byte, levels *KeyLevels) uint64 {
	if h == nil {
		return RecordKey(e, buf)
	}
	if e.Brief {
		return e.Key // its reader made it with the same KeyHash
	}
	b, ok := (*buf)[:0], false
	if ActivityKeyed(e) {
		b, ok = AppendActivityKey(append(b, keyActivity), e.Kind, e.Time, e.Operation, e.Outcome, e.Status, e.CorrelationID, e.ResourceID), true
	} else if strings.HasPrefix(e.Shape, "firewall.") {
		b, ok = AppendFirewallKey(append(b, keyFirewall), e)
	}
	if ok {
		*buf = b
		return h.hash(b)
	}
	if e.ID == "" || MachineLocal(e) {
		*buf = b
		return 0
	}
	b = appendIDKey(b[:0], e.Kind, e.ID, e.Loc.Index)
	*buf = b
	return h.idKey(b, levels, e.Kind)
}

// unitOf is the sampling unit of a key that holds an id: FNV-1a of its
// text, mixed as TimeUnit mixes a time; never 0. It needs no secret: it
// only says which keys are counted, the same in every process.
func unitOf(b []byte) uint64 {
	x := uint64(14695981039346656037)
	for _, c := range b {
		x = (x ^ uint64(c)) * 1099511628211
	}
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return max(x^x>>31, 1)
}

// OpKey is event.OpKey made with h: a store's key of a compute operation,
// the same in every cycle and unknown to whoever picks correlation ids.
func (h *KeyHash) OpKey(correlationID string) uint64 {
	if h == nil {
		return OpKey(correlationID)
	}
	var buf [64]byte
	return h.hash(opText(&buf, correlationID))
}
