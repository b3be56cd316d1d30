// Package htmlreport writes a hunt's incidents and alerts as one
// self-contained HTML file: inline CSS, inline SVG charts drawn in Go, no
// script and nothing fetched, so it opens offline and can be mailed or
// attached to a ticket. Every string from the logs is attacker-chosen: it
// reaches the page only through html/template's escaping or svgText.
package htmlreport

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/respond"
)

// Input is what the report shows.
type Input struct {
	Alerts    []alert.Alert
	Incidents []incident.Incident // worst first, as the caller orders them
	Title     string              // empty means "mamori hunt report"
	Generated time.Time           // passed in so the same hunt gives the same file
	Files     int                 // files read
	Records   int64               // records read
	Product   string              // e.g. "mamori v0.3.0"
	// Refresh makes the page reload itself this often (serve's dashboard,
	// a page a team keeps open); 0: never.
	Refresh time.Duration
	// Posture, when set, adds the posture section: what lets an attack in.
	Posture *Posture
	// NotSeen, when set, adds what the hunt could not see: the kinds of
	// log its rules read that the input did not hold.
	NotSeen []coverage.Gap
	// Read, when set, adds when each log read begins and ends; Outside
	// the incidents that reach past one.
	Read    []coverage.Read
	Outside []coverage.Outside
	// NotSeenByTenant, when set, adds the logs a tenant's exports lacked
	// while other tenants' held them (data of several tenants).
	NotSeenByTenant []coverage.TenantGaps
	// Unsized, when it counts any, adds the compute creates none of whose
	// records named a size.
	Unsized coverage.Unsized
	// LearnedFull adds that a table of what the hunt learns was full
	// (report.LearnedFullText).
	LearnedFull bool
	// Stopped, when set, leads the page with what a service no longer
	// sees (serve's dashboard): logs that stopped arriving, readers
	// failing, a line each.
	Stopped []string
}

//go:embed template.html
var pageSrc string

var page = template.Must(template.New("page").Parse(pageSrc))

// maxEvidence is how many evidence lines an alert shows; the rest are counted.
const maxEvidence = 20

