// Package coverage says what a hunt could not see: the kinds of log its
// rules read that the input did not hold, how many rules and correlations
// each leaves with nothing to read, and which export would bring it. An
// export of the Activity Log alone shows no alert for a miner's process or
// a risky sign-in; that is not "none happened", and the responder needs to
// know what to ask for next. Everything is derived from the rules' log
// sources, so a new rule, or a user's own, is counted with no change here.
package coverage

import (
	"cmp"
	"slices"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// Gap is one kind of log that rules read and the input did not hold.
type Gap struct {
	Kind         event.Kind
	Source       string   // what the log is, for people
	Export       string   // which export would cover it
	Rules        []string // names of the detection rules with nothing to read (not those only a correlation reads), sorted
	Correlations []string // names of the correlations that cannot fire without it, sorted
	Examples     []string // up to two of their titles, worst first
}

// logs names each kind of log and the export that brings it; mamori's
// readers accept every shape listed in docs/formats.md.
var logs = [event.KindCount]struct{ source, export string }{
	event.KindActivity:   {"Azure Activity Log", "subscription diagnostic setting (Administrative category; Security too for Defender's alerts), or az monitor activity-log list"},
	event.KindSignIn:     {"Entra ID sign-in logs", "Entra diagnostic setting SignInLogs (and NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs)"},
	event.KindAudit:      {"Entra ID audit logs", "Entra diagnostic setting AuditLogs"},
	event.KindFlow:       {"network flow logs", "NSG or VNet flow logs, or Azure Firewall network rule logs (AZFWNetworkRule)"},
	event.KindDNS:        {"DNS lookups", "Azure Firewall DNS proxy logs (AZFWDnsQuery)"},
	event.KindProcess:    {"host process logs", "Defender for Endpoint DeviceProcessEvents, auditd execve records or Sysmon for Linux"},
	event.KindAlert:      {"Defender for Cloud security alerts", "Defender for Cloud continuous export (SecurityAlert in a Log Analytics workspace, or an Event Hub), the alerts REST API, or the Activity Log's Security category (none there: Defender raised none, or is off)"},
	event.KindRisk:       {"Entra ID risk detections", "Entra diagnostic setting UserRiskEvents (and ServicePrincipalRiskEvents), AADUserRiskEvents in a Log Analytics workspace, or mamori fetch (Graph identityProtection/riskDetections; Entra ID P2)"},
	event.KindDatabricks: {"Azure Databricks clusters log", "each Databricks workspace's diagnostic setting, category clusters (a storage account, an Event Hub, or DatabricksClusters in a Log Analytics workspace; Premium plan): the Activity Log names only the AzureDatabricks application for a cluster's machines"},
}

// maxExamples is how many titles a gap quotes: enough to say what is at
// stake, short enough for one line.
const maxExamples = 2

// Missing lists, in kind order, the kinds of log that the set's rules read
// and of which events holds no event (events read per kind, as a hunt
// counts them). It is empty when every rule had something to read, so a
// hunt over a complete export, or with only the user's rules over the logs
// they read, says nothing.
func Missing(set *rules.Set, events [event.KindCount]int64) []Gap {
	var gaps [event.KindCount]struct {
		Gap
		cands []candidate
	}
	bySigma := map[*sigma.Rule]*rules.Rule{}
	reads := map[string]bool{} // rule name or id -> its logs were read
	corr := set.Correlations()
	for _, r := range set.Detections() {
		bySigma[r.Sigma] = r
		ok := slices.ContainsFunc(r.Kinds, func(k event.Kind) bool { return events[k] > 0 })
		for _, n := range ruleNames(r) {
			reads[n] = ok
		}
		// A rule only a correlation reads makes no alert of its own: the
		// correlation is what the user misses, and is counted below.
		if ok || corr != nil && slices.ContainsFunc(ruleNames(r), corr.Silent) {
			continue
		}
		for _, k := range r.Kinds {
			gaps[k].Rules = append(gaps[k].Rules, r.Name)
			gaps[k].cands = append(gaps[k].cands, candidate{r.Severity, r.Sigma.Title})
		}
	}
	if corr != nil {
		for _, r := range set.Rules {
			if r.Status == rules.Correlation {
				bySigma[r.Sigma] = r
			}
		}
		for _, st := range corr.Starved(func(k string) bool { return reads[k] }) {
			var kinds []event.Kind
			for _, d := range st.Idle {
				if r := bySigma[d]; r != nil {
					kinds = append(kinds, r.Kinds...)
				}
			}
			slices.Sort(kinds)
			sev, name := alert.Medium, cmp.Or(st.Rule.Name, st.Rule.ID, st.Rule.Title) // as Load names it
			if r := bySigma[st.Rule]; r != nil {
				sev, name = r.Severity, r.Name
			}
			for _, k := range slices.Compact(kinds) {
				gaps[k].Correlations = append(gaps[k].Correlations, name)
				gaps[k].cands = append(gaps[k].cands, candidate{sev, st.Rule.Title})
			}
		}
	}
	var out []Gap
	for k := range gaps {
		g := &gaps[k]
		if len(g.Rules)+len(g.Correlations) == 0 {
			continue
		}
		slices.Sort(g.Rules)
		slices.Sort(g.Correlations)
		g.Kind, g.Source, g.Export = event.Kind(k), Source(event.Kind(k)), logs[k].export
		slices.SortStableFunc(g.cands, func(a, b candidate) int { return cmp.Compare(b.sev, a.sev) })
		for _, c := range g.cands[:min(maxExamples, len(g.cands))] {
			g.Examples = append(g.Examples, c.title)
		}
		out = append(out, g.Gap)
	}
	return out
}

// candidate is a rule or correlation that might be quoted as an example.
type candidate struct {
	sev   alert.Severity
	title string
}

// ruleNames are the names a correlation may reference a rule by.
func ruleNames(r *rules.Rule) []string {
	if r.Sigma.ID != "" && r.Sigma.ID != r.Name {
		return []string{r.Name, r.Sigma.ID}
	}
	return []string{r.Name}
}
