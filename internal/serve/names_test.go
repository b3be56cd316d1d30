package serve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/simulate"
)

// A service principal's sign-ins come in one `serve --once` run and its
// writes in the next, each run a new process: the alerts of the writes
// still name it (the store keeps what the first run learned), and the
// store's alerts keep that name.
func TestServicePrincipalNamesKeptAcrossRuns(t *testing.T) {
	sim := t.TempDir()
	if _, err := simulate.Write(sim, simulate.Options{Seed: 3, Days: 30, Scenarios: []string{"ml-batch-aci-fanout"}}); err != nil {
		t.Fatal(err)
	}
	watched := t.TempDir()
	if err := os.Rename(filepath.Join(sim, "signins"), filepath.Join(watched, "signins")); err != nil {
		t.Fatal(err)
	}
	process := newProcess(t)
	st := openStore(t)
	first := cycle(t, st, watched, process())
	if len(first.Hunt.Names) == 0 {
		t.Fatal("the first run learned no service principal's name from the sign-ins")
	}
	// The rest of the tenant's logs, the audit log aside (it may name the
	// principals too: only the store is to).
	for _, dir := range []string{"insights-activity-logs", "defender-alerts"} {
		if err := os.Rename(filepath.Join(sim, dir), filepath.Join(watched, dir)); err != nil {
			t.Fatal(err)
		}
	}
	second := cycle(t, st, watched, process())
	named := 0
	for _, a := range second.Fresh {
		want := first.Hunt.Names[strings.ToLower(a.Principal)]
		if a.PrincipalName != want {
			t.Errorf("%s by %s: named %q, want %q", a.Rule, a.Principal, a.PrincipalName, want)
		}
		if want != "" {
			named++
		}
	}
	if named == 0 {
		t.Fatalf("the second run found no alert by a service principal the first run named (%d fresh alerts)", len(second.Fresh))
	}
	stored, err := st.Alerts(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, a := range stored {
		if a.PrincipalName != "" && a.PrincipalName == first.Hunt.Names[strings.ToLower(a.Principal)] {
			kept++
		}
	}
	if kept != named {
		t.Errorf("the store keeps %d named alerts, want %d", kept, named)
	}
}
