package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/store"
)

// alertsCmd lists what a store holds: the alerts `mamori serve` found,
// for a look back or for output a serve could not write.
func alertsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, `Usage: mamori alerts --store FILE [--since 7d] [--format table] [--report FILE]

Lists the alerts a store kept (mamori serve), grouped into incidents over everything
listed: an attack that serve found over several cycles is one incident here, with
its kill chain and cost per hour (--format table and --report show them; the other
formats give each alert its incident's id).
`)
	path := fs.String("store", "mamori.db", "SQLite store written by 'mamori serve'")
	since := fs.String("since", "", "only alerts whose first event is this recent, e.g. 24h or 7d (default: all)")
	format := fs.String("format", "table", "output format: table, jsonl, json, csv, ocsf")
	output := fs.String("output", "", "write the alerts to this file instead of standard output")
	htmlPath := fs.String("report", "", "also write a self-contained HTML report (incidents, timelines, charts) to this file")
	incPath := fs.String("incidents", "", "also write the incidents, each with its timeline, cost and what to do about it, as one JSON array, to this file (docs/outputs.md)")
	var inc incidentFlags
	inc.register(fs)
	dataDir := fs.String("data-dir", defaultDataDir(), "folder of intel files written by 'mamori intel update' (the price table)")
	var ruleDirs multiFlag
	fs.Var(&ruleDirs, "rules", "a folder (or file) of your own Sigma rules, as given to serve (which logs the rules read); repeatable")
	onlyUser := fs.Bool("only-user-rules", false, "only the rules given with --rules, as given to serve")
	var tenantIDs multiFlag
	fs.Var(&tenantIDs, "tenant", "only this tenant's alerts, incidents and logs (its `id`; repeatable, or comma-separated): one customer's report of a store that serves many")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	f, _, err := outputFlags(*format, "")
	if err != nil {
		fmt.Fprintln(stderr, "mamori alerts:", err)
		return ExitUsage
	}
	if err := inc.check(); err != nil {
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
	st, code := openStore(ctx, "alerts", *path, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	set, code := loadRules("alerts", ruleDirs, *onlyUser, stderr, io.Discard)
	if set == nil {
		return code
	}
	prices, err := incident.LoadPrices(*dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "mamori alerts: price table:", report.Terminal(err.Error()))
		return ExitError
	}
	v, err := viewStore(ctx, st, set, from, tenantIDs, inc.options(prices), time.Now(), 0)
	var unknown unknownTenantError
	switch {
	case errors.As(err, &unknown):
		fmt.Fprintln(stderr, "mamori alerts: --tenant", err)
		return ExitUsage
	case err != nil:
		fmt.Fprintln(stderr, "mamori alerts:", report.Terminal(err.Error()))
		return ExitError
	}
	as, incs := v.alerts, v.incidents
	if len(as) == 0 && !from.IsZero() {
		// Events are placed by their own time: a store of last month's
		// exports has nothing "in the last 7 days", which "no alerts"
		// alone would hide.
		if all, err := st.Alerts(ctx, time.Time{}); err == nil && len(all) > 0 {
			latest := slices.MaxFunc(all, func(a, b alert.Alert) int { return a.Time.Compare(b.Time) }).Time
			fmt.Fprintf(stderr, "mamori alerts: none since %s (--since %s); the store holds %s before, the latest at %s\n",
				from.UTC().Format("2006-01-02 15:04"), *since, plural.Count(len(all), "alert", "alerts"), latest.UTC().Format("2006-01-02 15:04"))
		}
	}
	// Only an alert passed over is in no incident: say why it is listed
	// apart.
	passed := 0
	for _, a := range as {
		if a.Incident == "" {
			passed++
		}
	}
	if passed > 0 {
		fmt.Fprintf(stderr, "mamori alerts: %s of VMs Azure Databricks wrote in no incident: a request for their cluster, read in another cycle, counts them (in its incident)\n",
			plural.Count(passed, "alert", "alerts"))
	}
	out, ropts, closeOut, err := openOutput(*output, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "mamori alerts:", err)
		return ExitError
	}
	defer closeOut()
	ropts.Incidents, ropts.Formerly, ropts.Responses = incs, v.formerly, ruleResponses(set)
	if err := report.Write(out, f, as, ropts); err != nil {
		fmt.Fprintln(stderr, "mamori alerts: writing alerts:", err)
		return ExitError
	}
	// What the store read of each log, the incidents that began before a
	// log they read and the compute creates the rules could not judge: as
	// a hunt's LOGS READ, NOT SEEN and NOT JUDGED.
	now, h, reads, arrived, outside, tenants := v.now, v.health, v.reads, v.arrived, v.outside, v.tenants
	if f == report.Table {
		var err error
		if tenants != nil {
			err = report.WriteTenantLogsRead(out, tenants, reads, arrived, now, outside)
		} else {
			err = report.WriteStoreLogsRead(out, reads, arrived, now, outside)
		}
		if err == nil && len(h.Logs) > 0 { // a store of an older mamori has no logs counted
			err = report.WriteStoreNotSeen(out, h.NotSeen)
		}
		if err == nil {
			err = report.WriteStoreNotSeenByTenant(out, h.NotSeenByTenant)
		}
		if err == nil {
			err = report.WriteUnsized(out, h.Unsized)
		}
		if err != nil {
			fmt.Fprintln(stderr, "mamori alerts: writing alerts:", err)
			return ExitError
		}
	} else {
		if len(outside) > 0 {
			fmt.Fprintf(stderr, "mamori alerts: an incident reaches past a log the store read: %s\n", report.OutsideInLine(outside))
		}
		if h.Unsized.Unsized > 0 {
			fmt.Fprintf(stderr, "mamori alerts: not judged: %s ('mamori status' says which export names them)\n", report.UnsizedInLine(h.Unsized))
		}
	}
	if *incPath != "" {
		if err := writeNew(*incPath, func(w io.Writer) error { return report.WriteIncidents(w, incs, as) }); err != nil {
			fmt.Fprintln(stderr, "mamori alerts: --incidents:", report.Terminal(err.Error()))
			return ExitError
		}
	}
	if *htmlPath != "" {
		if err := writeHTMLReport(*htmlPath, v.htmlInput("mamori alerts: "+*path, "mamori "+Version())); err != nil {
			fmt.Fprintln(stderr, "mamori alerts: --report:", report.Terminal(err.Error()))
			return ExitError
		}
	}
	return ExitOK
}

// storeIncidents returns the store's alerts whose first event is at or
// after from, named as the store now names their principals, and the
// incidents they make, and each alert's incident as stored (written
// and told by serve) before this grouping named it again. Each cycle of
// serve grouped only its own alerts; the incidents are made again over
// all those listed, and priced, as a hunt's are, from every compute
// create their principals made that the cycles read (the store keeps
// them), not only from those their alerts carry.
func storeIncidents(ctx context.Context, st *store.Store, from time.Time, iopts incident.Options) ([]alert.Alert, []incident.Incident, map[string]string, error) {
	as, err := st.Alerts(ctx, from)
	if err != nil {
		return nil, nil, nil, err
	}
	// Names the store learned after an alert was stored (a service
	// principal's sign-in read a cycle after its write) name it now.
	names, err := st.PrincipalNames(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	hunt.Name(as, names)
	if iopts.Created, err = st.Created(ctx, from); err != nil {
		return nil, nil, nil, err
	}
	stored := make(map[string]string, len(as))
	for _, a := range as {
		stored[a.ID] = a.Incident
	}
	return as, incident.BuildMarked(as, iopts), stored, nil
}
