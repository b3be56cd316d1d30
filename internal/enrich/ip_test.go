package enrich

import (
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// builtin is one Enricher over the built-in data, shared by read-only tests.
var builtin = sync.OnceValues(func() (*Enricher, error) { return Load(Options{}) })

func loadBuiltin(t testing.TB) *Enricher {
	t.Helper()
	e, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestIPServiceTags(t *testing.T) {
	t.Parallel()
	e := loadBuiltin(t)
	// Expectations read from ServiceTags_Public_20251028.json by hand.
	tests := []struct {
		name, addr string
		want       event.IPInfo
	}{
		{"AzureCloud.eastus range gives region eastus", "40.71.0.1", event.IPInfo{ServiceTag: "AzureCloud.eastus", Region: "eastus", Azure: true}},
		{"eastus2 is not eastus", "13.68.0.1", event.IPInfo{ServiceTag: "AzureCloud.eastus2", Region: "eastus2", Azure: true}},
		{"a service's regional tag beats AzureCloud.eastus", "20.38.98.1", event.IPInfo{ServiceTag: "Storage.EastUS", Region: "eastus", Azure: true}},
		{"a global tag inherits the enclosing region", "13.86.97.230", event.IPInfo{ServiceTag: "ApplicationInsightsAvailability", Region: "centralus", Azure: true}},
		{"IPv6 in a regional service tag", "2603:1030:210::1", event.IPInfo{ServiceTag: "PowerBI.EastUS", Region: "eastus", Azure: true}},
		{"IPv4-mapped IPv6 is looked up as IPv4", "::ffff:40.71.0.1", event.IPInfo{ServiceTag: "AzureCloud.eastus", Region: "eastus", Azure: true}},
		{"Google DNS is not Azure", "8.8.8.8", event.IPInfo{}},
		{"private address is not Azure", "10.0.0.4", event.IPInfo{}},
		{"IPv6 documentation range is not Azure", "2001:db8::1", event.IPInfo{}},
		{"top of the IPv4 space", "255.255.255.255", event.IPInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := e.IP(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("IP(%s) = %+v, want %+v", tt.addr, got, tt.want)
			}
			if got := e.Azure(netip.MustParseAddr(tt.addr)); got != tt.want.Azure {
				t.Errorf("Azure(%s) = %v, want %v", tt.addr, got, tt.want.Azure)
			}
		})
	}
	if got := e.IP(netip.Addr{}); got != (event.IPInfo{}) || e.Azure(netip.Addr{}) {
		t.Errorf("IP(invalid) = %+v, Azure %v", got, e.Azure(netip.Addr{}))
	}
}

func TestOwnedAddresses(t *testing.T) {
	t.Parallel()
	owned := []netip.Prefix{
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("198.51.100.7/32"),
		netip.MustParsePrefix("2001:db8:10::/48"),
		netip.MustParsePrefix("40.71.12.0/28"), // a tenant address inside an Azure range
	}
	e, err := Load(Options{OwnedIPs: owned})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr         string
		owned, azure bool
	}{
		{"203.0.113.200", true, false},
		{"198.51.100.7", true, false},
		{"198.51.100.8", false, false},
		{"2001:db8:10:ffff::1", true, false},
		{"2001:db8:11::1", false, false},
		{"40.71.12.5", true, true},
		{"40.71.12.16", false, true},
	}
	for _, tt := range tests {
		got := e.IP(netip.MustParseAddr(tt.addr))
		if got.Owned != tt.owned || got.Azure != tt.azure {
			t.Errorf("IP(%s) = %+v, want owned %v azure %v", tt.addr, got, tt.owned, tt.azure)
		}
	}
}

func TestLearnedPublicIP(t *testing.T) {
	t.Parallel()
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr("52.168.1.10")
	if e.IP(a).Owned {
		t.Fatal("owned before learning")
	}
	e.Apply(&event.Event{Kind: event.KindActivity, PublicAddrs: []netip.Prefix{
		netip.PrefixFrom(a, 32),
		netip.MustParsePrefix("2001:db8:abcd::/64"),
		netip.MustParsePrefix("::ffff:192.0.2.0/120"), // mapped: learned as 192.0.2.0/24
	}})
	for _, s := range []string{"52.168.1.10", "2001:db8:abcd::99", "192.0.2.77"} {
		if !e.IP(netip.MustParseAddr(s)).Owned {
			t.Errorf("%s not owned after learning", s)
		}
	}
	if got := e.IP(a); got.Region != "eastus" {
		t.Errorf("learned address lost its tag facts: %+v", got)
	}
	// A flow read afterwards sees the owned source.
	ev := &event.Event{Kind: event.KindFlow, Flow: &event.Flow{Src: a, Dst: netip.MustParseAddr("8.8.8.8"), DstPort: 53, Direction: "outbound"}}
	e.Apply(ev)
	if ev.Enrich.SrcIP == nil || !ev.Enrich.SrcIP.Owned || ev.Enrich.DstIP == nil || ev.Enrich.DstIP.Owned {
		t.Errorf("flow enrichment = %+v / %+v", ev.Enrich.SrcIP, ev.Enrich.DstIP)
	}
}

