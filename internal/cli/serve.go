package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/metrics"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// serveFlags are `mamori serve`'s options besides the hunt's.
type serveFlags struct {
	huntFlags
	store  string
	every  time.Duration
	once   bool
	format string
	output string
	quiet  time.Duration
	// The webhook each cycle's alerts are posted to (--notify, else
	// MAMORI_NOTIFY_URL): a secret, never printed.
	notify, notifyFormat, notifySeverity string
	// notifyRoutes is a file of each tenant's receiver (--notify-routes).
	notifyRoutes string
	// notifyEvery paces an incident's tellings (--notify-every).
	notifyEvery time.Duration
	// Where /healthz and /metrics are served (--listen); none when empty.
	listen string
	// dashboard serves the store's incidents at / of --listen.
	dashboard bool
	// fetch reads the tenant's logs from Azure into the first folder
	// every fetchEvery, the first read reaching fetchSince back.
	fetch                  bool
	fetchEvery, fetchSince time.Duration
	fetchOverlap           time.Duration
	fetchTenants           multiFlag // --fetch-tenant: each tenant read (a service over several)
	fetchWorkspaces        multiFlag // --fetch-workspace: each workspace read
	// hub reads event hubs (--eventhub, --kafka) into the first folder.
	hub hubFlags
	// keepWritten is --keep-written: how long the files serve writes
	// itself (--eventhub, --fetch) are kept once read (0: for ever).
	keepWritten time.Duration
	// failing is --failing: how long a reader of serve's own fails
	// before serve tells it.
	failing time.Duration
	// keepAlerts is --keep-alerts: how long the store keeps an alert no
	// cycle added to (0: for ever).
	keepAlerts time.Duration
	// notifyTest sends a test message to --notify and exits.
	notifyTest bool
}

