package enrich

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// ParseOwned reads the --owned-ips file: one IP address or CIDR range per
// line, blank lines and "#" comments (whole-line or trailing) ignored. An
// error names the line. Ranges are returned masked; addresses as /32 or /128.
func ParseOwned(r io.Reader) ([]netip.Prefix, error) {
	var out []netip.Prefix
	ls := newListScanner(r)
	for ls.Scan() {
		p, err := parseOwnedEntry(ls.text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", ls.line, err)
		}
		out = append(out, p)
	}
	if err := ls.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", ls.line+1, bufio.MaxScanTokenSize)
		}
		return nil, err
	}
	return out, nil
}

func parseOwnedEntry(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("bad CIDR range %q", s)
		}
		if p.Addr().Is4In6() {
			// ::ffff:10.0.0.0/104 means 10.0.0.0/8; the table keeps IPv4 as IPv4.
			if p.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("bad CIDR range %q: IPv4-mapped prefix shorter than /96", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("bad IP address %q", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// normPrefix unmaps, drops zones and masks; an invalid prefix is refused.
func normPrefix(p netip.Prefix) (netip.Prefix, bool) {
	if !p.IsValid() {
		return p, false
	}
	a := p.Addr().WithZone("")
	bits := p.Bits()
	if a.Is4In6() {
		if bits < 96 {
			return p, false
		}
		a, bits = a.Unmap(), bits-96
	}
	return netip.PrefixFrom(a, bits).Masked(), true
}
