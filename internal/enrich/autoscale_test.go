package enrich

import (
	"fmt"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

const (
	sub      = "/subscriptions/s1/resourcegroups/rg/providers/"
	setting  = sub + "microsoft.insights/autoscalesettings/web-autoscale"
	vmss     = sub + "microsoft.compute/virtualmachinescalesets/web"
	thief    = "7b3e9d21-4c6a-4f85-b2e0-1a9d8c7f6e54"
	ops      = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
	owner    = "5c4b3a29-1807-4f6e-9d5c-4b3a29180706"
	opVMSS   = "microsoft.compute/virtualmachinescalesets/write"
	opUp     = "microsoft.insights/autoscalesettings/scaleupresult/action"
	opUpInit = "microsoft.insights/autoscalesettings/scaleup/action"
	opDown   = "microsoft.insights/autoscalesettings/scaledownresult/action"
)

// scaleLog feeds an Enricher the records of one story, each at a time
// relative to at (the setting's write).
type scaleLog struct {
	e  *Enricher
	at time.Time
}

func newScaleLog(t *testing.T, at time.Time) scaleLog {
	t.Helper()
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return scaleLog{e, at}
}

// write is a record of op on id by who, d after the setting's write.
func (l scaleLog) write(d time.Duration, op, id, who string, outcome event.Outcome, c event.Compute) {
	l.e.Apply(&event.Event{Time: l.at.Add(d), Operation: op, ResourceID: id, Principal: event.Principal{ID: who}, Outcome: outcome, Compute: &c})
}

// action is autoscale's record of an action on setting's target, d after
// the setting's write.
func (l scaleLog) action(d time.Duration, op, setting, target string, outcome event.Outcome, from, to int) {
	c := event.Compute{Service: "vmss", Target: target, Old: from, New: to}
	l.e.Apply(&event.Event{Time: l.at.Add(d), Operation: op, ResourceID: setting, Principal: event.Principal{Name: "Microsoft.Insights/autoscaleSettings"},
		Outcome: outcome, Compute: &c})
}

// TestLateRequest: an autoscale setting's floor is taken down by what its
// target had already, as the logs last showed it before the setting (any
// principal's write, autoscale's completed actions), and by what the
// same principal asked of the target in a write within the count window
// of it, in whatever order they are read; later phases, other targets, a
// write that failed and a setting the hunt did not see take nothing off,
// and nothing goes below zero. The target's size is any write's that
// named one and did not fail.
func TestLateRequest(t *testing.T) {
	at := time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC)
	l := newScaleLog(t, at)
	if n, target, size := l.e.LateRequest(setting, thief, at, 200); n != 200 || target != "" || size != "" {
		t.Fatalf("before anything was read: %d %q %q, want 200 and nothing known", n, target, size)
	}
	// The setting is read first, as the REST API lists it (newest first).
	l.write(0, opAutoscale, setting, thief, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 200, Target: vmss})
	l.write(-3*time.Minute, opVMSS, vmss, thief, event.OutcomeStarted, event.Compute{Service: "vmss", Size: "Standard_F16s_v2", Count: 1})
	l.write(-time.Minute, opVMSS, vmss, thief, event.OutcomeFailed, event.Compute{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 90}) // failed: neither size nor instances
	for day := range maxBucketWrites {                                                                                                           // the team's nightly re-applies, days before
		l.write(-time.Duration(day+1)*24*time.Hour, opVMSS, vmss, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 2})
	}
	l.write(55*time.Minute, opVMSS, vmss, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 100}) // after the setting: not what it had
	l.write(0, opVMSS, sub+"microsoft.compute/virtualmachinescalesets/other", thief, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 90})

	// Another team's scale set of 10, written three weeks before; and one
	// autoscale took to 8, then back to 3, before its setting was written
	// again.
	const (
		apiSet = sub + "microsoft.insights/autoscalesettings/api-autoscale"
		api    = sub + "microsoft.compute/virtualmachinescalesets/api"
		etlSet = sub + "microsoft.insights/autoscalesettings/etl-autoscale"
		etl    = sub + "microsoft.compute/virtualmachinescalesets/etl"
	)
	l.write(-21*24*time.Hour, opVMSS, api, owner, event.OutcomeStarted, event.Compute{Service: "vmss", Size: "Standard_D4s_v5", Count: 10})
	l.write(0, opAutoscale, apiSet, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 10, Target: api})
	l.write(0, opAutoscale, etlSet, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 10, Target: etl})
	l.action(-40*time.Minute, opUp, etlSet, etl, event.OutcomeSucceeded, 2, 8)
	l.action(-30*time.Minute, opUpInit, etlSet, etl, event.OutcomeStarted, 8, 40) // started: not what it had
	l.action(-20*time.Minute, opDown, etlSet, etl, event.OutcomeSucceeded, 8, 3)

	// The owner's own scale set: 300 nine days before, 250 an hour and a
	// minute before, then autoscale took it down to 2.
	const (
		ownSet = sub + "microsoft.insights/autoscalesettings/own-autoscale"
		own    = sub + "microsoft.compute/virtualmachinescalesets/own"
	)
	l.write(-9*24*time.Hour, opVMSS, own, owner, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 300})
	l.write(-61*time.Minute, opVMSS, own, owner, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 250})
	l.action(-10*time.Minute, opDown, ownSet, own, event.OutcomeSucceeded, 250, 2)
	l.write(0, opAutoscale, ownSet, owner, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 200, Target: own})

	for _, c := range []struct {
		name, setting, who string
		floor, want        int
		target, size       string
	}{
		{"the thief's scale set of one counted already", setting, thief, 200, 199, vmss, "Standard_F16s_v2"},
		{"in the case the engine hands it", "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.INSIGHTS/AUTOSCALESETTINGS/WEB-AUTOSCALE", "7B3E9D21-4C6A-4F85-B2E0-1A9D8C7F6E54", 200, 199, vmss, "Standard_F16s_v2"},
		{"another principal's setting: the set had one", setting, "11111111-2222-3333-4444-555555555555", 200, 199, vmss, "Standard_F16s_v2"},
		{"no principal: the set had one", setting, "", 200, 199, vmss, "Standard_F16s_v2"},
		{"the ops team's 100 of the hour cover a floor of 60", setting, ops, 60, 0, vmss, "Standard_F16s_v2"},
		{"an ops team's minimum of 10 over another's set of 10 asks for nothing", apiSet, ops, 10, 0, api, "Standard_D4s_v5"},
		{"a minimum of 25 over it asks for 15", apiSet, ops, 25, 15, api, "Standard_D4s_v5"},
		{"what autoscale last left the set, a scale-in to 3, not its start's 40", etlSet, ops, 10, 7, etl, ""},
		{"the owner's writes of days and of an hour and a minute before: the set runs 2 since", ownSet, owner, 200, 198, own, ""},
		{"a setting not read", sub + "microsoft.insights/autoscalesettings/none", thief, 200, 200, "", ""},
	} {
		n, target, size := l.e.LateRequest(c.setting, c.who, at, c.floor)
		if n != c.want || target != c.target || size != c.size {
			t.Errorf("%s: LateRequest = %d %q %q, want %d %q %q", c.name, n, target, size, c.want, c.target, c.size)
		}
	}
}

