package report

import (
	"encoding/json"
	"io"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/respond"
)

// incidentJSON is an incident as WriteIncidents writes it: the
// incident's own JSON form (its timeline, stages, principals, cost) and,
// when high or critical, what to do about it.
type incidentJSON struct {
	incident.Incident
	Response []respond.Step `json:"response,omitempty"`
}

// WriteIncidents writes the incidents, worst first as given, as one
// indented JSON array (`[]` for none): hunt's --incidents, for whoever
// automates on an attack rather than on its alerts.
func WriteIncidents(w io.Writer, incs []incident.Incident, alerts []alert.Alert) error {
	plans := respond.Plans(incs, alerts)
	out := make([]incidentJSON, len(incs))
	for i := range incs {
		out[i] = incidentJSON{Incident: incs[i], Response: plans[incs[i].ID]}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
