package simulate

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/incident"
)

// TestChoresComeRoundAndStayQuiet: every tenant has chores done every 16
// to 26 days by people who do nothing else (rare.go), first within the
// baseline. A hunt of 30 days sees each come round after it, no first_seen
// rule calls its owner, region, service or subscription maker new (each
// did with 14 days of memory: the rules' versions before) and no alert on
// them is high (the quota burst of capacity planning was; so was the
// traveller's risky sign-in before her usual GPU machine, with
// risky_then_quota_or_compute version 7), while the attack beside them
// still fires all it must.
func TestChoresComeRoundAndStayQuiet(t *testing.T) {
	t.Parallel()
	set, enr := loadRules(t, enrich.Options{OwnedIPs: simulatedOwned})
	firstSeen := map[string]bool{
		"azure.compute.first_time_deployer":                     true,
		"azure.compute.new_region":                              true,
		"azure.compute.unusual_service":                         true,
		"azure.compute.gpu_driver_extension.first_by_principal": true,
		"azure.subscription.first_subscription_by_principal":    true,
	}
	for seed := uint64(1); seed <= 3; seed++ {
		opt := Options{Seed: seed, Days: 30, Scenarios: []string{"gpu-scaleset-chain"}}
		dir, truth := write(t, opt)
		owners := map[string]string{} // UPN -> chore
		for _, c := range truth.Chores {
			owners[c.Principal] = c.Name
			if c.FirstDay >= truth.BaselineDays {
				t.Errorf("seed %d: %s first done on day %d, after the %d days of baseline", seed, c.Name, c.FirstDay, truth.BaselineDays)
			}
			if c.FirstDay+c.EveryDays >= opt.Days || c.EveryDays <= 14 {
				t.Errorf("seed %d: %s every %d days from day %d: it does not come round in the export after 14 days", seed, c.Name, c.EveryDays, c.FirstDay)
			}
			for _, x := range truth.Attacks {
				if slices.Contains(x.Principals, c.Principal) {
					t.Errorf("seed %d: %s's owner %s is a principal of %s", seed, c.Name, c.Principal, x.Scenario)
				}
			}
		}
		if len(owners) != 7 {
			t.Fatalf("seed %d: chores %+v, want seven, each by someone of their own", seed, truth.Chores)
		}
		if n := riskySignIns(t, dir, travellerOf(truth)); n == 0 {
			t.Errorf("seed %d: the traveller's trips hold no risky sign-in", seed)
		}
		res := huntWritten(t, dir, truth, set, enr)
		checkHunt(t, seed, truth, res)
		seen := map[string]int{} // chore -> alerts naming its owner
		for _, a := range res.Alerts {
			chore, ok := owners[strings.ToLower(a.Principal)]
			if !ok {
				continue
			}
			seen[chore]++
			if firstSeen[a.Rule] || a.Severity >= alert.High {
				t.Errorf("seed %d: %s (%s) alerted on the %s chore: %s", seed, a.Rule, a.Severity, chore, a.Summary)
			}
		}
		// The GPU benchmark's machines are GPU machines each round: its
		// low activity alerts prove the chores were read at all.
		for _, c := range []string{"gpu-benchmark", "traveller"} {
			if seen[c] < 4 {
				t.Errorf("seed %d: %d alerts on the %s's two rounds, want its GPU machines and drivers (4 at least)", seed, seen[c], c)
			}
		}
		// Nothing pages but the attack: the new engineers an onboarding
		// brings (a grant, a first VM) are no one's chore owner.
		byID := map[string]alert.Alert{}
		for _, a := range res.Alerts {
			byID[a.ID] = a
		}
		for _, in := range res.Incidents {
			if in.Severity < alert.High {
				continue
			}
			if !slices.ContainsFunc(in.Timeline, func(e incident.Entry) bool { return involves(byID[e.Alert], truth.Attacks[0]) }) {
				t.Errorf("seed %d: %s incident %q holds nothing of the attack", seed, in.Severity, in.Title)
			}
		}
	}
}

func travellerOf(truth *Truth) string {
	for _, c := range truth.Chores {
		if c.Name == "traveller" {
			return c.Principal
		}
	}
	return ""
}

// riskySignIns counts the lines of the written logs that name upn and a
// sign-in at risk.
func riskySignIns(t *testing.T, dir, upn string) int {
	t.Helper()
	n := 0
	eachLine(t, dir, func(line []byte) error {
		if upn != "" && bytes.Contains(bytes.ToLower(line), []byte(upn)) && bytes.Contains(line, []byte(`"atRisk"`)) {
			n++
		}
		return nil
	})
	return n
}
