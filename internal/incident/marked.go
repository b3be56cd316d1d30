package incident

import (
	"cmp"
	"slices"

	"github.com/mamori-sec/mamori/internal/alert"
)

// BuildMarked is Build over alerts some of which are marked suppressed:
// accepted activity never joins (or inflates) an attack's incident, so
// the suppressed alerts are grouped among themselves, and every alert
// still names its incident (filled in place), and a host's alert its
// tenant when it named none and its machine's name places it in one
// (adopt, over all of them). The incidents come worst
// first, then earliest: where a defender starts.
func BuildMarked(alerts []alert.Alert, opts Options) []Incident {
	adopt(alerts, opts.gap())
	var kept, quiet []alert.Alert
	for _, a := range alerts {
		if a.Suppressed != nil {
			quiet = append(quiet, a)
		} else {
			kept = append(kept, a)
		}
	}
	incs := append(build(kept, opts), build(quiet, opts)...)
	id := make(map[string]string, len(alerts))
	for _, a := range slices.Concat(kept, quiet) {
		id[a.ID] = a.Incident
	}
	for i := range alerts {
		alerts[i].Incident = id[alerts[i].ID]
	}
	slices.SortStableFunc(incs, func(a, b Incident) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), a.Time.Compare(b.Time))
	})
	return incs
}
