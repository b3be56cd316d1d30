package enrich

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
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

// ownedSet holds the tenant's own addresses: those given by the user and
// those learned from public IP writes. Lookups read an immutable snapshot
// through an atomic pointer; learning (rare) copies the snapshot under a
// mutex, so concurrent Apply calls never block each other's lookups.
type ownedSet struct {
	mu  sync.Mutex
	cur atomic.Pointer[ownedState]
}

type ownedState struct {
	addrs    map[netip.Addr]struct{} // single addresses: the common, learned case
	prefixes []netip.Prefix          // ranges, kept to rebuild the table
	ranges   *rangeTable             // nil when there are no ranges
}

func (o *ownedSet) contains(a netip.Addr) bool {
	st := o.cur.Load()
	if st == nil {
		return false
	}
	if _, ok := st.addrs[a]; ok {
		return true
	}
	if st.ranges != nil {
		_, ok := st.ranges.find(a)
		return ok
	}
	return false
}

// learn adds prefixes, copying the state only when something is new.
func (o *ownedSet) learn(ps []netip.Prefix) {
	if o.allKnown(ps) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	old := o.cur.Load()
	next := &ownedState{addrs: map[netip.Addr]struct{}{}}
	if old != nil {
		for a := range old.addrs {
			next.addrs[a] = struct{}{}
		}
		next.prefixes = old.prefixes
		next.ranges = old.ranges
	}
	grew := false
	for _, p := range ps {
		p, ok := normPrefix(p)
		if !ok {
			continue
		}
		if p.IsSingleIP() {
			next.addrs[p.Addr()] = struct{}{}
			continue
		}
		if !containsPrefix(next.prefixes, p) {
			next.prefixes = append(next.prefixes[:len(next.prefixes):len(next.prefixes)], p)
			grew = true
		}
	}
	if grew {
		next.ranges = prefixTable(next.prefixes)
	}
	o.cur.Store(next)
}

// allKnown is the lock-free fast path: every prefix is already owned.
func (o *ownedSet) allKnown(ps []netip.Prefix) bool {
	st := o.cur.Load()
	for _, p := range ps {
		p, ok := normPrefix(p)
		if !ok {
			continue
		}
		if st == nil {
			return false
		}
		if p.IsSingleIP() {
			if _, ok := st.addrs[p.Addr()]; !ok {
				return false
			}
		} else if !containsPrefix(st.prefixes, p) {
			return false
		}
	}
	return true
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

func containsPrefix(ps []netip.Prefix, p netip.Prefix) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// prefixTable builds an interval table of owned ranges (value unused).
func prefixTable(ps []netip.Prefix) *rangeTable {
	nodes := make([]node, 0, len(ps))
	for _, p := range ps {
		nodes = append(nodes, node{p: p})
	}
	return buildRanges(nodes, func(outer, inner int32) int32 { return inner })
}
