package posture

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var updateExample = flag.Bool("update-example", false, "rewrite examples/posture-tenant from testdata/")

// examplePath is the saved capture the README's posture example reads.
var examplePath = filepath.Join("..", "..", "examples", "posture-tenant")

// TestExampleIsTheFixtureTenant keeps examples/posture-tenant, a saved
// capture (manifest and pages, as `mamori posture --save` writes it), the
// fixture tenant that fails every check, so `mamori posture --from
// examples/posture-tenant` shows every check on a fresh clone. It also
// shows a Save and Load round trip gives the same findings.
func TestExampleIsTheFixtureTenant(t *testing.T) {
	c := loadTenant(t, "tenant-good", "tenant-bad")
	c.Collected = time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	if *updateExample {
		if err := os.RemoveAll(examplePath); err != nil {
			t.Fatal(err)
		}
		if err := c.Save(examplePath); err != nil {
			t.Fatal(err)
		}
	}
	saved, err := capture.Load(examplePath)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/posture -run TestExample -update-example)", err)
	}
	if d := cmp.Diff(Run(build(t, c), testConfig()), Run(build(t, saved), testConfig())); d != "" {
		t.Errorf("examples/posture-tenant is stale or Save/Load lost something (run with -update-example):\n%s", d)
	}
	failed := 0
	for _, f := range Run(build(t, saved), testConfig()) {
		if f.Status == Fail {
			failed++
		}
	}
	if failed < len(Checks()) {
		t.Errorf("the example fails %d findings, want at least one per check (%d)", failed, len(Checks()))
	}
}
