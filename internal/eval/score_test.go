package eval

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/simulate"
)

var t0 = time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)

// miner is an attack by mallory on a scale set, two hours long.
var miner = simulate.Attack{Scenario: "gpu-scaleset-chain", Principals: []string{"mallory@contoso.com"},
	Resources: []string{"/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/mine"},
	Start:     t0, End: t0.Add(2 * time.Hour), MustFire: []string{"gpu_created", "quota_raised", "noisy"}}

// training is the data-science twin, the next day.
var training = simulate.Attack{Scenario: "gpu-scaleset-chain-twin", Twin: true, Principals: []string{"dana@contoso.com"},
	Start: t0.Add(30 * time.Hour), End: t0.Add(32 * time.Hour), MustNotFire: []string{"gpu_created"}}

func at(id, rule, principal string, t time.Time) alert.Alert {
	a := alert.Alert{ID: id, Rule: rule, Time: t, Severity: alert.High}
	if principal != "" {
		a.PrincipalIDs = []string{principal}
	}
	return a
}

// merged is one alert of mallory's records at the times given, as a rule
// merging by principal and address makes of them.
func merged(times ...time.Time) alert.Alert {
	a := at("m", "gpu_created", "mallory@contoso.com", times[0])
	a.LastTime, a.Count = times[len(times)-1], len(times)
	for _, t := range times {
		a.Evidence = append(a.Evidence, alert.Evidence{Time: t})
	}
	return a
}