func parseServe(args []string, stderr io.Writer) (*serveFlags, []string, error) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, `Usage: mamori serve [flags] FOLDER...

Watches folders that Azure logs arrive in (an export to a storage account synced
down, a collector's output) and hunts what is new every --every: files added, and
lines appended to JSON lines files (Azure appends to an hour's blob while the hour
is open). Alerts, first_seen's baseline ("has this principal created compute
before?" is answered by everything the store has seen) and how far each file was
read are kept in an SQLite store, committed together, so a restart goes on where
it stopped. New alerts are written to standard output (or --output).
`)
	fs.StringVar(&f.store, "store", "mamori.db", "SQLite file of alerts, baselines and checkpoints (created when absent)")
	spanVar(fs, &f.every, "every", time.Minute, "`span` between two looks at the folders (30s, 5m, 1h)")
	fs.BoolVar(&f.once, "once", false, "look once, hunt what is new, and exit (for cron or a systemd timer)")
	fs.StringVar(&f.format, "format", "jsonl", "how new alerts are written, appended each cycle: jsonl, ocsf (one JSON object a line) or table")
	fs.StringVar(&f.output, "output", "", "append new alerts to this file instead of standard output")
	spanVar(fs, &f.quiet, "quiet", 24*time.Hour, "say so when a log the rules read has not arrived for this `span` (24h, 2d; 0: never); a sparse log gets up to seven of its usual gaps, a week at most")
	fs.StringVar(&f.notify, "notify", "", "post each cycle's alerts at or above --notify-severity, led by their incidents, and the logs that stopped arriving, to this webhook `URL`, or e-mail them (smtp://user:password@host:587/?from=ADDR&to=ADDR,ADDR; smtps:// for port 465); a secret: the environment's MAMORI_NOTIFY_URL keeps it out of process lists. Alerts it did not take are sent by the next cycle")
	fs.StringVar(&f.notifyFormat, "notify-format", "slack", "the webhook's body: slack ({\"text\": …}, Slack's and Mattermost's incoming webhooks), teams (an Adaptive Card, a Teams channel's Workflows webhook) or json (the alerts whole)")
	fs.StringVar(&f.notifySeverity, "notify-severity", "high", "the least severity --notify tells of: low, medium, high or critical")
	fs.StringVar(&f.notifyRoutes, "notify-routes", "", "a `file` naming each tenant's receiver, a line each: TENANT[,TENANT…] URL [format=slack|teams|json] [severity=…] [every=…] [secret=…]; * for every other tenant (or --notify). A secret: chmod 600. MAMORI_NOTIFY_SECRET signs every webhook's posts (X-Mamori-Signature)")
	spanVar(fs, &f.notifyEvery, "notify-every", 0, "tell an incident's new alerts at most once a `span` (15m): a new incident, or one whose severity rose, is told at once, the rest wait in the store (0: every cycle's)")
	fs.BoolVar(&f.notifyTest, "notify-test", false, "send a test message to --notify (or MAMORI_NOTIFY_URL) and every --notify-routes receiver, and exit: whether each webhook or mail server takes it")
	spanVar(fs, &f.keepAlerts, "keep-alerts", 0, "forget the stored alerts no cycle stored or added to for this `span` (400d: a year and its audit; 0: keep every one)")
	fs.StringVar(&f.listen, "listen", "", "serve /healthz (are cycles running and succeeding?) and /metrics (Prometheus: records read, alerts, logs quiet, posts) on this `address`: 127.0.0.1:9464, or :9464 for every interface")
	fs.BoolVar(&f.fetch, "fetch", false, "also read the tenant's logs from Azure itself (as 'mamori fetch') into FOLDER/fetched, the first FOLDER's, every --fetch-every: no export needed; sign in as for posture")
	fs.Var(&f.fetchWorkspaces, "fetch-workspace", "also read this Log Analytics workspace's tables the hunt reads (its workspace `id`; repeatable, or comma-separated; each into FOLDER/fetched/workspace/ID) every --fetch-every, as 'mamori fetch --workspace': the tenants that send their logs to one, Sentinel's; Log Analytics Reader on it")
	fs.Var(&f.fetchTenants, "fetch-tenant", "with --fetch, read this tenant's logs (its `id`; repeatable, or comma-separated; each into FOLDER/fetched/TENANT): a service over tenants whose identity may read each (default: the credential's tenant)")
	spanVar(fs, &f.fetchEvery, "fetch-every", 5*time.Minute, "`span` between two reads of --fetch")
	spanVar(fs, &f.fetchOverlap, "fetch-overlap", 2*time.Hour, "how far each read of --fetch reaches back into the one before (`span`), for the events Azure writes into its logs late (sign-ins up to about two hours); only events not read before are kept")
	spanVar(fs, &f.fetchSince, "fetch-since", 24*time.Hour, "how far back --fetch's first read reaches (`span`; the Activity Log keeps 90 days)")
	spanVar(fs, &f.keepWritten, "keep-written", 0, "remove the files serve writes itself (--eventhub's, --fetch's, under the first FOLDER) once a cycle read them whole and they are older than this `span` (7d; 0: keep every one); what they held is in the store. Files a correlation's window still reads are kept")
	spanVar(fs, &f.failing, "failing", time.Hour, "say once (on standard error, and to --notify) when a reader of serve's own (--eventhub's namespace, --fetch's tenant) has failed for this `span`, and once when it reads again (0: never)")
	fs.BoolVar(&f.dashboard, "dashboard", false, "serve the store's incidents as an HTML page at / of --listen (?since=30d, ?tenant=ID); off the loopback, the token in the environment's MAMORI_DASHBOARD_TOKEN is asked for")
	f.hub.register(fs)
	f.register(fs)
	if err := parseArgs(fs, args); err != nil {
		return nil, nil, err
	}
	if err := f.check(); err != nil {
		return nil, nil, err
	}
	if f.notify == "" {
		f.notify = os.Getenv("MAMORI_NOTIFY_URL")
	}
	if f.every < time.Second {
		return nil, nil, fmt.Errorf("--every %s: at least 1s", f.every)
	}
	if f.quiet < 0 {
		return nil, nil, fmt.Errorf("--quiet %s: 0 or more", f.quiet)
	}
	if f.notifyEvery < 0 {
		return nil, nil, fmt.Errorf("--notify-every %s: 0 or more", f.notifyEvery)
	}
	if f.keepWritten < 0 {
		return nil, nil, fmt.Errorf("--keep-written %s: 0 or more", f.keepWritten)
	}
	if f.failing < 0 {
		return nil, nil, fmt.Errorf("--failing %s: 0 or more", f.failing)
	}
	if f.keepAlerts < 0 {
		return nil, nil, fmt.Errorf("--keep-alerts %s: 0 or more", f.keepAlerts)
	}
	if f.listen != "" && f.once {
		return nil, nil, errors.New("--listen: not with --once (a probe would find nothing between runs)")
	}
	if len(f.fetchTenants) > 0 && !f.fetch {
		return nil, nil, errors.New("--fetch-tenant: with --fetch")
	}
	for _, t := range splitList(f.fetchTenants) {
		if !guid.MatchString(t) {
			return nil, nil, fmt.Errorf("--fetch-tenant %q: not a tenant's id (a GUID)", report.Terminal(t))
		}
	}
	for _, w := range splitList(f.fetchWorkspaces) {
		if !guid.MatchString(w) {
			return nil, nil, fmt.Errorf("--fetch-workspace %q: not a workspace's id (a GUID)", report.Terminal(w))
		}
	}
	if (f.fetch || len(f.fetchWorkspaces) > 0) && (f.fetchEvery < time.Minute || f.fetchSince <= 0 || f.fetchOverlap < 0 || f.fetchOverlap > 7*24*time.Hour) {
		return nil, nil, fmt.Errorf("--fetch-every %s, --fetch-since %s, --fetch-overlap %s: a minute or more, more than 0, and 0 to 7d", f.fetchEvery, f.fetchSince, f.fetchOverlap)
	}
	if err := f.hub.check(); err != nil {
		return nil, nil, err
	}
	if f.dashboard && f.listen == "" {
		return nil, nil, errors.New("--dashboard: with --listen ADDR, where it is served")
	}
	if f.dashboard {
		if err := dashboardToken(f.listen, os.Getenv("MAMORI_DASHBOARD_TOKEN")); err != nil {
			return nil, nil, err
		}
	}
	if f.notifyTest && f.notify == "" && f.notifyRoutes == "" {
		return nil, nil, errors.New("--notify-test: no --notify URL (nor MAMORI_NOTIFY_URL) nor --notify-routes to test")
	}
	if fs.NArg() == 0 && !f.notifyTest && !f.hub.test {
		fs.Usage()
		return nil, nil, errors.New("no folder to watch")
	}
	return f, fs.Args(), nil
}

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, dirs, err := parseServe(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		fmt.Fprintln(stderr, "mamori serve:", err)
		return ExitUsage
	}
	format, _, err := outputFlags(f.format, "")
	if err == nil && (format == report.JSON || format == report.CSV) {
		// Appended cycle after cycle, these would not be one document.
		err = fmt.Errorf("--format %s: serve appends each cycle's alerts; use jsonl, ocsf or table", f.format)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve:", err)
		return ExitUsage
	}
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil {
			printErrors(stderr, "mamori serve:", err)
			return ExitUsage
		}
		// A pipe would block the first look for ever (a hunt reads one,
		// as <(zcat …) gives it; a service watches what stays).
		if !st.IsDir() && !st.Mode().IsRegular() {
			fmt.Fprintf(stderr, "mamori serve: %s: not a folder or a file (%s)\n", report.Terminal(d), st.Mode().Type())
			return ExitUsage
		}
	}
	receivers, err := newReceivers(f)
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve:", err)
		return ExitUsage
	}
	if f.notifyRoutes != "" {
		secretsReadable("--notify-routes", f.notifyRoutes, "the receivers' secrets", stderr)
	}
	if f.notifyTest {
		return notifyTest(ctx, receivers, stderr)
	}
	if f.hub.test {
		return hubTest(ctx, &f.hub, stdout, stderr)
	}
	p, code := f.prepare("serve", stderr)
	if p == nil {
		return code
	}
	st, err := store.Open(ctx, f.store)
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve:", report.Terminal(err.Error()))
		return ExitError
	}
	defer st.Close()
	if err := st.Serve(); err != nil {
		fmt.Fprintln(stderr, "mamori serve:", report.Terminal(err.Error()))
		return ExitError
	}
	// --output is opened now, so that a path that cannot be written fails
	// at once, and again for each cycle's alerts: a file rotated or
	// removed meanwhile (logrotate, an operator) gets a new one, rather
	// than alerts appended to a file no longer there.
	// Appended to, a log would be damaged (and, on the ignore list below,
	// never read): only a file of mamori's own alerts is taken.
	if st, err := os.Stat(f.output); f.output != "" && err == nil && st.Mode().IsRegular() {
		if own, err := source.IsOwnOutput(f.output); err != nil || !own {
			fmt.Fprintf(stderr, "mamori serve: --output %s: holds something other than mamori's alerts (a log?): serve appends to it; name another file\n", report.Terminal(f.output))
			return ExitUsage
		}
	}
	_, ropts, closeOut, err := appendOutput(f.output, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve: --output:", err)
		return ExitError
	}
	closeOut()
	openOut := func() (io.Writer, func(), error) {
		out, _, closeOut, err := appendOutput(f.output, stdout)
		return out, closeOut, err
	}
	errOut := &errorPrinter{w: stderr, max: f.maxErrors, prefix: "mamori serve"}
	cfg := p.cfg
	ropts.Responses = ruleResponses(cfg.Rules)
	cfg.OnError = errOut.print
	// A folder 'mamori simulate' wrote holds its truth.json at the top.
	truths := make([]string, len(dirs))
	for i, d := range dirs {
		truths[i] = filepath.Join(d, "truth.json")
	}
	simulatedTenant("serve", truths, f.baseline == "", &cfg, stderr)
	var ignore []string
	if f.output != "" {
		ignore = append(ignore, f.output) // alerts are not logs
	}
	var own []string // the folders serve writes itself, under the first
	if f.fetch {
		own = append(own, filepath.Join(dirs[0], fetchFolder))
	}
	if f.hub.reads() {
		own = append(own, filepath.Join(dirs[0], hubFolder))
	}
	srv, err := serve.New(ctx, serve.Config{Store: st, Dirs: dirs, Hunt: cfg, Settle: !f.once, Ignore: ignore, Quiet: f.quiet, KeepAlerts: f.keepAlerts,
		Own: own, KeepOwn: f.keepWritten})
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve:", err)
		return ExitError
	}
	var mt *metrics.Service
	if f.listen != "" {
		mt = metrics.New(f.every, Version(), time.Now())
		var dash http.Handler
		if f.dashboard {
			dash = &dashboard{st: st, set: cfg.Rules, iopts: cfg.Incidents, token: os.Getenv("MAMORI_DASHBOARD_TOKEN"), stderr: stderr, quiet: f.quiet, failing: f.failing}
		}
		stop, err := listen(f.listen, mt, dash, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "mamori serve: --listen:", report.Terminal(err.Error()))
			return ExitUsage
		}
		defer stop()
	}
	var fetchers []*fetcher
	if f.fetch || len(f.fetchWorkspaces) > 0 {
		if st, err := os.Stat(dirs[0]); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "mamori serve: --fetch: %s is not a folder to read the logs into\n", report.Terminal(dirs[0]))
			return ExitUsage
		}
		var of []fetchOf
		for _, w := range splitList(f.fetchWorkspaces) {
			of = append(of, fetchOf{workspace: w})
		}
		tenants := splitList(f.fetchTenants)
		if f.fetch && len(tenants) == 0 {
			tenants = []string{""} // the credential's
		}
		for _, t := range tenants {
			of = append(of, fetchOf{tenant: t})
		}
		for _, w := range of {
			fetchers = append(fetchers, newFetcher(dirs[0], w, f.fetchEvery, f.fetchSince, f.fetchOverlap, liveLogs))
		}
	}
	hubs, err := openHubs(&f.hub, dirs[0], stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve:", report.Terminal(err.Error()))
		return ExitUsage
	}
	defer hubs.close()
	note := readNoter(ctx, st, stderr)
	keepReaders(ctx, st, hubs, fetchers, stderr)
	for {
		errOut.reset()
		if len(hubs) > 0 {
			mt.HubRead(hubs.read(ctx, stderr, note))
		}
		fetchAll(ctx, fetchers, stderr, func(r store.ReadNoted) {
			note(r)
			mt.Fetched(int(r.Items), r.Whole)
		})
		var news readersNews
		if len(hubs)+len(fetchers) > 0 { // else keepReaders left the store none
			news = readerNews(ctx, st, f.failing, time.Now(), stderr)
			mt.ReadersFailing(news.failingNow)
		}
		start := time.Now()
		res, err := srv.Cycle(ctx)
		errOut.finish()
		// A cycle that committed before the stop came is written out: its
		// alerts are no longer new to the store.
		if err != nil && ctx.Err() != nil {
			fmt.Fprintln(stderr, "mamori serve: stopped; nothing of the interrupted cycle was committed")
			return ExitOK
		}
		if err != nil {
			// A store or hunt failure leaves the checkpoints where they
			// were: the next cycle reads the same input again.
			fmt.Fprintln(stderr, "mamori serve:", report.Terminal(err.Error()))
			countCycle(mt, nil, err, start, notified{})
			if f.once {
				return ExitError
			}
		} else {
			// The alerts written name their incidents as the store makes
			// them over every cycle, not as this cycle's hunt did.
			ci, err := storeIncidentsOf(context.WithoutCancel(ctx), st, cfg.Incidents, res.Fresh, res.Revised)
			if err == nil {
				err = noteIncidents(context.WithoutCancel(ctx), st, res.Fresh, res.Revised)
			}
			if err != nil {
				fmt.Fprintln(stderr, "mamori serve: the alerts' incidents (named as this cycle grouped them):", report.Terminal(err.Error()))
			}
			if code := writeCycle(openOut, stderr, format, ropts, res); code != ExitOK {
				return code
			}
			if res.Pruned.Files > 0 {
				fmt.Fprintf(stderr, "mamori serve: removed %s (%s) it wrote itself, read whole and older than %s (--keep-written)\n",
					plural.Count(res.Pruned.Files, "file", "files"), bytesText(res.Pruned.Bytes), f.keepWritten)
			}
			countCycle(mt, res, nil, start, notifyCycle(ctx, receivers, st, cfg.Incidents, ci, stderr, res, news))
			if f.once && len(res.Read) == 0 {
				fmt.Fprintln(stderr, "mamori serve: nothing new since the last look")
			}
		}
		if f.once {
			return ExitOK
		}
		select {
		case <-ctx.Done():
			return ExitOK
		case <-time.After(f.every):
		}
	}
}

