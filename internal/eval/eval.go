// Package eval measures the detection catalogue against simulated tenants:
// it simulates many tenants with attacks and their benign twins (package
// simulate), hunts each exactly as `mamori hunt` would, compares the alerts
// with what was injected, and scores every rule. `mamori eval` prints the
// result and docs/detections.md carries its Markdown form.
//
// Attribution: an alert is about an injected scenario when one of its
// records lies in the scenario's time span and it names one of the
// scenario's principals or resources, or names neither (see Attributed).
// The records count, not the alert's first and last times: an alert
// merging two attacks days apart is not about a twin between them.
//
// Scores, per rule:
//
//   - TP: an attack lists the rule in MustFire and an alert of the rule is
//     attributed to that attack. FN: it lists the rule and none is. So
//     TP+FN is the number of attacks whose scenario lists the rule.
//   - FP counts false alarm occasions, in the same unit as TP (one per
//     rule and story, not per alert, since one story fires a rule many
//     times): one per benign twin an alert of the rule is attributed to,
//     plus one per tenant where the rule alerted on background activity
//     (attributed to no scenario). FPAlerts counts the alerts themselves.
//     An alert attributed to an attack whose MustFire omits its rule is
//     neither: it is about the attack, just not required.
//   - Precision = TP/(TP+FP), Recall = TP/(TP+FN); either is 1 when its
//     denominator is 0 (nothing to get wrong).
//   - Time to alert = the first record in the attack's span of an alert of
//     the rule attributed to it (alert.FirstWithin: when the alert lists
//     only some of its records, the earliest moment the rest can have in
//     the span) − the attack's Start, averaged and maximised over the
//     attacks where the rule fired.
//
// A false incident is an incident at high or critical severity whose alerts
// are all attributed to no attack: made only of twin or background alerts.
// An attack is caught when an incident at high or critical holds one of the
// alerts attributed to it: what a defender would be paged for. Such an
// incident is mixed when it also holds an alert attributed to no attack
// that names a principal none of the attacks used (a colleague tied in by
// a shared address): someone a responder would wrongly suspect.
package eval

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
)

// DefaultTenants is how many tenants Run simulates when Options.Tenants is 0.
const DefaultTenants = 50

// Options say what to evaluate.
type Options struct {
	Tenants int    // tenants to simulate; default DefaultTenants
	Seed    uint64 // the same seed gives the same report
	Days    int    // days of logs per tenant; default 30
	Size    string // small, medium, large or mixed (drawn per tenant); default small
	// Shape is the Activity Log's export shape in every tenant
	// (simulate.ShapeRecords, ShapeREST, ShapeLogAnalytics); default records.
	Shape string
	// MachineOS is the system of the attackers' machines in every tenant
	// (simulate.OSLinux, OSWindows); default drawn per attack.
	MachineOS string
	Workers   int // tenants hunted at once; default 1
	// Progress, when set, is called after each tenant (from any worker,
	// one call at a time).
	Progress func(done, total int)
	// Notes caps the report's notes: 0 means DefaultNotes, negative means
	// every note.
	Notes int
	// NotesRule keeps only the notes about this rule (empty: all rules), so
	// each of one rule's false positives can be traced to its tenant.
	NotesRule string
	// RuleDirs are folders (or files) of more Sigma rules hunted beside
	// the catalogue, scored alike: SigmaHQ's, a team's own. Their
	// alerts join the incidents, so the report also says what they do to
	// those (false incidents, people tied into an attack's).
	RuleDirs []string
	// Together hunts this many tenants at a time, each in a folder of its
	// own under one root, as a service over many tenants or a responder
	// with several tenants' exports does; 0 or 1 hunts each alone. Each
	// tenant is scored on the alerts and incidents of its own tenant id:
	// an alert placed in no tenant, or in another, is lost to it, so the
	// table measures that the hunt places every record (owner.Table)
	// besides the detections.
	Together int
}

// DefaultNotes is how many notes a report lists unless asked: a catalogue
// regression on 50 tenants would otherwise bury the table.
const DefaultNotes = 20

