package respond_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	mamori "github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/eval"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// On simulated tenants holding every attack and every twin (three seeds,
// so names, regions, sizes and machines differ), each high or critical
// incident's plan acts on the attack and on nothing else: it cuts off
// only accounts an attack used, stops only compute an attack's accounts
// ran (never a create Azure refused), removes only role assignments they
// made; and it leaves out nothing an attack left behind: every machine it
// ran, its role assignments, its raised quotas, its elevated access, the
// subscription it moved and those it created (eval.ScorePlans, which
// `mamori eval` reports over many tenants).
func TestPlansOnSimulatedTenants(t *testing.T) {
	if testing.Short() {
		t.Skip("hunts three simulated tenants")
	}
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	prices, err := incident.LoadPrices("")
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{11, 12, 13} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			truth, err := simulate.Write(dir, simulate.Options{Seed: seed, Days: 20, Scenarios: simulate.Scenarios()})
			if err != nil {
				t.Fatal(err)
			}
			res, err := eval.HuntTenant(context.Background(), dir, truth, set, prices)
			if err != nil {
				t.Fatal(err)
			}
			s := eval.ScorePlans(truth.Attacks, res.Alerts, res.Incidents)
			t.Logf("%d plans; the attacks did %d things", s.Plans, s.Acts)
			if s.Plans == 0 || s.Acts < 20 {
				t.Fatalf("%d plans, %d things the attacks did: the tenant's attacks were not found", s.Plans, s.Acts)
			}
			if len(s.Missed) > 0 {
				t.Errorf("no plan acts on what the attacks did:\n%s", strings.Join(s.Missed, "\n"))
			}
			if len(s.Wrong) > 0 {
				t.Errorf("plans act on what no attack did:\n%s", strings.Join(s.Wrong, "\n"))
			}
		})
	}
}
