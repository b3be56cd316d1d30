package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/store"
)

// statusCmd says what a serve's store has seen of each log, and which of
// the logs the rules read never arrived or stopped arriving: a monitor's
// check (exit 3 when a log is quiet), as `mamori alerts` is its inbox.
func statusCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, `Usage: mamori status --store FILE [--quiet 24h] [--format table|json]

Says what the store of a 'mamori serve' has read of each kind of log (records,
first and last event, when new records last arrived), which logs the rules read
that never arrived, and which stopped arriving for longer than --quiet. It exits
with status 3 when a log is quiet: an export that stopped (a diagnostic setting
deleted, a storage account rotated) leaves no error anywhere else.
`)
	path := fs.String("store", "mamori.db", "SQLite store written by 'mamori serve'")
	quiet := fs.Duration("quiet", 24*time.Hour, "a log the rules read that has not arrived for this long is quiet (0: never)")
	format := fs.String("format", "table", "output format: table or json")
	var ruleDirs multiFlag
	fs.Var(&ruleDirs, "rules", "a folder (or file) of your own Sigma rules, as given to serve; repeatable")
	onlyUser := fs.Bool("only-user-rules", false, "only the rules given with --rules, as given to serve")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "mamori status: --format %q: table or json\n", *format)
		return ExitUsage
	}
	if *quiet < 0 {
		fmt.Fprintf(stderr, "mamori status: --quiet %s: 0 or more\n", *quiet)
		return ExitUsage
	}
	// A store is never created by looking at it.
	if _, err := os.Stat(*path); err != nil {
		fmt.Fprintln(stderr, "mamori status:", report.Terminal(err.Error()))
		return ExitUsage
	}
	set, code := loadRules("status", ruleDirs, *onlyUser, stderr, io.Discard)
	if set == nil {
		return code
	}
	st, err := store.Open(ctx, *path)
	if err != nil {
		fmt.Fprintln(stderr, "mamori status:", report.Terminal(err.Error()))
		return ExitError
	}
	defer st.Close()
	logs, err := st.Logs(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "mamori status:", report.Terminal(err.Error()))
		return ExitError
	}
	now := time.Now()
	h := serve.CheckLogs(logs, set, now, *quiet)
	if *format == "json" {
		err = report.WriteStoreStatus(stdout, statusJSON(h))
	} else {
		err = writeStatus(stdout, h, *path, now)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori status:", err)
		return ExitError
	}
	if len(h.Quiet) > 0 {
		return ExitFindings
	}
	return ExitOK
}

// writeStatus prints the store's logs, then the quiet ones and those
// never seen.
func writeStatus(w io.Writer, h serve.Health, path string, now time.Time) error {
	var b strings.Builder
	if len(h.Logs) == 0 {
		fmt.Fprintf(&b, "The store %s has read no logs yet.\n", report.Terminal(path))
	} else {
		fmt.Fprintf(&b, "LOGS IN THE STORE %s (UTC): records read, first → last event, last arrival\n", report.Terminal(path))
		width, digits := 0, 0
		for _, l := range h.Logs {
			width = max(width, len(logName(l.Kind)))
			digits = max(digits, len(plural.Count(l.Records, "record", "records")))
		}
		for _, l := range h.Logs {
			fmt.Fprintf(&b, "  %-*s  %*s  %s  arrived %s\n", width, logName(l.Kind), digits, plural.Count(l.Records, "record", "records"),
				spanText(l.First, l.Last), ago(l.Arrived, now))
		}
	}
	if len(h.Quiet) > 0 {
		b.WriteString("\nQUIET: logs the rules read that have stopped arriving\n")
		for _, q := range h.Quiet {
			fmt.Fprintf(&b, "  %s\n", quietText(q, now))
		}
	}
	if len(h.NotSeen) > 0 {
		b.WriteString("\nNOT SEEN: the store has read none of these logs, so the rules that read them cannot alert\n")
		for _, g := range h.NotSeen {
			fmt.Fprintf(&b, "  %s: %s\n    export: %s\n", g.Source, report.GapCounts(g), g.Export)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// quietText says that a log stopped arriving, and since when.
func quietText(q serve.Quiet, now time.Time) string {
	return fmt.Sprintf("%s: nothing new for %s (last arrival %s, latest event %s): the rules that read it see nothing new",
		q.Source, roundAge(now.Sub(q.Arrived)), q.Arrived.UTC().Format(coverage.TimeLayout), timeOrNone(q.Last))
}

func logName(kind string) string {
	if k := event.KindNamed(kind); k != event.KindUnknown {
		return coverage.Source(k)
	}
	return report.Terminal(kind) // a kind a newer mamori wrote
}

func spanText(first, last time.Time) string {
	if first.IsZero() {
		return "(no times)"
	}
	return first.UTC().Format(coverage.TimeLayout) + " → " + last.UTC().Format(coverage.TimeLayout)
}

func timeOrNone(t time.Time) string {
	if t.IsZero() {
		return "none with a time"
	}
	return t.UTC().Format(coverage.TimeLayout)
}

// ago is when a log last arrived, with how long ago.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never new"
	}
	return t.UTC().Format(coverage.TimeLayout) + " (" + roundAge(now.Sub(t)) + " ago)"
}

// roundAge is a duration as people say it: seconds under two minutes,
// minutes under two hours, hours under three days, then days.
func roundAge(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return plural.Count(int64(d/time.Second), "second", "seconds")
	case d < 2*time.Hour:
		return plural.Count(int64(d/time.Minute), "minute", "minutes")
	case d < 72*time.Hour:
		return plural.Count(int64(d/time.Hour), "hour", "hours")
	}
	return plural.Count(int64(d/(24*time.Hour)), "day", "days")
}

// statusJSON is the health as `mamori status --format json` gives it.
func statusJSON(h serve.Health) report.StoreStatus {
	var out report.StoreStatus
	for _, l := range h.Logs {
		out.Logs = append(out.Logs, report.StoreLog{Kind: l.Kind, Name: logName(l.Kind), Records: l.Records,
			FirstEvent: l.First.UTC(), LastEvent: l.Last.UTC(), LastArrival: l.Arrived.UTC()})
	}
	for _, q := range h.Quiet {
		out.Quiet = append(out.Quiet, report.QuietLog{Kind: q.Kind.String(), Name: q.Source, LastArrival: q.Arrived.UTC(), LastEvent: q.Last.UTC()})
	}
	out.NotSeen = report.NotSeenOf(h.NotSeen)
	return out
}
