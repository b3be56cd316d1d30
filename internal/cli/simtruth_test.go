package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	mamori "github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/eval"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// TestHuntingASimulatedTenantFindsWhatTheDemoFinds: 'mamori demo --keep'
// and 'mamori simulate' hand users a folder to hunt themselves. The demo
// and eval hunt it with the tenant's own addresses and baseline, which
// its truth.json holds; a user's plain 'mamori hunt DIR' took the
// company's own ranges for strangers (flows from its machines to its own
// addresses on a port pools use: eight false mining incidents in the
// demo's tenant). The hunt takes them from truth.json, says so, and finds
// the same alerts as the demo.
func TestHuntingASimulatedTenantFindsWhatTheDemoFinds(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	truth, err := simulate.Write(d, simulate.Options{Seed: 1, Days: 12, Scenarios: []string{"gpu-scaleset-chain", "gpu-scaleset-chain-twin"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(truth.OwnedIPs) == 0 {
		t.Fatal("the simulated tenant owns no addresses: the test shows nothing")
	}
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	prices, err := incident.LoadPrices("")
	if err != nil {
		t.Fatal(err)
	}
	res, err := eval.HuntTenant(t.Context(), d, truth, set, prices)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, a := range res.Alerts {
		want = append(want, a.ID)
	}
	code, out, errs := run(t, "", "hunt", "--format", "jsonl", d)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got []string
	for _, a := range jsonl(t, out) {
		got = append(got, a.ID)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("mamori hunt DIR: %d alerts, the demo's path %d", len(got), len(want))
	}
	if !strings.Contains(errs, "truth.json") || !strings.Contains(errs, truth.OwnedIPs[0]) {
		t.Errorf("the hunt does not say it took the simulated tenant's own addresses:\n%s", errs)
	}
	// serve, over the same folder, keeps the same alerts.
	db := filepath.Join(t.TempDir(), "m.db")
	if code, _, errs := run(t, "", "serve", "--once", "--store", db, d); code != ExitOK || !strings.Contains(errs, "describes a simulated tenant") {
		t.Fatalf("serve: exit %d: %s", code, errs)
	}
	code, out, errs = run(t, "", "alerts", "--store", db, "--since", "3650d", "--format", "jsonl")
	if code != ExitOK {
		t.Fatalf("alerts: exit %d: %s", code, errs)
	}
	got = got[:0]
	for _, a := range jsonl(t, out) {
		got = append(got, a.ID)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("mamori serve DIR kept %d alerts, the demo's path %d", len(got), len(want))
	}
	// A truth.json that is not the simulator's is nothing of the kind.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "truth.json"), []byte(`{"owned_ips":["192.0.2.0/24"]}`), 0o644)
	if _, _, errs := run(t, "", "hunt", other); strings.Contains(errs, "192.0.2.0/24") {
		t.Errorf("another truth.json was taken for a simulation's:\n%s", errs)
	}
}
