package posture

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// FuzzOwnedPrefixes: pages from a saved folder are untrusted; any body
// gives prefixes or an error, never a panic, and every prefix is masked.
func FuzzOwnedPrefixes(f *testing.F) {
	f.Add([]byte(`{"value":[{"properties":{"ipAddress":"20.50.2.7"}},{"properties":{"ipAddress":"::ffff:1.2.3.4"}}]}`), []byte(`{"value":[{"properties":{"ipPrefix":"20.61.8.17/28"}}]}`))
	f.Add([]byte(`{"value":[{"properties":{"ipAddress":7}}]}`), []byte(`{"value":null}`))
	f.Add([]byte(`{"value":[{"properties":null}]}`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, addresses, prefixes []byte) {
		c := &capture.Capture{}
		c.Add(&capture.Dataset{Key: capture.Key(capture.KeyPublicIPAddresses, "s"), Status: capture.OK, Pages: [][]byte{addresses}})
		c.Add(&capture.Dataset{Key: capture.Key(capture.KeyPublicIPPrefixes, "s"), Status: capture.OK, Pages: [][]byte{prefixes}})
		got, err := OwnedPrefixes(c)
		if err != nil {
			return
		}
		for i, p := range got {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("prefix %v is not valid and masked", p)
			}
			if i > 0 && got[i-1] == p {
				t.Fatalf("duplicate %v", p)
			}
		}
	})
}
