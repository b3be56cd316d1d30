package record

import (
	"net/netip"
	"strings"
)

// IP reads an address as Azure writes it, tolerating a port, brackets and
// a zone, and unmapping IPv4-in-IPv6. The unspecified address (0.0.0.0,
// written by services acting for a user) and anything unparsable give the
// zero Addr: it is no one's address, and enrichment must not classify it.
func IP(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		switch {
		case perr == nil:
			a = ap.Addr()
		case len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']':
			if a, err = netip.ParseAddr(s[1 : len(s)-1]); err != nil {
				return netip.Addr{}
			}
		default:
			return netip.Addr{}
		}
	}
	a = a.WithZone("").Unmap()
	if a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

// Region normalises an Azure location the way ARM names regions: lower
// case without spaces ("East US" is eastus).
func Region(s string) string {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, ' ') >= 0 {
		s = strings.ReplaceAll(s, " ", "")
	}
	return strings.ToLower(s)
}

// ContainsFold reports whether b holds the lower-case ASCII needle in any
// case, without converting b.
func ContainsFold[T ~string | ~[]byte](b T, needle string) bool {
	for i := 0; i+len(needle) <= len(b); i++ {
		if EqualFold(b[i:i+len(needle)], needle) {
			return true
		}
	}
	return false
}

// EqualFold compares ASCII text ignoring case without converting b, for
// matching record keys and values against known names on the hot path.
func EqualFold[T ~string | ~[]byte](b T, s string) bool {
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

// IsGUID reports whether s is a GUID in its dashed form
// (8-4-4-4-12 hexadecimal digits, any case): tenant, subscription and
// object ids all are.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// Clip shortens text an attacker may have chosen before it is quoted in an
// error or a summary: at most limit bytes, then an ellipsis.
func Clip(s string, limit int) string {
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}

// cgnat is the shared address space (RFC 6598), which VNets also use
// privately.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// PrivateAddr reports whether a belongs to a private network: RFC 1918,
// RFC 4193 or the shared address space. Such an address names a machine
// only within its own network.
func PrivateAddr(a netip.Addr) bool { return a.IsPrivate() || cgnat.Contains(a) }

// HostName is a machine's name as alerts compare it: lower case, and the
// first label of a domain name (Defender for Endpoint and Sysmon write
// FQDNs, auditd and Defender for Cloud short names). It is "" for text
// that names no machine: nothing, text with spaces or slashes, an IP
// address, or a GUID (a Resource Manager alert's compromised entity is
// the subscription, by its id).
func HostName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || strings.ContainsAny(s, " \t\r\n/\\") || IsGUID(s) {
		return ""
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return ""
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	return s
}

// ScaleSetPrefix is the prefix of a scale-set instance's computer name,
// which ends in six base-36 characters (train-0000003: train-0, the
// set's name unless its profile says otherwise); ok is false for a name
// that cannot be one. h is a HostName.
func ScaleSetPrefix(h string) (prefix string, ok bool) {
	if len(h) <= 6 {
		return "", false
	}
	for _, c := range h[len(h)-6:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return "", false
		}
	}
	return h[:len(h)-6], true
}
