package network

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// firewallTables lists every firewall category this family reads, for
// Category: the constant is stored, not a copy of the record's text.
var firewallTables = append([]string{catDNS, catLegacyDNS}, firewallCategories...)

// decodeFirewall reads one Azure Firewall connection record: a structured
// AZFW* record (diagnostic properties.* or Log Analytics columns) or a
// legacy one whose only payload is the msg text.
func decodeFirewall(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	t, err := recordTime(sc, v)
	if err != nil {
		return out, err
	}
	e := event.Event{Time: t, Kind: event.KindFlow, Shape: shapeFirewall, Operation: opFlow}
	p := firewallCommon(sc, v, &e)
	fl := &event.Flow{}
	e.Flow = fl
	if msg := sc.FirstStr(p, "msg", "msg_s"); msg != "" {
		if err := legacyFlow(msg, &e); err != nil {
			return out, err
		}
	} else if err := structuredFlow(sc, p, &e); err != nil {
		return out, err
	}
	e.SourceIP = fl.Src
	return append(out, e), nil
}

// firewallCommon sets what every firewall record carries (category,
// resource, subscription, tenant, correlation) and returns where its
// columns are: properties in a diagnostic record, the row itself in a Log
// Analytics export.
func firewallCommon(sc *record.Scratch, v *fastjson.Value, e *event.Event) *fastjson.Value {
	p := firewallColumns(sc, v, e)
	firewallResource(sc, v, e)
	return p
}

// firewallColumns sets the category, tenant and correlation of a firewall
// record and returns where its columns are; firewallResource sets the
// rest, which a DNS lookup read briefly does not need.
func firewallColumns(sc *record.Scratch, v *fastjson.Value, e *event.Event) *fastjson.Value {
	// Diagnostic records say category; AzureDiagnostics rows Category;
	// resource-specific tables only their Type.
	// Views of the record, each copied (or matched to a constant) before
	// the event keeps it: a firewall log repeats them record after record.
	cat := sc.FirstPeek(v, "category", "Type")
	if c := canonical(cat, firewallTables); c != "" {
		cat = c
	} else {
		cat = sc.Intern(cat)
	}
	e.Category = cat
	p := sc.Object(sc.Get(v, "properties"))
	if p == nil || p.Type() != fastjson.TypeObject {
		// A Log Analytics row: its TenantId is the workspace, not the
		// directory, so it is not read.
		return v
	}
	e.Tenant = sc.Lower(record.Peek(v.Get("tenantId")))
	e.CorrelationID = record.String(v.Get("correlationId"))
	return p
}

// firewallResource sets the resource and subscription of a firewall
// record from its resource id, else from its subscription column.
func firewallResource(sc *record.Scratch, v *fastjson.Value, e *event.Event) {
	setResource(sc, e, sc.FirstPeek(v, "resourceId", "_ResourceId"))
	if e.Subscription == "" {
		e.Subscription = sc.Lower(sc.FirstPeek(v, "SubscriptionId", "_SubscriptionId"))
	}
}

// structuredFlow reads the AZFW* columns.
func structuredFlow(sc *record.Scratch, p *fastjson.Value, e *event.Event) error {
	fl := e.Flow
	src := sc.Str(p, "SourceIp")
	if src == "" {
		return fmt.Errorf("firewall record has neither msg nor SourceIp")
	}
	fl.Src = addrOf(src)
	fl.SrcPort = portOf(sc.Int(p, "SourcePort"))
	fl.DstPort = portOf(sc.Int(p, "DestinationPort"))
	fl.Dst = addrOf(sc.Str(p, "DestinationIp"))
	// Application and threat-intel records name the destination by FQDN;
	// it is an address only when the rule matched one.
	fqdn := sc.Str(p, "Fqdn")
	if !fl.Dst.IsValid() && fqdn != "" {
		fl.Dst = addrOf(fqdn)
	}
	if fqdn != "" && !fl.Dst.IsValid() {
		fl.Host = hostName(fqdn)
	}
	fl.Protocol = protocolName(sc.Str(p, "Protocol"))
	fl.Rule = sc.Str(p, "Rule")
	e.Status = sc.Str(p, "Action")
	fl.Action = actionName(e.Status)
	e.StatusMessage = strings.TrimSpace(sc.FirstStr(p, "ActionReason", "ThreatDescription", "Description"))
	nat := sc.Get(p, "TranslatedIp") != nil || record.EqualFold(e.Category, "AZFWNatRule")
	if nat {
		// A DNAT rule hit is inbound traffic the firewall let in.
		fl.Direction = dirIn
		if fl.Action == "" {
			fl.Action = actAllow
		}
		return nil
	}
	fl.Direction = inferDirection(fl.Src, fl.Dst, !fl.Dst.IsValid() && fqdn != "")
	return nil
}

// legacyFlow reads the free-text msg of AzureFirewallNetworkRule and
// AzureFirewallApplicationRule; a message it cannot read is an error, so
// the record is reported rather than dropped.
func legacyFlow(msg string, e *event.Event) error {
	m, err := parseFirewallMsg(msg)
	if err != nil {
		return fmt.Errorf("unparsable firewall message: %v: %q", err, record.Clip(msg, 48))
	}
	fl := e.Flow
	host, port := splitEndpoint(m.src)
	if fl.Src, err = parseIP(host); err != nil {
		return fmt.Errorf("unparsable firewall message: bad source address %q", record.Clip(m.src, 48))
	}
	var ok bool
	if fl.SrcPort, ok = textPort(port); !ok {
		return fmt.Errorf("unparsable firewall message: bad source port %q", record.Clip(m.src, 48))
	}
	host, port = splitEndpoint(m.dst)
	if host == "" {
		return fmt.Errorf("unparsable firewall message: no destination: %q", record.Clip(msg, 48))
	}
	fl.Dst = addrOf(host) // zero for a host name
	if !fl.Dst.IsValid() {
		fl.Host = hostName(host)
	}
	if fl.DstPort, ok = textPort(port); !ok {
		return fmt.Errorf("unparsable firewall message: bad destination port %q", record.Clip(m.dst, 48))
	}
	fl.Protocol = protocolName(m.proto)
	fl.Rule = m.rule
	e.Status = m.action
	fl.Action = actionName(m.action)
	e.StatusMessage = m.note
	if m.dnat {
		fl.Direction = dirIn
	} else {
		fl.Direction = inferDirection(fl.Src, fl.Dst, !fl.Dst.IsValid())
	}
	return nil
}

// hostName normalises a destination host name for matching: lower case,
// no trailing dot. Attacker-chosen, so kept as text, never resolved.
func hostName(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}