// TestLateRequestOfABatchPool: a pool's create and resizes in the Batch
// service log (their target the pool) are settled alike. Resource
// Manager's write of the pool asked for its nodes already, whoever wrote
// it, when within the hour; a pool no ARM write asked for (created through
// the Batch API) keeps its whole count; a resize gets the size the pool's
// create named, or its ARM write's.
func TestLateRequestOfABatchPool(t *testing.T) {
	const (
		acct    = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.batch/batchaccounts/farm"
		armPool = acct + "/pools/render"
		apiPool = acct + "/pools/gpu-burst"
		old     = acct + "/pools/weekly"
		team    = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
	)
	at := time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC)
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	read := func(ago time.Duration, id, who string, outcome event.Outcome, c event.Compute) {
		e.Apply(&event.Event{Time: at.Add(-ago), Operation: opBatchPool, ResourceID: id, Principal: event.Principal{ID: who}, Outcome: outcome, Compute: &c})
	}
	// The service log's records, read before the ARM write that made one
	// of the pools.
	read(0, armPool, acct, event.OutcomeStarted, event.Compute{Service: "batch", Count: 30, Target: armPool})
	read(0, apiPool, acct, event.OutcomeSucceeded, event.Compute{Service: "batch", Size: "Standard_NC24ads_A100_v4", Count: 40, Target: apiPool})
	read(-time.Second, apiPool, acct, event.OutcomeStarted, event.Compute{Service: "batch", Count: 40, Target: apiPool})
	read(time.Minute, armPool, team, event.OutcomeStarted, event.Compute{Service: "batch", Size: "Standard_D16s_v5", Count: 30})
	read(50*time.Second, armPool, team, event.OutcomeSucceeded, event.Compute{Service: "batch", Size: "Standard_D16s_v5", Count: 30})
	read(3*24*time.Hour, old, team, event.OutcomeStarted, event.Compute{Service: "batch", Size: "Standard_D4s_v5", Count: 20})
	for _, c := range []struct {
		name, pool string
		count      int
		want       int
		size       string
	}{
		{"the ARM write's echo", armPool, 30, 0, "Standard_D16s_v5"},
		{"an echo growing past the write", "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.BATCH/BATCHACCOUNTS/FARM/POOLS/RENDER", 45, 15, "Standard_D16s_v5"},
		{"a pool of the Batch API", apiPool, 40, 40, "Standard_NC24ads_A100_v4"},
		{"a pool written three days before", old, 20, 20, "Standard_D4s_v5"},
		{"a pool never read", acct + "/pools/unknown", 8, 8, ""},
	} {
		n, target, size := e.LateRequest(c.pool, acct, at, c.count)
		if n != c.want || target != "" || size != c.size {
			t.Errorf("%s: LateRequest = %d %q %q, want %d %q %q", c.name, n, target, size, c.want, "", c.size)
		}
	}
}

