package engine

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// sameFields says a light decode's names and values hold a full one's
// fields.
func sameFields(l, h *keptHit) bool {
	if len(l.names) != len(h.fields) || len(l.vals) != len(l.names) {
		return false
	}
	for i, n := range l.names {
		if !reflect.DeepEqual(l.vals[i], h.fields[n]) && (len(l.vals[i]) > 0 || len(h.fields[n]) > 0) {
			return false
		}
	}
	return true
}

// FuzzDecodeHit feeds damaged encodings to the decoders of spilled hits (a
// temporary file someone changed): errors, never a panic.
func FuzzDecodeHit(f *testing.F) {
	ev := event.Event{Time: time.Date(2026, 3, 14, 1, 2, 3, 4, time.FixedZone("X", 3600)), Tenant: "t", ID: "id", Operation: "op",
		SourceIP: netip.MustParseAddr("192.0.2.1"), Flow: &event.Flow{Src: netip.MustParseAddr("10.0.0.1")},
		Compute: &event.Compute{Service: "vm", Size: "Standard_NC6"}, Enrich: event.Enrichment{SrcIP: &event.IPInfo{}}}
	rec := appendFields(appendRecordPart(append(appendStr(appendHeader(nil, ev.Time, 0, "key"), "group"), keepSrc), &ev, "summary"), [][]string{{"a"}})
	f.Add(rec)
	f.Add(rec[:headerLen])
	f.Add([]byte{})
	needs := func(rule int) []need {
		if rule == 0 {
			return []need{{name: "f"}}
		}
		return nil
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, ok := entryOf(b); ok {
			_ = e.key()
			_ = byRecord(e, e) + byTime(e, e)
		}
		h, err := decodeHit(b, needs)
		if err == nil {
			_ = h.ips()
		}
		// The light decode fails where the full one does, and reads the
		// same of what it reads.
		var ls lightState
		l, lerr := decodeLight(b, func(rule int) []string {
			if rule == 0 {
				return []string{"f"}
			}
			return nil
		}, &ls)
		if (err == nil) != (lerr == nil) {
			t.Fatalf("decodeHit error %v, decodeLight error %v", err, lerr)
		}
		if err == nil && (l.rule != h.rule || !l.time.Equal(h.time) || l.time.Location().String() != h.time.Location().String() ||
			l.tenant != h.tenant || l.loc != h.loc || l.keep != h.keep || l.addrs != h.addrs || !sameFields(l, h)) {
			t.Fatalf("light decode %+v, full %+v", l, h)
		}
	})
}
