package enrich

import (
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestLateRequest: an autoscale setting's floor is taken down by what the
// same principal asked for its target in a write's Start record within
// the hour of it, in whatever order the two are read; another principal's
// write of the target, a later phase's, another target's, one of days
// before, and a setting the hunt did not see take nothing off, and
// nothing goes below zero. The target's size is any write's that named
// one and did not fail.
func TestLateRequest(t *testing.T) {
	const (
		sub     = "/subscriptions/s1/resourcegroups/rg/providers/"
		setting = sub + "microsoft.insights/autoscalesettings/web-autoscale"
		vmss    = sub + "microsoft.compute/virtualmachinescalesets/web"
		thief   = "7b3e9d21-4c6a-4f85-b2e0-1a9d8c7f6e54"
		ops     = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
		owner   = "5c4b3a29-1807-4f6e-9d5c-4b3a29180706"
		opVMSS  = "microsoft.compute/virtualmachinescalesets/write"
	)
	at := time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC) // the setting's write
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, target, size := e.LateRequest(setting, thief, at, 200); n != 200 || target != "" || size != "" {
		t.Fatalf("before anything was read: %d %q %q, want 200 and nothing known", n, target, size)
	}
	write := func(ago time.Duration, op, id, who string, outcome event.Outcome, c event.Compute) {
		e.Apply(&event.Event{Time: at.Add(-ago), Operation: op, ResourceID: id, Principal: event.Principal{ID: who}, Outcome: outcome, Compute: &c})
	}
	// The setting is read first, as the REST API lists it (newest first).
	write(0, opAutoscale, setting, thief, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 200, Target: vmss})
	write(3*time.Minute, opVMSS, vmss, thief, event.OutcomeStarted, event.Compute{Service: "vmss", Size: "Standard_F16s_v2", Count: 1})
	write(2*time.Minute, opVMSS, vmss, thief, event.OutcomeSucceeded, event.Compute{Service: "vmss", Size: "Standard_F16s_v2", Count: 150}) // not a Start: not counted
	write(time.Minute, opVMSS, vmss, thief, event.OutcomeFailed, event.Compute{Service: "vmss", Size: "Standard_NC24ads_A100_v4"})          // failed: not the size
	for day := range maxHourWrites {                                                                                                        // the team's nightly re-applies: not all of one hour
		write(time.Duration(day+1)*24*time.Hour, opVMSS, vmss, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 2})
	}
	write(-55*time.Minute, opVMSS, vmss, ops, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 100})
	write(0, opVMSS, sub+"microsoft.compute/virtualmachinescalesets/other", thief, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 90})
	// The owner's write of the set, nine days before: its 300 machines
	// may have been scaled in since, and no window of an hour holds both.
	write(9*24*time.Hour, opVMSS, vmss, owner, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 300})
	write(61*time.Minute, opVMSS, vmss, owner, event.OutcomeStarted, event.Compute{Service: "vmss", Count: 250})
	for _, c := range []struct {
		name, setting, who string
		floor, want        int
		known              bool
	}{
		{"the thief's scale set of one counted already", setting, thief, 200, 199, true},
		{"in the case the engine hands it", "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.INSIGHTS/AUTOSCALESETTINGS/WEB-AUTOSCALE", "7B3E9D21-4C6A-4F85-B2E0-1A9D8C7F6E54", 200, 199, true},
		{"another principal's setting: the ops team's write is theirs", setting, "11111111-2222-3333-4444-555555555555", 200, 200, true},
		{"the ops team's 100 cover a floor of 60", setting, ops, 60, 0, true},
		{"no principal", setting, "", 200, 200, true},
		{"the owner's writes of days and of an hour and a minute before take nothing off", setting, owner, 200, 200, true},
		{"a setting not read", sub + "microsoft.insights/autoscalesettings/other", thief, 200, 200, false},
	} {
		n, target, size := e.LateRequest(c.setting, c.who, at, c.floor)
		wantTarget, wantSize := "", ""
		if c.known {
			wantTarget, wantSize = vmss, "Standard_F16s_v2"
		}
		if n != c.want || target != wantTarget || size != wantSize {
			t.Errorf("%s: LateRequest = %d %q %q, want %d %q %q", c.name, n, target, size, c.want, wantTarget, wantSize)
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
