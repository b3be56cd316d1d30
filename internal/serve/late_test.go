package serve

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// A log that arrives later than the others (sign-ins exported a day after
// the Activity Log) still closes the windows it is half of: the quota and
// compute records a risky sign-in is followed by were carried only as far
// back as the Activity Log's latest record, so the sign-in found them gone
// and the high alert "risky sign-in, then quota or compute" was lost.
func TestLateLogStillClosesWindows(t *testing.T) {
	tn, whole := attackHunted(t)
	const rule = "azure.signin.risky_then_quota_or_compute"
	if !hasRule(whole.Alerts, rule) {
		t.Fatalf("the hunt has no %s alert: the test shows nothing", rule)
	}
	signins := func(p string) bool { return strings.Contains(filepath.ToSlash(p), "/signins/") }
	st := openStore(t)
	watched := t.TempDir()
	var got []alert.Alert
	for d := 0; d <= 101; d++ { // files without a day are day 99's
		n := tn.copyWhere(t, watched, func(p string) bool { return day(p) == d && !signins(p) }, false)
		n += tn.copyWhere(t, watched, func(p string) bool { return day(p) == d-2 && signins(p) }, false)
		if n > 0 {
			got = append(got, cycle(t, st, watched, tn.cfg).Fresh...)
		}
	}
	want, have := map[string]string{}, map[string]bool{}
	for _, a := range whole.Alerts {
		want[a.ID] = a.Rule
	}
	for _, a := range got {
		have[a.ID] = true
	}
	for id, r := range want {
		if !have[id] {
			t.Errorf("missing when the sign-ins come two days late: %s %s", r, id)
		}
	}
	if len(have) != len(want) {
		t.Errorf("%d alerts served, %d hunted", len(have), len(want))
	}
}

func hasRule(as []alert.Alert, rule string) bool {
	for _, a := range as {
		if a.Rule == rule {
			return true
		}
	}
	return false
}

// A service's first look over logs already there reads the JSON lines at
// once and the documents (a day's sign-ins export) a cycle later, once
// they have stopped changing: nothing may be dropped from the carry while
// files wait, whatever their events' times.
func TestFilesWaitingToSettleKeepTheCarry(t *testing.T) {
	tn, whole := attackHunted(t)
	ctx := context.Background()
	srv, err := New(ctx, Config{Store: openStore(t), Dirs: []string{tn.dir}, Hunt: tn.cfg, Settle: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []alert.Alert
	for i := range 2 {
		res, err := srv.Cycle(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && len(srv.last) == 0 {
			t.Fatal("no file waited to settle: the test shows nothing")
		}
		got = append(got, res.Fresh...)
	}
	have := map[string]bool{}
	for _, a := range got {
		have[a.ID] = true
	}
	for _, a := range whole.Alerts {
		if !have[a.ID] {
			t.Errorf("missing when the documents settle a cycle later: %s %s", a.Rule, a.ID)
		}
	}
}

// A stop that comes after the cycle's commit (while the store's health is
// read) must still return the cycle: its alerts are in the store, no
// longer new, and a restart would never write them out.
func TestStopAfterTheCommitKeepsTheCycle(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	tn := newTenant(t, simulate.Options{Seed: 5, Days: 6, Scenarios: []string{"gpu-scaleset-chain"}})
	st := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	clock := func() time.Time {
		// The first is the learned tables' (what the store kept, as seen
		// then), the second the commit's, the third the health's.
		if calls++; calls == 3 {
			cancel()
		}
		return time.Now()
	}
	srv, err := New(ctx, Config{Store: st, Dirs: []string{tn.dir}, Hunt: tn.cfg, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Cycle(ctx)
	if err != nil || res == nil || len(res.Fresh) == 0 {
		t.Fatalf("a stop after the commit: %v, %v: want the cycle and its alerts", res, err)
	}
	if calls < 3 || ctx.Err() == nil {
		t.Fatal("the stop did not come after the commit: the test shows nothing")
	}
	stored, err := st.Alerts(context.Background(), time.Time{})
	if err != nil || len(stored) != len(res.Fresh) {
		t.Errorf("%d alerts stored (%v), %d returned", len(stored), err, len(res.Fresh))
	}
}

// attackHunted is a simulated tenant with the GPU chain in 20 days of logs,
// and one hunt over all of it: what serving it in parts must give.
func attackHunted(t *testing.T) (*tenant, *hunt.Result) {
	t.Helper()
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	tn := newTenant(t, simulate.Options{Seed: 5, Days: 20, Scenarios: []string{"gpu-scaleset-chain"}})
	whole, err := hunt.Run(context.Background(), inputsOf(t, tn.dir), tn.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tn, whole
}
