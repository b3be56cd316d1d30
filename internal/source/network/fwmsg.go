package network

import (
	"errors"
	"strings"
)

// fwMsg is what a legacy Azure Firewall rule message says. All fields are
// substrings of the message.
type fwMsg struct {
	proto  string // first word: TCP, UDP, ICMP, HTTP, HTTPS
	src    string // endpoint, "ip:port" or "ip"
	dst    string // endpoint; the host may be a name (application rules)
	action string // as written: Allow, Deny, drop, alert; "DNAT" for NAT rules
	rule   string
	note   string // "IDS: …", "ThreatIntel: …", "Reason: …"
	dnat   bool
}

// Reasons a legacy message cannot be read.
var (
	errNoRequest = errors.New(`no "request from"`)
	errNoTo      = errors.New(`no " to " after the source`)
	errNoAction  = errors.New("no action")
)

// parseFirewallMsg reads a legacy AzureFirewallNetworkRule or
// AzureFirewallApplicationRule message:
//
//	TCP request from 10.0.2.4:51990 to 13.69.65.17:443. Action: Deny. Rule Collection: c. Rule: r
//	ICMP Type=8 request from 10.0.0.2 to 1.2.3.4. Action: Deny.
//	TCP request from 1.2.3.4:50306 to 5.6.7.8:3389 was DNAT'ed to 10.0.0.2:3389. Rule: r
//	HTTPS request from 10.1.0.5:55640 to example.com:443. Action: Allow. Rule Collection: c. Rule: r. Web Category: x
//	TCP request from 10.0.0.2:51890 to 1.2.3.4:443. Action: drop. Signature: 2028816. IDS: … . Priority: 3. …
//	HTTP request from 10.0.0.2:54314 to example.com:80. Url: example.com. Action: Deny. ThreatIntel: Bot Networks
//
// The layout is positional up to the destination, then ". Key: value"
// sentences in varying order, so it is read with plain string search.
func parseFirewallMsg(msg string) (fwMsg, error) {
	var m fwMsg
	const from, to = " request from ", " to "
	i := strings.Index(msg, from)
	if i < 0 {
		return m, errNoRequest
	}
	head := strings.TrimSpace(msg[:i])
	m.proto, _, _ = strings.Cut(head, " ") // "ICMP Type=8" is ICMP
	rest := msg[i+len(from):]
	j := strings.Index(rest, to)
	if j < 0 {
		return m, errNoTo
	}
	m.src = rest[:j]
	rest = rest[j+len(to):]
	// The destination ends at the first space; the sentence's full stop
	// follows it directly ("1.2.3.4:443." or "1.2.3.4:." for ICMP).
	tail := ""
	if k := strings.IndexByte(rest, ' '); k >= 0 {
		m.dst, tail = rest[:k], rest[k:]
	} else {
		m.dst = rest
	}
	m.dst = strings.TrimSuffix(m.dst, ".")
	if strings.HasPrefix(tail, " was DNAT'ed to ") {
		m.dnat, m.action = true, "DNAT"
	}
	if a, ok := sentence(tail, "Action: "); ok {
		// "Action: Allow.. Rule…" has a doubled stop; the action is one word.
		m.action, _, _ = strings.Cut(a, ".")
		m.action = strings.TrimSpace(m.action)
	}
	if m.action == "" {
		return m, errNoAction
	}
	if r, ok := sentence(tail, ". Rule: "); ok {
		m.rule = r
	}
	for _, k := range [...]string{"ThreatIntel: ", "IDS: ", "Reason: "} {
		if n, ok := sentence(tail, k); ok {
			m.note = strings.TrimSpace(k) + " " + n
			break
		}
	}
	return m, nil
}

// sentence returns the value after key up to the next ". " (or the end),
// without its trailing full stop.
func sentence(s, key string) (string, bool) {
	i := strings.Index(s, key)
	if i < 0 {
		return "", false
	}
	v := s[i+len(key):]
	if j := strings.Index(v, ". "); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), ".")), true
}
