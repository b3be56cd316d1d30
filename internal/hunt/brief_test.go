package hunt

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
)

// TestBriefReadsChangeNothing hunts the same data with records no rule can
// use read briefly (the default) and with every record decoded in full:
// alerts, incidents, what was read per file and the engine's counts must
// be the same, with the catalogue alone and with a user's rule the
// reader's test cannot narrow (any action in one region), which must then
// see every record.
func TestBriefReadsChangeNothing(t *testing.T) {
	t.Parallel()
	sim := t.TempDir()
	truth, err := simulate.Write(sim, simulate.Options{Seed: 5, Days: 6, Scenarios: simulate.Scenarios()})
	if err != nil {
		t.Fatal(err)
	}
	// The same tenant with its sign-ins as diagnostic settings deliver
	// them: every sign-in shape is read briefly, or not, alike.
	simD := t.TempDir()
	if _, err := simulate.Write(simD, simulate.Options{Seed: 6, Days: 6, Scenarios: simulate.Scenarios(), SignInShape: simulate.ShapeRecords}); err != nil {
		t.Fatal(err)
	}
	user := t.TempDir()
	const anyInRegion = `title: Anything in West Europe
name: user.westeurope
id: 5a0e
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {region: westeurope}
  condition: sel
level: low
`
	if err := os.WriteFile(filepath.Join(user, "r.yml"), []byte(anyInRegion), 0o644); err != nil {
		t.Fatal(err)
	}
	// A user's rule on flows that names no pool: every flow is wanted.
	userFlows := t.TempDir()
	const https = `title: Flows to 443
name: user.https
id: 5a0f
description: d
logsource: {product: azure, service: flowlogs}
detection:
  sel: {flow.dst_port: 443}
  condition: sel
level: low
`
	if err := os.WriteFile(filepath.Join(userFlows, "r.yml"), []byte(https), 0o644); err != nil {
		t.Fatal(err)
	}
	_, enr := catalogue(t)
	inputs := expand(t, sim, simD, filepath.Join("..", "..", "examples", "attacked-tenant"))
	const pool = "azure.network.mining_pool_connection"
	for _, c := range []struct {
		name string
		opt  rules.Options
		need []string // rules that must fire, for the comparison to prove anything
	}{
		{"catalogue", rules.Options{Builtin: mamori.Rules}, []string{pool}},
		{"catalogue and a user's rule on the region", rules.Options{Builtin: mamori.Rules, Dirs: []string{user}}, []string{pool, "user.westeurope"}},
		{"catalogue and a user's rule on flows", rules.Options{Builtin: mamori.Rules, Dirs: []string{userFlows}}, []string{pool, "user.https"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, err := rules.Load(c.opt)
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{Rules: set, Enricher: enr, Workers: 2, Baseline: time.Duration(truth.BaselineDays) * 24 * time.Hour}
			got, err := Run(context.Background(), inputs, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.DecodeAll = true
			want, err := Run(context.Background(), inputs, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Alerts) == 0 {
				t.Fatal("no alerts: the comparison would prove nothing")
			}
			for _, rule := range c.need {
				if !slices.ContainsFunc(want.Alerts, func(a alert.Alert) bool { return a.Rule == rule }) {
					t.Errorf("no %s alert: the comparison would prove less than it says", rule)
				}
			}
			if diff := cmp.Diff(want.Alerts, got.Alerts); diff != "" {
				t.Errorf("alerts (-full +brief):\n%s", diff)
			}
			if diff := cmp.Diff(want.Incidents, got.Incidents); diff != "" {
				t.Errorf("incidents (-full +brief):\n%s", diff)
			}
			if diff := cmp.Diff(want.Files, got.Files, cmpopts.IgnoreUnexported(source.FileStats{})); diff != "" {
				t.Errorf("file statistics (-full +brief):\n%s", diff)
			}
			// Every rule match counts, thinned ones too; duplicates
			// count where no worker's thinning decides which copies are
			// kept (engine.Stats), so both are the same whoever read what.
			if want.Engine != got.Engine {
				t.Errorf("engine stats: full %+v, brief %+v", want.Engine, got.Engine)
			}
		})
	}
}
