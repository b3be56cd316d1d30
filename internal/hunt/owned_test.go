package hunt

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
)

// TestMarkOwned: an alert's public addresses in the tenant's own ranges
// are marked (the incidents link no one through them); outside addresses,
// private ones (machines, which link within their subscription) and text
// that is no address are not.
func TestMarkOwned(t *testing.T) {
	enr, err := enrich.Load(enrich.Options{OwnedIPs: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("10.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	as := []alert.Alert{
		{IPs: []string{"20.42.65.90", "203.0.113.104", "10.0.0.4", "not-an-ip"}},
		{IPs: []string{"20.42.65.90"}, OwnedIPs: []string{"20.42.65.90"}}, // stale: marked again
		{},
	}
	markOwned(as, enr)
	if !slices.Equal(as[0].OwnedIPs, []string{"203.0.113.104"}) || as[1].OwnedIPs != nil || as[2].OwnedIPs != nil {
		t.Errorf("owned: %q, %q, %q", as[0].OwnedIPs, as[1].OwnedIPs, as[2].OwnedIPs)
	}
}
