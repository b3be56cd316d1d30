package network

import (
	"errors"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// decodeDNS reads one Azure Firewall DNS proxy record: structured
// AZFWDnsQuery (diagnostic or Log Analytics) or the legacy
// AzureFirewallDnsProxy msg text.
func decodeDNS(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	t, err := recordTime(sc, v)
	if err != nil {
		return out, err
	}
	e := event.Event{Time: t, Kind: event.KindDNS, Shape: shapeDNS, Operation: opDNS}
	p := firewallColumns(sc, v, &e)
	var d event.DNS // on the stack: most lookups are read briefly
	// A record of the structured table is read from its columns, a msg
	// only when it has no QueryName: looking for a msg first cost a search
	// of every column, in any case, on every record of the largest log a
	// tenant has.
	if e.Category == catDNS {
		if err = structuredDNS(sc, p, &e, &d); err != nil {
			if msg := sc.FirstStr(p, "msg", "msg_s"); msg != "" {
				err = legacyDNS(msg, &e, &d)
			}
		}
	} else if msg := sc.FirstStr(p, "msg", "msg_s"); msg != "" { // a copy: the event keeps parts of it
		err = legacyDNS(msg, &e, &d)
	} else {
		err = structuredDNS(sc, p, &e, &d)
	}
	if err != nil {
		return out, err
	}
	e.SourceIP = d.Client
	// Most lookups are of names no rule looks for (a firewall's DNS log is
	// a tenant's largest): the hunt then keeps what a brief event keeps,
	// and spares the resource id, enriching and matching.
	if sc.Wants != nil && !sc.Want(lookupGlance(e.Outcome, e.SourceIP, d.Query)) {
		out = append(out, briefLookup(e.Time, e.Tenant, e.Status, e.Outcome))
		if sc.Keys.Wanted(event.KindDNS, e.Time) {
			out[len(out)-1].Key = sc.KeyHash.LookupRecordKey(&sc.Key, e.Time, &d)
		}
		return out, nil
	}
	firewallResource(sc, v, &e)
	e.DNS = new(event.DNS)
	*e.DNS = d
	return append(out, e), nil
}

// structuredDNS reads the AZFWDnsQuery columns.
func structuredDNS(sc *record.Scratch, p *fastjson.Value, e *event.Event, d *event.DNS) error {
	// Views of the record: the name is lowered into a copy, the type and
	// code interned (a few values repeated), the address parsed.
	name := record.Peek(sc.Get(p, "QueryName"))
	if name == "" {
		return errors.New("DNS record has neither msg nor QueryName")
	}
	d.Query = queryName(sc.Lower(strings.TrimSpace(name)))
	d.Type = sc.Intern(record.Peek(sc.Get(p, "QueryType")))
	d.ResponseCode = sc.Intern(record.Peek(sc.Get(p, "ResponseCode")))
	d.Client = addrOf(record.Peek(sc.Get(p, "SourceIp")))
	d.ClientPort = portOf(sc.Int(p, "SourcePort"))
	d.QueryID = portOf(sc.Int(p, "QueryId")) // sixteen bits, as a port
	e.Status = d.ResponseCode
	e.StatusMessage = strings.TrimSpace(sc.Str(p, "ErrorMessage"))
	e.Outcome = dnsOutcome(d.ResponseCode, e.StatusMessage != "")
	return nil
}

// legacyDNS reads an AzureFirewallDnsProxy message. Two forms exist:
//
//	DNS Request: 10.1.0.4:60137 - 46023 A IN example.com. udp 63 false 512 NOERROR qr,rd,ra 313 0.009424664s
//	Error: 2 time.windows.com.reddog.microsoft.com. A: read udp 10.0.1.5:49126->168.63.129.160:53: i/o timeout
//
// The request form is client:port, dash, query id, type, class, name,
// transport, request size, DO bit, EDNS0 buffer size, response code,
// flags, response size, duration. The error form is the proxy failing to
// reach its upstream server: the address in it is the firewall's, so the
// client is unknown.
func legacyDNS(msg string, e *event.Event, d *event.DNS) error {
	s := strings.TrimSpace(msg)
	if rest, ok := strings.CutPrefix(s, "DNS Request:"); ok {
		var f [14]string
		if n := words(rest, f[:]); n < 11 {
			return fmt.Errorf("unparsable DNS proxy message: %d fields, want at least 11: %q", n, record.Clip(s, 48))
		}
		host, port := splitEndpoint(f[0])
		d.Client, _ = parseIP(host)
		d.ClientPort, _ = textPort(port)
		d.QueryID, _ = textPort(f[2])
		d.Type, d.Query, d.ResponseCode = f[3], queryName(f[5]), f[10]
		e.Status = d.ResponseCode
		e.Outcome = dnsOutcome(d.ResponseCode, false)
		return nil
	}
	if rest, ok := strings.CutPrefix(s, "Error:"); ok {
		var f [3]string
		if n := words(rest, f[:]); n < 3 {
			return fmt.Errorf("unparsable DNS proxy message: error without name and type: %q", record.Clip(s, 48))
		}
		d.Query, d.Type = queryName(f[1]), strings.TrimSuffix(f[2], ":")
		// The error text follows the type: "read udp …: i/o timeout".
		if i := strings.Index(rest, f[2]); i >= 0 {
			e.StatusMessage = strings.TrimSpace(rest[i+len(f[2]):])
		}
		e.Status = "Error: " + f[0]
		e.Outcome = event.OutcomeFailed
		return nil
	}
	return fmt.Errorf("unparsable DNS proxy message: neither \"DNS Request:\" nor \"Error:\": %q", record.Clip(s, 48))
}

// words splits s at runs of spaces into f and returns how many words it
// holds, at most len(f); words past the last slot are not stored.
func words(s string, f []string) int {
	n := 0
	for n < len(f) {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			f[n] = s
			n++
			break
		}
		f[n], s = s[:i], s[i:]
		n++
	}
	return n
}

// queryName normalises a DNS name: lower case, no trailing dot.
func queryName(s string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), ".")
}

// dnsOutcome: NOERROR is a success, any other response code or an error
// message a failure (NXDOMAIN for a pool that was taken down is still a
// lookup worth seeing).
func dnsOutcome(rcode string, failed bool) event.Outcome {
	switch {
	case failed:
		return event.OutcomeFailed
	case record.EqualFold(rcode, "NOERROR"):
		return event.OutcomeSucceeded
	case rcode != "":
		return event.OutcomeFailed
	}
	return event.OutcomeUnknown
}
