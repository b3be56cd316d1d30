package hunt

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// An alert of a rule that fires for the address a write came from (an
// ARM write from an Azure address not the tenant's) says that address in
// its summary; another rule's alert on the same record says what the
// record did, as before.
func TestAddressRulesSayTheAddress(t *testing.T) {
	t.Parallel()
	res := huntSimulated(t, simulate.Options{Seed: 5, Days: 30, Scenarios: []string{"gpu-scaleset-chain"}})
	byRecord := map[string]string{} // the first evidence's file and offset → another rule's summary
	arm, shared := 0, 0
	for _, a := range res.Alerts {
		if a.Rule == "azure.signin.azure_ip_not_owned.arm" || len(a.Evidence) == 0 {
			continue
		}
		byRecord[recordOf(a)] = a.Summary
	}
	for _, a := range res.Alerts {
		if a.Rule != "azure.signin.azure_ip_not_owned.arm" {
			continue
		}
		arm++
		// ", from" the address, or "from" it where the record's own
		// summary says it (an elevation of access does).
		if len(a.IPs) == 0 || !strings.HasSuffix(a.Summary, " from "+a.IPs[0]) {
			t.Errorf("%s: summary %q, addresses %v", a.ID, a.Summary, a.IPs)
		}
		if other, ok := byRecord[recordOf(a)]; ok {
			shared++
			if strings.Contains(other, ", from ") {
				t.Errorf("another rule's alert on the same record says the address: %q", other)
			}
		}
	}
	if arm == 0 || shared == 0 {
		t.Fatalf("%d ARM writes from an Azure address, %d with another rule's alert: the test proves nothing", arm, shared)
	}
}

// recordOf names an alert's first record by its file and offset.
func recordOf(a alert.Alert) string {
	return fmt.Sprintf("%s|%d", a.Evidence[0].File, a.Evidence[0].Offset)
}

// huntSimulated hunts a simulated tenant with its baseline.
func huntSimulated(t *testing.T, o simulate.Options) *Result {
	t.Helper()
	sim := t.TempDir()
	truth, err := simulate.Write(sim, o)
	if err != nil {
		t.Fatal(err)
	}
	set, enr := catalogue(t)
	res, err := Run(context.Background(), expand(t, sim), Config{Rules: set, Enricher: enr, Workers: 2,
		Baseline: time.Duration(truth.BaselineDays) * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