// RuleScore is how one rule did over every tenant.
type RuleScore struct {
	Rule      string
	Title     string // the rule's title
	TP, FP    int
	FN        int
	FPAlerts  int // alerts behind FP
	Precision float64
	Recall    float64
	// Over the attacks where the rule fired; zero when it never did.
	MeanTimeToAlert, MaxTimeToAlert time.Duration
	Missed                          []string // scenarios it missed at least once, sorted
	FiredOn                         []string // twins it fired on, and "background", sorted
}

// ScenarioScore is how many attacks of one scenario the tenants held, and
// how many of them were caught.
type ScenarioScore struct {
	Scenario        string
	Attacks, Caught int
}

// Report is the result of an evaluation.
type Report struct {
	Tenants int
	Seed    uint64
	Days    int
	Size    string
	Shape   string // the Activity Log's shape; "" for the default, records
	// MachineOS is the attackers' machines' system; "" when drawn.
	MachineOS string
	// RuleDirs are the folders of rules hunted beside the catalogue.
	RuleDirs []string
	Rules    []RuleScore // sorted by rule
	Attacks  int         // attacks injected
	Twins    int         // benign twins injected
	// FalseIncidents are incidents at high or critical made only of twin
	// or background alerts.
	FalseIncidents int
	// Caught are the attacks in an incident at high or critical: one
	// holding an alert attributed to the attack.
	Caught int
	// Scenarios are the attacks drawn and caught, per attack scenario,
	// sorted by its name.
	Scenarios []ScenarioScore
	// Mixed are the incidents at high or critical holding an attack's
	// alerts and alerts of someone no attack used (a colleague tied in
	// by a shared address or resource): what a responder would wrongly
	// suspect.
	Mixed int
	// Plans are the plans made (respond.Plan, one per incident at high or
	// critical); PlanActs what the attacks did that a plan must act on,
	// PlanMissed those no plan acts on, PlanWrong what plans act on that
	// no attack's account did (ScorePlans).
	Plans, PlanActs, PlanMissed, PlanWrong int
	Notes                                  []string
	// Unexercised are the rules that can alert but no simulated attack
	// listed and none fired on any tenant: quiet on every benign
	// background and twin, their recall not measured here (their rule
	// scenarios are its only measure).
	Unexercised []string
	// Together is how many tenants each hunt read (Options.Together);
	// Unplaced counts their alerts that named no tenant.
	Together, Unplaced int
}