// writeCycle writes a cycle's new alerts and a one-line account of it.
func writeCycle(openOut func() (io.Writer, func(), error), stderr io.Writer, format report.Format, ropts report.Options, res *serve.Result) int {
	for _, e := range res.Skip {
		printErrors(stderr, "mamori serve: not read this time:", e)
	}
	writeLogChanges(stderr, res)
	writeIncomplete(stderr, "mamori serve:", res.Files)
	if len(res.Read) == 0 {
		return ExitOK
	}
	if len(res.Fresh)+len(res.Revised) > 0 {
		ropts.Incidents = nil // a cycle's incidents are partial: alerts carry their id
		out, closeOut, err := openOut()
		if err == nil {
			// Revised after the new: a reader keeps an id's last.
			err = report.Write(out, format, append(slices.Clip(res.Fresh), res.Revised...), ropts)
			closeOut()
		}
		if err != nil {
			fmt.Fprintln(stderr, "mamori serve: writing alerts:", err)
			return ExitError
		}
	}
	records, skipped := readCounts(res)
	fmt.Fprintf(stderr, "mamori serve: %s: read %s, %s (%d unreadable), %d carried from earlier cycles, %s, %d new%s\n",
		time.Now().UTC().Format(time.RFC3339), plural.Count(len(res.Read), "input", "inputs"), plural.Count(records, "record", "records"),
		skipped, res.Carried, plural.Count(len(res.Hunt.Alerts), "alert", "alerts"), len(res.Fresh), revisedText(len(res.Revised)))
	if res.Lost > 0 {
		fmt.Fprintf(stderr, "mamori serve: %s of earlier cycles could not be read again (their file changed or went): windows open across that edge may miss them\n", plural.Count(res.Lost, "record", "records"))
	}
	return ExitOK
}

// revisedText tells of the alerts a cycle wrote again.
func revisedText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %s written before revised (%s)", plural.Count(n, "alert", "alerts"), alert.RevisedWhy)
}

// writeLogChanges says, on a server's first cycle, which logs the rules
// read the store has never seen, then each time a log goes quiet or
// arrives again: once, not every cycle. So with the compute creates the
// rules could not judge: on the first cycle, then when there are more.
func writeLogChanges(stderr io.Writer, res *serve.Result) {
	now := time.Now()
	if res.First && len(res.Health.NotSeen) > 0 {
		fmt.Fprintf(stderr, "mamori serve: not seen yet, the store holds none of these logs: %s ('mamori status' says which export covers each)\n", report.GapsInLine(res.Health.NotSeen))
	}
	for _, q := range res.WentQuiet {
		fmt.Fprintln(stderr, "mamori serve: quiet:", quietText(q, now))
	}
	for _, q := range res.Back {
		fmt.Fprintln(stderr, "mamori serve: arriving again:", quietName(q))
	}
	if res.MoreUnsized {
		fmt.Fprintf(stderr, "mamori serve: not judged: %s ('mamori status' says which export names them)\n", report.UnsizedInLine(res.Health.Unsized))
	}
}
