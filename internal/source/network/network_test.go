package network

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// decodeCase is one synthetic record in a real shape.
type decodeCase struct {
	name    string
	hint    record.Hint
	rec     string
	shape   string // "" when the record is not this family's
	events  int
	wantErr string // substring of the error; "" for none
	check   func(t *testing.T, evs []event.Event)
}

// dnsIs checks that the one event's DNS part is want.
func dnsIs(want event.DNS) func(*testing.T, []event.Event) {
	return func(t *testing.T, evs []event.Event) {
		if *evs[0].DNS != want {
			t.Errorf("dns %+v", *evs[0].DNS)
		}
	}
}

// Synthetic records: documentation addresses, made-up ids.
const (
	nsgID  = "/SUBSCRIPTIONS/0B1C2D3E-0000-4000-8000-00000000AAAA/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/APP-NSG"
	subID  = "0b1c2d3e-0000-4000-8000-00000000aaaa"
	fwID   = "/SUBSCRIPTIONS/0B1C2D3E-0000-4000-8000-00000000AAAA/RESOURCEGROUPS/RG-HUB/PROVIDERS/MICROSOFT.NETWORK/AZUREFIREWALLS/HUB-FW"
	vnetID = "/subscriptions/0b1c2d3e-0000-4000-8000-00000000aaaa/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/app-vnet/subnets/web"
	flowID = "/SUBSCRIPTIONS/0B1C2D3E-0000-4000-8000-00000000AAAA/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_NORTHEUROPE/FLOWLOGS/WEB-FLOWLOG"
)

var nsgV2 = `{"time":"2025-03-01T10:01:00.1234567Z","systemId":"6f1c0d1e-1111-4222-8333-444455556666","macAddress":"000D3A1B2C3D","category":"NetworkSecurityGroupFlowEvent","resourceId":"` + nsgID + `","operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[
 {"rule":"UserRule_AllowOut","flows":[{"mac":"000D3A1B2C3D","flowTuples":["1740823200,10.20.0.4,203.0.113.50,40112,3333,T,O,A,E,120,48000,100,9000","1740823201,10.20.0.4,203.0.113.50,40114,3333,T,O,A,B,,,,"]}]},
 {"rule":"DefaultRule_DenyAllInBound","flows":[{"mac":"000D3A1B2C3D","flowTuples":["1740823205,198.51.100.7,10.20.0.4,51000,22,U,I,D,B,,,,"]}]}]}}`

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, c := range decodeCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, err := fastjson.Parse(c.rec)
			if err != nil {
				t.Fatalf("fixture is not JSON: %v", err)
			}
			shape, ok := Detect(v, c.hint)
			if shape != c.shape || ok != (c.shape != "") {
				t.Fatalf("Detect = %q, %v; want %q", shape, ok, c.shape)
			}
			if !ok {
				return
			}
			var sc record.Scratch
			evs, err := Decode(&sc, v, shape, nil)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("Decode error: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("Decode error = %v; want one containing %q", err, c.wantErr)
			}
			if len(evs) != c.events {
				t.Fatalf("got %d events, want %d: %+v", len(evs), c.events, evs)
			}
			for i := range evs {
				e := &evs[i]
				if e.Time.IsZero() || e.Time.Location() != time.UTC {
					t.Errorf("event %d: time %v is not a UTC time", i, e.Time)
				}
				if e.Shape != shape || e.Kind == event.KindUnknown {
					t.Errorf("event %d: shape %q kind %v", i, e.Shape, e.Kind)
				}
			}
			if c.check != nil {
				c.check(t, evs)
			}
		})
	}
}

// flowIs compares the parts of a flow a case names.
func flowIs(t *testing.T, e event.Event, want event.Flow) {
	t.Helper()
	if e.Flow == nil {
		t.Fatalf("event has no flow")
	}
	if *e.Flow != want {
		t.Errorf("flow\n got %+v\nwant %+v", *e.Flow, want)
	}
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

var decodeCases = []decodeCase{
	// NSG flow logs.
	{
		name: "NSG v2 record yields one flow per tuple with the tuple's own time, rule and summed counts",
		rec:  nsgV2, shape: shapeNSG, events: 3,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.20.0.4"), Dst: ip("203.0.113.50"), SrcPort: 40112, DstPort: 3333,
				Protocol: "tcp", Direction: "outbound", Action: "allow", State: "E", Bytes: 57000, Packets: 220, Rule: "UserRule_AllowOut"})
			flowIs(t, evs[2], event.Flow{Src: ip("198.51.100.7"), Dst: ip("10.20.0.4"), SrcPort: 51000, DstPort: 22,
				Protocol: "udp", Direction: "inbound", Action: "deny", State: "B", Rule: "DefaultRule_DenyAllInBound"})
			e := evs[1]
			if !e.Time.Equal(time.Unix(1740823201, 0)) || e.Loc.Index != 1 {
				t.Errorf("tuple 1: time %v index %d", e.Time, e.Loc.Index)
			}
			if evs[2].Loc.Index != 2 {
				t.Errorf("the ordinal runs across rules: got %d, want 2", evs[2].Loc.Index)
			}
			if e.Subscription != subID || e.ResourceID != strings.ToLower(nsgID) ||
				e.ResourceType != "microsoft.network/networksecuritygroups" || e.Operation != "flow" ||
				e.Category != "NetworkSecurityGroupFlowEvent" || e.Kind != event.KindFlow || e.SourceIP != e.Flow.Src {
				t.Errorf("record fields: %+v", e)
			}
		},
	},
	{
		name:  "NSG v1 tuples of eight fields yield flows without state or counts",
		rec:   `{"time":"2018-11-13T12:00:35.3899262Z","category":"NetworkSecurityGroupFlowEvent","resourceId":"` + nsgID + `","properties":{"Version":1,"flows":[{"rule":"DefaultRule_DenyAllInBound","flows":[{"mac":"000D3AF87856","flowTuples":["1542110377,192.0.2.190,10.5.16.4,28746,443,U,I,D","1542110379,10.5.16.4,203.0.113.9,50010,80,T,O,A"]}]}]}}`,
		shape: shapeNSG, events: 2,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("192.0.2.190"), Dst: ip("10.5.16.4"), SrcPort: 28746, DstPort: 443,
				Protocol: "udp", Direction: "inbound", Action: "deny", Rule: "DefaultRule_DenyAllInBound"})
			if want := time.Date(2018, 11, 13, 11, 59, 37, 0, time.UTC); !evs[0].Time.Equal(want) {
				t.Errorf("time %v, want %v", evs[0].Time, want)
			}
			if evs[1].Flow.Action != "allow" || evs[1].Flow.Direction != "outbound" {
				t.Errorf("second tuple: %+v", *evs[1].Flow)
			}
		},
	},
	{
		name: "NSG record with bad tuples still emits the good ones and names the first bad ordinal",
		rec: `{"time":"2025-03-01T10:01:00Z","category":"NetworkSecurityGroupFlowEvent","resourceId":"` + nsgID + `","properties":{"Version":2,"flows":[{"rule":"r","flows":[{"mac":"m","flowTuples":[
			"1740823200,10.0.0.4,203.0.113.5,1000,443,T,O,A,B,,,,",
			"1740823200,10.0.0.4,203.0.113.5,1000,x,T,O,A,B,,,,",
			"1740823200,10.0.0.999,203.0.113.5,1000,443,T,O,A,B,,,,",
			"1740823200,10.0.0.4,203.0.113.5,1000,443,T,O,A,B,,,",
			42,
			"1740823200,10.0.0.4,203.0.113.5,1000,70000,T,O,A,B,,,,",
			"1740823200,10.0.0.4,203.0.113.5,1000,443,T,X,A,B,,,,",
			"1740823200,10.0.0.4,203.0.113.5,1000,443,T,O,A,E,-1,0,0,0",
			"1740823260,10.0.0.4,203.0.113.6,1001,443,T,O,A,E,1,60,1,60"]}]}]}}`,
		shape: shapeNSG, events: 2, wantErr: `bad flow tuple (index 1): bad destination port "x" (and 6 more)`,
		check: func(t *testing.T, evs []event.Event) {
			if evs[0].Loc.Index != 0 || evs[1].Loc.Index != 8 {
				t.Errorf("good tuples keep their ordinals: %d, %d", evs[0].Loc.Index, evs[1].Loc.Index)
			}
			if evs[1].Flow.Bytes != 120 || evs[1].Flow.Packets != 2 {
				t.Errorf("counts %+v", *evs[1].Flow)
			}
		},
	},
	{
		name: "NSG tuple with a bad address names it",
		rec: `{"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":[{"rule":"r","flows":[{"flowTuples":[
			"1740823200,not-an-ip,203.0.113.5,1000,443,T,O,A,B,,,,"]}]}]}}`,
		shape: shapeNSG, events: 0, wantErr: `bad flow tuple (index 0): bad source address "not-an-ip"`,
	},
	{
		name: "NSG tuple with nine fields is a wrong field count",
		rec: `{"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":[{"rule":"r","flows":[{"flowTuples":[
			"1740823200,10.0.0.4,203.0.113.5,1000,443,T,O,A,B"]}]}]}}`,
		shape: shapeNSG, events: 0, wantErr: "9 fields, want 8 (version 1) or 13 (version 2)",
	},
	{
		name:  "NSG record without flows is an error, not a silent drop",
		rec:   `{"time":"2025-03-01T10:01:00Z","category":"NetworkSecurityGroupFlowEvent","resourceId":"` + nsgID + `","properties":{"Version":2}}`,
		shape: shapeNSG, events: 0, wantErr: "no properties.flows",
	},
	{
		name:  "NSG record with an empty flow list yields nothing and no error",
		rec:   `{"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":[]}}`,
		shape: shapeNSG, events: 0,
	},

	// VNet flow logs.
	{
		name: "VNet tuple in state D is a deny; region comes from the default watcher name",
		rec: `{"time":"2025-03-01T10:02:00.0000000Z","flowLogGUID":"1d2e3f40-0000-4000-8000-000000000001","macAddress":"000D3A000001","category":"FlowLogFlowEvent","flowLogResourceID":"` + flowID + `","targetResourceID":"` + vnetID + `","operationName":"FlowLogFlowEvent","flowLogVersion":4,"flowRecords":{"flows":[
			{"aclID":"00000000-0000-0000-0000-000000000000","flowGroups":[{"rule":"DefaultRule_DenyAllInBound","flowTuples":["1740823260123,192.0.2.77,10.30.1.5,49999,3389,6,I,D,NX,0,0,0,0"]}]},
			{"aclID":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/web-nsg","flowGroups":[{"rule":"DefaultRule_AllowInternetOutBound","flowTuples":["1740823261500,10.30.1.5,203.0.113.80,41000,14444,6,O,E,NX,10,5291,11,6911","1740823262000,10.30.1.5,198.51.100.3,0,0,1,O,B,X,1,84,0,0","1740823262001,10.30.1.5,198.51.100.3,0,0,47,O,C,NX,1,100,0,0"]}]}]}}`,
		shape: shapeVNet, events: 4,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("192.0.2.77"), Dst: ip("10.30.1.5"), SrcPort: 49999, DstPort: 3389,
				Protocol: "tcp", Direction: "inbound", Action: "deny", State: "D", Rule: "DefaultRule_DenyAllInBound"})
			flowIs(t, evs[1], event.Flow{Src: ip("10.30.1.5"), Dst: ip("203.0.113.80"), SrcPort: 41000, DstPort: 14444,
				Protocol: "tcp", Direction: "outbound", Action: "allow", State: "E", Bytes: 12202, Packets: 21, Rule: "DefaultRule_AllowInternetOutBound"})
			if evs[2].Flow.Protocol != "icmp" || evs[3].Flow.Protocol != "47" {
				t.Errorf("protocols %q %q, want icmp and 47", evs[2].Flow.Protocol, evs[3].Flow.Protocol)
			}
			e := evs[1]
			if !e.Time.Equal(time.UnixMilli(1740823261500)) {
				t.Errorf("time %v, want the tuple's milliseconds", e.Time)
			}
			if e.Region != "northeurope" || e.Subscription != subID || e.ResourceID != strings.ToLower(vnetID) ||
				e.ResourceType != "microsoft.network/virtualnetworks/subnets" || e.Category != "FlowLogFlowEvent" {
				t.Errorf("record fields: region %q sub %q id %q type %q cat %q", e.Region, e.Subscription, e.ResourceID, e.ResourceType, e.Category)
			}
		},
	},
	{
		name:  "VNet tuple in NSG layout (eight fields) is a wrong field count",
		rec:   `{"category":"FlowLogFlowEvent","flowRecords":{"flows":[{"flowGroups":[{"rule":"r","flowTuples":["1740823260123,192.0.2.77,10.30.1.5,49999,3389,6,I,D"]}]}]}}`,
		shape: shapeVNet, events: 0, wantErr: "8 fields, want 13",
	},
	{
		name:  "VNet record without category is still recognised by flowRecords",
		rec:   `{"time":"2025-03-01T10:02:00Z","flowLogVersion":4,"flowRecords":{"flows":[{"flowGroups":[{"rule":"r","flowTuples":["1740823260123,192.0.2.77,10.30.1.5,49999,3389,6,I,B,NX,1,60,0,0"]}]}]}}`,
		shape: shapeVNet, events: 1,
	},

	// Azure Firewall network rules, structured.
	{
		name:  "AZFWNetworkRule diagnostic record to a public address is an outbound deny",
		rec:   `{"category":"AZFWNetworkRule","time":"2025-03-01T10:03:00.5000000Z","resourceId":"` + fwID + `","tenantId":"AB12CD34-0000-4000-8000-000000000001","properties":{"Protocol":"TCP","SourceIp":"10.40.2.4","SourcePort":51990,"DestinationIp":"203.0.113.17","DestinationPort":3333,"Action":"Deny","Policy":"hub-policy","RuleCollectionGroup":"DefaultNetworkRuleCollectionGroup","RuleCollection":"egress","Rule":"block-pools","ActionReason":""}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			e := evs[0]
			flowIs(t, e, event.Flow{Src: ip("10.40.2.4"), Dst: ip("203.0.113.17"), SrcPort: 51990, DstPort: 3333,
				Protocol: "tcp", Direction: "outbound", Action: "deny", Rule: "block-pools"})
			if e.Status != "Deny" || e.Category != "AZFWNetworkRule" || e.Subscription != subID || e.Tenant != "ab12cd34-0000-4000-8000-000000000001" ||
				e.ResourceType != "microsoft.network/azurefirewalls" || e.SourceIP != ip("10.40.2.4") || !e.Time.Equal(at("2025-03-01T10:03:00.5Z")) {
				t.Errorf("event fields: %+v", e)
			}
		},
	},
	{
		name:  "AZFWNetworkRule Log Analytics row reads the same columns at the top level",
		hint:  record.Hint{Format: "json", Table: "AZFWNetworkRule"},
		rec:   `{"TenantId":"99999999-0000-4000-8000-000000000009","TimeGenerated":"2025-03-01T10:04:00Z","Type":"AZFWNetworkRule","_ResourceId":"` + strings.ToLower(fwID) + `","Protocol":"UDP","SourceIp":"10.40.2.5","SourcePort":"53000","DestinationIp":"198.51.100.20","DestinationPort":"3478","Action":"Allow","Rule":"allow-turn"}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.40.2.5"), Dst: ip("198.51.100.20"), SrcPort: 53000, DstPort: 3478,
				Protocol: "udp", Direction: "outbound", Action: "allow", Rule: "allow-turn"})
			if evs[0].Tenant != "" {
				t.Errorf("a Log Analytics TenantId is the workspace, not the tenant: got %q", evs[0].Tenant)
			}
			if evs[0].Subscription != subID || evs[0].Category != "AZFWNetworkRule" {
				t.Errorf("subscription %q category %q", evs[0].Subscription, evs[0].Category)
			}
		},
	},
	{
		name:  "AZFWApplicationRule to an FQDN has no destination address and is outbound",
		rec:   `{"category":"AZFWApplicationRule","time":"2025-03-01T10:05:00Z","resourceId":"` + fwID + `","properties":{"Protocol":"HTTPS","SourceIp":"10.40.3.9","SourcePort":50975,"DestinationPort":443,"Fqdn":"pool.example.net","TargetUrl":"","Action":"Allow","Policy":"p","RuleCollectionGroup":"g","RuleCollection":"c","Rule":"allow-web","ActionReason":"","IsTlsInspected":false}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.40.3.9"), SrcPort: 50975, DstPort: 443,
				Protocol: "tcp", Direction: "outbound", Action: "allow", Rule: "allow-web", Host: "pool.example.net"})
		},
	},
	{
		name:  "AZFWNatRule is an inbound allow",
		rec:   `{"category":"AZFWNatRule","time":"2025-03-01T10:06:00Z","resourceId":"` + fwID + `","properties":{"Protocol":"TCP","SourceIp":"192.0.2.200","SourcePort":50306,"DestinationIp":"198.51.100.1","DestinationPort":3389,"TranslatedIp":"10.40.0.2","TranslatedPort":3389,"Rule":"rdp-in"}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("192.0.2.200"), Dst: ip("198.51.100.1"), SrcPort: 50306, DstPort: 3389,
				Protocol: "tcp", Direction: "inbound", Action: "allow", Rule: "rdp-in"})
		},
	},
	{
		name:  "AZFWIdpsSignature alert lets traffic through and keeps the description",
		rec:   `{"category":"AZFWIdpsSignature","time":"2025-03-01T10:06:30Z","properties":{"Protocol":"TCP","SourceIp":"10.40.3.9","SourcePort":44592,"DestinationIp":"203.0.113.135","DestinationPort":80,"Action":"alert","SignatureId":"2000001","Category":"Crypto Currency Mining Activity Detected","Description":"Possible stratum login","Severity":1}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			if evs[0].Flow.Action != "allow" || evs[0].Status != "alert" || evs[0].StatusMessage != "Possible stratum login" {
				t.Errorf("action %q status %q message %q", evs[0].Flow.Action, evs[0].Status, evs[0].StatusMessage)
			}
		},
	},
	{
		name:  "firewall record without a time is an error",
		rec:   `{"category":"AZFWNetworkRule","properties":{"Protocol":"TCP","SourceIp":"10.40.2.4","DestinationIp":"203.0.113.17","Action":"Deny"}}`,
		shape: shapeFirewall, events: 0, wantErr: "no event time",
	},

	// Azure Firewall legacy messages.
	{
		name:  "legacy network rule message: TCP deny with ports",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","resourceId":"` + fwID + `","operationName":"AzureFirewallNetworkRuleLog","properties":{"msg":"TCP request from 10.40.2.4:51990 to 203.0.113.17:443. Action: Deny. "}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.40.2.4"), Dst: ip("203.0.113.17"), SrcPort: 51990, DstPort: 443,
				Protocol: "tcp", Direction: "outbound", Action: "deny"})
			if evs[0].Status != "Deny" || evs[0].Category != "AzureFirewallNetworkRule" {
				t.Errorf("status %q category %q", evs[0].Status, evs[0].Category)
			}
		},
	},
	{
		name:  "legacy DNAT message is an inbound allow with its rule",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","operationName":"AzureFirewallNatRuleLog","properties":{"msg":"TCP request from 192.0.2.10:50306 to 198.51.100.1:3389 was DNAT'ed to 10.40.0.2:3389. Policy: p1. Rule Collection Group: DefaultDnatRuleCollectionGroup. Rule Collection: DNAT. Rule: rdp-in"}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("192.0.2.10"), Dst: ip("198.51.100.1"), SrcPort: 50306, DstPort: 3389,
				Protocol: "tcp", Direction: "inbound", Action: "allow", Rule: "rdp-in"})
			if evs[0].Status != "DNAT" {
				t.Errorf("status %q", evs[0].Status)
			}
		},
	},
	{
		name:  "legacy ICMP message without ports and a doubled full stop",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","properties":{"msg":"ICMP Type=8 request from 10.40.2.4 to 203.0.113.9. Action: Allow.. Rule Collection: ping. Rule: allow-ping"}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.40.2.4"), Dst: ip("203.0.113.9"),
				Protocol: "icmp", Direction: "outbound", Action: "allow", Rule: "allow-ping"})
		},
	},
	{
		name:  "legacy IDS drop is a deny and keeps the signature text",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","properties":{"msg":"TCP request from 10.40.2.4:51890 to 203.0.113.1:443. Action: drop. Signature: 2999999. IDS: Coin miner stratum login. Priority: 1. Classification: Crypto Currency Mining"}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			if evs[0].Flow.Action != "deny" || evs[0].StatusMessage != "IDS: Coin miner stratum login" {
				t.Errorf("action %q message %q", evs[0].Flow.Action, evs[0].StatusMessage)
			}
		},
	},
	{
		name:  "legacy ICMP message with empty ports after the colons",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","properties":{"msg":"ICMP request from 10.40.2.4: to 203.0.113.1:. Action: alert. Signature: 2100366. IDS: ICMP PING. Priority: 3. Classification: Misc activity"}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.40.2.4"), Dst: ip("203.0.113.1"), Protocol: "icmp", Direction: "outbound", Action: "allow"})
		},
	},
	{
		name:  "legacy threat-intel message to a host name",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","properties":{"msg":"HTTP request from 10.40.2.4:54314 to pool.example.org:80. Url: pool.example.org. Action: Deny. ThreatIntel: Bot Networks"}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.40.2.4"), SrcPort: 54314, DstPort: 80, Protocol: "tcp", Direction: "outbound", Action: "deny", Host: "pool.example.org"})
			if evs[0].StatusMessage != "ThreatIntel: Bot Networks" {
				t.Errorf("message %q", evs[0].StatusMessage)
			}
		},
	},
	{
		name:  "legacy application rule message with a web category after the rule",
		rec:   `{"category":"AzureFirewallApplicationRule","time":"2025-03-01T10:07:00Z","operationName":"AzureFirewallApplicationRuleLog","properties":{"msg":"HTTPS request from 10.40.5.4:53344 to www.example.com:443. Action: Allow. Rule Collection: web. Rule: allow-search. Web Category: SearchEnginesAndPortals"}}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.40.5.4"), SrcPort: 53344, DstPort: 443, Protocol: "tcp", Direction: "outbound", Action: "allow", Rule: "allow-search", Host: "www.example.com"})
		},
	},
	{
		name:  "legacy AzureDiagnostics row carries the message in msg_s",
		rec:   `{"TimeGenerated":"2025-03-01T10:08:00Z","Type":"AzureDiagnostics","Category":"AzureFirewallNetworkRule","OperationName":"AzureFirewallNetworkRuleLog","ResourceId":"` + fwID + `","SubscriptionId":"` + subID + `","msg_s":"UDP request from 10.40.2.4:51106 to 198.51.100.53:53. Action: Allow. "}`,
		shape: shapeFirewall, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.40.2.4"), Dst: ip("198.51.100.53"), SrcPort: 51106, DstPort: 53, Protocol: "udp", Direction: "outbound", Action: "allow"})
			if evs[0].Category != "AzureFirewallNetworkRule" || evs[0].Subscription != subID {
				t.Errorf("category %q subscription %q", evs[0].Category, evs[0].Subscription)
			}
		},
	},
	{
		name:  "legacy message without an action is reported with the reason",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","properties":{"msg":"TCP request from 10.40.2.4:1 to 203.0.113.1:2. Something new"}}`,
		shape: shapeFirewall, events: 0, wantErr: "unparsable firewall message: no action",
	},
	{
		name:  "legacy message in an unknown layout is reported with the reason",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","properties":{"msg":"Connection 10.0.0.1 -> 10.0.0.2 allowed"}}`,
		shape: shapeFirewall, events: 0, wantErr: `unparsable firewall message: no "request from"`,
	},
	{
		name:  "legacy message with a host name as source is reported",
		rec:   `{"category":"AzureFirewallNetworkRule","time":"2025-03-01T10:07:00Z","properties":{"msg":"TCP request from client.local:1 to 203.0.113.1:2. Action: Deny"}}`,
		shape: shapeFirewall, events: 0, wantErr: "bad source address",
	},

	// Azure Firewall DNS proxy.
	{
		name:  "AZFWDnsQuery diagnostic record: lower-case query without the trailing dot",
		rec:   `{"category":"AZFWDnsQuery","time":"2025-03-01T10:09:00.8623870Z","resourceId":"` + fwID + `","properties":{"DnssecOkBit":false,"EDNS0BufferSize":512,"ErrorMessage":"","ErrorNumber":0,"Protocol":"udp","QueryClass":"IN","QueryId":35817,"QueryName":"XMR.Pool.Example.","QueryType":"A","RequestDurationSecs":0.00003,"RequestSize":32,"ResponseCode":"NOERROR","ResponseFlags":"qr,rd,ra","ResponseSize":152,"SourceIp":"10.40.2.4","SourcePort":47785}}`,
		shape: shapeDNS, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			e := evs[0]
			if e.DNS == nil || *e.DNS != (event.DNS{Query: "xmr.pool.example", Type: "A", ResponseCode: "NOERROR", Client: ip("10.40.2.4"), ClientPort: 47785, QueryID: 35817}) {
				t.Fatalf("dns %+v", e.DNS)
			}
			if e.Kind != event.KindDNS || e.Operation != "dns query" || e.Outcome != event.OutcomeSucceeded || e.SourceIP != ip("10.40.2.4") || e.Subscription != subID {
				t.Errorf("event %+v", e)
			}
		},
	},
	{
		name:  "AZFWDnsQuery Log Analytics row with an error message is a failure",
		rec:   `{"TimeGenerated":"2025-03-01T10:09:00Z","Type":"AZFWDnsQuery","SourceIp":"10.40.2.4","SourcePort":"5353","QueryName":"gone.example.com.","QueryType":"AAAA","ResponseCode":"SERVFAIL","ErrorNumber":"2","ErrorMessage":"upstream timeout"}`,
		shape: shapeDNS, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			e := evs[0]
			if e.DNS.Query != "gone.example.com" || e.Outcome != event.OutcomeFailed || e.Status != "SERVFAIL" || e.StatusMessage != "upstream timeout" {
				t.Errorf("event %+v dns %+v", e, e.DNS)
			}
		},
	},
	{
		name:  "AZFWDnsQuery record is read from its columns, even with a msg beside them",
		rec:   `{"category":"AZFWDnsQuery","time":"2025-03-01T10:09:00Z","properties":{"Msg":"DNS Request: 10.9.9.9:1 - 2 A IN other.example. udp 52 false 512 NOERROR qr,rd,ra 114 0.000271s","QueryName":"pool.example.","QueryType":"A","ResponseCode":"NOERROR","SourceIp":"10.40.2.4"}}`,
		shape: shapeDNS, events: 1,
		check: dnsIs(event.DNS{Query: "pool.example", Type: "A", ResponseCode: "NOERROR", Client: ip("10.40.2.4")}),
	},
	{
		name:  "AZFWDnsQuery record without a QueryName is read from its msg",
		rec:   `{"category":"AZFWDnsQuery","time":"2025-03-01T10:09:00Z","properties":{"msg":"DNS Request: 10.40.2.4:53457 - 47856 A IN Stratum.Example.COM. udp 52 false 512 NOERROR qr,rd,ra 114 0.000271s"}}`,
		shape: shapeDNS, events: 1,
		check: dnsIs(event.DNS{Query: "stratum.example.com", Type: "A", ResponseCode: "NOERROR", Client: ip("10.40.2.4"), ClientPort: 53457, QueryID: 47856}),
	},
	{
		name:  "AZFWDnsQuery record with neither QueryName nor msg is reported",
		rec:   `{"category":"AZFWDnsQuery","time":"2025-03-01T10:09:00Z","properties":{"QueryType":"A","SourceIp":"10.40.2.4"}}`,
		shape: shapeDNS, events: 0, wantErr: "DNS record has neither msg nor QueryName",
	},
	{
		name:  "legacy DNS proxy request message",
		rec:   `{"category":"AzureFirewallDnsProxy","time":"2025-03-01T10:10:00Z","operationName":"AzureFirewallDnsProxyLog","properties":{"msg":"DNS Request: 10.40.2.4:53457 - 47856 A IN Stratum.Example.COM. udp 52 false 512 NXDOMAIN qr,rd,ra 114 0.000271s"}}`,
		shape: shapeDNS, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			if *evs[0].DNS != (event.DNS{Query: "stratum.example.com", Type: "A", ResponseCode: "NXDOMAIN", Client: ip("10.40.2.4"), ClientPort: 53457, QueryID: 47856}) {
				t.Errorf("dns %+v", *evs[0].DNS)
			}
			if evs[0].Outcome != event.OutcomeFailed {
				t.Errorf("NXDOMAIN outcome %v", evs[0].Outcome)
			}
		},
	},
	{
		name:  "legacy DNS proxy request with the en dash the documentation shows",
		rec:   `{"category":"AzureFirewallDnsProxy","time":"2025-03-01T10:10:00Z","properties":{"msg":"DNS Request: 10.40.2.7:48197 – 15676 AAAA IN blob.example.net. udp 55 false 512 NOERROR - 0 2.000301956s"}}`,
		shape: shapeDNS, events: 1,
		check: dnsIs(event.DNS{Query: "blob.example.net", Type: "AAAA", ResponseCode: "NOERROR", Client: ip("10.40.2.7"), ClientPort: 48197, QueryID: 15676}),
	},
	{
		name:  "legacy DNS proxy error message keeps the name and the error, with no client",
		rec:   `{"category":"AzureFirewallDnsProxy","time":"2025-03-01T10:10:00Z","properties":{"msg":" Error: 2 time.example.com.internal. A: read udp 10.40.1.5:49126->168.63.129.16:53: i/o timeout"}}`,
		shape: shapeDNS, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			e := evs[0]
			if e.DNS.Query != "time.example.com.internal" || e.DNS.Type != "A" || e.DNS.Client.IsValid() || e.Outcome != event.OutcomeFailed ||
				e.StatusMessage != "read udp 10.40.1.5:49126->168.63.129.16:53: i/o timeout" || e.Status != "Error: 2" {
				t.Errorf("event status %q message %q dns %+v", e.Status, e.StatusMessage, *e.DNS)
			}
		},
	},
	{
		name:  "legacy DNS proxy request with too few fields is reported",
		rec:   `{"category":"AzureFirewallDnsProxy","time":"2025-03-01T10:10:00Z","properties":{"msg":"DNS Request: 10.40.2.4:53457 - 47856 A IN"}}`,
		shape: shapeDNS, events: 0, wantErr: "unparsable DNS proxy message: 5 fields",
	},

	// Traffic Analytics.
	{
		name:  "Traffic Analytics row with both addresses: time from FlowStartTime_t, NSG rule, counts",
		rec:   `{"TenantId":"99999999-0000-4000-8000-000000000009","TimeGenerated":"2025-03-01T11:10:00Z","Type":"AzureNetworkAnalytics_CL","SubType_s":"FlowLog","FASchemaVersion_s":"1","FlowStartTime_t":"2025-03-01T10:00:07Z","FlowEndTime_t":"2025-03-01T10:45:08Z","FlowType_s":"IntraVNet","SrcIP_s":"10.30.1.5","DestIP_s":"10.30.2.6","DestPort_d":445,"L4Protocol_s":"T","L7Protocol_s":"smb","FlowDirection_s":"O","FlowStatus_s":"D","NSGRule_s":"userrule_deny-smb","Subscription1_g":"0B1C2D3E-0000-4000-8000-00000000AAAA","Region1_s":"westeurope","Region2_s":"northeurope","InboundPackets_d":3,"OutboundPackets_d":4,"InboundBytes_d":300,"OutboundBytes_d":400,"DeniedOutFlows_d":2}`,
		shape: shapeTraffic, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			e := evs[0]
			flowIs(t, e, event.Flow{Src: ip("10.30.1.5"), Dst: ip("10.30.2.6"), DstPort: 445, Protocol: "tcp", Direction: "outbound",
				Action: "deny", Rule: "userrule_deny-smb", Bytes: 700, Packets: 7})
			if !e.Time.Equal(at("2025-03-01T10:00:07Z")) || e.Subscription != subID || e.Region != "westeurope" || e.Category != "AzureNetworkAnalytics_CL" {
				t.Errorf("time %v sub %q region %q category %q", e.Time, e.Subscription, e.Region, e.Category)
			}
		},
	},
	{
		name:  "Traffic Analytics public flow lists two remote addresses: one event each with its own counts",
		rec:   `{"TimeGenerated":"2025-03-01T11:10:00Z","Type":"AzureNetworkAnalytics_CL","SubType_s":"FlowLog","FlowStartTime_t":"2025-03-01T10:00:07Z","FlowType_s":"ExternalPublic","VMIP_s":"10.30.1.5","PublicIPs_s":"203.0.113.66|2|1|10|8|1200|900 198.51.100.9|1|1|1|1|60|60","DestPort_d":3333,"L4Protocol_s":"T","FlowDirection_s":"O","FlowStatus_s":"A","NSGRules_s":"0|DefaultRule_AllowInternetOutBound|O|A|3","Subscription_g":"0b1c2d3e-0000-4000-8000-00000000aaaa","Region_s":"West Europe"}`,
		shape: shapeTraffic, events: 2,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.30.1.5"), Dst: ip("203.0.113.66"), DstPort: 3333, Protocol: "tcp", Direction: "outbound",
				Action: "allow", Rule: "DefaultRule_AllowInternetOutBound", Bytes: 2100, Packets: 18})
			if evs[1].Flow.Dst != ip("198.51.100.9") || evs[1].Loc.Index != 1 || evs[1].Flow.Bytes != 120 {
				t.Errorf("second entry %+v index %d", *evs[1].Flow, evs[1].Loc.Index)
			}
			if evs[0].Region != "westeurope" || evs[0].Subscription != subID {
				t.Errorf("region %q sub %q", evs[0].Region, evs[0].Subscription)
			}
		},
	},
	{
		name:  "Traffic Analytics inbound public flow puts the listed address on the source side",
		rec:   `{"Type":"AzureNetworkAnalytics_CL","SubType_s":"FlowLog","FlowStartTime_t":"2025-03-01T10:00:07Z","FlowType_s":"MaliciousFlow","VMIP_s":"10.30.1.5","PublicIPs_s":"192.0.2.99|1|0|0|0|0|0","DestPort_d":22,"L4Protocol_s":"T","FlowDirection_s":"I","FlowStatus_s":"D"}`,
		shape: shapeTraffic, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("192.0.2.99"), Dst: ip("10.30.1.5"), DstPort: 22, Protocol: "tcp", Direction: "inbound", Action: "deny"})
		},
	},
	{
		name:  "Traffic Analytics CSV row in msticpy's columns reads VMIPAddress and AllExtIPs",
		hint:  record.Hint{Format: "csv"},
		rec:   `{"TenantId":"99999999-0000-4000-8000-000000000009","TimeGenerated":"2025-02-12 14:22:40.697","FlowStartTime":"2025-02-12 13:00:07.000","FlowEndTime":"2025-02-12 13:45:08.000","FlowType":"AzurePublic","VMIPAddress":"10.0.3.5","PublicIPs":"['203.0.113.109', '203.0.113.110']","L4Protocol":"T","L7Protocol":"https","DestPort":"443.0","FlowDirection":"O","AllowedOutFlows":"4.0","AllowedInFlows":"0.0","DeniedInFlows":"0.0","DeniedOutFlows":"0.0","VMRegion":"eastus","AllExtIPs":"203.0.113.110"}`,
		shape: shapeTraffic, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.0.3.5"), Dst: ip("203.0.113.110"), DstPort: 443, Protocol: "tcp", Direction: "outbound", Action: "allow"})
			if !evs[0].Time.Equal(at("2025-02-12T13:00:07Z")) || evs[0].Region != "eastus" {
				t.Errorf("time %v region %q", evs[0].Time, evs[0].Region)
			}
		},
	},
	{
		name:  "Traffic Analytics Python-list PublicIPs without AllExtIPs gives one event per address",
		hint:  record.Hint{Format: "csv"},
		rec:   `{"FlowStartTime":"2025-02-12 13:00:07.000","FlowType":"AzurePublic","VMIPAddress":"10.0.3.5","PublicIPs":"['203.0.113.109', '203.0.113.110']","L4Protocol":"T","DestPort":"443.0","FlowDirection":"O","AllowedOutFlows":"4.0"}`,
		shape: shapeTraffic, events: 2,
		check: func(t *testing.T, evs []event.Event) {
			if evs[0].Flow.Dst != ip("203.0.113.109") || evs[1].Flow.Dst != ip("203.0.113.110") {
				t.Errorf("destinations %v %v", evs[0].Flow.Dst, evs[1].Flow.Dst)
			}
		},
	},
	{
		name:  "Traffic Analytics row without any usable address still yields one event",
		hint:  record.Hint{Format: "csv", Table: "AzureNetworkAnalytics_CL"},
		rec:   `{"FlowStartTime_t":"2025-03-01T10:00:07Z","FlowType_s":"Unknown","DestPort_d":"8333","L4Protocol_s":"T","FlowDirection_s":"O","FlowStatus_s":"A"}`,
		shape: shapeTraffic, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{DstPort: 8333, Protocol: "tcp", Direction: "outbound", Action: "allow"})
		},
	},
	{
		name:  "Traffic Analytics list with a bad entry emits the good one and reports the bad",
		rec:   `{"Type":"AzureNetworkAnalytics_CL","FlowStartTime_t":"2025-03-01T10:00:07Z","FlowType_s":"ExternalPublic","VMIP_s":"10.30.1.5","PublicIPs_s":"999.1.1.1|1|0|0|0|0|0 203.0.113.7|1|0|0|0|0|0","DestPort_d":443,"L4Protocol_s":"T","FlowDirection_s":"O","FlowStatus_s":"A"}`,
		shape: shapeTraffic, events: 1, wantErr: `bad public IP entry (index 0): bad address "999.1.1.1"`,
		check: func(t *testing.T, evs []event.Event) {
			if evs[0].Flow.Dst != ip("203.0.113.7") || evs[0].Loc.Index != 1 {
				t.Errorf("flow %+v index %d", *evs[0].Flow, evs[0].Loc.Index)
			}
		},
	},
	{
		name:  "NTANetAnalytics row reads the new column names",
		rec:   `{"TimeGenerated":"2025-03-01T11:10:00Z","Type":"NTANetAnalytics","SubType":"FlowLog","FlowStartTime":"2025-03-01T10:00:07Z","FlowType":"ExternalPublic","SrcIp":"10.30.1.5","DestPublicIps":"203.0.113.70|1|0|5|6|500|600","DestPort":4444,"L4Protocol":"T","FlowDirection":"O","FlowStatus":"A","AclRule":"allow-out","SrcSubscription":"0b1c2d3e-0000-4000-8000-00000000aaaa","SrcRegion":"westeurope","BytesSrcToDest":1,"BytesDestToSrc":2}`,
		shape: shapeTraffic, events: 1,
		check: func(t *testing.T, evs []event.Event) {
			flowIs(t, evs[0], event.Flow{Src: ip("10.30.1.5"), Dst: ip("203.0.113.70"), DstPort: 4444, Protocol: "tcp", Direction: "outbound",
				Action: "allow", Rule: "allow-out", Bytes: 1100, Packets: 11})
			if evs[0].Category != "NTANetAnalytics" || evs[0].Subscription != subID || evs[0].Region != "westeurope" {
				t.Errorf("category %q sub %q region %q", evs[0].Category, evs[0].Subscription, evs[0].Region)
			}
		},
	},
	{
		name:  "Traffic Analytics row without a time is an error",
		rec:   `{"Type":"AzureNetworkAnalytics_CL","SubType_s":"FlowLog","FlowType_s":"IntraVNet","SrcIP_s":"10.0.0.1","DestIP_s":"10.0.0.2"}`,
		shape: shapeTraffic, events: 0, wantErr: "no event time",
	},

	// Records of other families and tables are not claimed.
	{
		name: "Traffic Analytics topology rows are not flows",
		rec:  `{"Type":"AzureNetworkAnalytics_CL","SubType_s":"Topology","TimeProcessed_t":"2025-03-01T10:00:00Z","ComponentType_s":"Subnet"}`,
	},
	{
		name: "Activity Log record is not claimed",
		rec:  `{"time":"2025-03-01T10:00:00Z","resourceId":"/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG","operationName":"MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE","category":"Administrative","properties":{}}`,
	},
	{
		name: "NSG rule counter diagnostic record is not claimed",
		rec:  `{"time":"2025-03-01T10:00:00Z","category":"NetworkSecurityGroupRuleCounter","properties":{"vnetResourceGuid":"x","type":"allow","matchedConnections":3}}`,
	},
	{
		name: "AzureDiagnostics row of another service is not claimed",
		hint: record.Hint{Format: "csv", Table: "AzureDiagnostics"},
		rec:  `{"TimeGenerated":"2025-03-01T10:00:00Z","Type":"AzureDiagnostics","Category":"AuditEvent","ResourceProvider":"MICROSOFT.KEYVAULT"}`,
	},
	{
		name: "sign-in Log Analytics row is not claimed",
		rec:  `{"TimeGenerated":"2025-03-01T10:00:00Z","Type":"SigninLogs","IPAddress":"192.0.2.1","ResultType":"0"}`,
	},
	{
		name: "firewall aggregation table is not claimed",
		rec:  `{"TimeGenerated":"2025-03-01T10:00:00Z","Type":"AZFWNetworkRuleAggregation","SourceIp":"10.0.0.1"}`,
	},
}

