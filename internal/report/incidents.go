package report

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/respond"
)

// writeIncidentTable prints each incident (title, when, kill chain, who,
// what it costs per hour) with its alerts under it, then the alerts no
// incident holds (suppressed ones).
func writeIncidentTable(w io.Writer, alerts []alert.Alert, opts Options) error {
	byID := make(map[string]*alert.Alert, len(alerts))
	for i := range alerts {
		byID[alerts[i].ID] = &alerts[i]
	}
	placed, names := map[string]bool{}, incident.NamesOf(alerts)
	var brief []*incident.Incident
	tenantOf := incident.TenantShown(opts.Incidents)
	for i := range opts.Incidents {
		in := &opts.Incidents[i]
		if opts.Brief && in.Severity < alert.High {
			brief = append(brief, in)
			for _, e := range in.Timeline {
				placed[e.Alert] = true
			}
			continue
		}
		var b strings.Builder
		sev := severityText(in.Severity)
		if opts.Color && int(in.Severity) < len(severityColor) {
			sev = severityColor[in.Severity] + sev + sgrReset
		}
		fmt.Fprintf(&b, "INCIDENT %s  %s  %s\n", in.ID, sev, Terminal(in.Title))
		fmt.Fprintf(&b, "  when      %s\n", in.Span())
		if was := opts.Formerly[in.ID]; len(was) > 0 {
			fmt.Fprintf(&b, "  told as   %s (the id serve wrote, and posted, some of its alerts under)\n", Terminal(strings.Join(was, ", ")))
		}
		if t := tenantOf(in); t != "" {
			fmt.Fprintf(&b, "  tenant    %s\n", Terminal(t))
		}
		var stages []string
		for _, s := range in.Stages {
			stages = append(stages, strings.ReplaceAll(s.Stage, "_", " "))
		}
		if len(stages) > 0 {
			fmt.Fprintf(&b, "  stages    %s\n", strings.Join(stages, " → "))
		}
		if len(in.Principals) > 0 {
			fmt.Fprintf(&b, "  who       %s\n", Terminal(clipList(names.Who(in.Principals), 4)))
		}
		if len(in.Regions) > 0 {
			fmt.Fprintf(&b, "  regions   %s\n", Terminal(clipList(in.Regions, 8)))
		}
		if len(in.Hosts) > 0 {
			fmt.Fprintf(&b, "  machines  %s\n", Terminal(clipList(in.Hosts, 8)))
		}
		if c := CostText(&in.Cost); c != "" {
			fmt.Fprintf(&b, "  cost      %s\n", c)
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
		var members []alert.Alert
		for _, e := range in.Timeline {
			if a := byID[e.Alert]; a != nil && !placed[a.ID] {
				members = append(members, *a)
				placed[a.ID] = true
			}
		}
		if err := writeTable(w, members, opts); err != nil {
			return err
		}
		var plan strings.Builder
		writePlan(&plan, in, respond.Plan(in, byID, names))
		plan.WriteString("\n")
		if _, err := io.WriteString(w, plan.String()); err != nil {
			return err
		}
	}
	if len(brief) > 0 {
		fmt.Fprintf(w, "LOWER-SEVERITY INCIDENTS (mamori hunt shows their alerts)\n")
		shown := brief[:min(len(brief), maxBrief)]
		for _, in := range shown {
			fmt.Fprintf(w, "  %s  %-8s %s  %s, %s\n", in.ID, severityText(in.Severity), in.Time.UTC().Format("2006-01-02 15:04"), Terminal(in.Title), plural.Count(len(in.Timeline), "alert", "alerts"))
		}
		if more := brief[len(shown):]; len(more) > 0 {
			fmt.Fprintf(w, "  … and %d more, %s\n", len(more), Terminal(byWhom(more, names)))
		}
		io.WriteString(w, "\n")
	}
	var rest []alert.Alert
	for _, a := range alerts {
		if !placed[a.ID] {
			rest = append(rest, a)
		}
	}
	if len(rest) > 0 {
		if _, err := io.WriteString(w, "NOT IN AN INCIDENT\n"); err != nil {
			return err
		}
		if err := writeTable(w, rest, opts); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%s; %s\n", plural.Count(len(opts.Incidents), "incident", "incidents"), countLine(alerts))
	return err
}

// maxBrief is how many lower-severity incidents the brief listing names
// one by one: a month of a team's routine GPU work is dozens of them, and
// the terminal is for the attack.
const maxBrief = 10

// byWhom says whose the incidents are, the most frequent first: "12 by
// kim@…, 9 by a pipeline's name, 3 by 2 others". names are the names the
// hunt read for principals named by object id (incident.NamesOf).
func byWhom(ins []*incident.Incident, names incident.Names) string {
	count := map[string]int{}
	for _, in := range ins {
		who := "no one named"
		if len(in.Principals) > 0 {
			who = names.Show(in.Principals[0])
		}
		count[who]++
	}
	whos := slices.Collect(maps.Keys(count))
	slices.SortFunc(whos, func(a, b string) int { return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b)) })
	const named = 4
	var parts []string
	for i, who := range whos {
		if i == named {
			rest := 0
			for _, w := range whos[named:] {
				rest += count[w]
			}
			parts = append(parts, fmt.Sprintf("%d by %s", rest, plural.Count(len(whos)-named, "other", "others")))
			break
		}
		parts = append(parts, fmt.Sprintf("%d by %s", count[who], who))
	}
	return strings.Join(parts, ", ")
}

// CostText says what the incident's compute costs per hour at list price.
func CostText(c *incident.Cost) string {
	if len(c.Lines) == 0 {
		return ""
	}
	n := 0
	for _, l := range c.Lines {
		n += l.Count
	}
	t := fmt.Sprintf("about $%.0f per hour for %s", c.USDPerHour, plural.Count(n, "instance", "instances"))
	if u := incident.UnknownText(c.Lines); u != "" {
		// An autoscaled pool whose formula bounds nothing, a scale set
		// whose size changed and whose capacity no record named: not one
		// machine, unknown.
		if n == 0 {
			return "unknown: " + u
		}
		t += ", and " + u
	}
	switch {
	case c.Unpriced > 0:
		t += fmt.Sprintf(" (%s without a price, not counted)", plural.Count(c.Unpriced, "size", "sizes"))
	case c.Estimated && !slices.ContainsFunc(c.Lines, func(l incident.CostLine) bool { return l.Priced && !l.Estimated }):
		t += " (estimated)"
	case c.Estimated:
		t += " (partly estimated)"
	}
	return t
}

func clipList(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
}
