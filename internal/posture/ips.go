package posture

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// OwnedPrefixes returns the tenant's own public addresses from a capture's
// public IP address (each as a /32 or /128) and public IP prefix bodies,
// sorted and without duplicates, so the hunt can tell the tenant's own
// traffic from an attacker's. Addresses not yet allocated (dynamic,
// stopped) have no ipAddress and are skipped; a body that is not the ARM
// list shape is an error naming the dataset and page.
func OwnedPrefixes(c *capture.Capture) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, src := range []struct{ pattern, field string }{
		{capture.KeyPublicIPAddresses, "ipAddress"},
		{capture.KeyPublicIPPrefixes, "ipPrefix"},
	} {
		for _, ds := range c.Matching(src.pattern) {
			for i, body := range ds.Pages {
				var page struct {
					Value []struct {
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"value"`
				}
				if err := json.Unmarshal(body, &page); err != nil {
					return nil, fmt.Errorf("%s page %d: %w", ds.Key, i+1, err)
				}
				for _, item := range page.Value {
					raw, ok := item.Properties[src.field]
					if !ok {
						continue
					}
					var text string
					if err := json.Unmarshal(raw, &text); err != nil {
						return nil, fmt.Errorf("%s page %d: %s is not a string", ds.Key, i+1, src.field)
					}
					p, err := parsePrefix(text)
					if err != nil {
						return nil, fmt.Errorf("%s page %d: %w", ds.Key, i+1, err)
					}
					out = append(out, p)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return slices.Compact(out), nil
}

// parsePrefix accepts an address or a CIDR prefix and returns it masked.
func parsePrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a prefix", s)
	}
	return p.Masked(), nil
}
