// Package respond says what to do about an incident: the steps a
// responder takes, in the order to take them, each naming the incident's
// own accounts, role assignments, machines and quotas, with the Azure CLI
// commands that take it. It reads only the incident and its alerts, so a
// plan is the same wherever the hunt ran. Nothing here runs a command: a
// responder checks each target against what the team owns (an incident
// can hold a colleague's machine) and runs them; the commands are written
// for a POSIX shell, every name in them quoted, since the names are the
// attacker's.
package respond

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
)

// Step is one thing to do.
type Step struct {
	// Action is a stable key for the kind of step (evidence, accounts,
	// root_access, role_assignments, compute, machines, quota,
	// subscription, new_subscriptions, network, posture), for whoever
	// automates on it.
	Action   string   `json:"action"`
	Title    string   `json:"title"`             // what to do, in words
	Why      string   `json:"why"`               // why now, and what to check first
	Targets  []string `json:"targets,omitempty"` // what it is done to, as the alerts name them
	Commands []string `json:"commands,omitempty"`
}

// Planned is the least severity of an incident with a plan: below it are
// a team's routine GPU work and quota raises, whose accounts no one should
// be told to cut off.
const Planned = alert.High

// Plan is what to do about in, whose alerts byID holds (alerts of other
// incidents there are not read); nil for an incident below Planned. names
// are the names the hunt read for principals named by object id
// (incident.NamesOf). An incident with nothing to act on (a lone sign-in
// from a cloud address) still gets the evidence and posture steps:
// someone has to look.
func Plan(in *incident.Incident, byID map[string]*alert.Alert, names incident.Names) []Step {
	if in.Severity < Planned {
		return nil
	}
	f := gather(in, byID, names)
	var steps []Step
	add := func(s Step) {
		if len(s.Targets) > 0 || len(s.Commands) > 0 {
			steps = append(steps, s)
		}
	}
	add(evidenceStep(in, f))
	add(accountsStep(f))
	add(rootStep(f))
	add(assignmentsStep(f))
	add(computeStep(f))
	add(machinesStep(f))
	add(quotaStep(f))
	add(subscriptionStep(f))
	add(createdStep(f))
	add(networkStep(f))
	add(postureStep(in, f))
	return steps
}

// Plans are the plans of incs (Plan), by incident id, made from alerts:
// those incs were built from, all of each incident's.
func Plans(incs []incident.Incident, alerts []alert.Alert) map[string][]Step {
	out := map[string][]Step{}
	var byID map[string]*alert.Alert
	var names incident.Names
	for i := range incs {
		if incs[i].Severity < Planned {
			continue
		}
		if byID == nil {
			byID, names = make(map[string]*alert.Alert, len(alerts)), incident.NamesOf(alerts)
			for j := range alerts {
				byID[alerts[j].ID] = &alerts[j]
			}
		}
		out[incs[i].ID] = Plan(&incs[i], byID, names)
	}
	return out
}

// evidenceStep keeps the logs before anything is changed: Azure keeps the
// Activity Log 90 days and the sign-ins 30, and a machine deleted takes
// its disk with it.
func evidenceStep(in *incident.Incident, f *facts) Step {
	cmd := "mamori fetch --out " + Quote("evidence-"+in.ID) + " --since 90d"
	if in.Tenant != "" {
		cmd += " --tenant " + Quote(in.Tenant)
	}
	s := Step{Action: "evidence", Title: "Keep the evidence before changing anything",
		Why: "Azure keeps the Activity Log 90 days and the sign-ins 30; the logs this hunt read may be all that is left of the attack's first steps. " +
			"Fetch what the APIs still hold into a folder of its own, and keep the exports this hunt read.",
		Commands: []string{cmd}}
	if len(f.mined) > 0 {
		s.Why += " Snapshot the OS disk of a machine that mined before it is stopped or deleted (" + strings.Join(f.mined[:min(len(f.mined), 3)], ", ") +
			"; Defender for Endpoint's investigation package, or az snapshot create from its disk): it holds the miner, its configuration and how it got there."
	}
	return s
}

// postureStep closes what let the attack in.
func postureStep(in *incident.Incident, f *facts) Step {
	cmd := "mamori posture"
	if in.Tenant != "" {
		cmd += " --tenant " + Quote(in.Tenant)
	}
	why := "An account without MFA, too many people able to create machines, quota nobody uses and notices that reach nobody are how such attacks begin and grow: mamori posture checks each."
	if len(f.subs) > 0 {
		why += " Block subscriptions from leaving the tenant (posture.subscription.transfer_policy says how)."
	}
	return Step{Action: "posture", Title: "Close what let it in", Why: why, Commands: []string{cmd}}
}

// lowerHas reports whether s holds sub, ignoring ASCII case: resource ids
// are written in whatever case the log wrote them.
func lowerHas(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }
