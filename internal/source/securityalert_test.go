package source

import (
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// Defender for Cloud alerts through the whole container layer: the REST
// API's list (its example, under responses/200/body/value), a Log
// Analytics JSON export and the same rows as the portal's CSV export
// (" [UTC]" headers, its own time format, entities as JSON in a cell)
// give the same alerts.
func TestSecurityAlertExports(t *testing.T) {
	t.Parallel()
	dir := "securityalert/testdata/"
	in, err := Expand([]string{dir + "rest_GetAlertsSubscription_example.json", dir + "la_securityalert.json", dir + "la_securityalert.csv"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, st := read(t, in, DefaultLimits())
	if len(r.errs) != 0 {
		t.Fatalf("errors: %v", r.errs)
	}
	byShape := map[string][]event.Event{}
	for _, ev := range r.events {
		if ev.Kind != event.KindAlert || event.KindOfShape(ev.Shape) != event.KindAlert {
			t.Errorf("event of kind %v, shape %s", ev.Kind, ev.Shape)
		}
		byShape[ev.Loc.File[len(ev.Loc.File)-4:]] = append(byShape[ev.Loc.File[len(ev.Loc.File)-4:]], ev)
	}
	for i, s := range st {
		if s.Records != 2 || s.Skipped != 0 {
			t.Errorf("%s: %d records, %d skipped", in[i].Name, s.Records, s.Skipped)
		}
	}
	js, csv := byShape["json"], byShape[".csv"]
	arm := 0
	for _, e := range js {
		if e.Shape == "securityalert.arm" {
			arm++
		}
	}
	if arm != 2 || len(csv) != 2 {
		t.Errorf("%d alerts from the REST list, %d from the CSV export; want 2 each", arm, len(csv))
	}
	key := func(evs []event.Event) []string {
		var out []string
		for _, e := range evs {
			if e.Shape != "securityalert.loganalytics" {
				continue
			}
			out = append(out, e.ID+"|"+e.Time.String()+"|"+e.Alert.Type+"|"+e.Alert.Name+"|"+e.ResourceID+"|"+e.Tenant+"|"+slices.Concat(e.Alert.Hosts, e.Alert.Addresses)[0])
		}
		slices.Sort(out)
		return out
	}
	if k := key(js); len(k) != 2 || !slices.Equal(k, key(csv)) {
		t.Errorf("JSON export:\n%v\nCSV export:\n%v", k, key(csv))
	}
}
