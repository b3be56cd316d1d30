package engine

import (
	"net/netip"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestHitFlagCombinationsRoundTrip encodes a hit for every combination of
// what the record part's flags announce (addresses, a compute with each of
// its count notes, a Databricks cluster's longer resource, autoscale's own
// action) and reads it back with both decoders: each part is read in the
// order it was written, whatever else is flagged, and nothing is left over
// for the correlation fields to misread. The two flags bytes were merged
// by hand (64 the action, 128 a second byte of notes and the longer
// resource), so each pairing is checked, not only the ones a feature's own
// test made.
func TestHitFlagCombinationsRoundTrip(t *testing.T) {
	t.Parallel()
	ws := "/subscriptions/s/resourcegroups/r/providers/microsoft.databricks/workspaces/w"
	setting := "/subscriptions/s/resourcegroups/r/providers/microsoft.insights/autoscalesettings/a"
	target := "/subscriptions/s/resourcegroups/r/providers/microsoft.compute/virtualmachinescalesets/x"
	notes := []string{"", event.CountFormula, event.CountFormulaUnknown, event.CountCapacityUnknown}
	for _, addrs := range []bool{false, true} {
		for _, note := range notes {
			for _, kind := range []string{"batch", "databricks", "action"} {
				ev := event.Event{Time: time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC), Tenant: "t", ID: "i", Shape: "s",
					CorrelationID: "c", Region: "eastus", Loc: event.Location{File: "f", Line: 3, Offset: 99, Index: 1}}
				if addrs {
					ev.SourceIP = netip.MustParseAddr("192.0.2.1")
					ev.Flow = &event.Flow{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("192.0.2.9")}
					ev.DNS = &event.DNS{Client: netip.MustParseAddr("10.0.0.2")}
				}
				wantRes, wantCount, wantNote := "", 7, note
				switch kind {
				case "batch":
					ev.Operation, ev.ResourceID = "microsoft.batch/batchaccounts/pools/write", "/b/pools/p"
					ev.Compute = &event.Compute{Service: "batch", Size: "Standard_NC6", Count: 7, CountNote: note}
					wantRes = ev.ResourceID
				case "databricks":
					ev.Operation, ev.ResourceID = "microsoft.databricks/clusters/create", ws
					ev.Compute = &event.Compute{Service: "databricks", Size: "Standard_NC6", Count: 7, Cluster: "s/0-1-x", CountNote: note}
					wantRes = ws + "/clusters/0-1-x"
				case "action":
					// Autoscale's scale-out prices what its target runs
					// after it; a note on the event is not its compute's.
					ev.Operation, ev.ResourceID = "microsoft.insights/autoscalesettings/scaleupresult/action", setting
					ev.Compute = &event.Compute{Service: "vmss", Count: 6, Old: 1, New: 7, Target: target, CountNote: note}
					wantRes, wantNote = setting, ""
				}
				name := kind + "/" + note
				if addrs {
					name += "/addrs"
				}
				rec := appendHeader(nil, ev.Time, 0, "k")
				rec = appendStr(rec, "")
				rec = append(rec, 0)
				rec = appendRecordPart(rec, &ev, "sum")
				rec = appendFields(rec, [][]string{{"x"}, {"y", "z"}})
				h, err := decodeHit(rec, func(int) []need { return []need{{name: "a"}, {name: "b"}} })
				var ls lightState
				l, lerr := decodeLight(rec, func(int) []string { return []string{"a", "b"} }, &ls)
				if err != nil || lerr != nil {
					t.Fatalf("%s: %v, light %v", name, err, lerr)
				}
				for _, d := range []struct {
					how string
					h   *keptHit
				}{{"full", h}, {"light", l}} {
					g := d.h
					c := g.compute
					if c == nil || c.Resource != wantRes || c.Count != wantCount || c.CountNote != wantNote || c.Region != "eastus" {
						t.Errorf("%s, %s decode: compute %+v, want resource %q, count %d, note %q", name, d.how, c, wantRes, wantCount, wantNote)
					}
					if act := kind == "action"; g.action != act || act && (g.target != target || g.from != 1 || g.to != 7) {
						t.Errorf("%s, %s decode: action %v of %q from %d to %d", name, d.how, g.action, g.target, g.from, g.to)
					}
					if g.addrs.flow != addrs || g.addrs.dns != addrs || addrs && (g.addrs.dst != ev.Flow.Dst || g.addrs.client != ev.DNS.Client) {
						t.Errorf("%s, %s decode: addresses %+v", name, d.how, g.addrs)
					}
				}
				if h.fields["a"][0] != "x" || len(h.fields["b"]) != 2 || h.fields["b"][1] != "z" {
					t.Errorf("%s: fields %v", name, h.fields)
				}
				if len(l.vals) != 2 || l.vals[0][0] != "x" || l.vals[1][1] != "z" {
					t.Errorf("%s: light fields %v", name, l.vals)
				}
			}
		}
	}
}
