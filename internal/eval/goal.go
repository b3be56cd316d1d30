package eval

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/mamori-sec/mamori/internal/plural"
)

// Shortfalls are the ways the run fell short of what the catalogue is
// held to on simulated tenants (docs/detections.md): every attack caught
// in an incident at high or critical, no such incident of twins or
// background alone, no attack incident holding someone no attack used,
// every such incident's plan acting on all the attack did and on nothing
// else, and, tenants hunted together, every alert placed in a tenant. A rule's
// own false positives are not among them: a low or medium rule may fire
// on look-alikes by design; what pages is the incident. Empty when the
// run met all of them.
func (r *Report) Shortfalls() []string {
	var out []string
	if r.Caught < r.Attacks {
		out = append(out, fmt.Sprintf("%s of %d not in an incident at high or critical", plural.Count(r.Attacks-r.Caught, "attack", "attacks"), r.Attacks))
	}
	if r.FalseIncidents > 0 {
		out = append(out, plural.Count(r.FalseIncidents, "false incident", "false incidents")+" at high or critical")
	}
	if r.Mixed > 0 {
		out = append(out, plural.Count(r.Mixed, "attack incident", "attack incidents")+" holding people no attack used")
	}
	if r.PlanMissed > 0 {
		out = append(out, plural.Count(r.PlanMissed, "thing an attack did", "things the attacks did")+" that no plan acts on")
	}
	if r.PlanWrong > 0 {
		out = append(out, plural.Count(r.PlanWrong, "plan action", "plan actions")+" on what no attack did")
	}
	if r.Unplaced > 0 {
		out = append(out, plural.Count(r.Unplaced, "alert", "alerts")+" placed in no tenant")
	}
	return out
}

// WriteJSON writes the report as one JSON document, for a pipeline that
// gates rule changes on it: the run's settings, its totals, each rule's
// and each scenario's scores (times to alert in seconds) and the
// shortfalls.
func (r *Report) WriteJSON(w io.Writer) error {
	type ruleJSON struct {
		Rule                string   `json:"rule"`
		Title               string   `json:"title,omitempty"`
		TP                  int      `json:"tp"`
		FP                  int      `json:"fp"`
		FN                  int      `json:"fn"`
		FPAlerts            int      `json:"fp_alerts"`
		Precision           float64  `json:"precision"`
		Recall              float64  `json:"recall"`
		MeanTimeToAlertSecs float64  `json:"mean_time_to_alert_seconds,omitempty"`
		MaxTimeToAlertSecs  float64  `json:"max_time_to_alert_seconds,omitempty"`
		Missed              []string `json:"missed,omitempty"`
		FiredOn             []string `json:"fired_on,omitempty"`
	}
	type scenarioJSON struct {
		Scenario string `json:"scenario"`
		Attacks  int    `json:"attacks"`
		Caught   int    `json:"caught"`
	}
	doc := struct {
		Command        string         `json:"command"`
		Tenants        int            `json:"tenants"`
		Seed           uint64         `json:"seed"`
		Days           int            `json:"days"`
		Size           string         `json:"tenant_size"`
		Shape          string         `json:"shape,omitempty"`
		MachineOS      string         `json:"machine_os,omitempty"`
		RuleDirs       []string       `json:"rule_dirs,omitempty"`
		Together       int            `json:"together,omitempty"`
		Attacks        int            `json:"attacks"`
		Twins          int            `json:"twins"`
		Caught         int            `json:"caught"`
		FalseIncidents int            `json:"false_incidents"`
		Mixed          int            `json:"mixed_incidents"`
		Plans          int            `json:"plans"`
		PlanActs       int            `json:"plan_acts"`
		PlanMissed     int            `json:"plan_missed"`
		PlanWrong      int            `json:"plan_wrong"`
		Unplaced       int            `json:"unplaced_alerts"`
		Rules          []ruleJSON     `json:"rules"`
		Scenarios      []scenarioJSON `json:"scenarios"`
		Unexercised    []string       `json:"unexercised,omitempty"`
		Shortfalls     []string       `json:"shortfalls"`
	}{Command: r.Command(), Tenants: r.Tenants, Seed: r.Seed, Days: r.Days, Size: r.Size, Shape: r.Shape, MachineOS: r.MachineOS,
		RuleDirs: r.RuleDirs, Attacks: r.Attacks, Twins: r.Twins, Caught: r.Caught, FalseIncidents: r.FalseIncidents,
		Mixed: r.Mixed, Plans: r.Plans, PlanActs: r.PlanActs, PlanMissed: r.PlanMissed, PlanWrong: r.PlanWrong, Unplaced: r.Unplaced, Unexercised: r.Unexercised, Shortfalls: r.Shortfalls(),
		Rules: []ruleJSON{}, Scenarios: []scenarioJSON{}}
	if doc.Shortfalls == nil {
		doc.Shortfalls = []string{}
	}
	if r.Together > 1 {
		doc.Together = r.Together
	}
	for _, s := range r.Rules {
		doc.Rules = append(doc.Rules, ruleJSON{Rule: s.Rule, Title: s.Title, TP: s.TP, FP: s.FP, FN: s.FN, FPAlerts: s.FPAlerts,
			Precision: s.Precision, Recall: s.Recall, MeanTimeToAlertSecs: s.MeanTimeToAlert.Seconds(), MaxTimeToAlertSecs: s.MaxTimeToAlert.Seconds(),
			Missed: s.Missed, FiredOn: s.FiredOn})
	}
	for _, s := range r.Scenarios {
		doc.Scenarios = append(doc.Scenarios, scenarioJSON(s))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
