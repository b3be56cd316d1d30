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
	access := accessPhrases(in, as)
	what := deployed(in)
	// The title claims only what the chain shows: mining is cryptojacking;
	// compute after someone took control is possible cryptojacking; compute
	// alone (a team's GPU machines and their drivers) is said plainly.
	compute := has("deployment") && createsCompute(in, as) || has("drivers") || has("quota")
	var kind string
	mv := moved(as)
	switch {
	case has("mining"):
		kind = "Cryptojacking"
	case compute && len(access) > 0:
		kind = "Possible cryptojacking"
	case compute:
		kind = ""
	case mv != nil:
		// A subscription gone to another directory is the loss itself
		// (its resources, its billing, its logs go with it): said first,
		// with who moved it and how they got the rights to.
		mover := Shown(mv)
		for _, f := range access {
			if f.stage == "escalation" {
				return after("Subscription moved to another tenant", mover, f, in, as)
			}
		}
		return withBy("Subscription moved to another tenant", mover)
	case slices.ContainsFunc(access, func(f foothold) bool { return f.named }):
		// Access that only users' rules placed (by their tags) is told
		// better by their titles, below.
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
	return after(s, who, access[0], in, as)
}

// after says what who did after the foothold f, naming the foothold's own
// actor when another identity took it (an owner the attacker granted,
// from the same address), so the title does not say who elevated access.
func after(s, who string, f foothold, in *Incident, as []*alert.Alert) string {
	if actor := topPrincipal(inStage(in, as, f.stage)); actor != "" && actor != who {
		return withBy(withBy(s, who)+", after "+f.phrase, actor)
	}
	return withBy(s+" after "+f.phrase, who)
}

// createsCompute says the incident's deployment stage is about compute:
// compute was created (its cost), an alert carries compute, or a rule
// says deployment is its stage (ruleStagesOf). A user's rule lands there
// from its attack.impact tag alone too (SigmaHQ's network security
// changes), and that is no compute.
func createsCompute(in *Incident, as []*alert.Alert) bool {
	if len(in.Cost.Lines) > 0 {
		return true
	}
	return slices.ContainsFunc(inStage(in, as, "deployment"), func(a *alert.Alert) bool {
		return len(a.Compute) > 0 || slices.Contains(ruleStagesOf(a), "deployment")
	})
}

// inStage returns the alerts the incident places in one kill-chain stage,
// in the order of as. (A stage's ids are looked up in a set: a mass
// deployment's incident holds thousands of alerts in one stage.)
func inStage(in *Incident, as []*alert.Alert, stage string) []*alert.Alert {
	var out []*alert.Alert
	for _, st := range in.Stages {
		if st.Stage != stage {
			continue
		}
		ids := make(map[string]struct{}, len(st.Alerts))
		for _, id := range st.Alerts {
			ids[id] = struct{}{}
		}
		for _, a := range as {
			if _, ok := ids[a.ID]; ok {
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
type foothold struct {
	stage, phrase string
	named         bool // the phrase says what a catalogue rule found
}

// footholds are the stages of taking control, the most telling first,
// and how a title names each: by what the catalogue's rules in it say
// happened (the first listed that has an alert there), else plainly. A
// user's rule lands in these stages from its ATT&CK tags alone, and an
// audit rule tagged privilege escalation is no elevated access.
var footholds = []struct {
	stage string
	rules []said
	plain string
}{
	{"escalation", []said{
		{"azure.identity.elevate_access", "elevated access"},
		{"azure.identity.privileged_role_assignment", "a privileged role grant"},
	}, "privilege escalation"},
	{"persistence", []said{
		{"azure.subscription.moved_to_other_tenant", "a subscription moved to another tenant"},
		{"azure.identity.new_account_privileged", "a new privileged identity"},
	}, "persistence"},
	{"initial_access", []said{{"azure.signin", "a suspicious sign-in"}}, "initial access"},
}

// said is how a title names what a rule (its variants, or an area's
// rules) found.
type said struct{ rule, phrase string }

// accessPhrases name the foothold stages the incident shows.
func accessPhrases(in *Incident, as []*alert.Alert) []foothold {
	var out []foothold
	for _, f := range footholds {
		there := inStage(in, as, f.stage)
		if len(there) == 0 {
			continue
		}
		phrase, named := f.plain, false
		for _, r := range f.rules {
			// The rule, its variants (elevate_access.audit) and, for an
			// area, its rules.
			if slices.ContainsFunc(there, func(a *alert.Alert) bool {
				return a.Rule == r.rule || strings.HasPrefix(a.Rule, r.rule+".")
			}) {
				phrase, named = r.phrase, true
				break
			}
		}
		out = append(out, foothold{f.stage, phrase, named})
	}
	return out
}

// serviceNouns names what each compute service creates.
var serviceNouns = map[string]string{
	"vm": "VMs", "vmss": "scale sets", "aml": "ML compute", "batch": "Batch pools", "aci": "container groups",
	"aks": "AKS node pools", "aca": "Container Apps profiles and apps", "appservice": "App Service plans",
	"sf": "Service Fabric node types", "hdinsight": "HDInsight clusters", "synapse": "Synapse Spark pools", "aro": "OpenShift clusters",
	"fleet": "Compute Fleets",
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
// equals, as a title shows it (shown).
func topPrincipal(as []*alert.Alert) string {
	counts := map[string]int{}
	show := map[string]string{}
	best := ""
	for _, a := range as {
		p := strings.TrimSpace(a.Principal)
		if p == "" {
			continue
		}
		counts[p]++
		if s := Shown(a); show[p] == "" || s != p {
			show[p] = s
		}
		if best == "" || counts[p] > counts[best] {
			best = p
		}
	}
	return show[best]
}

// Names maps each principal alerts name by an object id to the name the
// hunt read for it (alert.PrincipalName: a service principal's display
// name, a user's UPN), for pages that list principals.
type Names map[string]string

// NamesOf collects the names alerts give their principals.
func NamesOf(alerts []alert.Alert) Names {
	names := Names{}
	for i := range alerts {
		if a := &alerts[i]; a.PrincipalName != "" && a.Principal != "" {
			names[a.Principal] = a.PrincipalName
		}
	}
	return names
}

// Show is how a title names principal p (Shown).
func (n Names) Show(p string) string { return shown(p, n[p]) }

// Who lists an incident's principals as titles show them, leaving out an
// object id whose name is a principal the list holds already: a user's
// alerts name her by UPN, Defender's by object id, and she is one person.
func (n Names) Who(principals []string) []string {
	out := make([]string, 0, len(principals))
	for _, p := range principals {
		if nm := n[p]; nm != "" && nm != p && slices.Contains(principals, nm) {
			continue
		}
		out = append(out, n.Show(p))
	}
	return out
}

// Shown is how a title names an alert's principal: one named by object id
// whose name the hunt read by that name and the start of the id (names
// are not unique: "pipeline (6f0b56c8)"), anyone else as the alert names
// them.
func Shown(a *alert.Alert) string { return shown(a.Principal, a.PrincipalName) }

func shown(principal, name string) string {
	p, n := strings.TrimSpace(principal), strings.TrimSpace(name)
	if n == "" || p == "" {
		return p
	}
	if len(p) > 12 {
		p = p[:8]
	}
	return n + " (" + p + ")"
}

// moved is the incident's alert of a subscription moved to another
// tenant, nil when it has none.
func moved(as []*alert.Alert) *alert.Alert {
	for _, a := range as {
		if a.Rule == "azure.subscription.moved_to_other_tenant" {
			return a
		}
	}
	return nil
}