// Write renders in as an HTML document to w.
func Write(w io.Writer, in Input) error {
	var b strings.Builder
	if err := page.Execute(&b, build(in)); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// view is the page's data: every string already clean()ed, so the template
// does nothing but lay it out.
type view struct {
	Title, Generated, Product string
	Refresh                   int // seconds; 0: none
	Files                     int
	Records                   int64
	Alerts, Suppressed        int
	Counts                    []sevCount
	HourChart, RegionChart    template.HTML
	Incidents                 []incView
	Loose                     []alertRow
	// Hunt is false for a posture-only report: the hunt's header and
	// sections are left out rather than shown empty.
	Hunt            bool
	Posture         *postureView
	NotSeen         []gapView
	NotSeenByTenant []tenantGapView
	Unsized         string // "" when every compute create named a size
	UnsizedExport   string
	LearnedFull     string // "" when no table of what the hunt learns was full
	Stopped         []string
	Read            []readView
	Outside         []string
}

// tenantGapView is one tenant's NOT SEEN.
type tenantGapView struct{ Tenant, Gaps string }

// readView is one kind of log read: how many events, first and last (UTC).
type readView struct {
	Source, Events, First, Last string
	Sparse                      bool
	Repeats                     string // report.RepeatsInLine, "" for none
}

// gapView is one kind of log the hunt did not see.
type gapView struct {
	Source, Counts, Export string
	Examples               []string
}

type sevCount struct {
	Sev string
	N   int
}

type incView struct {
	ID, Title, Sev, When     string
	Tenant                   string // when the report holds several tenants' incidents
	Suppressed               bool   // every alert of it is suppressed: accepted activity
	Steps                    []step
	Who, Regions, IPs, Hosts []string
	Cost                     costView
	Plan                     []respond.Step // what to do, cleaned: high and critical incidents
	Timeline                 template.HTML
	Alerts                   []alertRow
}

type step struct {
	Name string
	Seen bool
	N    int
}

type costView struct {
	Total     string
	Instances int
	Note      string
	Lines     []costLine
}

type costLine struct {
	Service, Size, Region, Unit, Hour, Status string
	Count                                     int
}

type alertRow struct {
	Time, Sev, Rule, Title, Principal, Summary, Suppressed string
	Evidence                                               []string
	More                                                   int
}

func build(in Input) view {
	v := view{Title: clean(in.Title), Product: clean(in.Product), Files: in.Files, Records: in.Records, Alerts: len(in.Alerts),
		Refresh: int(in.Refresh / time.Second)}
	v.Hunt = in.Posture == nil || in.Files > 0 || len(in.Alerts) > 0
	v.Posture = postureSection(in.Posture)
	if v.Title == "" {
		v.Title = "mamori hunt report"
		if !v.Hunt {
			v.Title = "mamori posture report"
		}
	}
	if !in.Generated.IsZero() {
		v.Generated = in.Generated.UTC().Format(time.DateTime) + " UTC"
	}
	counts := make([]int, alert.Critical+1)
	names := incident.NamesOf(in.Alerts)
	byID := make(map[string]*alert.Alert, len(in.Alerts))
	for i := range in.Alerts {
		a := &in.Alerts[i]
		byID[a.ID] = a
		if a.Suppressed != nil {
			v.Suppressed++
		} else if int(a.Severity) < len(counts) {
			counts[a.Severity]++
		}
	}
	for s := alert.Critical; ; s-- {
		v.Counts = append(v.Counts, sevCount{s.String(), counts[s]})
		if s == alert.Informational {
			break
		}
	}
	for _, r := range in.Read {
		rv := readView{Source: r.Source, Events: plural.Count(r.Events, "event", "events"), Sparse: r.Sparse()}
		if r.Repeats.Events > 0 {
			rv.Repeats = report.RepeatsInLine(r.Repeats)
		}
		if !r.First.IsZero() {
			rv.First, rv.Last = r.First.UTC().Format(coverage.TimeLayout), r.Last.UTC().Format(coverage.TimeLayout)
		}
		v.Read = append(v.Read, rv)
	}
	for _, l := range coverage.Lines(in.Outside) {
		v.Outside = append(v.Outside, clean(l))
	}
	for _, t := range in.NotSeenByTenant {
		v.NotSeenByTenant = append(v.NotSeenByTenant, tenantGapView{Tenant: clean(t.Tenant), Gaps: clean(report.GapsInLine(t.Gaps))})
	}
	if in.Unsized.Unsized > 0 {
		v.Unsized, v.UnsizedExport = report.UnsizedInLine(in.Unsized), coverage.UnsizedExport
	}
	v.Stopped = cleanAll(in.Stopped)
	if in.LearnedFull {
		v.LearnedFull = report.LearnedFullText
	}
	for _, g := range in.NotSeen {
		// Titles come from rule files, the user's too.
		v.NotSeen = append(v.NotSeen, gapView{Source: g.Source, Counts: report.GapCounts(g), Export: g.Export, Examples: cleanAll(g.Examples)})
	}
	cs := computeCreated(in.Alerts)
	v.HourChart = hourSVG(cs)
	v.RegionChart = regionSVG(cs)
	placed := map[string]bool{}
	tenantOf := incident.TenantShown(in.Incidents)
	for i := range in.Incidents {
		iv := incidentView(&in.Incidents[i], byID, names, placed)
		iv.Tenant = clean(tenantOf(&in.Incidents[i]))
		v.Incidents = append(v.Incidents, iv)
	}
	for i := range in.Alerts {
		if !placed[in.Alerts[i].ID] {
			v.Loose = append(v.Loose, row(&in.Alerts[i]))
		}
	}
	return v
}

// incidentView lays out one incident; placed records which alerts it showed.
// names are the names the hunt read for principals (incident.NamesOf).
func incidentView(in *incident.Incident, byID map[string]*alert.Alert, names incident.Names, placed map[string]bool) incView {
	iv := incView{ID: clean(in.ID), Title: clean(in.Title), Sev: in.Severity.String(),
		Who: cleanAll(names.Who(in.Principals)), Regions: cleanAll(in.Regions), IPs: cleanAll(in.IPs), Hosts: cleanAll(in.Hosts)}
	iv.When = in.Span()
	seen := map[string]int{}
	for _, s := range in.Stages {
		seen[s.Stage] = len(s.Alerts)
	}
	for _, s := range incident.Stages {
		n, ok := seen[s]
		iv.Steps = append(iv.Steps, step{Name: strings.ReplaceAll(s, "_", " "), Seen: ok, N: n})
	}
	iv.Cost = costOf(&in.Cost)
	iv.Plan = planOf(respond.Plan(in, byID, names))
	iv.Timeline = timelineSVG(in)
	quiet := 0
	for _, e := range in.Timeline {
		if a := byID[e.Alert]; a != nil && !placed[a.ID] {
			placed[a.ID] = true
			iv.Alerts = append(iv.Alerts, row(a))
			if a.Suppressed != nil {
				quiet++
			}
		}
	}
	// The hunt groups suppressed alerts into incidents of their own.
	iv.Suppressed = quiet > 0 && quiet == len(iv.Alerts)
	return iv
}

// planOf cleans a plan for the page: html/template escapes its text for
// HTML, clean makes the controls an attacker's name holds visible.
func planOf(steps []respond.Step) []respond.Step {
	for i := range steps {
		s := &steps[i]
		s.Title, s.Why = clean(s.Title), clean(s.Why)
		s.Targets, s.Commands = cleanAll(clip(s.Targets, "and %d more")), cleanAll(clip(s.Commands, "# … and %d more commands: mamori hunt --incidents FILE lists every one"))
	}
	return steps
}

// maxPlanLines is how many targets and commands of a step a page shows: a
// mass deployment is tens of thousands of machines.
const maxPlanLines = 200

// clip keeps the first maxPlanLines of xs and a line saying how many
// more there are (a command line's is a shell comment, pasted harmlessly).
func clip(xs []string, more string) []string {
	if len(xs) <= maxPlanLines {
		return xs
	}
	return append(xs[:maxPlanLines:maxPlanLines], fmt.Sprintf(more, len(xs)-maxPlanLines))
}

// costOf says what an incident's compute costs per hour, line by line.
func costOf(c *incident.Cost) costView {
	cv := costView{Total: fmt.Sprintf("$%.2f", c.USDPerHour)}
	switch {
	case c.Unpriced > 0:
		cv.Note = fmt.Sprintf("%d sizes without a price are not counted", c.Unpriced)
	case c.Estimated:
		cv.Note = "partly estimated"
	}
	for _, l := range c.Lines {
		cv.Instances += l.Count
		cl := costLine{Service: clean(l.Service), Size: clean(l.Size), Region: clean(l.Region), Count: l.Count, Status: "priced"}
		switch {
		case !l.Priced:
			cl.Status, cl.Unit, cl.Hour = "unpriced", "—", "—"
		default:
			cl.Unit, cl.Hour = fmt.Sprintf("$%.4f", l.UnitUSD), fmt.Sprintf("$%.2f", l.USDPerHour)
			if l.Estimated {
				cl.Status = "estimated"
			}
		}
		if l.PriceRegion != "" && l.Priced {
			cl.Status += " (" + clean(l.PriceRegion) + " price)"
		}
		if l.Spot {
			cl.Service += " spot"
		}
		cv.Lines = append(cv.Lines, cl)
	}
	return cv
}

func row(a *alert.Alert) alertRow {
	r := alertRow{Time: a.Time.UTC().Format(time.DateTime), Sev: a.Severity.String(), Rule: clean(a.Rule),
		Title: clean(a.Title), Principal: clean(incident.Shown(a)), Summary: clean(a.Summary)}
	if l := report.RuleLabel(a); l != a.Rule {
		// A rule with only an id (SigmaHQ's): its title, its id on hover.
		r.Rule, r.Title = clean(l), clean(a.Rule)
	}
	if s := a.Suppressed; s != nil {
		r.Suppressed = clean(s.ID + ": " + s.Reason)
	}
	for i, e := range a.Evidence {
		if i == maxEvidence {
			r.More = len(a.Evidence) - i
			break
		}
		r.Evidence = append(r.Evidence, clean(fmt.Sprintf("%s:%d %s %s", e.File, e.Line, e.Shape, e.Operation)))
	}
	if n := a.Count - len(a.Evidence); n > 0 {
		r.More += n
	}
	return r
}
