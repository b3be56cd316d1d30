package eval

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// small is a run kept fast: three tenants of ten days (five of baseline).
var small = Options{Tenants: 3, Seed: 11, Days: 10, Size: "small"}

func TestRunIsDeterministicAndConsistentWithTheTruth(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	one := small
	one.Progress = func(done, total int) {
		calls.Add(1)
		if total != small.Tenants || done < 1 || done > total {
			t.Errorf("progress %d/%d", done, total)
		}
	}
	a, err := Run(context.Background(), one)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != int64(small.Tenants) {
		t.Errorf("%d progress calls, want %d", calls.Load(), small.Tenants)
	}
	// Two workers finish in another order; the report must not change.
	two := small
	two.Workers = 2
	b, err := Run(context.Background(), two)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("the same seed gave different reports:\n%+v\n%+v", a, b)
	}

	// Rebuild the truths (simulating is cheap, hunting is not) and check
	// that every attack listing a rule is counted once, as TP or FN.
	listing, drawn := map[string]int{}, map[string]int{}
	attacks, twins := 0, 0
	for i := range small.Tenants {
		seed, names := plan(small.Seed, i)
		truth, err := simulate.Write(t.TempDir(), simulate.Options{Seed: seed, Size: small.Size, Days: small.Days, Scenarios: names})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range truth.Attacks {
			if x.Twin {
				twins++
				continue
			}
			attacks++
			drawn[x.Scenario]++
			for _, r := range x.MustFire {
				listing[r]++
			}
		}
	}
	if a.Attacks != attacks || a.Twins != twins || a.Attacks+a.Twins == 0 {
		t.Errorf("report has %d attacks and %d twins, truth %d and %d", a.Attacks, a.Twins, attacks, twins)
	}
	caught := 0
	for _, s := range a.Scenarios {
		if s.Attacks != drawn[s.Scenario] || s.Caught > s.Attacks {
			t.Errorf("scenario %s: %d caught of %d, the truth drew %d", s.Scenario, s.Caught, s.Attacks, drawn[s.Scenario])
		}
		caught += s.Caught
		delete(drawn, s.Scenario)
	}
	if len(drawn) > 0 || caught != a.Caught {
		t.Errorf("scenarios not reported %v; caught by scenario %d, in all %d", drawn, caught, a.Caught)
	}
	for _, s := range a.Rules {
		if s.TP+s.FN != listing[s.Rule] {
			t.Errorf("%s: TP %d + FN %d, but %d attacks list it", s.Rule, s.TP, s.FN, listing[s.Rule])
		}
		if s.TP+s.FP > 0 && s.Precision != float64(s.TP)/float64(s.TP+s.FP) {
			t.Errorf("%s: precision %v for TP %d FP %d", s.Rule, s.Precision, s.TP, s.FP)
		}
		if s.MaxTimeToAlert < s.MeanTimeToAlert {
			t.Errorf("%s: max time to alert %v under the mean %v", s.Rule, s.MaxTimeToAlert, s.MeanTimeToAlert)
		}
	}
	if !slices.IsSortedFunc(a.Rules, func(x, y RuleScore) int { return strings.Compare(x.Rule, y.Rule) }) {
		t.Error("rules are not sorted")
	}
	// Every rule that can alert is scored or said not measured, never
	// both; a rule that only feeds a correlation is not said to be.
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	corr := set.Correlations()
	for _, r := range set.Rules {
		scored := slices.ContainsFunc(a.Rules, func(s RuleScore) bool { return s.Rule == r.Name })
		un := slices.Contains(a.Unexercised, r.Name)
		switch {
		case corr.Silent(r.Name) && un:
			t.Errorf("%s only feeds correlations, but is said not measured", r.Name)
		case !corr.Silent(r.Name) && scored == un:
			t.Errorf("%s: scored %v, said not measured %v", r.Name, scored, un)
		}
	}
	if len(a.Unexercised) == 0 || !strings.Contains(a.Markdown(), "`"+a.Unexercised[0]+"`") {
		t.Errorf("the rules not measured are not named: %v", a.Unexercised)
	}
}

func TestPlanIsDeterministicAndMixesScenarios(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := range 80 {
		s1, n1 := plan(3, i)
		s2, n2 := plan(3, i)
		if s1 != s2 || !slices.Equal(n1, n2) {
			t.Fatalf("tenant %d planned twice differently", i)
		}
		if len(n1) < 1 || len(n1) > 2 || (len(n1) == 2 && n1[0] == n1[1]) {
			t.Fatalf("tenant %d: scenarios %v, want one or two distinct", i, n1)
		}
		for _, n := range n1 {
			seen[n] = true
		}
	}
	for _, n := range simulate.Scenarios() {
		if !seen[n] {
			t.Errorf("80 tenants never drew %s", n)
		}
	}
}

func TestRunRefusesNegativeCountsAndStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	if _, err := Run(context.Background(), Options{Tenants: -1}); err == nil {
		t.Error("negative tenants accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, small); err == nil {
		t.Error("a cancelled run returned a report")
	}
}

// TestMixedSizesAreDrawnPerTenant: mixed gives every size, the same for
// the same seed and tenant, and leaves a fixed size alone.
func TestMixedSizesAreDrawnPerTenant(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for i := range 50 {
		s := sizeOf(Mixed, 1, i)
		if s != sizeOf(Mixed, 1, i) {
			t.Fatalf("tenant %d: size drawn twice differs", i)
		}
		seen[s]++
	}
	if seen["small"] == 0 || seen["medium"] == 0 || seen["large"] == 0 || seen["small"] < seen["medium"] {
		t.Errorf("sizes over 50 tenants: %v", seen)
	}
	if got := sizeOf("medium", 1, 3); got != "medium" {
		t.Errorf("a fixed size became %q", got)
	}
	if _, err := Run(context.Background(), Options{Tenants: 1, Size: "huge"}); err == nil || !strings.Contains(err.Error(), "huge") {
		t.Errorf("an unknown size: %v", err)
	}
}

// An evaluation over another Activity Log shape says so in its command and
// in each note's command that rebuilds a tenant, and its tenants are
// written in that shape (a shape simulate refuses is refused here).
func TestShapeIsPassedOnAndNamed(t *testing.T) {
	t.Parallel()
	opt := small
	opt.Tenants, opt.Shape, opt.Notes = 2, simulate.ShapeREST, -1
	r, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(r.Command(), " --shape rest") || !strings.Contains(r.summary(), "Activity Log as rest") {
		t.Errorf("command %q, summary %q", r.Command(), r.summary())
	}
	if len(r.Notes) == 0 {
		t.Fatal("no note: the test would prove nothing")
	}
	for _, n := range r.Notes {
		if strings.Contains(n, "mamori simulate") && !strings.Contains(n, "--shape rest --scenario") {
			t.Errorf("a note's command lacks the shape: %s", n)
		}
	}
	opt.Shape = "xml"
	if _, err := Run(context.Background(), opt); err == nil {
		t.Error("a shape simulate does not know was accepted")
	}
	if (&Report{Tenants: 1, Seed: 1, Days: 3, Size: "small"}).Command() != "mamori eval --tenants 1 --seed 1 --days 3 --tenant-size small" {
		t.Error("the default shape is named in the command")
	}
}

// TestMachineOSIsPassedOnAndNamed: an evaluation of Windows machines
// writes its attacks so (the truth's os), and says so in its command, its
// summary and each note's command that rebuilds a tenant.
func TestMachineOSIsPassedOnAndNamed(t *testing.T) {
	t.Parallel()
	opt := small
	opt.Tenants, opt.MachineOS, opt.Notes = 2, simulate.OSWindows, -1
	r, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(r.Command(), " --machine-os windows") || !strings.Contains(r.summary(), "the attackers' machines windows") {
		t.Errorf("command %q, summary %q", r.Command(), r.summary())
	}
	if len(r.Notes) == 0 {
		t.Fatal("no note: the test would prove nothing")
	}
	for _, n := range r.Notes {
		if strings.Contains(n, "mamori simulate") && !strings.Contains(n, "--machine-os windows --scenario") {
			t.Errorf("a note's command lacks the system: %s", n)
		}
	}
	// The first tenant of the plan with a GPU chain, written as Run writes it.
	for i := range 100 {
		if _, names := plan(opt.Seed, i); !slices.Contains(names, "gpu-scaleset-chain") {
			continue
		}
		truth, _, err := simulated(t.TempDir(), opt, i)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range truth.Attacks {
			if a.Scenario == "gpu-scaleset-chain" && a.OS != simulate.OSWindows {
				t.Errorf("tenant %d's GPU chain on %q", i, a.OS)
			}
		}
		return
	}
	t.Error("a hundred tenants planned no GPU chain")
}