// TestBuildRangesMatchesNaive compares the sweep with a brute-force
// "deepest containing prefix" over random nested prefixes.
func TestBuildRangesMatchesNaive(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		seen := map[netip.Prefix]bool{}
		var nodes []node
		for i := 0; i < 40; i++ {
			var p netip.Prefix
			if r.IntN(2) == 0 {
				a := netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))})
				p = netip.PrefixFrom(a, 8+r.IntN(25)).Masked()
			} else {
				var b [16]byte
				b[0], b[1], b[15] = 0x20, 0x01, byte(r.IntN(256))
				b[14] = byte(r.IntN(4))
				p = netip.PrefixFrom(netip.AddrFrom16(b), 112+r.IntN(17)).Masked()
			}
			if !seen[p] {
				seen[p] = true
				nodes = append(nodes, node{p, int32(len(nodes))})
			}
		}
		table := buildRanges(append([]node(nil), nodes...), func(outer, inner int32) int32 { return inner })
		for probe := 0; probe < 2000; probe++ {
			var a netip.Addr
			if probe%2 == 0 {
				a = netip.AddrFrom4([4]byte{10, byte(r.IntN(5)), byte(r.IntN(256)), byte(r.IntN(256))})
			} else {
				var b [16]byte
				b[0], b[1], b[14], b[15] = 0x20, 0x01, byte(r.IntN(5)), byte(r.IntN(256))
				a = netip.AddrFrom16(b)
			}
			want, wantOK, bits := int32(0), false, -1
			for _, n := range nodes {
				if n.p.Contains(a) && n.p.Bits() > bits {
					want, wantOK, bits = n.val, true, n.p.Bits()
				}
			}
			got, ok := table.find(a)
			if ok != wantOK || got != want {
				t.Fatalf("round %d: find(%s) = %d, %v; want %d, %v", round, a, got, ok, want, wantOK)
			}
		}
	}
}

func TestRangeEdges(t *testing.T) {
	t.Parallel()
	nodes := []node{
		{netip.MustParsePrefix("0.0.0.0/0"), 1},
		{netip.MustParsePrefix("255.255.255.255/32"), 2},
		{netip.MustParsePrefix("0.0.0.0/32"), 3},
		{netip.MustParsePrefix("::/0"), 4},
		{netip.MustParsePrefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), 5},
	}
	table := buildRanges(nodes, func(outer, inner int32) int32 { return inner })
	for addr, want := range map[string]int32{
		"0.0.0.0": 3, "0.0.0.1": 1, "255.255.255.254": 1, "255.255.255.255": 2,
		"::": 4, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe": 4, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff": 5,
	} {
		if got, ok := table.find(netip.MustParseAddr(addr)); !ok || got != want {
			t.Errorf("find(%s) = %d, %v; want %d", addr, got, ok, want)
		}
	}
}

// BenchmarkIP looks up a spread of addresses (random IPv4, Azure IPv6,
// owned) so that the table's cache misses are part of the measure.
func BenchmarkIP(b *testing.B) {
	e, err := Load(Options{})
	if err != nil {
		b.Fatal(err)
	}
	e.owned.learn("", []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("198.51.100.7/32")}, ownedGiven)
	r := rand.New(rand.NewPCG(3, 4))
	addrs := make([]netip.Addr, 4096)
	for i := range addrs {
		switch i % 4 {
		case 0, 1:
			addrs[i] = netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		case 2:
			addrs[i] = netip.AddrFrom4([4]byte{40, 71, byte(r.IntN(256)), byte(r.IntN(256))})
		default:
			addrs[i] = netip.AddrFrom16([16]byte{0x26, 0x03, 0x10, 0x30, 0x02, 0x10, 15: byte(r.IntN(256))})
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.IP(addrs[i%len(addrs)])
	}
}