// A record that is not an object (the container layer never passes one,
// but Detect must not fail on it) is not claimed.
func TestDetectNonObject(t *testing.T) {
	t.Parallel()
	for _, s := range []string{`[]`, `"x"`, `null`, `42`} {
		if shape, ok := Detect(fastjson.MustParse(s), record.Hint{}); ok {
			t.Errorf("Detect(%s) = %q", s, shape)
		}
	}
}

// Decode of an unknown shape is an error, not a panic or silence.
func TestDecodeUnknownShape(t *testing.T) {
	t.Parallel()
	var sc record.Scratch
	evs, err := Decode(&sc, fastjson.MustParse(`{}`), "flow.other", nil)
	if err == nil || len(evs) != 0 {
		t.Fatalf("got %d events, err %v", len(evs), err)
	}
}

// Strings the events keep must not point into the parser's memory, which
// the next record overwrites: decode, overwrite the parser's buffer, and
// compare every field with what it was.
func TestEventsOutliveTheParser(t *testing.T) {
	t.Parallel()
	for _, c := range decodeCases {
		if c.shape == "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var p fastjson.Parser
			var sc record.Scratch
			v, err := p.Parse(c.rec)
			if err != nil {
				t.Fatal(err)
			}
			evs, _ := Decode(&sc, v, c.shape, nil)
			before := snapshot(evs)
			// The same length, so the parser overwrites its buffer in place.
			junk := `{"x":"` + strings.Repeat("Z", len(c.rec)-len(`{"x":""}`)) + `"}`
			if _, err := p.Parse(junk); err != nil {
				t.Fatal(err)
			}
			if after := snapshot(evs); after != before {
				t.Errorf("events changed after the parser was reused:\n%s\n%s", before, after)
			}
		})
	}
}