// TestRuleDirsAreHuntedAndScored: rules given beside the catalogue are
// hunted in every tenant and scored like the catalogue's, and the command
// names them. This one matches every VM write and is tagged privilege
// escalation and persistence, as SigmaHQ's "Number Of Resource Creation
// Or Deployment Activities" is: it fires on the tenants' routine GPU work,
// which must not become incidents at high (it made hundreds over twenty
// tenants while its tags placed its alerts before the compute).
func TestRuleDirsAreHuntedAndScored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const broad = `title: Every VM write
id: 7d2c9a30-1b1e-4d8a-9a51-0f3e2b6c4d11
status: test
logsource: {product: azure, service: activitylogs}
tags: [attack.privilege-escalation, attack.persistence, attack.t1098]
detection:
  keywords: [Microsoft.Compute/virtualMachines/write]
  condition: keywords
level: medium
`
	if err := os.WriteFile(filepath.Join(dir, "broad.yml"), []byte(broad), 0o644); err != nil {
		t.Fatal(err)
	}
	opt := small
	opt.RuleDirs = []string{dir}
	r, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(r.Rules, func(s RuleScore) bool { return strings.Contains(s.Rule, "7d2c9a30") })
	if i < 0 || r.Rules[i].FP == 0 {
		t.Fatalf("the rule given is not scored, or fired on nothing: %+v", r.Rules)
	}
	if !strings.HasSuffix(r.Command(), " --rules "+dir) || !strings.Contains(r.summary(), "with the rules in "+dir) {
		t.Errorf("command %q, summary %q: the rules given are not named", r.Command(), r.summary())
	}
	// A rule named only by its id is shown by its title and the id's
	// first part, as the hunt's table shows it.
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "Every VM write (7d2c9a30)") || !strings.Contains(r.Markdown(), "`Every VM write (7d2c9a30)`") {
		t.Errorf("the rule is not shown by its title:\n%s", table.String())
	}
	// Ten-day tenants learn for five: a data scientist's first driver
	// install after them is a high incident of its own, with or without
	// the rule. The rule must add none, and tie no one into an attack.
	alone, err := Run(context.Background(), small)
	if err != nil {
		t.Fatal(err)
	}
	if r.FalseIncidents != alone.FalseIncidents || r.Mixed != alone.Mixed || r.Caught != alone.Caught {
		t.Errorf("with the broad rule: %d false incidents, %d mixed, %d of %d attacks caught; the catalogue alone: %d, %d, %d",
			r.FalseIncidents, r.Mixed, r.Caught, r.Attacks, alone.FalseIncidents, alone.Mixed, alone.Caught)
	}
}

// TestCommandQuotesRulePaths: the command line a report gives can be
// pasted into a shell whatever the rules' folder is called.
func TestCommandQuotesRulePaths(t *testing.T) {
	t.Parallel()
	r := Report{Tenants: 1, Seed: 1, Days: 30, Size: "small", RuleDirs: []string{"sigma/rules/cloud/azure", "my rules/it's"}}
	want := `mamori eval --tenants 1 --seed 1 --days 30 --tenant-size small --rules sigma/rules/cloud/azure --rules 'my rules/it'\''s'`
	if got := r.Command(); got != want {
		t.Errorf("command %q, want %q", got, want)
	}
}

// TestTenantsHuntedTogetherScoreAsAlone: tenants hunted several at a time
// (a service's folders) score exactly as each hunted alone: every record
// that names no tenant placed in its own, no alert lost to another or to
// none. Three at a time, so one hunt also reads a group of two.
func TestTenantsHuntedTogetherScoreAsAlone(t *testing.T) {
	t.Parallel()
	opt := small
	opt.Tenants, opt.Notes = 5, -1
	alone, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Together = 3
	together, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if together.Together != 3 || together.Unplaced != 0 {
		t.Errorf("together %d, unplaced %d: want 3 and none", together.Together, together.Unplaced)
	}
	if !strings.HasSuffix(together.Command(), " --together 3") || !strings.Contains(together.summary(), "hunted 3 at a time, 0 alerts placed in no tenant") {
		t.Errorf("command %q, summary %q", together.Command(), together.summary())
	}
	if together.Attacks == 0 || alone.Caught != alone.Attacks {
		t.Fatalf("%d attacks, %d caught alone: the test proves nothing", alone.Attacks, alone.Caught)
	}
	together.Together, together.Unplaced = 0, 0
	if !reflect.DeepEqual(alone, together) {
		t.Errorf("hunted together, the report differs:\n%+v\nalone:\n%+v", together, alone)
	}
}

// A short export (10 days, 5 of them learning) must not make the teams'
// routine GPU work new every time they pause for longer than the learning
// period: --baseline sets the learning, not the rules' memory. Before,
// every tenant of this run had a false high incident.
func TestShortExportsMakeNoFalseIncident(t *testing.T) {
	t.Parallel()
	r, err := Run(context.Background(), Options{Tenants: 4, Seed: 6, Days: 10, Size: "small"})
	if err != nil {
		t.Fatal(err)
	}
	if r.FalseIncidents != 0 || r.Caught != r.Attacks {
		t.Errorf("%d false incidents, %d of %d attacks caught; want none false and all caught", r.FalseIncidents, r.Caught, r.Attacks)
	}
}
