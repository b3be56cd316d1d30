package engine

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// ownedRules: one rule on the record's own text (a raw field), which an
// address's ownership cannot change, and one that asks for a source the
// tenant does not own, which it can.
const ownedRules = `title: Body names a GPU size
name: x.body
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {properties.requestbody|contains: Standard_NC}
  condition: sel
level: high
---
title: Write from a stranger
name: x.stranger
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {enrich.src_ip.owned: false}
  condition: sel
level: medium
`

// TestOwnedLaterDropsOnlyRulesThatAskWhoOwnsIt: an address the hunt
// later learns is the tenant's own (a public IP address write read after
// the records) takes away the alerts of rules that asked for a source not
// owned, and no other: a rule on the record's body still alerts, in
// memory and spilled.
func TestOwnedLaterDropsOnlyRulesThatAskWhoOwnsIt(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var evs []event.Event
	for i := range 40 {
		// ownedLater owns 203.0.113.0-3, not 4-7.
		ip := netip.AddrFrom4([4]byte{203, 0, 113, byte(i % 8)})
		body := fmt.Sprintf(`{"properties":{"requestbody":"{\"hardwareProfile\":{\"vmSize\":\"Standard_NC%ds_v3\"}}"}}`, i)
		evs = append(evs, event.Event{
			Time: t0.Add(time.Duration(i) * time.Minute), Kind: event.KindActivity, Tenant: "t1",
			ID: fmt.Sprintf("id-%d", i), CorrelationID: fmt.Sprintf("c%d", i), Subscription: "s1",
			Operation: "microsoft.compute/virtualmachines/write", ResourceID: fmt.Sprintf("/subscriptions/s1/vm%d", i),
			SourceIP: ip, Enrich: event.Enrichment{SrcIP: &event.IPInfo{}},
			Raw: fastjson.MustParse(body), Loc: event.Location{File: "f.json", Line: i + 1},
		})
	}
	for _, budget := range []int{1 << 30, 2 << 10} {
		set := load(t, map[string]string{"r.yml": ownedRules})
		e, err := New(set, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.Refresh, e.Memory, e.TempDir = ownedLater, budget, t.TempDir()
		evalCopies(e, evs, 2)
		as, _, err := e.Alerts(nil)
		if err != nil {
			t.Fatal(err)
		}
		count := func(rule string) int {
			return len(slices.DeleteFunc(slices.Clone(as), func(a alert.Alert) bool { return a.Rule != rule }))
		}
		if n := count("x.body"); n != len(evs) {
			t.Errorf("budget %d: %d alerts of the rule on the body, want %d: ownership learned later took away alerts of a rule that does not ask for it", budget, n, len(evs))
		}
		if n := count("x.stranger"); n != len(evs)/2 {
			t.Errorf("budget %d: %d alerts of the rule on a source not owned, want %d (the sources not owned at the end)", budget, n, len(evs)/2)
		}
	}
}
