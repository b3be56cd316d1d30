package enrich

import (
	"hash/maphash"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mamori-sec/mamori/internal/event"
)

// ownedSet holds the tenants' own addresses: those the user gave and those
// learned from public IP writes. Every event's addresses are looked up,
// with no lock; learning is rare and takes one. Single addresses are in a
// hash set readers probe as it grows (addrSet). Ranges are in levels of
// interval tables, each at most half the size of the one before, as a
// binary counter's digits: a new range merges the levels no larger than
// it, so that learning n ranges rebuilds O(n log n) entries in all and a
// lookup searches O(log n) tables. (Each new address used to copy the
// whole set, and each range to rebuild the one table: 10,000 public
// addresses written took 19 s to learn, 10,000 prefixes 63 s.)
//
// An address is its tenant's own, not another's: a hunt over several
// tenants' logs (a service over many) must not take one tenant's machine,
// which an attacker may hold, for every tenant's. Each entry is kept
// under a scope: the tenant whose write named it, and also the scope ""
// (any tenant: what a record that names no tenant, a flow, is looked up
// in), or anyTenant for the user's and for what a write that named no
// tenant taught, which every tenant owns.
type ownedSet struct {
	mu     sync.Mutex
	addrs  addrSet
	levels atomic.Pointer[map[string][]rangeLevel] // by scope
	// Under mu: the ranges held, by scope; how many addresses and ranges
	// were learned from records or told by a store (bounded, where the
	// user's are not); and those read from records since forgetFresh,
	// which a service's store keeps (Learned.Owned). Only a service's set
	// notes them (forStore, set by forgetFresh, which begins each cycle):
	// one hunt over files keeps no list.
	known    map[scopedPrefix]struct{}
	learned  int
	fresh    []event.OwnedAddr
	forStore bool
	// given and scoped say whether anything is held in anyTenant's
	// scope, and in the tenants': a lookup probes only those, as most
	// hunts hold one kind or none.
	given, scoped atomic.Bool
}

// anyTenant is the scope of what every tenant owns.
const anyTenant = "*"

// ownedKey is an address in a scope; scopedPrefix a range.
type ownedKey struct {
	scope string
	a     netip.Addr
}

type scopedPrefix struct {
	scope string
	p     netip.Prefix
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

// contains reports whether a is tenant's own ("" for a record that names
// no tenant: any tenant's). a is taken as learn takes it: unmapped, with
// no zone.
func (o *ownedSet) contains(tenant string, a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	return o.given.Load() && o.has(anyTenant, a) || o.scoped.Load() && o.has(strings.ToLower(tenant), a)
}

// has reports whether a is owned in scope.
func (o *ownedSet) has(scope string, a netip.Addr) bool {
	if o.addrs.contains(ownedKey{scope, a}) {
		return true
	}
	if m := o.levels.Load(); m != nil {
		for _, l := range (*m)[scope] {
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
// other tables (MaxLearned): about 70 MB at the bound (128 bytes an
// address, held under its tenant and under any tenant), which a service
// over many tenants for months may near, a hunt of one tenant not.
const MaxOwned = 1 << 19

// learn adds prefixes from, as tenant's own ("" or from the user: every
// tenant's), of which it keeps no more than MaxOwned read or told. It
// reports false when one was not kept.
func (o *ownedSet) learn(tenant string, ps []netip.Prefix, from int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	tenant = strings.ToLower(strings.TrimSpace(tenant))
	scopes := []string{tenant, ""}
	if from == ownedGiven || tenant == "" {
		tenant, scopes = "", []string{anyTenant}
	}
	kept := true
	var ranges []netip.Prefix
	for _, p := range ps {
		p, ok := normPrefix(p)
		if !ok {
			continue
		}
		if p.IsSingleIP() && (o.addrs.contains(ownedKey{scopes[0], p.Addr()}) || o.addrs.contains(ownedKey{anyTenant, p.Addr()})) {
			continue
		}
		if _, ok := o.known[scopedPrefix{scopes[0], p}]; ok {
			continue
		}
		if _, ok := o.known[scopedPrefix{anyTenant, p}]; ok {
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
			o.fresh = append(o.fresh, event.OwnedAddr{Tenant: tenant, Prefix: p})
		}
		// Before the entry: a lookup that finds it finds its scope marked.
		if scopes[0] == anyTenant {
			o.given.Store(true)
		} else {
			o.scoped.Store(true)
		}
		if p.IsSingleIP() {
			for _, s := range scopes {
				if k := (ownedKey{s, p.Addr()}); !o.addrs.contains(k) { // another tenant's in ""
					o.addrs.add(k)
				}
			}
			continue
		}
		if o.known == nil {
			o.known = map[scopedPrefix]struct{}{}
		}
		o.known[scopedPrefix{scopes[0], p}] = struct{}{}
		ranges = append(ranges, p)
	}
	if len(ranges) > 0 {
		o.addRanges(scopes, ranges)
	}
	return kept
}

// freshList is what records taught since the last forgetFresh.
func (o *ownedSet) freshList() []event.OwnedAddr {
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

// addRanges publishes, in each scope, a level of new ranges, merged with
// the levels no larger: a copy of the map and of the lists it changes, so
// a lookup under way keeps its own.
func (o *ownedSet) addRanges(scopes []string, fresh []netip.Prefix) {
	m := map[string][]rangeLevel{}
	if cur := o.levels.Load(); cur != nil {
		maps.Copy(m, *cur)
	}
	for _, s := range scopes {
		ls, ps := slices.Clone(m[s]), fresh
		for len(ls) > 0 && len(ls[len(ls)-1].prefixes) <= len(ps) {
			ps = slices.Concat(ls[len(ls)-1].prefixes, ps)
			ls = ls[:len(ls)-1]
		}
		m[s] = append(ls, rangeLevel{ps, prefixTable(ps)})
	}
	o.levels.Store(&m)
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
	slots []atomic.Pointer[ownedKey]
	n     int // addresses held; the writer's
}

// slot is where a's probe starts in t.
func (t *addrTable) slot(a ownedKey) int {
	return int(maphash.Comparable(t.seed, a) & uint64(len(t.slots)-1))
}

func (s *addrSet) contains(a ownedKey) bool {
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
func (s *addrSet) add(a ownedKey) {
	t := s.cur.Load()
	if t == nil || 2*(t.n+1) > len(t.slots) {
		size := 16
		if t != nil {
			size = 2 * len(t.slots)
		}
		g := &addrTable{seed: maphash.MakeSeed(), slots: make([]atomic.Pointer[ownedKey], size)}
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
func (t *addrTable) put(p *ownedKey) {
	i := t.slot(*p)
	for t.slots[i].Load() != nil {
		i = (i + 1) & (len(t.slots) - 1)
	}
	t.slots[i].Store(p)
	t.n++
}
