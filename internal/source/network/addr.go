package network

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/record"
)

// splitEndpoint cuts an endpoint as firewall text writes it ("10.0.0.4:443",
// "[2001:db8::1]:443", "10.0.0.4:" for ICMP, a bare address or a host name)
// into host and port text. A bare IPv6 address has no port.
func splitEndpoint(s string) (host, port string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i], strings.TrimPrefix(s[i+1:], ":")
		}
		return s, ""
	}
	if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// addrOf parses an IP address with or without port, brackets or zone; the
// zero Addr when s is not an address (a host name, empty, garbage).
func addrOf(s string) netip.Addr {
	h, _ := splitEndpoint(s)
	a, err := parseIP(h)
	if err != nil {
		return netip.Addr{}
	}
	return a
}

// portOf converts a port number read from JSON or text; out of range is 0.
func portOf(n int64, ok bool) uint16 {
	if !ok || n < 0 || n > 65535 {
		return 0
	}
	return uint16(n)
}

// textPort parses the port of an endpoint; empty is 0, anything else
// not a port is an error.
func textPort(s string) (uint16, bool) {
	if s == "" {
		return 0, true
	}
	p, err := strconv.ParseUint(s, 10, 16)
	return uint16(p), err == nil
}

// protocolName normalises a protocol name: tcp, udp, icmp. The firewall's
// application protocols (HTTP, HTTPS, MSSQL) run over TCP. Anything else
// is kept in lower case.
func protocolName(s string) string {
	switch {
	case s == "":
		return ""
	case record.EqualFold(s, "tcp"), record.EqualFold(s, "http"), record.EqualFold(s, "https"), record.EqualFold(s, "mssql"):
		return protoTCP
	case record.EqualFold(s, "udp"):
		return protoUDP
	case record.EqualFold(s, "icmp"), record.EqualFold(s, "icmpv6"):
		return protoICMP
	case record.EqualFold(s, "t"):
		return protoTCP
	case record.EqualFold(s, "u"):
		return protoUDP
	}
	return record.LowerCopy(s)
}

// actionName normalises a firewall action. IDPS and threat-intel alert
// mode lets the traffic through, and so does DNAT: they are allow.
func actionName(s string) string {
	switch {
	case record.EqualFold(s, "allow"), record.EqualFold(s, "allowed"), record.EqualFold(s, "alert"), record.EqualFold(s, "dnat"), record.EqualFold(s, "a"):
		return actAllow
	case record.EqualFold(s, "deny"), record.EqualFold(s, "denied"), record.EqualFold(s, "drop"), record.EqualFold(s, "block"), record.EqualFold(s, "reject"), record.EqualFold(s, "d"):
		return actDeny
	}
	return ""
}

// directionName normalises a direction: I/O letters or the words.
func directionName(s string) string {
	switch {
	case record.EqualFold(s, "i"), record.EqualFold(s, "inbound"), record.EqualFold(s, "in"):
		return dirIn
	case record.EqualFold(s, "o"), record.EqualFold(s, "outbound"), record.EqualFold(s, "out"):
		return dirOut
	}
	return ""
}

// inferDirection guesses a firewall flow's direction, which its logs do
// not state: from a private address to a public one (or to a host name,
// which the firewall resolves for egress rules) is outbound, the reverse
// inbound; private to private (east-west) and unknowns stay "".
func inferDirection(src, dst netip.Addr, dstIsName bool) string {
	if !src.IsValid() {
		return ""
	}
	switch {
	case internal(src) && (dstIsName || (dst.IsValid() && !internal(dst))):
		return dirOut
	case !internal(src) && dst.IsValid() && internal(dst):
		return dirIn
	}
	return ""
}

// internal reports whether a is an address of a private network.
func internal(a netip.Addr) bool {
	return record.PrivateAddr(a) || a.IsLoopback() || a.IsLinkLocalUnicast()
}
