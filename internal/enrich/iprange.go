package enrich

import (
	"encoding/binary"
	"net/netip"
	"slices"
)

// rangeTable maps sorted, disjoint address intervals to a value, one table
// per address family, so a lookup is a binary search over flat arrays with
// no allocation. It is immutable once built and safe for concurrent reads.
type rangeTable struct {
	v4start, v4end []uint32
	v4val          []int32
	v6start, v6end []u128
	v6val          []int32
}

// u128 is an IPv6 address as two big-endian halves, for cheap comparison.
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func to128(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func to32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

// find returns the value of the interval holding a, if any. a must be
// unmapped (an IPv4-mapped IPv6 address is looked up as IPv6).
func (t *rangeTable) find(a netip.Addr) (int32, bool) {
	if a.Is4() {
		x := to32(a)
		// The last interval starting at or before x is the only candidate.
		lo, hi := 0, len(t.v4start)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if t.v4start[m] <= x {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo > 0 && x <= t.v4end[lo-1] {
			return t.v4val[lo-1], true
		}
		return 0, false
	}
	x := to128(a)
	lo, hi := 0, len(t.v6start)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !x.less(t.v6start[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo > 0 && !t.v6end[lo-1].less(x) {
		return t.v6val[lo-1], true
	}
	return 0, false
}

// node is one distinct prefix given to buildRanges with its value.
type node struct {
	p   netip.Prefix
	val int32
}

// buildRanges turns prefixes into disjoint intervals where every address
// gets the value of the most specific prefix holding it. CIDR prefixes
// either nest or are disjoint, so one sweep with a stack of open prefixes
// does it; nest(outer, inner) computes an inner prefix's value from the one
// around it (service tags inherit the region of an enclosing tag). Each
// prefix must appear once; callers merge duplicates first.
func buildRanges(nodes []node, nest func(outer, inner int32) int32) *rangeTable {
	t := &rangeTable{}
	var v4, v6 []node
	for _, n := range nodes {
		if n.p.Addr().Is4() {
			v4 = append(v4, n)
		} else {
			v6 = append(v6, n)
		}
	}
	for _, iv := range sweep(v4, nest) {
		t.v4start = append(t.v4start, to32(iv.from))
		t.v4end = append(t.v4end, to32(iv.to))
		t.v4val = append(t.v4val, iv.val)
	}
	for _, iv := range sweep(v6, nest) {
		t.v6start = append(t.v6start, to128(iv.from))
		t.v6end = append(t.v6end, to128(iv.to))
		t.v6val = append(t.v6val, iv.val)
	}
	return t
}

type interval struct {
	from, to netip.Addr
	val      int32
}

// sweep emits the intervals of one address family, adjacent ones with the
// same value merged.
func sweep(nodes []node, nest func(outer, inner int32) int32) []interval {
	slices.SortFunc(nodes, func(a, b node) int {
		if c := a.p.Addr().Compare(b.p.Addr()); c != 0 {
			return c
		}
		return a.p.Bits() - b.p.Bits() // the enclosing prefix first
	})
	var out []interval
	emit := func(from, to netip.Addr, val int32) {
		if n := len(out); n > 0 && out[n-1].val == val && out[n-1].to.Next() == from {
			out[n-1].to = to
			return
		}
		out = append(out, interval{from, to, val})
	}
	type frame struct {
		end netip.Addr
		val int32
	}
	var stack []frame
	var cur netip.Addr // first address not yet emitted; invalid once past the top of the space
	// closeTop emits what remains of the innermost open prefix and pops it.
	closeTop := func() {
		top := stack[len(stack)-1]
		if cur.IsValid() && cur.Compare(top.end) <= 0 {
			emit(cur, top.end, top.val)
			cur = top.end.Next()
		}
		stack = stack[:len(stack)-1]
	}
	for _, n := range nodes {
		start, end := n.p.Addr(), lastAddr(n.p)
		for len(stack) > 0 && stack[len(stack)-1].end.Less(start) {
			closeTop()
		}
		val := n.val
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if cur.IsValid() && cur.Less(start) {
				emit(cur, start.Prev(), top.val)
			}
			val = nest(top.val, val)
		}
		cur = start
		stack = append(stack, frame{end, val})
	}
	for len(stack) > 0 {
		closeTop()
	}
	return out
}

// lastAddr is the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	// Arrays, not AsSlice: this runs for every prefix at start-up, and a
	// slice would be one allocation each.
	if a := p.Addr(); a.Is4() {
		b := a.As4()
		for i := p.Bits(); i < 32; i++ {
			b[i/8] |= 0x80 >> (i % 8)
		}
		return netip.AddrFrom4(b)
	}
	b := p.Addr().As16()
	for i := p.Bits(); i < 128; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom16(b)
}