// TestLateRequestWindowIsTheRules: the same principal's write of the
// target after its setting covers the floor within the window the rules
// sum compute.count over, an hour unless they say longer.
func TestLateRequestWindowIsTheRules(t *testing.T) {
	at := time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC)
	l := newScaleLog(t, at)
	l.write(0, opAutoscale, setting, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 30, Target: vmss})
	l.write(90*time.Minute, opVMSS, vmss, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 30})
	if n, _, _ := l.e.LateRequest(setting, ops, at, 30); n != 30 {
		t.Errorf("an hour's window: %d, want 30 (the write ninety minutes after is not in it)", n)
	}
	l.e.SetCountWindow(2 * time.Hour)
	if n, _, _ := l.e.LateRequest(setting, ops, at, 30); n != 0 {
		t.Errorf("two hours' window: %d, want 0", n)
	}
	l.e.SetCountWindow(0)
	if n, _, _ := l.e.LateRequest(setting, ops, at, 30); n != 30 {
		t.Errorf("back to the default: %d, want 30", n)
	}
}

// TestLateScale: autoscale's completed scale-outs count what they added
// that their setting's write had not counted, credited to whoever last
// wrote the setting before them; with no write of it read, all they
// added, credited to no one (the setting). The target, its size, region
// and service are the hunt's.
func TestLateScale(t *testing.T) {
	at := time.Date(2026, 11, 23, 2, 19, 0, 0, time.UTC) // the settings' writes
	l := newScaleLog(t, at)
	const (
		mineSet = sub + "microsoft.insights/autoscalesettings/mine-autoscale"
		mine    = sub + "microsoft.compute/virtualmachinescalesets/mine"
		floorS  = sub + "microsoft.insights/autoscalesettings/floor-autoscale"
		floorT  = sub + "microsoft.compute/virtualmachinescalesets/floor"
		apiSet  = sub + "microsoft.insights/autoscalesettings/api-autoscale"
		api     = sub + "microsoft.compute/virtualmachinescalesets/api"
		oldSet  = sub + "microsoft.insights/autoscalesettings/old-autoscale"
		oldT    = sub + "microsoft.compute/virtualmachinescalesets/old"
	)
	// A stolen account: a GPU set of one, a setting of 1 to 200 on CPU.
	l.write(-5*time.Minute, opVMSS, mine, thief, event.OutcomeStarted, event.Compute{Service: "vmss", Size: "Standard_NC4as_T4_v3", Count: 1})
	l.e.Apply(&event.Event{Time: at.Add(-5 * time.Minute), Operation: opVMSS, ResourceID: mine, Region: "eastus2", Principal: event.Principal{ID: thief},
		Outcome: event.OutcomeSucceeded, Compute: &event.Compute{Service: "vmss", Size: "Standard_NC4as_T4_v3", Count: 1}})
	l.e.Apply(&event.Event{Time: at, Operation: opAutoscale, ResourceID: mineSet, Principal: event.Principal{ID: thief, UPN: "maya@fabrikam.example"},
		Outcome: event.OutcomeStarted, Compute: &event.Compute{Service: "vmss", Count: 1, Target: mine}})
	// A minimum of 200 over a set of one, by the same account.
	l.write(-2*time.Minute, opVMSS, floorT, thief, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 1})
	l.write(0, opAutoscale, floorS, thief, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 200, Target: floorT})
	// An ops team's minimum of 10 over another's set of 10.
	l.write(-21*24*time.Hour, opVMSS, api, owner, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 10})
	l.write(0, opAutoscale, apiSet, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 10, Target: api})
	// A set the logs last showed at 300 (nine days before), since run at
	// 2 unseen: its setting's minimum of 200 counts nothing at its write,
	// so autoscale's 2 -> 200 counts it.
	l.write(-9*24*time.Hour, opVMSS, oldT, owner, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 300})
	l.write(0, opAutoscale, oldSet, thief, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 200, Target: oldT})

	for _, c := range []struct {
		name, setting, target string
		d                     time.Duration
		from, to, want        int
		writer                string
		size                  string
	}{
		{"the miner's load: 1 -> 21", mineSet, mine, 8 * time.Minute, 1, 21, 20, thief, "Standard_NC4as_T4_v3"},
		{"21 -> 41, the record naming no target", mineSet, "", 14 * time.Minute, 21, 41, 20, thief, "Standard_NC4as_T4_v3"},
		{"an action before the setting's write: no writer, all it added", mineSet, mine, -time.Minute, 1, 3, 2, "", "Standard_NC4as_T4_v3"},
		{"the floor's 1 -> 200, counted by the write", floorS, floorT, 3 * time.Minute, 1, 200, 0, thief, ""},
		{"load above the floor: 200 -> 240", floorS, floorT, 30 * time.Minute, 200, 240, 40, thief, ""},
		{"an ops setting over a set of 10: 10 -> 14 is load", apiSet, api, time.Hour, 10, 14, 4, ops, ""},
		{"the logs' 300 were stale: 2 -> 200 counts", oldSet, oldT, 2 * time.Minute, 2, 200, 198, thief, ""},
		{"a setting not read: all it added, no writer, the target's size", sub + "microsoft.insights/autoscalesettings/unseen", mine, time.Hour, 5, 9, 4, "", "Standard_NC4as_T4_v3"},
		{"a scale-in adds nothing", mineSet, mine, 50 * time.Minute, 41, 21, 0, thief, "Standard_NC4as_T4_v3"},
	} {
		cr := l.e.LateScale(c.setting, c.target, at.Add(c.d), c.from, c.to)
		target := c.target
		if target == "" && c.setting == mineSet {
			target = mine
		}
		if cr.Added != c.want || cr.Writer.ID != c.writer || cr.Target != target || cr.Size != c.size || cr.Service != "vmss" {
			t.Errorf("%s: LateScale = %+v, want %d credited to %q on %q (%q)", c.name, cr, c.want, c.writer, target, c.size)
		}
	}
	if cr := l.e.LateScale(mineSet, mine, at.Add(8*time.Minute), 1, 21); cr.Writer.UPN != "maya@fabrikam.example" || cr.Region != "eastus2" {
		t.Errorf("the writer %+v and region %q, want the setting's writer in full and the set's eastus2", cr.Writer, cr.Region)
	}
}

