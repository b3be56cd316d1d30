package engine

import (
	"net/netip"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

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
	})
}
