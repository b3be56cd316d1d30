package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/store"
)

// alertsCmd lists what a store holds: the alerts `mamori serve` found,
// for a look back or for output a serve could not write.
func alertsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, "Usage: mamori alerts --store FILE [--since 7d] [--format table]\n\nLists the alerts a store kept (mamori serve), oldest first.\n")
	path := fs.String("store", "mamori.db", "SQLite store written by 'mamori serve'")
	since := fs.String("since", "", "only alerts whose first event is this recent, e.g. 24h or 7d (default: all)")
	format := fs.String("format", "table", "output format: table, jsonl, json, csv, ocsf")
	output := fs.String("output", "", "write the alerts to this file instead of standard output")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	f, _, err := outputFlags(*format, "")
	if err != nil {
		fmt.Fprintln(stderr, "mamori alerts:", err)
		return ExitUsage
	}
	var from time.Time
	if *since != "" {
		d, err := correlate.ParseTimespan(*since)
		if err != nil {
			fmt.Fprintln(stderr, "mamori alerts: --since:", err)
			return ExitUsage
		}
		from = time.Now().Add(-d)
	}
	// A store is never created by looking at it.
	if _, err := os.Stat(*path); err != nil {
		fmt.Fprintln(stderr, "mamori alerts:", report.Terminal(err.Error()))
		return ExitUsage
	}
	st, err := store.Open(ctx, *path)
	if err != nil {
		fmt.Fprintln(stderr, "mamori alerts:", report.Terminal(err.Error()))
		return ExitError
	}
	defer st.Close()
	as, err := st.Alerts(ctx, from)
	if err != nil {
		fmt.Fprintln(stderr, "mamori alerts:", report.Terminal(err.Error()))
		return ExitError
	}
	out, ropts, closeOut, err := openOutput(*output, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "mamori alerts:", err)
		return ExitError
	}
	defer closeOut()
	if err := report.Write(out, f, as, ropts); err != nil {
		fmt.Fprintln(stderr, "mamori alerts: writing alerts:", err)
		return ExitError
	}
	return ExitOK
}
