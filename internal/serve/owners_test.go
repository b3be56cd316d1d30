package serve

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// TestTenantlessLogsPlacedAcrossCycles: a service over two tenants, each
// in a folder of its own. A cycle that reads only their flow logs,
// firewall DNS lookups and hosts' process logs (none names a tenant)
// places each alert in its tenant by the subscriptions and folders
// earlier cycles read (the store's sightings), with the id one hunt over
// everything gives it.
func TestTenantlessLogsPlacedAcrossCycles(t *testing.T) {
	staged := t.TempDir()
	for name, o := range map[string]simulate.Options{
		"a": {Seed: 11, Days: 7, Scenarios: []string{"gpu-scaleset-chain"}, HostAgents: simulate.AgentsAll},
		"b": {Seed: 12, Days: 7, Scenarios: []string{"cpu-mining"}, HostAgents: simulate.AgentsAll},
	} {
		if _, err := simulate.Write(filepath.Join(staged, name), o); err != nil {
			t.Fatal(err)
		}
	}
	// The logs that name no tenant, by their folders in the simulation.
	unnamedLog := func(rel string) bool {
		for _, d := range []string{"insights-logs-flowlogflowevent", "firewall-eventhub", "hosts"} {
			if strings.Contains(filepath.ToSlash(rel), "/"+d+"/") {
				return true
			}
		}
		return false
	}
	st, watched := openStore(t), t.TempDir()
	stage := func(second bool) {
		t.Helper()
		copyFiles(t, staged, watched, func(rel string) bool { return filepath.Base(rel) != "truth.json" && unnamedLog(rel) == second })
	}
	process := newProcess(t)
	stage(false)
	cycle(t, st, watched, process())
	stage(true)
	got := map[string]string{} // alert id → tenant
	c2 := cycle(t, st, watched, process())
	if c2.Carried == 0 {
		t.Error("the second cycle read no carried record: the count of records read again is not tested")
	}
	for _, a := range c2.Fresh {
		if strings.HasPrefix(a.Rule, "azure.network.") || strings.HasPrefix(a.Rule, "azure.dns.") || strings.HasPrefix(a.Rule, "azure.host.") {
			got[a.ID] = a.Tenant
		}
	}
	hr, err := hunt.Run(t.Context(), inputsOf(t, watched), process())
	if err != nil {
		t.Fatal(err)
	}
	// The store counted each record once, as the one hunt did: the
	// records carried into the second cycle were counted by the first.
	if seen, err := st.Sightings(t.Context()); err != nil {
		t.Fatal(err)
	} else if !reflect.DeepEqual(seen, hr.Sightings) {
		t.Errorf("the store's sightings\n%v\none hunt's\n%v", seen, hr.Sightings)
	}
	want := map[string]string{}
	for _, a := range hr.Alerts {
		if _, ok := got[a.ID]; ok || strings.HasPrefix(a.Rule, "azure.network.") || strings.HasPrefix(a.Rule, "azure.dns.") || strings.HasPrefix(a.Rule, "azure.host.") {
			want[a.ID] = a.Tenant
		}
	}
	if len(want) == 0 {
		t.Fatal("one hunt: no flow, DNS or host alert: the test proves nothing")
	}
	for id, tenant := range want {
		if tenant == "" {
			t.Errorf("one hunt: alert %s has no tenant", id)
		}
		if g, ok := got[id]; !ok {
			t.Errorf("served: no alert %s (one hunt's, of tenant %s)", id, tenant)
		} else if g != tenant {
			t.Errorf("served: alert %s of tenant %q, one hunt's %q", id, g, tenant)
		}
	}
	for id, tenant := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("served: alert %s of tenant %q, not one hunt's", id, tenant)
		}
	}
}
