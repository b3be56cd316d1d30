package hunt

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/samples"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
)

// notSeen hunts inputs and returns the kinds the hunt says it did not see.
func notSeen(t *testing.T, inputs []source.Input) []event.Kind {
	t.Helper()
	set, enr := catalogue(t)
	res, err := Run(context.Background(), inputs, Config{Rules: set, Enricher: enr, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var ks []event.Kind
	for _, g := range res.NotSeen {
		if res.Kinds[g.Kind] != 0 {
			t.Errorf("%s: %d events read, yet listed as not seen", g.Source, res.Kinds[g.Kind])
		}
		ks = append(ks, g.Kind)
	}
	return ks
}

var beyondActivity = []event.Kind{event.KindSignIn, event.KindAudit, event.KindFlow, event.KindDNS, event.KindProcess, event.KindAlert, event.KindRisk}

// TestHuntSaysWhatItDidNotSee hunts a simulated tenant whose agents reach
// every machine, which exports every log, then only its Activity Log.
func TestHuntSaysWhatItDidNotSee(t *testing.T) {
	t.Parallel()
	sim := t.TempDir()
	if _, err := simulate.Write(sim, simulate.Options{Seed: 3, Days: 3, HostAgents: simulate.AgentsAll}); err != nil {
		t.Fatal(err)
	}
	if got := notSeen(t, expand(t, sim)); len(got) != 0 {
		t.Errorf("every log was exported, yet not seen: %v", got)
	}
	// The simulated Activity Log records Defender's alerts too.
	got := notSeen(t, expand(t, filepath.Join(sim, "insights-activity-logs")))
	want := slices.DeleteFunc(slices.Clone(beyondActivity), func(k event.Kind) bool { return k == event.KindAlert })
	if !slices.Equal(got, want) {
		t.Errorf("the Activity Log alone: not seen %v, want %v", got, want)
	}
}

// TestRealSamplesOfEveryLogMissNothing hunts the shared corpus's real
// records (skipped without it): one file of each log misses nothing, the
// Activity Log file alone misses the rest.
func TestRealSamplesOfEveryLogMissNothing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(samples.Dir(t), "samples", "elastic-integrations")
	files := []string{"azure_activitylogs_raw.ndjson", "azure_auditlogs_raw.ndjson", "azure_firewall_AZFWDnsQuery_structured.ndjson",
		"azure_firewall_AZFWNetworkRule_structured.ndjson", "azure_signinlogs_raw_lines1and3.ndjson", "m365_defender_streaming_DeviceProcessEvents.ndjson"}
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(dir, f))
	}
	// The shared corpus has no Defender for Cloud alert: the REST API's
	// own example stands for that log. Nor any risk detection: the
	// entra reader's fixture, in the shape Graph documents and a live
	// capture of the diagnostic export showed, stands for those.
	paths = append(paths, filepath.Join("..", "source", "securityalert", "testdata", "rest_GetAlertsSubscription_example.json"),
		filepath.Join("..", "source", "entra", "testdata", "risk_diag_user.json"))
	if got := notSeen(t, expand(t, paths...)); len(got) != 0 {
		t.Errorf("a sample of every log, yet not seen: %v", got)
	}
	if got := notSeen(t, expand(t, paths[0])); !slices.Equal(got, beyondActivity) {
		t.Errorf("the Activity Log sample alone: not seen %v, want %v", got, beyondActivity)
	}
}
