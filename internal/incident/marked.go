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
//
// The alerts and creates of VMs Azure Databricks wrote for a cluster
// whose request is among them too, a request that counts them already,
// are passed over (managed.go): such an alert names no incident (its
// Incident is set empty), as a hunt that read the request first makes
// none.
func BuildMarked(alerts []alert.Alert, opts Options) []Incident {
	adopt(alerts, opts.gap())
	managed := managedVMs(alerts, opts.Created)
	if managed != nil {
		opts.Created = slices.DeleteFunc(slices.Clone(opts.Created), func(c Created) bool { return managedVM(c.Compute, managed) })
	}
	var kept, quiet []alert.Alert
	for _, a := range alerts {
		if passedOver(&a, managed) {
			continue
		}
		a.Compute = withoutManaged(a.Compute, managed)
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
