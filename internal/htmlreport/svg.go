package htmlreport

import (
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/plural"
)

// Chart geometry, in SVG user units; the SVGs scale to the page width.
const (
	chartW  = 720
	labelW  = 120 // left margin for lane and region names
	laneH   = 22
	axisH   = 30
	barH    = 18
	colW    = 600 // plot width of the hourly chart
	hourTop = 20
	hourH   = 120
	// minSlots is the shortest hourly axis, in hours.
	minSlots = 12
)

const timeFmt = "2006-01-02 15:04"

// timelineSVG draws an incident's alerts as marks on a time axis, one lane
// per kill-chain stage (and one for alerts no stage places), coloured by
// severity. Every label goes through svgText.
func timelineSVG(in *incident.Incident) template.HTML {
	lanes := append([]string(nil), incident.Stages...)
	known := map[string]bool{}
	for _, s := range lanes {
		known[s] = true
	}
	// An "other" lane only when some alert has no stage, or one the table
	// does not know.
	for _, e := range in.Timeline {
		if len(e.Stages) == 0 || !slices.ContainsFunc(e.Stages, func(s string) bool { return known[s] }) {
			lanes = append(lanes, "other")
			break
		}
	}
	start, end := in.Time, in.LastTime
	for _, e := range in.Timeline {
		if e.Time.Before(start) || start.IsZero() {
			start = e.Time
		}
		if e.Time.After(end) {
			end = e.Time
		}
	}
	span := end.Sub(start)
	plotW := float64(chartW - labelW - 20)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return labelW + plotW/2
		}
		return labelW + plotW*float64(t.Sub(start))/float64(span)
	}
	h := len(lanes)*laneH + axisH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="timeline of %s">`, chartW, h, svgText(in.ID))
	for i, l := range lanes {
		y := i*laneH + laneH/2
		fmt.Fprintf(&b, `<text class="lab" x="%d" y="%d">%s</text>`, labelW-6, y+4, svgText(strings.ReplaceAll(l, "_", " ")))
		fmt.Fprintf(&b, `<line class="lane" x1="%d" y1="%d" x2="%d" y2="%d"/>`, labelW, y, chartW-20, y)
	}
	lane := map[string]int{}
	for i, l := range lanes {
		lane[l] = i
	}
	for _, e := range in.Timeline {
		var at []int
		for _, s := range e.Stages {
			if i, ok := lane[s]; ok {
				at = append(at, i)
			}
		}
		if len(at) == 0 {
			at = []int{len(lanes) - 1} // the "other" lane
		}
		for _, i := range at {
			fmt.Fprintf(&b, `<circle class="mark sev-%s" cx="%.1f" cy="%d" r="5"><title>%s %s: %s</title></circle>`,
				e.Severity, x(e.Time), i*laneH+laneH/2, e.Time.UTC().Format(timeFmt), svgText(e.Rule), svgText(e.Title))
		}
	}
	axisY := len(lanes) * laneH
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, labelW, axisY, chartW-20, axisY)
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="start">%s</text>`, labelW, axisY+18, start.UTC().Format(timeFmt))
	if span > 0 {
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">%s</text>`, chartW-20, axisY+18, end.UTC().Format(timeFmt))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every label above is svgText'd
}

// created is one piece of compute and when it was first seen.
type created struct {
	at     time.Time
	region string
	count  int
}

// computeCreated gathers the compute the alerts created, once per resource
// (else per correlation id) as incident.ComputeOf does, keeping the largest
// count and the earliest alert time. Suppressed alerts are left out: their
// compute is accepted activity.
func computeCreated(alerts []alert.Alert) []created {
	idx := make([]int, 0, len(alerts))
	for i := range alerts {
		if alerts[i].Suppressed == nil && len(alerts[i].Compute) > 0 {
			idx = append(idx, i)
		}
	}
	// Time then id order makes the first-seen time independent of input order.
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := &alerts[idx[a]], &alerts[idx[b]]
		if !x.Time.Equal(y.Time) {
			return x.Time.Before(y.Time)
		}
		return x.ID < y.ID
	})
	var out []created
	seen := map[string]int{}
	for _, i := range idx {
		a := &alerts[i]
		for _, c := range a.Compute {
			key := ""
			switch {
			case c.Resource != "":
				key = "r:" + strings.ToLower(c.Resource)
			case c.Operation != "":
				key = "o:" + strings.ToLower(c.Operation)
			}
			if j, ok := seen[key]; ok && key != "" {
				out[j].count = max(out[j].count, c.Count)
				continue
			}
			region := c.Region
			if region == "" {
				region = incident.DefaultRegion
			}
			seen[key] = len(out)
			out = append(out, created{at: a.Time.UTC(), region: region, count: max(c.Count, 0)})
		}
	}
	return out
}