func TestAttributed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		a    alert.Alert
		want bool
	}{
		{"the attacker inside the span", at("a", "r", "Mallory@Contoso.com", t0.Add(time.Hour)), true},
		{"someone else inside the span", at("a", "r", "dana@contoso.com", t0.Add(time.Hour)), false},
		{"the attacker a day later", at("a", "r", "mallory@contoso.com", t0.Add(26*time.Hour)), false},
		{"an alert naming no one inside the span", at("a", "r", "", t0.Add(time.Minute)), true},
		{"an alert ending inside the span", alert.Alert{Time: t0.Add(-time.Hour), LastTime: t0.Add(time.Minute)}, true},
		{"the attacker's records the day before and the day after, none inside", merged(t0.Add(-24*time.Hour), t0.Add(26*time.Hour)), false},
		{"a resource under the attack's scale set", alert.Alert{Time: t0, Resources: []string{
			"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/mine/virtualMachines/3"}}, true},
		{"another resource", alert.Alert{Time: t0, Resources: []string{"/subscriptions/s/resourcegroups/rg/x"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Attributed(tc.a, miner); got != tc.want {
				t.Fatalf("Attributed = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScoring(t *testing.T) {
	t.Parallel()
	alerts := []alert.Alert{
		at("1", "gpu_created", "mallory@contoso.com", t0.Add(40*time.Minute)),
		at("2", "gpu_created", "mallory@contoso.com", t0.Add(20*time.Minute)), // the first one counts
		at("3", "gpu_created", "dana@contoso.com", t0.Add(31*time.Hour)),      // on the twin
		// noisy fires on the attack, the twin (twice) and the background.
		at("4", "noisy", "mallory@contoso.com", t0.Add(-time.Minute)), // just before Start: time to alert 0
		at("5", "noisy", "dana@contoso.com", t0.Add(31*time.Hour)),
		at("6", "noisy", "dana@contoso.com", t0.Add(31*time.Hour+time.Minute)),
		at("7", "noisy", "bob@contoso.com", t0.Add(-48*time.Hour)),
		at("8", "ok_extra", "mallory@contoso.com", t0.Add(time.Hour)), // on the attack, not required: neither
	}
	alerts[3].LastTime = t0.Add(time.Minute)
	incs := []incident.Incident{
		{Title: "attack", Severity: alert.Critical, Timeline: []incident.Entry{{Alert: "1"}, {Alert: "2"}, {Alert: "4"}}},
		{Title: "twin", Severity: alert.High, Timeline: []incident.Entry{{Alert: "3"}, {Alert: "5"}}},
		{Title: "background", Severity: alert.Medium, Timeline: []incident.Entry{{Alert: "7"}}},
	}
	tl := newTally()
	tl.score("tenant 0", []simulate.Attack{miner, training}, alerts, incs)
	r := tl.report(DefaultNotes, "")
	got := map[string]RuleScore{}
	for _, s := range r.Rules {
		got[s.Rule] = s
	}
	for _, tc := range []struct {
		name                 string
		rule                 string
		tp, fp, fn, fpAlerts int
		precision, recall    float64
		meanTTA              time.Duration
		missed, firedOn      string
	}{
		{"a rule firing on the attack and its twin", "gpu_created", 1, 1, 0, 1, 0.5, 1, 20 * time.Minute, "", "gpu-scaleset-chain-twin"},
		{"a rule that never fires", "quota_raised", 0, 0, 1, 0, 1, 0, 0, "gpu-scaleset-chain", ""},
		{"a rule firing on everything", "noisy", 1, 2, 0, 3, 1.0 / 3, 1, 0, "", "background,gpu-scaleset-chain-twin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := got[tc.rule]
			if s.TP != tc.tp || s.FP != tc.fp || s.FN != tc.fn || s.FPAlerts != tc.fpAlerts {
				t.Errorf("TP/FP/FN/FP alerts = %d/%d/%d/%d, want %d/%d/%d/%d", s.TP, s.FP, s.FN, s.FPAlerts, tc.tp, tc.fp, tc.fn, tc.fpAlerts)
			}
			if s.Precision != tc.precision || s.Recall != tc.recall {
				t.Errorf("precision %.3f recall %.3f, want %.3f %.3f", s.Precision, s.Recall, tc.precision, tc.recall)
			}
			if s.MeanTimeToAlert != tc.meanTTA || s.MaxTimeToAlert != tc.meanTTA {
				t.Errorf("time to alert mean %v max %v, want %v", s.MeanTimeToAlert, s.MaxTimeToAlert, tc.meanTTA)
			}
			if m, f := strings.Join(s.Missed, ","), strings.Join(s.FiredOn, ","); m != tc.missed || f != tc.firedOn {
				t.Errorf("missed %q fired on %q, want %q %q", m, f, tc.missed, tc.firedOn)
			}
		})
	}
	if _, ok := got["ok_extra"]; ok {
		t.Error("an unrequired rule firing on the attack was scored")
	}
	if r.Attacks != 1 || r.Twins != 1 || r.FalseIncidents != 1 || r.Caught != 1 {
		t.Errorf("attacks %d twins %d false incidents %d caught %d, want 1 1 1 1", r.Attacks, r.Twins, r.FalseIncidents, r.Caught)
	}
}

// An attack counts as caught when an incident at high or critical holds
// one of its alerts: not one at medium, not one holding only the twin's.
func TestAnAttackIsCaughtByAHighIncidentHoldingItsAlert(t *testing.T) {
	t.Parallel()
	alerts := []alert.Alert{
		at("1", "gpu_created", "mallory@contoso.com", t0.Add(20*time.Minute)),
		at("2", "gpu_created", "dana@contoso.com", t0.Add(31*time.Hour)), // the twin's
	}
	for _, tc := range []struct {
		name   string
		incs   []incident.Incident
		caught int
	}{
		{"a critical incident with the attack's alert", []incident.Incident{{Severity: alert.Critical, Timeline: []incident.Entry{{Alert: "1"}}}}, 1},
		{"the attack's alert in a medium incident only", []incident.Incident{{Severity: alert.Medium, Timeline: []incident.Entry{{Alert: "1"}}}}, 0},
		{"a high incident of the twin's alert", []incident.Incident{{Severity: alert.High, Timeline: []incident.Entry{{Alert: "2"}}}}, 0},
		{"no incident", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tl := newTally()
			tl.score("tenant 0", []simulate.Attack{miner, training}, alerts, tc.incs)
			r := tl.report(-1, "")
			if r.Caught != tc.caught {
				t.Fatalf("caught %d, want %d", r.Caught, tc.caught)
			}
			// Per scenario: the attack only, the twin is no attack.
			want := []ScenarioScore{{Scenario: miner.Scenario, Attacks: 1, Caught: tc.caught}}
			if !slices.Equal(r.Scenarios, want) {
				t.Errorf("by scenario %+v, want %+v", r.Scenarios, want)
			}
			uncaught := slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "in no incident at high or critical") })
			if uncaught != (tc.caught == 0) {
				t.Errorf("notes %q: a note of the uncaught attack %v, want %v", r.Notes, uncaught, tc.caught == 0)
			}
		})
	}
}

