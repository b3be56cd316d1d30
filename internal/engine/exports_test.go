package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// The same Activity Log event read from two exports, one that carries its
// eventDataId (REST, Log Analytics) and one that does not (diagnostic
// settings), in other letter cases and with the time to other
// precisions, counts once; events that differ in their outcome or time
// do not. A rule without merge-by still names its alerts by the key the
// record gave, as before events were known across exports.
func TestOneEventInTwoExportsCountsOnce(t *testing.T) {
	const anyElevation = `title: Any elevation
name: user.elevation
id: 9a2f
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operation: microsoft.authorization/elevateaccess/action}
  condition: sel
level: low
`
	set := load(t, map[string]string{"e.yml": elevate, "any.yml": anyElevation})
	t0 := time.Date(2026, 3, 14, 1, 52, 0, 123_456_700, time.UTC)
	rest := elevation("ev-1", "6F0C-CORR", t0, event.OutcomeSucceeded)
	rest.ResourceID = "/providers/microsoft.authorization"
	diag := elevation("", "6f0c-corr", t0.Add(400*time.Microsecond), event.OutcomeSucceeded) // the same millisecond
	diag.ResourceID, diag.Loc = "/PROVIDERS/MICROSOFT.AUTHORIZATION", event.Location{File: "PT1H.json", Line: 7}
	start := elevation("ev-0", "6f0c-corr", t0.Add(-time.Second), event.OutcomeStarted)
	later := elevation("ev-2", "6f0c-corr", t0.Add(time.Millisecond), event.OutcomeSucceeded)
	later.ResourceID = rest.ResourceID
	e, err := New(set, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range []event.Event{rest, diag, start, later} {
		e.Eval(i%2, &ev)
	}
	as, st, err := e.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Duplicates != 2 {
		t.Errorf("%d duplicate hits, want 2 (the diagnostic copy of ev-1, under each rule)", st.Duplicates)
	}
	counts := map[string]int{}
	for _, a := range as {
		counts[a.Rule] += a.Count
	}
	if counts["azure.identity.elevate_access"] != 3 || counts["user.elevation"] != 3 {
		t.Errorf("counts %v: want 3 under each rule (ev-0, ev-1 and ev-2)", counts)
	}
	if want := alertID("user.elevation", "t1|activity:ev-0"); !slices.ContainsFunc(as, func(a alert.Alert) bool { return a.ID == want }) {
		t.Errorf("the Start event's alert is not named by its eventDataId as before (%s): %v", want, as)
	}
	// Kinds other than the Activity Log's, and events without a
	// correlation id, keep the keys their records give.
	for _, ev := range []event.Event{
		{Kind: event.KindSignIn, Time: t0, ID: "s1", CorrelationID: "c"},
		{Kind: event.KindActivity, Time: t0, ID: "a1"},
	} {
		if _, ok := e.activityKey(&ev, new([]byte)); ok {
			t.Errorf("an activity key for %+v", ev)
		}
	}
}
