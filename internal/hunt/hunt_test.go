package hunt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
)

// catalogue loads the built-in rules and intel once per test.
func catalogue(t testing.TB) (*rules.Set, *enrich.Enricher) {
	t.Helper()
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return set, enr
}

func expand(t testing.TB, paths ...string) []source.Input {
	t.Helper()
	in, err := source.Expand(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(in, func(i source.Input) bool { return filepath.Base(i.Name) == "truth.json" })
}

// TestSpilledHuntFindsWhatAnInMemoryHuntFinds hunts attacked tenants with
// every scenario and twin (and the README's example) twice: with the rule
// hits in memory, and with a budget so small that they are spilled to
// hundreds of temporary files. Alerts and incidents must be the same, and
// no temporary file may be left.
func TestSpilledHuntFindsWhatAnInMemoryHuntFinds(t *testing.T) {
	t.Parallel()
	set, enr := catalogue(t)
	sim := t.TempDir()
	truth, err := simulate.Write(sim, simulate.Options{Seed: 9, Days: 10, Scenarios: simulate.Scenarios()})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		inputs   []source.Input
		baseline time.Duration
	}{
		{"simulated tenant, every scenario and twin", expand(t, sim), time.Duration(truth.BaselineDays) * 24 * time.Hour},
		{"examples/attacked-tenant", expand(t, filepath.Join("..", "..", "examples", "attacked-tenant")), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Rules: set, Enricher: enr, Workers: 2, Baseline: c.baseline, HitMemory: 1 << 30}
			want, err := Run(context.Background(), c.inputs, cfg)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			cfg.HitMemory, cfg.TempDir, cfg.Workers = 4<<10, tmp, 3
			got, err := Run(context.Background(), c.inputs, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Alerts) == 0 || len(want.Incidents) == 0 {
				t.Fatalf("%d alerts, %d incidents: the data has attacks, the comparison would prove nothing", len(want.Alerts), len(want.Incidents))
			}
			if diff := cmp.Diff(want.Alerts, got.Alerts); diff != "" {
				t.Errorf("alerts (-in memory +spilled):\n%s", diff)
			}
			if diff := cmp.Diff(want.Incidents, got.Incidents); diff != "" {
				t.Errorf("incidents (-in memory +spilled):\n%s", diff)
			}
			if want.Engine != got.Engine {
				t.Errorf("engine stats: in memory %+v, spilled %+v", want.Engine, got.Engine)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// TestCancelledHuntLeavesNoTemporaryFiles stops a hunt that spills as it
// goes; whatever it read, its temporary folder is gone when Run returns.
func TestCancelledHuntLeavesNoTemporaryFiles(t *testing.T) {
	t.Parallel()
	set, enr := catalogue(t)
	sim := t.TempDir()
	if _, err := simulate.Write(sim, simulate.Options{Seed: 4, Days: 6}); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var files atomic.Int64
	go func() {
		// Cancel once runs are on disk, mid-read.
		for ctx.Err() == nil {
			if m, _ := filepath.Glob(filepath.Join(tmp, "*", "run-*")); len(m) > 0 {
				files.Store(int64(len(m)))
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	_, err := Run(ctx, expand(t, sim), Config{Rules: set, Enricher: enr, Workers: 2, HitMemory: 1 << 10, TempDir: tmp})
	cancel()
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if files.Load() == 0 {
		t.Fatal("no run was seen on disk while the hunt ran: nothing to clean up was tested")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left after the hunt (%d runs seen while it ran): %v", files.Load(), left)
	}
}

// TestUnwritableTempDirFailsTheHunt: hits that cannot be kept must not
// become a quietly incomplete result.
func TestUnwritableTempDirFailsTheHunt(t *testing.T) {
	t.Parallel()
	set, enr := catalogue(t)
	missing := filepath.Join(t.TempDir(), "missing")
	_, err := Run(context.Background(), expand(t, filepath.Join("..", "..", "examples", "attacked-tenant")),
		Config{Rules: set, Enricher: enr, HitMemory: 64, TempDir: missing})
	if err == nil {
		t.Fatal("hunt succeeded though its hits could not be written")
	}
	if !strings.Contains(err.Error(), missing) {
		t.Errorf("error %q does not name the folder %s", err, missing)
	}
}
