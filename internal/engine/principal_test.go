package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestAUsersClientAppIsNotTheirID: an Activity Log record of a user
// carries the app they used (the portal's id, which every user of the
// tenant shares); taken as an id of the user, it tied every portal user's
// alerts into one incident. A service principal's app id is its own and
// stays.
func TestAUsersClientAppIsNotTheirID(t *testing.T) {
	t.Parallel()
	const portal = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	evs := []event.Event{
		elevation("e1", "c1", t0, event.OutcomeSucceeded),
		elevation("e2", "c2", t0.Add(time.Minute), event.OutcomeSucceeded),
		elevation("e3", "c3", t0.Add(2*time.Minute), event.OutcomeSucceeded),
		elevation("e4", "c4", t0.Add(3*time.Minute), event.OutcomeSucceeded),
	}
	evs[0].Principal = event.Principal{UPN: "ana@contoso.example", ID: "0a", AppID: portal, Type: "User"}
	evs[1].Principal = event.Principal{UPN: "guest_x#EXT#@contoso.example", AppID: portal, Type: "Guest"}
	evs[2].Principal = event.Principal{UPN: "bo@contoso.example", AppID: portal} // no type: a UPN is a user's
	evs[3].Principal = event.Principal{ID: "0d", AppID: "5e5e5e5e-app", Type: "ServicePrincipal"}
	set := load(t, map[string]string{"r.yml": elevate})
	e, err := New(set, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		e.Eval(0, &evs[i])
	}
	as, _, err := e.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != len(evs) {
		t.Fatalf("%d alerts, want %d", len(as), len(evs))
	}
	for _, a := range as {
		if slices.Contains(a.PrincipalIDs, portal) {
			t.Errorf("%s: the portal's app id is among the principal's ids %v", a.Principal, a.PrincipalIDs)
		}
		if a.Principal == "0d" && !slices.Contains(a.PrincipalIDs, "5e5e5e5e-app") {
			t.Errorf("the service principal's own app id is missing from %v", a.PrincipalIDs)
		}
	}
}