// TestMixedIncidents: an attack's incident that also holds a colleague's
// alert (tied in by a shared address) is counted and named; the attacker's
// own other work and telemetry that names no one are not strangers.
func TestMixedIncidents(t *testing.T) {
	t.Parallel()
	alerts := []alert.Alert{
		at("1", "gpu_created", "mallory@contoso.com", t0.Add(20*time.Minute)),
		at("2", "gpu_created", "mallory@contoso.com", t0.Add(-48*time.Hour)), // mallory's, before the attack
		at("3", "miner", "", t0.Add(3*time.Hour)),
		at("4", "gpu_created", "carol@contoso.com", t0.Add(4*time.Hour)),
	}
	for _, tc := range []struct {
		name  string
		in    []string
		mixed int
	}{
		{"the attack with its own and telemetry", []string{"1", "2", "3"}, 0},
		{"the attack with a colleague", []string{"1", "4"}, 1},
		{"a colleague's incident without the attack", []string{"4"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inc := incident.Incident{Severity: alert.High, Title: "x"}
			for _, id := range tc.in {
				inc.Timeline = append(inc.Timeline, incident.Entry{Alert: id})
			}
			tl := newTally()
			tl.score("tenant 0", []simulate.Attack{miner, training}, alerts, []incident.Incident{inc})
			r := tl.report(-1, "")
			named := slices.ContainsFunc(r.Notes, func(n string) bool {
				return strings.Contains(n, "holds alerts of carol@contoso.com, whom no attack used")
			})
			if r.Mixed != tc.mixed || named != (tc.mixed > 0) {
				t.Errorf("mixed %d (noted %v), want %d; notes %q", r.Mixed, named, tc.mixed, r.Notes)
			}
		})
	}
}

// TestTimeToAlertIsFromTheAttacksOwnRecord: an alert that merges a record
// of the day before (another story of the same principal) with one of the
// attack's is timed from the attack's record, not from the day before.
func TestTimeToAlertIsFromTheAttacksOwnRecord(t *testing.T) {
	t.Parallel()
	tl := newTally()
	tl.score("t", []simulate.Attack{miner}, []alert.Alert{merged(t0.Add(-24*time.Hour), t0.Add(15*time.Minute))}, nil)
	var s RuleScore
	for _, x := range tl.report(DefaultNotes, "").Rules {
		if x.Rule == "gpu_created" {
			s = x
		}
	}
	if s.TP != 1 || s.MeanTimeToAlert != 15*time.Minute {
		t.Fatalf("TP %d, time to alert %v; want 1, 15m", s.TP, s.MeanTimeToAlert)
	}
}

func TestMergeAveragesTimeToAlertOverTenants(t *testing.T) {
	t.Parallel()
	total := newTally()
	for _, d := range []time.Duration{10 * time.Minute, 30 * time.Minute} {
		tl := newTally()
		tl.score("t", []simulate.Attack{miner}, []alert.Alert{at("1", "gpu_created", "mallory@contoso.com", t0.Add(d))}, nil)
		total.merge(tl)
	}
	var s RuleScore
	for _, x := range total.report(DefaultNotes, "").Rules {
		if x.Rule == "gpu_created" {
			s = x
		}
	}
	if s.TP != 2 || s.MeanTimeToAlert != 20*time.Minute || s.MaxTimeToAlert != 30*time.Minute {
		t.Fatalf("TP %d mean %v max %v, want 2, 20m, 30m", s.TP, s.MeanTimeToAlert, s.MaxTimeToAlert)
	}
}

