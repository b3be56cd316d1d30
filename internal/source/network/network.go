// Package network reads Azure network logs: NSG flow logs (versions 1 and
// 2), VNet flow logs, Azure Firewall rule and DNS proxy logs (structured
// AZFW* tables and the legacy free-text categories) and Traffic Analytics
// rows. Flow records yield one event per flow tuple, because flow logs are
// by far the largest volume a hunt reads and every tuple is a connection a
// detection may need on its own.
//
// Shapes:
//
//	flow.nsg.v2            NetworkSecurityGroupFlowEvent, tuple versions 1 and 2
//	flow.vnet              FlowLogFlowEvent (flowLogVersion 4)
//	firewall.network       AZFWNetworkRule, AZFWNatRule, AZFWApplicationRule,
//	                       AZFWThreatIntel, AZFWIdpsSignature, and the legacy
//	                       AzureFirewallNetworkRule / AzureFirewallApplicationRule
//	firewall.dns           AZFWDnsQuery and the legacy AzureFirewallDnsProxy
//	flow.trafficanalytics  AzureNetworkAnalytics_CL and NTANetAnalytics rows
//
// Every flow event has Operation "flow" and every DNS event "dns query":
// the operation names what happened, the shape and Category say which log
// told it.
package network

import (
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// Shapes this family reads; the strings are stable (statistics, rules).
const (
	shapeNSG      = "flow.nsg.v2"
	shapeVNet     = "flow.vnet"
	shapeFirewall = "firewall.network"
	shapeDNS      = "firewall.dns"
	shapeTraffic  = "flow.trafficanalytics"
)

// Operations set on events: lower case and stable.
const (
	opFlow = "flow"
	opDNS  = "dns query"
)

// Diagnostic categories and Log Analytics tables, as Azure spells them.
const (
	catNSG       = "NetworkSecurityGroupFlowEvent"
	catVNet      = "FlowLogFlowEvent"
	catTraffic   = "AzureNetworkAnalytics_CL"
	catNTA       = "NTANetAnalytics"
	catDNS       = "AZFWDnsQuery"
	catLegacyDNS = "AzureFirewallDnsProxy"
)

// firewallCategories are the categories (and resource-specific tables) of
// firewall connection logs; the legacy ones carry only a free-text msg.
var firewallCategories = []string{
	"AZFWNetworkRule", "AZFWNatRule", "AZFWApplicationRule", "AZFWThreatIntel", "AZFWIdpsSignature",
	"AzureFirewallNetworkRule", "AzureFirewallApplicationRule",
}

// Detect reports whether v is a network record and, if so, its shape. It
// reads the top-level keys once: the diagnostic category, the Log
// Analytics table (Type, or the hint), and for exports that lost both, the
// columns only flow records have.
func Detect(v *fastjson.Value, h record.Hint) (shape string, ok bool) {
	o, err := v.Object()
	if err != nil {
		return "", false
	}
	var cat, table, sub []byte
	var flowRecords, flowType, flowDir, l4 bool
	o.Visit(func(k []byte, x *fastjson.Value) {
		switch string(k) {
		case "category", "Category":
			cat = x.GetStringBytes()
		case "Type", "$table", "TableName":
			table = x.GetStringBytes()
		case "SubType_s", "SubType":
			sub = x.GetStringBytes()
		case "flowRecords":
			flowRecords = true
		case "FlowType_s", "FlowType":
			flowType = true
		case "FlowDirection_s", "FlowDirection":
			flowDir = true
		case "L4Protocol_s", "L4Protocol":
			l4 = true
		}
	})
	if s := categoryShape(cat); s != "" {
		return s, true
	}
	if h.Table != "" {
		table = []byte(h.Table)
	}
	if len(table) > 0 {
		if record.EqualFold(table, catTraffic) || record.EqualFold(table, catNTA) {
			// Only FlowLog rows are flows; Topology and the other
			// subtypes describe the network and are not events.
			if len(sub) == 0 || record.EqualFold(sub, "FlowLog") {
				return shapeTraffic, true
			}
			return "", false
		}
		if s := categoryShape(table); s != "" {
			return s, true
		}
		return "", false
	}
	switch {
	case flowRecords:
		return shapeVNet, true
	case flowType && flowDir && l4:
		return shapeTraffic, true
	}
	return "", false
}

// categoryShape maps a diagnostic category or resource-specific table to
// its shape, "" when it is not one of this family's.
func categoryShape(c []byte) string {
	switch {
	case len(c) == 0:
		return ""
	case record.EqualFold(c, catNSG):
		return shapeNSG
	case record.EqualFold(c, catVNet):
		return shapeVNet
	case record.EqualFold(c, catDNS), record.EqualFold(c, catLegacyDNS):
		return shapeDNS
	}
	if canonical(c, firewallCategories) != "" {
		return shapeFirewall
	}
	return ""
}

// canonical returns the entry of list equal to b ignoring case, so events
// carry the constant (no copy, Azure's spelling) rather than the record's.
func canonical[T ~string | ~[]byte](b T, list []string) string {
	for _, s := range list {
		if record.EqualFold(b, s) {
			return s
		}
	}
	return ""
}
