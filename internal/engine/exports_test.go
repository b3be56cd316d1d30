package engine

import (
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// The same Activity Log event read from two exports, one that carries its
// eventDataId (REST, Log Analytics) and one that does not (diagnostic
// settings), in other letter cases and with the time to other
// precisions, counts once; events that differ in their outcome or time
// do not. A rule without merge-by still names its alerts by the key the
// record gave, as before events were known across exports.
func TestOneEventInTwoExportsCountsOnce(t *testing.T) {
	const anyElevation = `title: Any elevation
name: user.elevation
id: 9a2f
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operation: microsoft.authorization/elevateaccess/action}
  condition: sel
level: low
`
	set := load(t, map[string]string{"e.yml": elevate, "any.yml": anyElevation})
	t0 := time.Date(2026, 3, 14, 1, 52, 0, 123_456_700, time.UTC)
	rest := elevation("ev-1", "6F0C-CORR", t0, event.OutcomeSucceeded)
	rest.ResourceID = "/providers/microsoft.authorization"
	diag := elevation("", "6f0c-corr", t0.Add(400*time.Microsecond), event.OutcomeSucceeded) // the same millisecond
	diag.ResourceID, diag.Loc = "/PROVIDERS/MICROSOFT.AUTHORIZATION", event.Location{File: "PT1H.json", Line: 7}
	start := elevation("ev-0", "6f0c-corr", t0.Add(-time.Second), event.OutcomeStarted)
	later := elevation("ev-2", "6f0c-corr", t0.Add(time.Millisecond), event.OutcomeSucceeded)
	later.ResourceID = rest.ResourceID
	e, err := New(set, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range []event.Event{rest, diag, start, later} {
		e.Eval(i%2, &ev)
	}
	as, st, err := e.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Duplicates != 2 {
		t.Errorf("%d duplicate hits, want 2 (the diagnostic copy of ev-1, under each rule)", st.Duplicates)
	}
	counts := map[string]int{}
	for _, a := range as {
		counts[a.Rule] += a.Count
	}
	if counts["azure.identity.elevate_access"] != 3 || counts["user.elevation"] != 3 {
		t.Errorf("counts %v: want 3 under each rule (ev-0, ev-1 and ev-2)", counts)
	}
	if want := alertID("user.elevation", "t1|activity:ev-0"); !slices.ContainsFunc(as, func(a alert.Alert) bool { return a.ID == want }) {
		t.Errorf("the Start event's alert is not named by its eventDataId as before (%s): %v", want, as)
	}
	// Kinds other than the Activity Log's, and events without a
	// correlation id, keep the keys their records give.
	for _, ev := range []event.Event{
		{Kind: event.KindSignIn, Time: t0, ID: "s1", CorrelationID: "c"},
		{Kind: event.KindActivity, Time: t0, ID: "a1"},
	} {
		if _, ok := e.activityKey(&ev, new([]byte)); ok {
			t.Errorf("an activity key for %+v", ev)
		}
	}
}

// An Azure Firewall record read from two exports (an Event Hub's
// diagnostic record and a workspace's AZFW* row, the legacy text of a
// lookup beside them), in other cases and with the time to other
// precisions, counts once; lookups and connections that differ in their
// port or query id do not, nor an IDPS record of a connection beside the
// rule's, and a record without a source port keeps its own key.
func TestOneFirewallRecordInTwoExportsCountsOnce(t *testing.T) {
	const lookups = `title: Lookups of a pool
name: user.pool_lookup
id: 5b1c
description: d
logsource: {product: azure, service: dns}
detection:
  sel: {dns.query: pool.example}
  condition: sel
level: low
merge-by: [dns.client, dns.query]
`
	const conns = `title: Connections to a pool
name: user.pool_connection
id: 5b1d
description: d
logsource: {product: azure, service: flowlogs}
detection:
  sel: {flow.dst_port: 3333}
  condition: sel
level: low
merge-by: [flow.src]
`
	set := load(t, map[string]string{"l.yml": lookups, "c.yml": conns})
	t0 := time.Date(2026, 3, 14, 1, 52, 0, 862_387_000, time.UTC)
	client := netip.MustParseAddr("10.40.2.4")
	lookup := func(cat string, at time.Time, port, id uint16, typ string) event.Event {
		return event.Event{Kind: event.KindDNS, Shape: "firewall.dns", Operation: "dns query", Category: cat, Time: at, Tenant: "t1",
			SourceIP: client, DNS: &event.DNS{Query: "pool.example", Type: typ, Client: client, ClientPort: port, QueryID: id}}
	}
	conn := func(cat string, at time.Time, port uint16) event.Event {
		return event.Event{Kind: event.KindFlow, Shape: "firewall.network", Operation: "flow", Category: cat, Time: at, Tenant: "t1", SourceIP: client,
			Flow: &event.Flow{Src: client, SrcPort: port, Dst: netip.MustParseAddr("203.0.113.17"), DstPort: 3333, Protocol: "tcp", Action: "allow"}}
	}
	evs := []event.Event{
		lookup("AZFWDnsQuery", t0, 47785, 35817, "A"),                                     // the Event Hub's record
		lookup("AZFWDnsQuery", t0.Truncate(time.Millisecond), 47785, 35817, "a"),          // the workspace's row
		lookup("AzureFirewallDnsProxy", t0.Add(-100*time.Microsecond), 47785, 35817, "A"), // its legacy text
		lookup("AZFWDnsQuery", t0, 47786, 35817, "A"),                                     // another port
		lookup("AZFWDnsQuery", t0, 47785, 35818, "A"),                                     // another query id
		lookup("AZFWDnsQuery", t0, 47785, 35817, "AAAA"),                                  // another type
		lookup("AZFWDnsQuery", t0, 0, 0, "A"),                                             // no port: its content's key
		conn("AZFWNetworkRule", t0, 50975),
		conn("AZFWNetworkRule", t0.Truncate(time.Millisecond), 50975),
		conn("AZFWNetworkRule", t0, 50976),
		conn("AZFWIdpsSignature", t0, 50975),
	}
	for i := range evs { // each read from a file of its own
		evs[i].Loc = event.Location{File: "export-" + strconv.Itoa(i) + ".json", Line: 1}
	}
	e, err := New(set, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		e.Eval(i%2, &evs[i])
	}
	as, st, err := e.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, a := range as {
		counts[a.Rule] += a.Count
	}
	if counts["user.pool_lookup"] != 5 || counts["user.pool_connection"] != 3 || st.Duplicates != 3 {
		t.Errorf("counts %v, %d duplicates: want 5 lookups (the first in three exports once), 3 connections (the rule's in two exports once, the IDPS record's), 3 duplicates", counts, st.Duplicates)
	}
	// Records of other families, and firewall records without a port,
	// keep the keys their records give.
	for _, ev := range []event.Event{
		{Kind: event.KindDNS, Shape: "firewall.dns", Time: t0, DNS: &event.DNS{Query: "pool.example", Client: client}},
		{Kind: event.KindFlow, Shape: "flow.vnet", Time: t0, Flow: &event.Flow{Src: client, SrcPort: 50975}},
		{Kind: event.KindDNS, Shape: "firewall.dns", DNS: &event.DNS{Query: "pool.example", Client: client, ClientPort: 1}},
	} {
		if _, ok := e.firewallKey(&ev, new([]byte)); ok {
			t.Errorf("a firewall key for %+v", ev)
		}
	}
}