// TestAutoscaleOfAServiceThatRunsForMonths: a service's Enricher lives
// for months, its cycles minutes or hours apart. Settings and targets
// quiet for a month are forgotten at the next cycle, so that a busy
// tenant's new settings are still weighed against their targets after
// more of them than a table holds; before, every setting past MaxLearned
// asked for its whole floor, its target never learned.
func TestAutoscaleOfAServiceThatRunsForMonths(t *testing.T) {
	l := newScaleLog(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	id := func(kind string, n int) string {
		return fmt.Sprintf("%s%s/app%d", sub, kind, n)
	}
	// Every six hours, a cycle reads 440 new scale sets of 10 and their
	// settings of minimum 10: more settings than MaxLearned in 40 days,
	// fewer in a month.
	const perCycle, cycle = 440, 6 * time.Hour
	cycles := int(40 * 24 * time.Hour / cycle)
	n := 0
	for c := range cycles {
		l.e.ForgetLearned()
		d := time.Duration(c) * cycle
		for range perCycle {
			n++
			l.write(d, opVMSS, id("microsoft.compute/virtualmachinescalesets", n), ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 10, Size: "Standard_D4s_v5"})
			l.write(d+time.Minute, opAutoscale, id("microsoft.insights/autoscalesettings", n), ops, event.OutcomeStarted,
				event.Compute{Service: "vmss", Count: 10, Target: id("microsoft.compute/virtualmachinescalesets", n)})
		}
	}
	at := l.at.Add(time.Duration(cycles-1)*cycle + time.Minute)
	if added, target, _ := l.e.LateRequest(id("microsoft.insights/autoscalesettings", n), ops, at, 10); added != 0 || target == "" {
		t.Errorf("the last setting, 40 days on: adds %d machines, target %q; want 0 (its scale set's 10), its target known", added, target)
	}
	if l.e.Capped() {
		t.Error("a table was full: quiet settings and targets were not forgotten")
	}
	s := &l.e.scale
	if most := 2 * perCycle * int(scaleQuiet/cycle+2); len(s.last) > most || len(s.targets) > most/2 {
		t.Errorf("%d ids and %d settings' targets kept, want at most a month's (%d, %d)", len(s.last), len(s.targets), most, most/2)
	}
	if _, ok := s.targets[id("microsoft.insights/autoscalesettings", 1)]; ok {
		t.Error("the first day's setting is still kept 40 days on")
	}
}