// Run simulates opt.Tenants tenants, hunts each and scores the rules.
// Tenant i's simulation seed and scenarios derive from opt.Seed and i only,
// so the report does not depend on Workers.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if opt.Tenants == 0 {
		opt.Tenants = DefaultTenants
	}
	if opt.Tenants < 0 || opt.Days < 0 || opt.Workers < 0 || opt.Together < 0 {
		return nil, errors.New("tenants, days, workers and together must not be negative")
	}
	together := min(max(opt.Together, 1), opt.Tenants)
	if opt.Days == 0 {
		opt.Days = 30
	}
	if opt.Size == "" {
		opt.Size = "small"
	}
	if err := CheckSize(opt.Size); err != nil {
		return nil, err
	}
	groups := (opt.Tenants + together - 1) / together
	workers := min(max(opt.Workers, 1), groups)
	prices, err := incident.LoadPrices("")
	if err != nil {
		return nil, fmt.Errorf("prices: %w", err)
	}
	load := func() (*rules.Set, error) {
		return rules.Load(rules.Options{Builtin: mamori.Rules, Dirs: opt.RuleDirs})
	}
	// The first worker's set also gives the report the rules' titles
	// (SigmaHQ's rules are named only by their ids).
	first, err := load()
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	titles := map[string]string{}
	corr := first.Correlations()
	var alerting []string // rules that can make an alert: not only a correlation's input
	for _, r := range first.Rules {
		titles[r.Name] = r.Sigma.Title
		if corr == nil || !corr.Silent(r.Name) {
			alerting = append(alerting, r.Name)
		}
	}
	// Each tenant's tally is kept (they are small) and merged in tenant
	// order afterwards, so the merge is the same whatever finished first.
	tallies := make([]*tally, opt.Tenants)
	unplaced := make([]int, groups)
	next := make(chan int) // a group: tenants g*together onwards
	errs := make([]error, workers)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// A rule set per worker: hunts must not share compiled state.
			set := first
			if w > 0 {
				var err error
				if set, err = load(); err != nil {
					errs[w] = fmt.Errorf("rules: %w", err)
				}
			}
			for g := range next {
				if errs[w] != nil {
					continue // drain so the feeder never blocks
				}
				first := g * together
				ids := make([]int, 0, together)
				for i := first; i < min(first+together, opt.Tenants); i++ {
					ids = append(ids, i)
				}
				var err error
				if len(ids) == 1 {
					tallies[first], err = tenant(ctx, opt, first, set, prices)
				} else {
					unplaced[g], err = hunted(ctx, opt, ids, set, prices, tallies)
				}
				if err != nil {
					errs[w] = fmt.Errorf("tenant %d: %w", first, err)
					continue
				}
				if opt.Progress != nil {
					mu.Lock()
					done += len(ids)
					opt.Progress(done, opt.Tenants)
					mu.Unlock()
				}
			}
		})
	}
	for g := range groups {
		if ctx.Err() != nil {
			break
		}
		next <- g
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	total := newTally()
	for _, t := range tallies {
		total.merge(t)
	}
	notes := opt.Notes
	if notes == 0 {
		notes = DefaultNotes
	}
	r := total.report(notes, opt.NotesRule)
	r.Tenants, r.Seed, r.Days, r.Size, r.Shape, r.MachineOS, r.RuleDirs = opt.Tenants, opt.Seed, opt.Days, opt.Size, opt.Shape, opt.MachineOS, opt.RuleDirs
	if together > 1 {
		r.Together = together
		for _, n := range unplaced {
			r.Unplaced += n
		}
	}
	for i := range r.Rules {
		r.Rules[i].Title = titles[r.Rules[i].Rule]
	}
	for _, name := range alerting {
		if !slices.ContainsFunc(r.Rules, func(s RuleScore) bool { return s.Rule == name }) {
			r.Unexercised = append(r.Unexercised, name)
		}
	}
	slices.Sort(r.Unexercised)
	return r, nil
}

// plan returns tenant i's simulation seed and its one or two scenarios,
// distinct, drawn from the catalogue (attacks and twins alike).
func plan(seed uint64, i int) (uint64, []string) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	names := simulate.Scenarios()
	r.Shuffle(len(names), func(a, b int) { names[a], names[b] = names[b], names[a] })
	n := min(1+r.IntN(2), len(names))
	return r.Uint64(), names[:n]
}

// Mixed is the size that draws each tenant's size: a detection that holds
// in small tenants may not in larger ones, whose teams do more of the
// same things at once.
const Mixed = "mixed"

// CheckSize says whether Run can simulate tenants of that size: small,
// medium, large or mixed. (Run takes "" for small; a command whose flag
// already defaults to small should not.)
func CheckSize(size string) error {
	switch size {
	case "small", "medium", "large", Mixed:
		return nil
	}
	return fmt.Errorf("size must be small, medium, large or %s, not %q", Mixed, size)
}

// sizeOf returns tenant i's size under opt.Size: mixed draws six small,
// three medium and one large in ten, from its own stream (plan's stays
// what it was).
func sizeOf(size string, seed uint64, i int) string {
	if size != Mixed {
		return size
	}
	r := rand.New(rand.NewPCG(seed^0x73697a65, uint64(i)))
	switch n := r.IntN(10); {
	case n < 6:
		return "small"
	case n < 9:
		return "medium"
	}
	return "large"
}

