package network

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/samples"
)

// sampleRecords reads a shared sample: a {"records":[…]} document, JSON
// lines, or a CSV export turned into objects of strings the way the
// container layer does (empty cells and the unnamed index column dropped).
func sampleRecords(t *testing.T, rel string) ([]*fastjson.Value, record.Hint) {
	t.Helper()
	b, err := os.ReadFile(samples.File(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasSuffix(rel, ".csv"):
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var a fastjson.Arena
		var out []*fastjson.Value
		for _, row := range rows[1:] {
			o := a.NewObject()
			for i, c := range row {
				if rows[0][i] != "" && c != "" {
					o.Set(rows[0][i], a.NewString(c))
				}
			}
			out = append(out, o)
		}
		return out, record.Hint{Format: "csv"}
	case strings.HasSuffix(rel, ".ndjson"):
		var out []*fastjson.Value
		for _, l := range bytes.Split(b, []byte("\n")) {
			if l = bytes.TrimSpace(l); len(l) > 0 {
				out = append(out, fastjson.MustParseBytes(l))
			}
		}
		return out, record.Hint{Format: "json"}
	}
	return fastjson.MustParseBytes(b).GetArray("records"), record.Hint{Format: "json"}
}

// decodeSample detects and decodes every record of a sample, failing on
// any record of another shape or any error, and returns the events.
func decodeSample(t *testing.T, rel, wantShape string, wantRecords int) []event.Event {
	t.Helper()
	recs, h := sampleRecords(t, rel)
	if len(recs) != wantRecords {
		t.Fatalf("%s: %d records, want %d", rel, len(recs), wantRecords)
	}
	var sc record.Scratch
	var evs []event.Event
	for i, v := range recs {
		shape, ok := Detect(v, h)
		if !ok || shape != wantShape {
			t.Fatalf("%s record %d: Detect = %q, %v; want %q", rel, i, shape, ok, wantShape)
		}
		sc.Reset()
		n := len(evs)
		var err error
		if evs, err = Decode(&sc, v, shape, evs); err != nil {
			t.Errorf("%s record %d: %v", rel, i, err)
		}
		for j := n; j < len(evs); j++ {
			if evs[j].Time.IsZero() || evs[j].Flow == nil && evs[j].DNS == nil {
				t.Errorf("%s record %d: event %d lacks time or payload", rel, i, j)
			}
			if f := evs[j].Flow; f != nil { // kept past the record: its own copy (Decode)
				c := *f
				evs[j].Flow = &c
			}
		}
	}
	return evs
}

// tally counts flow events by direction and action.
func tally(evs []event.Event) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		m[e.Flow.Direction+" "+e.Flow.Action]++
	}
	return m
}

func TestConformanceNSGFlowLogV2(t *testing.T) {
	t.Parallel()
	evs := decodeSample(t, "samples/sumologic-azure-function/nsg_flowlog_v2_blob_fixtures.json", shapeNSG, 8)
	if len(evs) != 153 {
		t.Fatalf("%d tuples, want 153", len(evs))
	}
	want := map[string]int{"outbound allow": 76, "inbound deny": 75, "inbound allow": 2}
	if got := tally(evs); len(got) != len(want) || got["outbound allow"] != 76 || got["inbound deny"] != 75 || got["inbound allow"] != 2 {
		t.Errorf("direction/action tally %v, want %v", got, want)
	}
	e := evs[0]
	flowIs(t, e, event.Flow{Src: ip("10.1.0.4"), Dst: ip("20.98.192.237"), SrcPort: 35620, DstPort: 443, Protocol: "tcp",
		Direction: "outbound", Action: "allow", State: "E", Packets: 1, Bytes: 74, Rule: "DefaultRule_AllowInternetOutBound"})
	if !e.Time.Equal(time.Unix(1724090346, 0)) || e.Subscription != "11111111-2222-3333-a4b6-000000000000" ||
		e.ResourceID != "/subscriptions/11111111-2222-3333-a4b6-000000000000/resourcegroups/vm-test/providers/microsoft.network/networksecuritygroups/test-nsg" {
		t.Errorf("first event: time %v sub %q id %q", e.Time, e.Subscription, e.ResourceID)
	}
}

func TestConformanceVNetFlowLogs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file            string
		records, tuples int
		denied          int
		target          string
	}{
		{"blob_fixtures_vnetflowlogs.json", 8, 166, 134, "microsoft.network/virtualnetworks"},
		{"blob_fixtures_networkinterfaceflowlogs.json", 4, 61, 36, "microsoft.network/networkinterfaces"},
		{"blob_fixtures_subnetflowlogs.json", 4, 68, 42, "microsoft.network/virtualnetworks/subnets"},
	} {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			evs := decodeSample(t, "samples/sumologic-azure-function/"+c.file, shapeVNet, c.records)
			if len(evs) != c.tuples {
				t.Fatalf("%d tuples, want %d", len(evs), c.tuples)
			}
			// Every inbound tuple in state D is a deny; nothing else is.
			if got := tally(evs)["inbound deny"]; got != c.denied {
				t.Errorf("%d inbound denies, want %d", got, c.denied)
			}
			for _, e := range evs {
				if e.Region != "westus" || e.Subscription != "c088dc46-d692-42ad-a4b6-9a542d28ad2a" || e.ResourceType != c.target {
					t.Fatalf("event region %q sub %q type %q", e.Region, e.Subscription, e.ResourceType)
				}
				if (e.Flow.State == "D") != (e.Flow.Action == "deny") {
					t.Fatalf("state %q with action %q", e.Flow.State, e.Flow.Action)
				}
			}
		})
	}
	// The first tuple of the VNet sample, checked field by field.
	evs := decodeSample(t, "samples/sumologic-azure-function/blob_fixtures_vnetflowlogs.json", shapeVNet, 8)
	flowIs(t, evs[0], event.Flow{Src: ip("10.1.0.4"), Dst: ip("40.119.6.228"), SrcPort: 123, DstPort: 123, Protocol: "udp",
		Direction: "outbound", Action: "allow", State: "C", Packets: 8, Bytes: 888, Rule: "DefaultRule_AllowInternetOutBound"})
	if !evs[0].Time.Equal(time.UnixMilli(1733975962447)) {
		t.Errorf("time %v", evs[0].Time)
	}
}

