package network

import (
	"net/netip"
	"strconv"
	"strings"
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
	case eqFold(s, "tcp"), eqFold(s, "http"), eqFold(s, "https"), eqFold(s, "mssql"):
		return protoTCP
	case eqFold(s, "udp"):
		return protoUDP
	case eqFold(s, "icmp"), eqFold(s, "icmpv6"):
		return protoICMP
	case eqFold(s, "t"):
		return protoTCP
	case eqFold(s, "u"):
		return protoUDP
	}
	return lowerCopy(s)
}

// actionName normalises a firewall action. IDPS and threat-intel alert
// mode lets the traffic through, and so does DNAT: they are allow.
func actionName(s string) string {
	switch {
	case eqFold(s, "allow"), eqFold(s, "allowed"), eqFold(s, "alert"), eqFold(s, "dnat"), eqFold(s, "a"):
		return actAllow
	case eqFold(s, "deny"), eqFold(s, "denied"), eqFold(s, "drop"), eqFold(s, "block"), eqFold(s, "reject"), eqFold(s, "d"):
		return actDeny
	}
	return ""
}

// directionName normalises a direction: I/O letters or the words.
func directionName(s string) string {
	switch {
	case eqFold(s, "i"), eqFold(s, "inbound"), eqFold(s, "in"):
		return dirIn
	case eqFold(s, "o"), eqFold(s, "outbound"), eqFold(s, "out"):
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

// cgnat is the shared address space (RFC 6598) some VNets use.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// internal reports whether a is an address of a private network.
func internal(a netip.Addr) bool {
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || cgnat.Contains(a)
}

// eqFold compares ASCII text ignoring case without converting either side.
func eqFold[T ~string | ~[]byte](b T, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(s) {
		x, y := b[i], s[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
