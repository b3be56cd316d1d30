package enrich

import (
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestOwnedSetLearnsOneAtATime learns addresses and ranges one record at a
// time, as public IP and prefix writes teach them (duplicates, nested and
// overlapping ranges, IPv4 and IPv6 mixed), and checks every lookup
// against a plain list of what was learned. The ranges must stay in no
// more levels than the bits of their number: a level per range would
// make every lookup search them all.
func TestOwnedSetLearnsOneAtATime(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	addr := func() netip.Addr {
		if r.IntN(4) == 0 {
			var b [16]byte
			b[0], b[1], b[15] = 0x20, 0x01, byte(r.IntN(256))
			b[7] = byte(r.IntN(64))
			return netip.AddrFrom16(b)
		}
		return netip.AddrFrom4([4]byte{20, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))})
	}
	var o ownedSet
	var model []netip.Prefix
	ranges := map[netip.Prefix]bool{}
	for i := range 6000 {
		a := addr()
		p := netip.PrefixFrom(a, a.BitLen())
		if i%3 == 0 { // a prefix of 16 to 4 addresses, or a copy of one learned
			p = netip.PrefixFrom(a, a.BitLen()-2-r.IntN(3)).Masked()
			if i%15 == 0 && len(model) > 0 {
				p = model[r.IntN(len(model))]
			}
			if !p.IsSingleIP() {
				ranges[p] = true
			}
		}
		if !o.learn("t1", []netip.Prefix{p}, ownedRead) {
			t.Fatalf("%v not kept", p)
		}
		model = append(model, p)
		if i%500 == 0 || i == 5999 {
			for range 2000 {
				a := addr()
				want := false
				for _, p := range model {
					want = want || p.Contains(a)
				}
				if got := o.contains("t1", a); got != want {
					t.Fatalf("after %d learned: contains(%v) = %v, want %v", i+1, a, got, want)
				}
			}
		}
	}
	for _, p := range model {
		if !o.contains("t1", p.Addr()) {
			t.Errorf("%v learned, not owned", p)
		}
	}
	for _, scope := range []string{"t1", ""} {
		if ls := (*o.levels.Load())[scope]; len(ls) > bits.Len(uint(len(ranges))) {
			t.Errorf("scope %q: %d ranges in %d levels, want at most %d", scope, len(ranges), len(ls), bits.Len(uint(len(ranges))))
		}
	}
}

