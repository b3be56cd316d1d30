package suppress

import (
	"strings"
	"testing"
	"time"
)

// clock is the fixed now of every test: expiry never depends on the day
// the tests run.
var clock = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// mustLoad loads a suppressions file written inline and fails the test on
// any error.
func mustLoad(t *testing.T, src string) (*Set, []Warning) {
	t.Helper()
	s, ws, err := Load("s.yml", strings.NewReader(src), clock)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s, ws
}
