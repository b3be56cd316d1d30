package incident

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/plural"
)

// title says in a phrase what happened, for example "Cryptojacking: GPU
// scale sets (40 instances) in 3 regions after elevated access by
// mallory@contoso.com". When another identity took the foothold than the
// one most alerts name, each is named where it acts: "… in 3 regions by
// guest@contoso.com, after elevated access by admin@contoso.com".
// Attackers often deploy with an account other than the one they
// escalated with, and a title that reads as if the deployer elevated
// access sends the responder to the wrong account. An incident of one
// alert keeps the alert's title.
func title(in *Incident, as []*alert.Alert) string {
	who := topPrincipal(as)
	first := cmp.Or(strings.TrimSpace(as[0].Title), as[0].Rule, "Untitled alert")
	if len(as) == 1 {
		return withBy(first, who)
	}
	has := func(s string) bool {
		return slices.ContainsFunc(in.Stages, func(x StageAlerts) bool { return x.Stage == s })
	}
	access := accessPhrases(has)
	what := deployed(in)
	// The title claims only what the chain shows: mining is cryptojacking;
	// compute after someone took control is possible cryptojacking; compute
	// alone (a team's GPU machines and their drivers) is said plainly.
	compute := has("deployment") && createsCompute(in, as) || has("drivers") || has("quota")
	var kind string
	switch {
	case has("mining"):
		kind = "Cryptojacking"
	case compute && len(access) > 0:
		kind = "Possible cryptojacking"
	case compute:
		kind = ""
	case len(access) > 0:
		phrases := make([]string, len(access))
		for i, p := range access {
			phrases[i] = p.phrase
		}
		return withBy("Suspicious access: "+strings.Join(phrases, ", "), who)
	default:
		return withBy(first+" and "+plural.Count(len(as)-1, "more alert", "more alerts"), who)
	}
	if what == "" {
		switch {
		case has("mining"):
			what = "mining activity"
		case has("quota"):
			what = "quota increases"
		default:
			what = "compute created"
		}
	}
	s := what
	if kind != "" {
		s = kind + ": " + what
	} else {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	if len(access) == 0 {
		return withBy(s, who)
	}
	if actor := topPrincipal(inStage(in, as, access[0].stage)); actor != "" && actor != who {
		return withBy(withBy(s, who)+", after "+access[0].phrase, actor)
	}
	return withBy(s+" after "+access[0].phrase, who)
}

// createsCompute says the incident's deployment stage is about compute:
// compute was created (its cost), an alert carries compute, or a rule
// says deployment is its stage (the catalogue's table or the rule's own
// stage key). A user's rule lands there from its attack.impact tag alone
// too (SigmaHQ's network security changes), and that is no compute.
func createsCompute(in *Incident, as []*alert.Alert) bool {
	if len(in.Cost.Lines) > 0 {
		return true
	}
	return slices.ContainsFunc(inStage(in, as, "deployment"), func(a *alert.Alert) bool {
		return len(a.Compute) > 0 || a.Stage == "deployment" || slices.Contains(ruleTable(a.Rule), "deployment")
	})
}

// inStage returns the alerts the incident places in one kill-chain stage.
func inStage(in *Incident, as []*alert.Alert, stage string) []*alert.Alert {
	var out []*alert.Alert
	for _, st := range in.Stages {
		if st.Stage != stage {
			continue
		}
		for _, a := range as {
			if slices.Contains(st.Alerts, a.ID) {
				out = append(out, a)
			}
		}
	}
	return out
}

func withBy(s, who string) string {
	if who == "" {
		return s
	}
	return s + " by " + who
}

// foothold is a stage of taking control and how a title names it.
type foothold struct{ stage, phrase string }

// accessPhrases name the foothold stages seen, the most telling first.
func accessPhrases(has func(string) bool) []foothold {
	var out []foothold
	for _, p := range []foothold{
		{"escalation", "elevated access"},
		{"persistence", "a new privileged identity"},
		{"initial_access", "a suspicious sign-in"},
	} {
		if has(p.stage) {
			out = append(out, p)
		}
	}
	return out
}

// serviceNouns names what each compute service creates.
var serviceNouns = map[string]string{
	"vm": "VMs", "vmss": "scale sets", "aml": "ML compute", "batch": "Batch pools", "aci": "container groups",
}

// deployed describes the compute: "GPU scale sets (40 instances) in 3
// regions"; empty when none was created.
func deployed(in *Incident) string {
	if len(in.Cost.Lines) == 0 {
		return ""
	}
	services := map[string]int{}
	gpu := false
	instances := 0
	for _, l := range in.Cost.Lines {
		services[l.Service] += l.Count
		instances += l.Count
		if info, ok := enrich.SizeOf(l.Size); ok && info.GPUs > 0 {
			gpu = true
		}
	}
	noun := "compute"
	if len(services) == 1 {
		for s := range services {
			noun = cmp.Or(serviceNouns[s], noun)
		}
	}
	s := noun
	if gpu {
		s = "GPU " + noun
	}
	if instances > 1 {
		s += fmt.Sprintf(" (%d instances)", instances)
	}
	switch regions := in.Regions; len(regions) {
	case 0:
	case 1:
		s += " in " + regions[0]
	default:
		s += fmt.Sprintf(" in %d regions", len(regions))
	}
	return s
}

// topPrincipal is the principal most alerts name, the earliest among
// equals.
func topPrincipal(as []*alert.Alert) string {
	counts := map[string]int{}
	best := ""
	for _, a := range as {
		p := strings.TrimSpace(a.Principal)
		if p == "" {
			continue
		}
		counts[p]++
		if best == "" || counts[p] > counts[best] {
			best = p
		}
	}
	return best
}
