package enrich

import (
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

func TestParseOwned(t *testing.T) {
	t.Parallel()
	in := "# tenant egress\n\n203.0.113.7\n  198.51.100.0/24   # office\n2001:db8::/32\n10.1.2.3/8\n::ffff:192.0.2.1\n"
	got, err := ParseOwned(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"203.0.113.7/32", "198.51.100.0/24", "2001:db8::/32", "10.0.0.0/8", "192.0.2.1/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("entry %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestParseOwnedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"10.0.0.1\n\n10.0.0.300\n", `line 3: bad IP address "10.0.0.300"`},
		{"# c\n10.0.0.0/33\n", `line 2: bad CIDR range "10.0.0.0/33"`},
		{"fe80::1%eth0\n", `line 1: bad IP address "fe80::1%eth0"`},
		{"example.com\n", `line 1: bad IP address "example.com"`},
		{"10.0.0.1 10.0.0.2\n", `line 1: bad IP address "10.0.0.1 10.0.0.2"`},
		{"::ffff:10.0.0.0/90\n", `line 1: bad CIDR range "::ffff:10.0.0.0/90"`},
		{"1.2.3.4\n" + strings.Repeat("9", 70000) + "\n", "line 2: longer than"},
	}
	for _, tt := range tests {
		_, err := ParseOwned(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseOwned(%.30q) error %v, want %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParseOwned(f *testing.F) {
	for _, s := range []string{
		"203.0.113.7\n", "198.51.100.0/24 # office\n", "2001:db8::/32\n", "::ffff:10.0.0.0/104\n",
		"# only a comment\n\n", "10.0.0.300\n", "fe80::1%eth0\n", "1.2.3.4/0\n", "\x00\xff/\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ParseOwned(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error does not name a line: %v", err)
			}
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Errorf("bad prefix %v from %q", p, in)
			}
		}
		// What parses must be usable as owned addresses.
		var o ownedSet
		o.learn("", ps, ownedGiven)
		for _, p := range ps {
			if !o.contains("", p.Addr()) {
				t.Errorf("%v not owned after learning", p)
			}
		}
	})
}

// TestConcurrentApply runs lookups while other goroutines learn addresses
// and ranges; run with -race it checks the owned set's lock-free reads.
func TestConcurrentApply(t *testing.T) {
	t.Parallel()
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				a := netip.AddrFrom4([4]byte{198, 51, byte(w), byte(i)})
				ev := &event.Event{Kind: event.KindFlow, Flow: &event.Flow{Src: a, Dst: netip.MustParseAddr("203.0.113.1"), DstPort: 3333}}
				switch i % 10 {
				case 0:
					ev.PublicAddrs = []netip.Prefix{netip.PrefixFrom(a, 32)}
				case 5: // a public IP prefix's write
					ev.PublicAddrs = []netip.Prefix{netip.PrefixFrom(a, 30).Masked()}
				}
				e.Apply(ev)
				if i%5 == 0 && !ev.Enrich.SrcIP.Owned {
					t.Errorf("%s learned by its own event but not owned", a)
				}
			}
		}()
	}
	wg.Wait()
	for w := 0; w < 8; w++ {
		if !e.IP(netip.AddrFrom4([4]byte{198, 51, byte(w), 20})).Owned {
			t.Errorf("worker %d's learned address lost", w)
		}
	}
}