func TestRendering(t *testing.T) {
	t.Parallel()
	r := &Report{Tenants: 3, Seed: 7, Days: 10, Size: "small", Attacks: 2, Twins: 1, FalseIncidents: 0, Caught: 1,
		Scenarios: []ScenarioScore{{Scenario: "cpu-mining", Attacks: 1, Caught: 0}, {Scenario: "gpu-scaleset-chain", Attacks: 1, Caught: 1}},
		Rules: []RuleScore{
			{Rule: "gpu_created", TP: 2, Precision: 1, Recall: 1, MeanTimeToAlert: 90 * time.Minute, MaxTimeToAlert: 2 * time.Hour},
			{Rule: "quota_raised", FN: 1, Precision: 1, Missed: []string{"cpu-mining"}},
		}}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RULE", "gpu_created", "1h30m", "2h", "quota_raised: missed cpu-mining", "2 attacks, 1 benign twins",
		"Attacks caught by scenario: cpu-mining 0 of 1, gpu-scaleset-chain 1 of 1."} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	md := r.Markdown()
	for _, want := range []string{"`mamori eval --tenants 3 --seed 7 --days 10 --tenant-size small`",
		"| `gpu_created` | 2 | 0 | 0 | 1.00 | 1.00 | 1h30m | 2h |", "| `quota_raised` | 0 | 0 | 1 | 1.00 | 0.00 | - | - |",
		"- `quota_raised`: missed cpu-mining", "Attacks caught by scenario: `cpu-mining` 0 of 1, `gpu-scaleset-chain` 1 of 1."} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestNotesPutMissesFirstAndAreCapped(t *testing.T) {
	t.Parallel()
	tl := newTally()
	var noise []alert.Alert
	for i := range DefaultNotes + 5 {
		// Each background alert of a distinct rule is one note; with the
		// three misses below and the attack no incident holds, that is
		// DefaultNotes+9.
		noise = append(noise, at(string(rune('a'+i)), "bg"+string(rune('a'+i)), "bob@contoso.com", t0.Add(-48*time.Hour)))
	}
	tl.score("tenant 0", nil, noise, nil)
	tl.score("tenant 1", []simulate.Attack{miner}, nil, nil)
	notes := tl.report(DefaultNotes, "").Notes
	if len(notes) != DefaultNotes+1 || !strings.Contains(notes[0], "missed attack") || !strings.Contains(notes[DefaultNotes], "and 9 more") {
		t.Fatalf("%d notes, first %q, last %q; want %d, a miss first, then the rest counted", len(notes), notes[0], notes[len(notes)-1], DefaultNotes+1)
	}
}

func TestNotesOfOneRuleAreAllListed(t *testing.T) {
	t.Parallel()
	tl := newTally()
	var noise []alert.Alert
	for i := range DefaultNotes + 5 {
		// The same rule on background in many tenants: one note per tenant.
		noise = append(noise[:0], at("bg", "x.rule", "bob@contoso.com", t0.Add(-48*time.Hour)))
		tl.score(fmt.Sprintf("tenant %d", i), nil, noise, nil)
	}
	tl.score("tenant 99", nil, []alert.Alert{at("bg2", "y.other", "bob@contoso.com", t0.Add(-48*time.Hour))}, nil)
	notes := tl.report(-1, "x.rule").Notes
	if len(notes) != DefaultNotes+5 {
		t.Fatalf("%d notes, want every one of the %d about x.rule", len(notes), DefaultNotes+5)
	}
	for _, n := range notes {
		if !strings.HasPrefix(n, "x.rule ") {
			t.Errorf("note %q is not about x.rule", n)
		}
	}
}

func TestUpdateDocReplacesOnlyTheMarkedBlock(t *testing.T) {
	t.Parallel()
	doc := "# Detections\n\nprose before\n" + DocBegin + "\nold table\n" + DocEnd + "\nprose after\n"
	got, err := replaceBlock([]byte(doc), "new table\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Detections\n\nprose before\n" + DocBegin + "\nnew table\n" + DocEnd + "\nprose after\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := replaceBlock([]byte("# no markers\n"), "x"); err == nil {
		t.Error("a document without markers was accepted")
	}
}

// Each way a run falls short of the goal is said, and a run that meets
// it has none.
func TestShortfalls(t *testing.T) {
	t.Parallel()
	if s := (&Report{Attacks: 3, Caught: 3}).Shortfalls(); len(s) != 0 {
		t.Errorf("a clean run: %q", s)
	}
	got := (&Report{Attacks: 3, Caught: 2, FalseIncidents: 1, Mixed: 2, Unplaced: 5}).Shortfalls()
	want := []string{"1 attack of 3 not in an incident at high or critical", "1 false incident at high or critical",
		"2 attack incidents holding people no attack used", "5 alerts placed in no tenant"}
	if !slices.Equal(got, want) {
		t.Errorf("shortfalls %q, want %q", got, want)
	}
}