// hourSVG draws instances created per hour: one bar per hour that saw any,
// placed on an axis from the first such hour to the last.
func hourSVG(cs []created) template.HTML {
	per := map[time.Time]int{}
	for _, c := range cs {
		per[c.at.Truncate(time.Hour)] += c.count
	}
	hours := make([]time.Time, 0, len(per))
	peak := 0
	for h, n := range per {
		if n > 0 {
			hours = append(hours, h)
			peak = max(peak, n)
		}
	}
	if len(hours) == 0 {
		return ""
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i].Before(hours[j]) })
	first, last := hours[0], hours[len(hours)-1]
	// At least half a day on the axis, so one busy hour is a bar, not a wall.
	slots := max(int(last.Sub(first)/time.Hour)+1, minSlots)
	w := float64(colW) / float64(slots)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="instances created per hour">`, chartW, hourTop+hourH+axisH)
	for _, h := range hours {
		n := per[h]
		bh := float64(hourH) * float64(n) / float64(peak)
		x := float64(labelW) + w*float64(h.Sub(first)/time.Hour)
		fmt.Fprintf(&b, `<rect class="bar hour" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s UTC: %s</title></rect>`,
			x, float64(hourTop+hourH)-bh, max(w-1, 1), bh, h.Format(timeFmt), plural.Count(n, "instance", "instances"))
		if w >= 16 { // room for the count over the bar, for print
			fmt.Fprintf(&b, `<text class="val" x="%.1f" y="%.1f" text-anchor="middle">%d</text>`, x+w/2, float64(hourTop+hourH)-bh-3, n)
		}
	}
	axisY := hourTop + hourH
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, labelW, axisY, labelW+colW, axisY)
	fmt.Fprintf(&b, `<text class="lab" x="%d" y="%d">%d</text>`, labelW-6, hourTop+10, peak)
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="start">%s</text>`, labelW, axisY+18, first.Format(timeFmt))
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">%s</text>`, labelW+colW, axisY+18, first.Add(time.Duration(slots)*time.Hour).Format(timeFmt))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // labels are times and numbers only
}

// regionSVG draws instances created per region as horizontal bars, most
// first, then by name.
func regionSVG(cs []created) template.HTML {
	per := map[string]int{}
	for _, c := range cs {
		per[c.region] += c.count
	}
	regions := make([]string, 0, len(per))
	peak := 0
	for r, n := range per {
		if n > 0 {
			regions = append(regions, r)
			peak = max(peak, n)
		}
	}
	if len(regions) == 0 {
		return ""
	}
	sort.Slice(regions, func(i, j int) bool {
		if per[regions[i]] != per[regions[j]] {
			return per[regions[i]] > per[regions[j]]
		}
		return regions[i] < regions[j]
	})
	plotW := float64(chartW - labelW - 60)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="instances created per region">`, chartW, len(regions)*(barH+6)+6)
	for i, r := range regions {
		n := per[r]
		y := 6 + i*(barH+6)
		bw := plotW * float64(n) / float64(peak)
		fmt.Fprintf(&b, `<text class="lab" x="%d" y="%d">%s</text>`, labelW-6, y+barH-5, svgText(r))
		fmt.Fprintf(&b, `<rect class="bar region" x="%d" y="%d" width="%.1f" height="%d"><title>%s: %s</title></rect>`,
			labelW, y, bw, barH, svgText(r), plural.Count(n, "instance", "instances"))
		fmt.Fprintf(&b, `<text class="val" x="%.1f" y="%d">%d</text>`, float64(labelW)+bw+6, y+barH-5, n)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // region names are svgText'd
}
