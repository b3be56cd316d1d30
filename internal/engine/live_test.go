package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// liveRules add to the mix a silent base rule read only by a temporal
// correlation with the sign-ins: over Activity Logs alone it cannot fire.
const liveRules = mixRules + `---
title: Compute after a sign-in
name: x.vm
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.service|exists: true}
  condition: sel
level: informational
---
title: Sign-in then compute
name: x.then
description: d
correlation:
  type: temporal_ordered
  rules: [x.not_owned, x.vm]
  group-by: [principal.id]
  timespan: 1h
level: high
`

// huntLive hunts evs with liveRules; carry sets Correlations.Carry, which
// keeps every correlation (a service's next cycle may complete it). It
// returns the alerts and whether x.vm's hits were passed over.
func huntLive(t *testing.T, evs []event.Event, memory, workers int, carry bool) ([]alert.Alert, bool) {
	t.Helper()
	set := load(t, map[string]string{"r.yml": liveRules})
	corr := set.Correlations()
	e, err := New(set, workers, corr)
	if err != nil {
		t.Fatal(err)
	}
	e.Refresh, e.Memory, e.TempDir = ownedLater, memory, t.TempDir()
	evalCopies(e, evs, workers)
	c := &Correlations{Set: corr, Rules: set}
	if carry {
		c.Carry = func(string, time.Time, event.Location) {}
	}
	fs := e.newCorrFeeds(c, e.ruleHits())
	vm := slices.IndexFunc(e.rules, func(r *rule) bool { return r.Name == "x.vm" })
	compute := slices.IndexFunc(e.rules, func(r *rule) bool { return r.Name == "x.compute" })
	if fs.unread[compute] {
		t.Fatal("x.compute's hits passed over: the fan-out, which can fire, reads them")
	}
	as, _, err := e.Alerts(c)
	if err != nil {
		t.Fatal(err)
	}
	return as, fs.unread[vm]
}

// TestHitsNoCorrelationCanUseAreNotReadBack: without sign-ins the pair
// cannot fire, so the compute hits only it reads are passed over at the
// end; the alerts are those of a hunt that reads them, in memory and
// spilled. With sign-ins, the pair is run and fires.
func TestHitsNoCorrelationCanUseAreNotReadBack(t *testing.T) {
	t.Parallel()
	all := mixEvents(3000, 3)
	var arm []event.Event
	for _, ev := range all {
		if ev.Kind != event.KindSignIn {
			arm = append(arm, ev)
		}
	}
	for _, budget := range []int{1 << 30, 2 << 10} {
		want, unread := huntLive(t, arm, budget, 3, true)
		if unread {
			t.Fatal("hits passed over while a service carries them to its next cycle")
		}
		got, unread := huntLive(t, arm, budget, 3, false)
		if !unread {
			t.Fatal("no sign-ins, yet x.vm's hits are read back for a pair that cannot fire")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("budget %d: alerts differ when the hits are passed over (-read +passed over):\n%s", budget, diff)
		}
		if !slices.ContainsFunc(got, func(a alert.Alert) bool { return a.Rule == "x.fanout" && len(a.Evidence) > 0 }) {
			t.Errorf("budget %d: no fan-out alert with evidence among %d alerts: the hunt around the passed-over hits is not exercised", budget, len(got))
		}

		got, unread = huntLive(t, all, budget, 3, false)
		if unread {
			t.Fatal("with sign-ins, x.vm's hits are passed over")
		}
		if !slices.ContainsFunc(got, func(a alert.Alert) bool { return a.Rule == "x.then" && len(a.Evidence) == 2 }) {
			t.Errorf("budget %d: with sign-ins the pair does not fire with both members", budget)
		}
	}
}