func TestConformanceFirewall(t *testing.T) {
	t.Parallel()
	evs := decodeSample(t, "samples/elastic-integrations/azure_firewall_AZFWNetworkRule_structured.ndjson", shapeFirewall, 1)
	flowIs(t, evs[0], event.Flow{Src: ip("127.0.0.1"), Dst: ip("127.0.0.1"), SrcPort: 1234, DstPort: 1234, Protocol: "tcp", Action: "allow", Rule: "rule"})
	if evs[0].Subscription != "23103928-b2cf-472a-8cdb-0146e2849129" || evs[0].StatusMessage != "action reason" {
		t.Errorf("subscription %q message %q", evs[0].Subscription, evs[0].StatusMessage)
	}

	evs = decodeSample(t, "samples/elastic-integrations/azure_firewall_legacy_AzureFirewallNetworkRule_msg.ndjson", shapeFirewall, 12)
	if len(evs) != 12 {
		t.Fatalf("%d events from 12 legacy messages", len(evs))
	}
	actions := map[string]int{}
	for _, e := range evs {
		actions[e.Flow.Action]++
		if e.Flow.Src != ip("192.168.0.2") {
			t.Errorf("source %v, want 192.168.0.2", e.Flow.Src)
		}
	}
	// Deny ×2 ICMP, TCP Deny, IDS drop, ThreatIntel Deny; the rest allow (Allow, DNAT ×3, alert ×2, Allow..).
	if actions["deny"] != 5 || actions["allow"] != 7 {
		t.Errorf("actions %v, want 5 deny and 7 allow", actions)
	}
	flowIs(t, evs[3], event.Flow{Src: ip("192.168.0.2"), Dst: ip("89.160.20.156"), SrcPort: 50306, DstPort: 3389, Protocol: "tcp", Direction: "inbound", Action: "allow"})
	if evs[11].Tenant != "aa40685b-417d-4664-b4ec-8f7640719adb" || evs[11].CorrelationID != "d1e2f3a4-5b6c-7d8e-9f01-23456789abcd" {
		t.Errorf("tenant %q correlation %q", evs[11].Tenant, evs[11].CorrelationID)
	}
}

func TestConformanceFirewallDNS(t *testing.T) {
	t.Parallel()
	evs := decodeSample(t, "samples/elastic-integrations/azure_firewall_AZFWDnsQuery_structured.ndjson", shapeDNS, 1)
	e := evs[0]
	if *e.DNS != (event.DNS{Query: "ntp.ubuntu.com", Type: "A", ResponseCode: "NOERROR", Client: ip("1.128.0.0"), ClientPort: 47785, QueryID: 35817}) {
		t.Errorf("dns %+v", *e.DNS)
	}
	if e.Operation != "dns query" || e.Subscription != "56d199a8-724e-436d-b7f2-5f6f7694eabd" || !e.Time.Equal(at("2024-01-31T23:39:50.862387Z")) {
		t.Errorf("operation %q sub %q time %v", e.Operation, e.Subscription, e.Time)
	}
}

func TestConformanceTrafficAnalytics(t *testing.T) {
	t.Parallel()
	evs := decodeSample(t, "samples/msticpy/AzureNetworkAnalytics_CL_az_net_flows.csv", shapeTraffic, 460)
	// msticpy split each row per external address already (AllExtIPs):
	// one event per row.
	if len(evs) != 460 {
		t.Fatalf("%d events, want 460", len(evs))
	}
	withBoth := 0
	for _, e := range evs {
		if e.Flow.Src.IsValid() && e.Flow.Dst.IsValid() {
			withBoth++
		}
	}
	if withBoth != 460 {
		t.Errorf("%d of 460 rows have both addresses", withBoth)
	}
	flowIs(t, evs[0], event.Flow{Src: ip("10.0.3.5"), Dst: ip("65.55.44.109"), DstPort: 443, Protocol: "tcp", Direction: "outbound", Action: "allow"})
	if !evs[0].Time.Equal(at("2019-02-12T13:00:07Z")) || evs[0].Region != "eastus" || evs[0].Category != "AzureNetworkAnalytics_CL" {
		t.Errorf("time %v region %q category %q", evs[0].Time, evs[0].Region, evs[0].Category)
	}
}