// tenant simulates tenant i into a temporary folder, hunts it and scores it;
// the folder is removed before it returns, so disk use stays one tenant per
// worker.
func tenant(ctx context.Context, opt Options, i int, set *rules.Set, prices *incident.Prices) (*tally, error) {
	dir, err := os.MkdirTemp("", "mamori-eval-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	truth, where, err := simulated(dir, opt, i)
	if err != nil {
		return nil, err
	}
	res, err := HuntTenant(ctx, dir, truth, set, prices)
	if err != nil {
		return nil, err
	}
	t := newTally()
	t.score(where, truth.Attacks, res.Alerts, res.Incidents)
	return t, nil
}

// simulated writes tenant i into dir, and names it in notes by the
// command that rebuilds it.
func simulated(dir string, opt Options, i int) (*simulate.Truth, string, error) {
	seed, names := plan(opt.Seed, i)
	size := sizeOf(opt.Size, opt.Seed, i)
	truth, err := simulate.Write(dir, simulate.Options{Seed: seed, Size: size, Days: opt.Days, Scenarios: names, Shape: opt.Shape, MachineOS: opt.MachineOS})
	where := fmt.Sprintf("tenant %d (mamori simulate --seed %d --days %d --tenant-size %s%s%s --scenario %s)",
		i, seed, opt.Days, size, shapeFlag(opt.Shape), osFlag(opt.MachineOS), strings.Join(names, " --scenario "))
	return truth, where, err
}

// hunted simulates tenants ids, each in a folder of its own under one
// root, hunts the root once and scores each tenant on the alerts and
// incidents of its tenant id (into tallies); it returns how many alerts
// named no tenant. Simulated tenants share their egress ranges and
// baseline (truth.json): the hunt takes them as a service's settings.
func hunted(ctx context.Context, opt Options, ids []int, set *rules.Set, prices *incident.Prices, tallies []*tally) (int, error) {
	root, err := os.MkdirTemp("", "mamori-eval-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(root)
	truths := make([]*simulate.Truth, len(ids))
	wheres := make([]string, len(ids))
	for k, i := range ids {
		if truths[k], wheres[k], err = simulated(filepath.Join(root, fmt.Sprint(i)), opt, i); err != nil {
			return 0, err
		}
		if !slices.Equal(truths[k].Owned(), truths[0].Owned()) || truths[k].Baseline() != truths[0].Baseline() {
			return 0, fmt.Errorf("tenant %d: its egress or baseline differs from tenant %d's: one hunt cannot take both", i, ids[0])
		}
	}
	res, err := HuntTenant(ctx, root, truths[0], set, prices)
	if err != nil {
		return 0, err
	}
	for k, i := range ids {
		tenant := truths[k].Tenant
		var alerts []alert.Alert
		for _, a := range res.Alerts {
			if strings.EqualFold(a.Tenant, tenant) {
				alerts = append(alerts, a)
			}
		}
		var incs []incident.Incident
		for _, in := range res.Incidents {
			if strings.EqualFold(in.Tenant, tenant) {
				incs = append(incs, in)
			}
		}
		tallies[i] = newTally()
		tallies[i].score(wheres[k], truths[k].Attacks, alerts, incs)
	}
	n := 0
	for _, a := range res.Alerts {
		if a.Tenant == "" {
			n++
		}
	}
	return n, nil
}

// HuntTenant hunts a simulated tenant's folder as its truth says: with the
// tenant's own addresses, its baseline window, and truth.json left out.
// The enricher learns addresses as it reads, so each tenant gets its own.
func HuntTenant(ctx context.Context, dir string, truth *simulate.Truth, set *rules.Set, prices *incident.Prices) (*hunt.Result, error) {
	enr, err := enrich.Load(enrich.Options{OwnedIPs: truth.Owned()})
	if err != nil {
		return nil, err
	}
	all, err := source.Expand([]string{dir}, nil)
	if err != nil {
		return nil, err
	}
	inputs := slices.DeleteFunc(all, func(in source.Input) bool { return filepath.Base(in.Name) == "truth.json" })
	return hunt.Run(ctx, inputs, hunt.Config{Rules: set, Enricher: enr, Incidents: incident.Options{Prices: prices}, Baseline: truth.Baseline()})
}
