package posture

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

func TestOwnedPrefixesNamesABadPage(t *testing.T) {
	t.Parallel()
	c := &capture.Capture{}
	key := capture.Key(capture.KeyPublicIPPrefixes, "aaaaaaaa-1111-4111-8111-111111111111")
	c.Add(&capture.Dataset{Key: key, Status: capture.OK, Pages: [][]byte{[]byte(`{"value":[{"properties":{"ipPrefix":"20.61.8.16/99"}}]}`)}})
	_, err := OwnedPrefixes(c)
	if err == nil || !strings.Contains(err.Error(), key+" page 1") {
		t.Errorf("error %v should name %s page 1", err, key)
	}
}