func snapshot(evs []event.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%+v", e)
		if e.Flow != nil {
			fmt.Fprintf(&b, "%+v", *e.Flow)
		}
		if e.DNS != nil {
			fmt.Fprintf(&b, "%+v", *e.DNS)
		}
	}
	return b.String()
}

// TestEventsOwnTheirText: decoders read many values as views of the
// parser's memory (Peek, view) and must copy what an event keeps. Each
// case is decoded, then the parser's memory is written over by another
// document of the same size; the events must read the same after.
func TestEventsOwnTheirText(t *testing.T) {
	t.Parallel()
	for _, c := range decodeCases {
		if c.shape == "" {
			continue
		}
		var p fastjson.Parser
		v, err := p.Parse(c.rec)
		if err != nil {
			t.Fatalf("%s: fixture is not JSON: %v", c.name, err)
		}
		var sc record.Scratch
		evs, _ := Decode(&sc, v, c.shape, nil)
		before := render(t, evs)
		// A string of the same length, all x: every byte the events may
		// still point at changes.
		p.Parse(`"` + strings.Repeat("x", max(0, len(c.rec)-2)) + `"`)
		sc.Reset()
		if after := render(t, evs); after != before {
			t.Errorf("%s: an event points into the parser's memory:\nbefore %s\nafter  %s", c.name, before, after)
		}
	}
}

