package enrich

import (
	"hash/maphash"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
)

// ownedSet holds the tenant's own addresses: those the user gave and those
// learned from public IP writes. Every event's addresses are looked up,
// with no lock; learning is rare and takes one. Single addresses are in a
// hash set readers probe as it grows (addrSet). Ranges are in levels of
// interval tables, each at most half the size of the one before, as a
// binary counter's digits: a new range merges the levels no larger than
// it, so learning n ranges rebuilds O(n log n) entries in all and a
// lookup searches O(log n) tables. (Each new address used to copy the
// whole set, and each range to rebuild the one table: 10,000 public
// addresses written took 19 s to learn, 10,000 prefixes 63 s.)
type ownedSet struct {
	mu     sync.Mutex
	addrs  addrSet
	levels atomic.Pointer[[]rangeLevel]
	// Under mu: the ranges held, how many addresses and ranges were
	// learned from records or told by a store (bounded, where the user's
	// are not), and those read from records since forgetFresh, which a
	// service's store keeps (Learned.Owned). Only a service's set notes
	// them (forStore, set by forgetFresh, which begins each cycle): one
	// hunt over files keeps no list.
	known    map[netip.Prefix]struct{}
	learned  int
	fresh    []netip.Prefix
	forStore bool
}

// Where what an ownedSet learns comes from.
const (
	ownedGiven = iota // the user's (--owned-ips, posture's, a simulated tenant's): not bounded
	ownedRead         // a record's public IP or prefix write: bounded, and fresh
	ownedTold         // a store's, what earlier cycles read: bounded
)

// rangeLevel is one interval table of owned ranges and the ranges it was
// built from (for the merge).
type rangeLevel struct {
	prefixes []netip.Prefix
	table    *rangeTable
}

func (o *ownedSet) contains(a netip.Addr) bool {
	if o.addrs.contains(a) {
		return true
	}
	if ls := o.levels.Load(); ls != nil {
		for _, l := range *ls {
			if _, ok := l.table.find(a); ok {
				return true
			}
		}
	}
	return false
}

// MaxOwned bounds the addresses and ranges learned from records (and a
// store's, which are what records taught earlier cycles).
// A table that refuses one makes sign-ins from the tenant's own machines
// look foreign (alerts, never a miss), so it is far larger than the
// other tables (MaxLearned): about 60 MB at the bound, which a service
// over many tenants for months may near, a hunt of one tenant not.
const MaxOwned = 1 << 20

// learn adds prefixes from, of which it keeps no more than
// MaxOwned read or told. It reports false when one was not kept.
func (o *ownedSet) learn(ps []netip.Prefix, from int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	kept := true
	var ranges []netip.Prefix
	for _, p := range ps {
		p, ok := normPrefix(p)
		if !ok || p.IsSingleIP() && o.addrs.contains(p.Addr()) {
			continue
		}
		if _, ok := o.known[p]; ok {
			continue
		}
		if from != ownedGiven {
			if o.learned >= MaxOwned {
				kept = false
				continue
			}
			o.learned++
		}
		if from == ownedRead && o.forStore {
			o.fresh = append(o.fresh, p)
		}
		if p.IsSingleIP() {
			o.addrs.add(p.Addr())
			continue
		}
		if o.known == nil {
			o.known = map[netip.Prefix]struct{}{}
		}
		o.known[p] = struct{}{}
		ranges = append(ranges, p)
	}
	if len(ranges) > 0 {
		o.addRanges(ranges)
	}
	return kept
}

// freshList is what records taught since the last forgetFresh.
func (o *ownedSet) freshList() []netip.Prefix {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.fresh)
}

// forgetFresh begins a service's cycle: what records teach from now on
// is noted, for the store (freshList).
func (o *ownedSet) forgetFresh() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fresh, o.forStore = nil, true
}

// addRanges publishes a level of new ranges, merged with the levels no
// larger: a copy of the list, so a lookup under way keeps its own.
func (o *ownedSet) addRanges(ps []netip.Prefix) {
	var ls []rangeLevel
	if cur := o.levels.Load(); cur != nil {
		ls = slices.Clone(*cur)
	}
	for len(ls) > 0 && len(ls[len(ls)-1].prefixes) <= len(ps) {
		ps = slices.Concat(ls[len(ls)-1].prefixes, ps)
		ls = ls[:len(ls)-1]
	}
	ls = append(ls, rangeLevel{ps, prefixTable(ps)})
	o.levels.Store(&ls)
}

// prefixTable builds an interval table of owned ranges (value unused).
func prefixTable(ps []netip.Prefix) *rangeTable {
	nodes := make([]node, 0, len(ps))
	for _, p := range ps {
		nodes = append(nodes, node{p: p})
	}
	return buildRanges(nodes, func(outer, inner int32) int32 { return inner })
}

// addrSet is a set of addresses that lookups probe without a lock while
// one writer at a time adds to it: an open-addressing table of atomic
// pointers, never more than half full, copied into one twice its size
// and published whole when it would be.
type addrSet struct{ cur atomic.Pointer[addrTable] }

type addrTable struct {
	seed  maphash.Seed
	slots []atomic.Pointer[netip.Addr]
	n     int // addresses held; the writer's
}

// slot is where a's probe starts in t.
func (t *addrTable) slot(a netip.Addr) int {
	return int(maphash.Comparable(t.seed, a) & uint64(len(t.slots)-1))
}

func (s *addrSet) contains(a netip.Addr) bool {
	t := s.cur.Load()
	if t == nil {
		return false
	}
	for i := t.slot(a); ; i = (i + 1) & (len(t.slots) - 1) {
		p := t.slots[i].Load()
		if p == nil {
			return false
		}
		if *p == a {
			return true
		}
	}
}

// add puts a, not in the set, into it. The caller holds ownedSet.mu.
func (s *addrSet) add(a netip.Addr) {
	t := s.cur.Load()
	if t == nil || 2*(t.n+1) > len(t.slots) {
		size := 16
		if t != nil {
			size = 2 * len(t.slots)
		}
		g := &addrTable{seed: maphash.MakeSeed(), slots: make([]atomic.Pointer[netip.Addr], size)}
		if t != nil {
			for i := range t.slots {
				if p := t.slots[i].Load(); p != nil {
					g.put(p)
				}
			}
		}
		s.cur.Store(g)
		t = g
	}
	t.put(&a)
}

// put stores p in the first free slot of its probe.
func (t *addrTable) put(p *netip.Addr) {
	i := t.slot(*p)
	for t.slots[i].Load() != nil {
		i = (i + 1) & (len(t.slots) - 1)
	}
	t.slots[i].Store(p)
	t.n++
}
