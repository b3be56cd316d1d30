package respond_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	mamori "github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/eval"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/respond"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// On simulated tenants holding every attack and every twin (three seeds,
// so names, regions, sizes and machines differ), each high or critical
// incident's plan acts on the attack and on nothing else: it cuts off
// only accounts an attack used, stops only compute an attack's accounts
// created (never a create Azure refused), removes only role assignments
// they made; and it leaves out nothing an attack left behind: every
// machine it ran, its role assignments, its raised quotas, its elevated
// access, the subscription it moved and those it created.
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
			checkPlans(t, truth, res.Alerts, res.Incidents)
		})
	}
}

func checkPlans(t *testing.T, truth *simulate.Truth, alerts []alert.Alert, incs []incident.Incident) {
	t.Helper()
	// What the attacks are: their accounts, and what their alerts say
	// they did while the attack went on (an account taken over also did
	// its owner's work, before and after: that is not the attack's).
	attacker := map[string]bool{}
	for _, a := range truth.Attacks {
		if !a.Twin {
			for _, p := range a.Principals {
				attacker[strings.ToLower(p)] = true
			}
		}
	}
	byAttacker := func(a *alert.Alert) bool {
		return slices.ContainsFunc(a.Acting(), func(id string) bool { return attacker[strings.ToLower(id)] })
	}
	inAttack := func(a *alert.Alert) bool {
		return slices.ContainsFunc(truth.Attacks, func(at simulate.Attack) bool {
			return !at.Twin && !a.Time.Before(at.Start) && !a.Time.After(at.End) &&
				slices.ContainsFunc(a.Acting(), func(id string) bool { return slices.Contains(at.Principals, strings.ToLower(id)) })
		})
	}
	byID := map[string]*alert.Alert{}
	// made: by an attack's account (what a plan may act on); did: in
	// the attack itself (what a plan must act on).
	made, did := map[string]bool{}, map[string]bool{}
	refused, quotas := map[string]bool{}, map[string]bool{}
	elevated, moved, aliases := false, "", map[string]bool{}
	for i := range alerts {
		a := &alerts[i]
		byID[a.ID] = a
		if a.Suppressed != nil || !byAttacker(a) {
			continue
		}
		during := inAttack(a)
		note := func(r string) {
			made[r] = true
			if during {
				did[r] = true
			}
		}
		for _, c := range a.Compute {
			if c.Count > 0 {
				note(strings.ToLower(c.Resource))
			}
		}
		for _, r := range a.Resources {
			low := strings.ToLower(r)
			switch {
			case strings.Contains(a.Summary, "Azure refused it") && len(a.Compute) == 0:
				refused[low] = true
			case strings.Contains(low, "/roleassignments/"):
				note(low)
			case strings.Contains(low, "/microsoft.quota/quotas/") && during:
				quotas[low] = true
			}
		}
		for _, e := range a.Evidence {
			switch op := strings.ToLower(e.Operation); {
			case strings.Contains(op, "elevateaccess") && during:
				elevated = true
			case strings.Contains(op, "changetenantrequest") && during:
				moved = strings.ToLower(a.Subscription)
			case strings.Contains(op, "subscription/aliases/write") && during:
				for _, r := range a.Resources {
					aliases[strings.ToLower(r[strings.LastIndex(r, "/")+1:])] = true
				}
			}
		}
	}
	for r := range refused {
		delete(refused, r) // a name an attack asked for again, and got
		if !made[r] {
			refused[r] = true
		}
	}

	names := incident.NamesOf(alerts)
	var acted []string // everything a plan's commands and targets name, lower case
	planned := 0
	for i := range incs {
		in := &incs[i]
		if in.Severity < alert.High {
			continue
		}
		planned++
		for _, s := range respond.Plan(in, byID, names) {
			text := strings.ToLower(strings.Join(append(slices.Clone(s.Targets), s.Commands...), "\n"))
			acted = append(acted, text)
			switch s.Action {
			case "accounts":
				for _, target := range s.Targets {
					id := strings.ToLower(strings.Fields(target)[0])
					if !attacker[id] && !slices.ContainsFunc(s.Commands, func(c string) bool { return commandsAttacker(c, attacker) }) {
						t.Errorf("%s: cuts off %s, whom no attack used", in.ID, target)
					}
				}
				for _, c := range s.Commands {
					if !commandsAttacker(c, attacker) {
						t.Errorf("%s: %s acts on someone no attack used", in.ID, c)
					}
				}
			case "compute":
				if len(s.Targets) != len(s.Commands) {
					t.Errorf("%s: %d targets, %d commands", in.ID, len(s.Targets), len(s.Commands))
				}
				for _, r := range s.Targets {
					if !made[strings.ToLower(r)] {
						t.Errorf("%s: stops %s, which no attack's account ran", in.ID, r)
					}
				}
			case "role_assignments":
				for _, r := range s.Targets {
					if !made[strings.ToLower(r)] {
						t.Errorf("%s: removes %s, which no attack's account made", in.ID, r)
					}
				}
			}
		}
	}
	t.Logf("%d plans; the attacks did %d, made %d, refused %d, quotas %d, elevated %v, moved %q, created %d subscriptions", planned, len(did), len(made), len(refused), len(quotas), elevated, moved, len(aliases))
	if planned == 0 {
		t.Fatal("no high or critical incident: the tenant's attacks were not found")
	}
	all := strings.Join(acted, "\n")
	for r := range refused {
		if strings.Contains(all, r+"\n") || strings.HasSuffix(all, r) {
			t.Errorf("a plan stops %s, a create Azure refused", r)
		}
	}
	for r := range did {
		if !strings.Contains(all, r) {
			t.Errorf("no plan acts on %s, which an attack left", r)
		}
	}
	for q := range quotas {
		family := q[strings.LastIndex(q, "/")+1:]
		if !strings.Contains(all, "--resource-name "+family) {
			t.Errorf("no plan lowers %s", q)
		}
	}
	if elevated && !strings.Contains(all, "--role 'user access administrator' --scope /") {
		t.Error("an attack elevated its access, and no plan removes it")
	}
	for name := range aliases {
		if !strings.Contains(all, "az account alias show --name "+name) {
			t.Errorf("an attack created subscription %s, and no plan says to cancel it", name)
		}
	}
	if moved != "" && !strings.Contains(all, moved) {
		t.Errorf("an attack moved subscription %s, and no plan says it", moved)
	}
}

// commandsAttacker reports whether a command names an attack's account
// (a UPN in a URL is escaped).
func commandsAttacker(c string, attacker map[string]bool) bool {
	if u, err := url.PathUnescape(c); err == nil {
		c = u
	}
	for id := range attacker {
		if strings.Contains(strings.ToLower(c), id) {
			return true
		}
	}
	return false
}