// TestOwnedSetBound: what records teach is bounded, and learn says when it
// refused something; what the user gives is not.
func TestOwnedSetBound(t *testing.T) {
	t.Parallel()
	var o ownedSet
	o.learn("t1", []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.9/32")}, ownedGiven)
	for i := range MaxOwned {
		a := netip.AddrFrom4([4]byte{20, byte(i >> 16), byte(i >> 8), byte(i)})
		if !o.learn("t1", []netip.Prefix{netip.PrefixFrom(a, 32)}, ownedRead) {
			t.Fatalf("address %d of %d refused", i+1, MaxOwned)
		}
	}
	if !o.learn("t1", []netip.Prefix{netip.MustParsePrefix("20.0.1.5/32"), netip.MustParsePrefix("198.51.100.0/24")}, ownedRead) {
		t.Error("what was known already was refused past the bound")
	}
	past := netip.MustParseAddr("40.1.2.3")
	if o.learn("t1", []netip.Prefix{netip.PrefixFrom(past, 32)}, ownedRead) || o.contains("t1", past) {
		t.Error("an address past the bound was kept, or learn did not say it was refused")
	}
	if !o.learn("t1", []netip.Prefix{netip.PrefixFrom(past, 32)}, ownedGiven) || !o.contains("t1", past) {
		t.Error("an address the user gives was refused past the bound")
	}
	n := MaxOwned - 1
	last := netip.AddrFrom4([4]byte{20, byte(n >> 16), byte(n >> 8), byte(n)})
	for _, a := range []netip.Addr{netip.MustParseAddr("198.51.100.77"), netip.MustParseAddr("203.0.113.9"), last, netip.MustParseAddr("20.0.0.0")} {
		if !o.contains("t1", a) {
			t.Errorf("%s not owned", a)
		}
	}
}

// BenchmarkOwnedLearn learns b.N addresses one at a time, as b.N public IP
// writes do: the time per address must not grow with b.N.
func BenchmarkOwnedLearn(b *testing.B) {
	var o ownedSet
	ps := make([]netip.Prefix, 1)
	for i := 0; b.Loop(); i++ {
		a := netip.AddrFrom4([4]byte{20, byte(i >> 16), byte(i >> 8), byte(i)})
		ps[0] = netip.PrefixFrom(a, 32)
		if i%4 == 0 {
			ps[0] = netip.PrefixFrom(netip.AddrFrom4([4]byte{40, byte(i >> 16), byte(i >> 8), byte(i)}), 30).Masked()
		}
		o.learn("", ps, ownedGiven)
	}
}

// TestLearnedOwnedIsACyclesReading: a service's Enricher gives its store
// the addresses its cycle's records taught (Learned.Owned), not those the
// store told it nor the user's, and keeps owning them all after the next
// ForgetLearned; one hunt over files (no ForgetLearned) lists none.
func TestLearnedOwnedIsACyclesReading(t *testing.T) {
	t.Parallel()
	read := netip.MustParsePrefix("4.156.33.7/32")
	told := netip.MustParsePrefix("20.42.64.0/28")
	given := netip.MustParsePrefix("198.51.100.0/24")
	write := func(e *Enricher, p netip.Prefix) {
		e.Apply(&event.Event{Operation: "microsoft.network/publicipaddresses/write", PublicAddrs: []netip.Prefix{p}})
	}
	hunt, err := Load(Options{OwnedIPs: []netip.Prefix{given}})
	if err != nil {
		t.Fatal(err)
	}
	write(hunt, read)
	if l := hunt.Learned(); len(l.Owned) != 0 {
		t.Errorf("one hunt lists %v, want none (nothing keeps them)", l.Owned)
	}
	svc, err := Load(Options{OwnedIPs: []netip.Prefix{given}})
	if err != nil {
		t.Fatal(err)
	}
	svc.ForgetLearned()
	svc.Know(Learned{Owned: []event.OwnedAddr{{Prefix: told}}})
	write(svc, read)
	write(svc, told)
	if l := svc.Learned(); !slices.Equal(l.Owned, []event.OwnedAddr{{Prefix: read}}) {
		t.Errorf("the cycle's Learned.Owned = %v, want only what its records taught (%v)", l.Owned, read)
	}
	svc.ForgetLearned()
	if l := svc.Learned(); len(l.Owned) != 0 {
		t.Errorf("the next cycle lists %v before reading anything", l.Owned)
	}
	for _, p := range []netip.Prefix{read, told, given} {
		if !svc.IP(p.Addr()).Owned {
			t.Errorf("%v not owned after the next cycle began", p)
		}
	}
}

// TestOwnedByTenant: an address a tenant's write named is that tenant's
// own, not another's (an attacker's machine in one tenant a service
// watches, used against another); a record that names no tenant (a flow)
// finds any tenant's; the user's, and what a write that named no tenant
// taught, are every tenant's.
func TestOwnedByTenant(t *testing.T) {
	t.Parallel()
	e, err := Load(Options{OwnedIPs: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		tenant string
		p      string
	}{{"AAAA0000-0000-4000-8000-000000000001", "4.156.33.7/32"}, {"aaaa0000-0000-4000-8000-000000000001", "20.42.64.0/28"}, {"", "52.170.1.9/32"}} {
		e.Apply(&event.Event{Tenant: w.tenant, Operation: "microsoft.network/publicipaddresses/write", PublicAddrs: []netip.Prefix{netip.MustParsePrefix(w.p)}})
	}
	const a, b = "aaaa0000-0000-4000-8000-000000000001", "bbbb0000-0000-4000-8000-000000000002"
	for _, c := range []struct {
		tenant, addr string
		want         bool
	}{
		{a, "4.156.33.7", true}, {a, "20.42.64.9", true}, {b, "4.156.33.7", false}, {b, "20.42.64.9", false},
		{"", "4.156.33.7", true}, {"", "20.42.64.9", true},
		{a, "52.170.1.9", true}, {b, "52.170.1.9", true}, {b, "198.51.100.77", true}, {"", "198.51.100.77", true},
		{a, "4.156.33.8", false}, {"", "20.42.64.16", false},
	} {
		if got := e.IPOf(c.tenant, netip.MustParseAddr(c.addr)).Owned; got != c.want {
			t.Errorf("IPOf(%q, %s).Owned = %v, want %v", c.tenant, c.addr, got, c.want)
		}
	}
	// The engine's end-of-hunt refresh asks by the event's tenant too.
	ev := &event.Event{Tenant: b, SourceIP: netip.MustParseAddr("4.156.33.7"), Enrich: event.Enrichment{SrcIP: &event.IPInfo{}}}
	if e.Refresh(ev) || ev.Enrich.SrcIP.Owned {
		t.Error("Refresh took tenant A's address for tenant B's own")
	}
}