// render writes events out whole, through their pointers.
func render(t *testing.T, evs []event.Event) string {
	t.Helper()
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDNSLookupsReadBriefly decodes every DNS case three ways: with no
// Wants (in full), with a Wants that wants everything (the same events),
// and with one that wants nothing (the brief event: only what a brief
// event keeps, as the full read has it). The glance names the query and
// client the full event holds.
func TestDNSLookupsReadBriefly(t *testing.T) {
	t.Parallel()
	n := 0
	for _, c := range decodeCases {
		if c.shape != shapeDNS || c.wantErr != "" {
			continue
		}
		n++
		decode := func(wants event.Wants) []event.Event {
			v, err := fastjson.Parse(c.rec)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			sc := record.Scratch{Wants: wants}
			evs, err := Decode(&sc, v, shapeDNS, nil)
			if err != nil || len(evs) != 1 {
				t.Fatalf("%s: %d events, %v", c.name, len(evs), err)
			}
			return evs
		}
		full := decode(nil)[0]
		var seen []event.Glance
		all := decode(func(g *event.Glance) bool { seen = append(seen, *g); return true })
		if !reflect.DeepEqual(all, []event.Event{full}) {
			t.Errorf("%s: wanted, yet read differently:\n%+v\nwant %+v", c.name, all[0], full)
		}
		g := event.Glance{Kind: full.Kind, Operation: full.Operation, Outcome: full.Outcome, SourceIP: full.SourceIP, Query: full.DNS.Query}
		if len(seen) != 1 || !reflect.DeepEqual(seen[0], g) {
			t.Errorf("%s: glances %+v, want %+v", c.name, seen, g)
		}
		brief := decode(func(*event.Glance) bool { return false })[0]
		// Its key too: a lookup read briefly from one export and in full
		// from another is one lookup read twice.
		want := event.Event{Time: full.Time, Kind: full.Kind, Shape: full.Shape, Brief: true, Tenant: full.Tenant,
			Operation: full.Operation, Status: full.Status, Outcome: full.Outcome, Key: event.RecordKey(&full, new([]byte))}
		if !reflect.DeepEqual(brief, want) {
			t.Errorf("%s: brief event %+v, want %+v", c.name, brief, want)
		}
	}
	if n < 5 {
		t.Fatalf("%d DNS cases, want the structured, Log Analytics and legacy forms", n)
	}
}

// TestFirewallShapesArePrefixed: the engine knows a firewall record, to
// count one read from two exports once, by its shape's "firewall." prefix
// (engine.firewallKey); flow logs' shapes must not carry it.
func TestFirewallShapesArePrefixed(t *testing.T) {
	t.Parallel()
	for _, s := range []string{shapeFirewall, shapeDNS} {
		if !strings.HasPrefix(s, "firewall.") {
			t.Errorf("firewall shape %q lacks the prefix the engine keys by", s)
		}
	}
	for _, s := range []string{shapeNSG, shapeVNet, shapeTraffic} {
		if strings.HasPrefix(s, "firewall.") {
			t.Errorf("flow log shape %q has the firewall prefix", s)
		}
	}
}
