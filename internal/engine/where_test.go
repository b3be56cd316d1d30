package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
	mamorisource "github.com/mamori-sec/mamori/internal/source"
)

// The rules the operation index reaches are run with their tests of the
// operation decided (sigma's Where): on every record of simulated
// tenants, attacked and not, in every shape, each such rule decides as
// its whole condition does, and some of them match.
func TestIndexedRulesDecideAsTheirConditions(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates tenants")
	}
	t.Parallel()
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(set, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var events []event.Event
	for i, o := range []simulate.Options{
		{Seed: 1, Days: 3, Scenarios: []string{"gpu-scaleset-chain", "hdinsight-resize"}, SignInShape: "records"},
		{Seed: 2, Days: 3, Scenarios: []string{"ml-batch-aci-fanout", "subscription-moved", "gpu-vm-fleet"}, Shape: "rest"},
		{Seed: 3, Days: 3, Scenarios: []string{"cpu-mining", "slow-attack", "data-scientist-takeover"}, Shape: "loganalytics", MachineOS: simulate.OSWindows},
		{Seed: 4, Days: 3, Scenarios: []string{"gpu-scaleset-chain-twin", "cpu-mining-twin", "ml-batch-aci-fanout-twin", "data-scientist-takeover-twin"}},
	} {
		dir := t.TempDir()
		if _, err := simulate.Write(dir, o); err != nil {
			t.Fatalf("tenant %d: %v", i, err)
		}
		inputs, err := mamorisource.Expand([]string{dir}, nil)
		if err != nil {
			t.Fatal(err)
		}
		mamorisource.Read(context.Background(), inputs, mamorisource.Options{}, func(_ int, ev *event.Event) {
			if !ev.Brief {
				mu.Lock()
				events = append(events, *ev)
				mu.Unlock()
			}
		})
	}
	fe := set.Resolver.NewEvent()
	compared, matched := 0, 0
	for i := range events {
		ev := &events[i]
		byOp := e.byOp[ev.Kind][ev.Operation]
		if byOp == nil {
			continue
		}
		fe.Reset(ev)
		for j, where := range byOp.match {
			r := e.rules[byOp.rules[j]]
			got, want := where(fe), r.Compiled.Match(fe)
			if got != want {
				t.Fatalf("%s on %s (%s): decided %v, its condition %v", r.Name, ev.Operation, ev.Kind, got, want)
			}
			compared++
			if want {
				matched++
			}
		}
	}
	if compared < 1000 || matched < 50 {
		t.Errorf("%d decisions compared, %d matches: too few to tell", compared, matched)
	}
	t.Logf("%d events, %d decisions compared, %d matches", len(events), compared, matched)
}
