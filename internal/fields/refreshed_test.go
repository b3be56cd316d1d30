package fields

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestRefreshedFieldsAreTheOnesOwnershipChanges checks the promise behind
// FieldInfo.Refreshed: every normalised field and alias, read from events
// of every kind before and after their addresses are found owned (what
// enrich.Enricher.Refresh changes), gives other values exactly when it is
// marked Refreshed. The engine evaluates again only the rules that read a
// marked field; an unmarked field whose value moves would keep alerts
// that no longer hold.
func TestRefreshedFieldsAreTheOnesOwnershipChanges(t *testing.T) {
	t.Parallel()
	r := New()
	names := make([]string, 0, len(normalised)+len(aliases))
	for n := range normalised {
		names = append(names, n)
	}
	for n := range aliases {
		names = append(names, n)
	}
	slices.Sort(names)
	read := func(id sigma.FieldID, ev *event.Event) string {
		fe := r.NewEvent()
		fe.Reset(ev)
		var out []string
		present, _ := fe.Field(id, func(v sigma.Value) bool {
			out = append(out, fmt.Sprint(v.Text()))
			return false
		})
		return fmt.Sprint(present, out)
	}
	moved := map[string]bool{}
	for k := range event.Kind(event.KindCount) {
		ev := &event.Event{
			Kind: k, SourceIP: netip.MustParseAddr("203.0.113.7"),
			Flow: &event.Flow{Src: netip.MustParseAddr("203.0.113.8"), Dst: netip.MustParseAddr("198.51.100.9")},
		}
		for _, n := range names {
			fi, err := r.Resolve(n)
			if err != nil {
				t.Fatal(err)
			}
			src, dst := event.IPInfo{Azure: true, Region: "eastus"}, event.IPInfo{}
			ev.Enrich.SrcIP, ev.Enrich.DstIP = &src, &dst
			before := read(fi.ID, ev)
			src.Owned, dst.Owned = true, true
			if read(fi.ID, ev) != before {
				moved[n] = true
				if !fi.Refreshed {
					t.Errorf("%s (kind %d) changes when an address is found owned, but is not marked Refreshed", n, k)
				}
			}
		}
	}
	for _, n := range names {
		if fi, _ := r.Resolve(n); fi.Refreshed && !moved[n] {
			t.Errorf("%s is marked Refreshed, but no kind of event reads it differently once its addresses are owned", n)
		}
	}
	if len(moved) == 0 {
		t.Fatal("no field changed with ownership: the test reads nothing")
	}
}
