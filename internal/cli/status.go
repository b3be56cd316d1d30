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
	if len(h.Logs) == 0 {
		_, err := fmt.Fprintf(w, "The store %s has read no logs yet.\n", report.Terminal(path))
		return err
	}
	reads, arrived := h.Reads()
	if err := report.WriteStoreLogsRead(w, reads, arrived, now, nil); err != nil {
		return err
	}
	if len(h.Quiet) > 0 {
		var b strings.Builder
		b.WriteString("\nQUIET: logs the rules read that have stopped arriving\n")
		for _, q := range h.Quiet {
			fmt.Fprintf(&b, "  %s\n", quietText(q, now))
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return report.WriteStoreNotSeen(w, h.NotSeen)
}

// quietText says that a log stopped arriving, and since when.
func quietText(q serve.Quiet, now time.Time) string {
	last := "none with a time"
	if !q.Last.IsZero() {
		last = q.Last.UTC().Format(coverage.TimeLayout)
	}
	return fmt.Sprintf("%s: nothing new for %s (last arrival %s, latest event %s): the rules that read it see nothing new",
		q.Source, report.Age(now.Sub(q.Arrived)), q.Arrived.UTC().Format(coverage.TimeLayout), last)
}

// logName is a stored kind's name for people.
func logName(kind string) string {
	if k := event.KindNamed(kind); k != event.KindUnknown {
		return coverage.Source(k)
	}
	return report.Terminal(kind) // a kind a newer mamori wrote
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
