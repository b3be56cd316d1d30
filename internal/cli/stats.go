package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mamori-sec/mamori/internal/engine"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/source"
)

// writeStats prints, per input, what was read: the container, the shapes
// recognised, how many records and events, and what was skipped and why.
func writeStats(w io.Writer, stats []*source.FileStats, est engine.Stats) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tFORMAT\tSHAPES\tRECORDS\tEVENTS\tSKIPPED\tIGNORED")
	var rec, evs, skip int64
	for _, s := range stats {
		var shapes []string
		for _, k := range s.ShapeNames() {
			shapes = append(shapes, fmt.Sprintf("%s=%d", k, s.Shapes[k]))
		}
		var ign []string
		for _, k := range slices.Sorted(maps.Keys(s.Ignored)) {
			ign = append(ign, fmt.Sprintf("%s=%d", k, s.Ignored[k]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", report.Terminal(s.File), s.Container,
			orDash(strings.Join(shapes, " ")), s.Records, s.Events, s.Skipped, orDash(report.Terminal(strings.Join(ign, " "))))
		rec, evs, skip = rec+s.Records, evs+s.Events, skip+s.Skipped
	}
	fmt.Fprintf(tw, "TOTAL\t\t\t%d\t%d\t%d\t\n", rec, evs, skip)
	tw.Flush()
	for _, s := range stats {
		if s.Skipped == 0 {
			continue
		}
		var rs []string
		for _, k := range slices.Sorted(maps.Keys(s.Reasons)) {
			rs = append(rs, fmt.Sprintf("%s: %d", k, s.Reasons[k]))
		}
		fmt.Fprintf(w, "%s skipped %d (%s)\n", report.Terminal(s.File), s.Skipped, report.Terminal(strings.Join(rs, ", ")))
	}
	fmt.Fprintln(w, plural.Count(est.Hits, "rule match", "rule matches"))
	if est.Duplicates > 0 {
		fmt.Fprintf(w, "%s among rule matches, counted once\n", plural.Count(est.Duplicates, "duplicate record", "duplicate records"))
	}
}

// writeIncomplete tells, once per file, what its export lost of the
// records read from it (source.FileStats.Incomplete): they were read for
// what they hold, and nothing else would say that the rest is missing.
func writeIncomplete(w io.Writer, prefix string, stats []*source.FileStats) {
	for _, s := range stats {
		for _, why := range slices.Sorted(maps.Keys(s.Incomplete)) {
			fmt.Fprintf(w, "%s %s: %s read incomplete: %s\n", prefix, report.Terminal(s.File),
				plural.Count(s.Incomplete[why], "record", "records"), report.Terminal(why))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
