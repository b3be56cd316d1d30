package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/notify"
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
	spanVar(fs, &f.quiet, "quiet", 24*time.Hour, "say so when a log the rules read has not arrived for this `span` (24h, 2d; 0: never)")
	fs.StringVar(&f.notify, "notify", "", "post each cycle's alerts at or above --notify-severity to this webhook `URL` (a secret: the environment's MAMORI_NOTIFY_URL keeps it out of process lists)")
	fs.StringVar(&f.notifyFormat, "notify-format", "slack", "the webhook's body: slack ({\"text\": …}, Slack's and Mattermost's incoming webhooks), teams (an Adaptive Card, a Teams channel's Workflows webhook) or json (the alerts whole)")
	fs.StringVar(&f.notifySeverity, "notify-severity", "high", "the least severity --notify tells of: low, medium, high or critical")
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
	if fs.NArg() == 0 {
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
	var notifier *notify.Notifier
	if f.notify != "" {
		if notifier, err = newNotifier(f); err != nil {
			fmt.Fprintln(stderr, "mamori serve:", err)
			return ExitUsage
		}
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
	srv, err := serve.New(ctx, serve.Config{Store: st, Dirs: dirs, Hunt: cfg, Settle: !f.once, Ignore: ignore, Quiet: f.quiet})
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve:", err)
		return ExitError
	}
	for {
		errOut.reset()
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
			if f.once {
				return ExitError
			}
		} else {
			if code := writeCycle(openOut, stderr, format, ropts, res); code != ExitOK {
				return code
			}
			notifyCycle(ctx, notifier, st, cfg.Incidents, stderr, res)
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
	var records, skipped int64
	for _, fs := range res.Files {
		records += fs.Records
		skipped += fs.Skipped
	}
	fmt.Fprintf(stderr, "mamori serve: %s: read %s, %s (%d unreadable), %d carried from earlier cycles, %s, %d new%s\n",
		time.Now().UTC().Format(time.RFC3339), plural.Count(len(res.Read), "input", "inputs"), plural.Count(records, "record", "records"),
		skipped, res.Carried, plural.Count(len(res.Hunt.Alerts), "alert", "alerts"), len(res.Fresh), revisedText(len(res.Revised)))
	if res.Lost > 0 {
		fmt.Fprintf(stderr, "mamori serve: %s of earlier cycles could not be read again (their file changed or went): windows open across that edge may miss them\n", plural.Count(res.Lost, "record", "records"))
	}
	return ExitOK
}

// newNotifier makes the --notify webhook's notifier; its errors never
// name the URL.
func newNotifier(f *serveFlags) (*notify.Notifier, error) {
	format, err := notify.ParseFormat(f.notifyFormat)
	if err != nil {
		return nil, fmt.Errorf("--notify-format: %w", err)
	}
	min, ok := alert.ParseSeverity(strings.TrimSpace(f.notifySeverity))
	if !ok || min == alert.Informational {
		return nil, fmt.Errorf("--notify-severity %q: low, medium, high or critical", report.Terminal(f.notifySeverity))
	}
	n, err := notify.New(f.notify, format, min)
	if err != nil {
		return nil, fmt.Errorf("--notify: %w", err)
	}
	return n, nil
}

// notifyCycle posts the cycle's alerts to the webhook, if any, with those
// earlier posts did not get through, which the store holds until one
// does (a week at most), and the logs that stopped or started arriving
// (told once, as on standard error; not held). A stop asked for after
// the commit still posts: the alerts are written out, and the page is
// what they are for.
func notifyCycle(ctx context.Context, n *notify.Notifier, st *store.Store, iopts incident.Options, stderr io.Writer, res *serve.Result) {
	if n == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	now := time.Now()
	held, err := st.Held(ctx, now)
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
	}
	if held.Dropped > 0 {
		fmt.Fprintf(stderr, "mamori serve: notify: %s the webhook did not take for a week no longer held ('mamori alerts' lists them)\n", plural.Count(held.Dropped, "alert", "alerts"))
	}
	m := withHeld(n, res, held)
	for _, q := range res.WentQuiet {
		m.Quiet = append(m.Quiet, notify.QuietLog{Name: logLabel(q), For: now.Sub(q.Arrived), Arrived: q.Arrived, Last: q.Last})
	}
	for _, q := range res.Back {
		m.Back = append(m.Back, logLabel(q))
	}
	if m.Empty() {
		return
	}
	if len(m.Fresh)+len(m.Revised) > 0 {
		if err := withIncidents(ctx, st, iopts, &m); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify: the alerts' incidents:", report.Terminal(err.Error()))
		}
	}
	if _, err := n.Send(ctx, m); err != nil {
		kept := ""
		if n := len(m.Fresh) + len(m.Revised); n > 0 {
			kept = fmt.Sprintf("; %s held for the next cycle", plural.Count(n, "alert", "alerts"))
		}
		fmt.Fprintf(stderr, "mamori serve: notify: not told: %s%s\n", report.Terminal(err.Error()), kept)
		if err := st.Hold(ctx, m.Fresh, m.Revised, now); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
		return
	}
	var told []string
	for _, as := range [][]alert.Alert{held.Fresh, held.Revised} {
		for _, a := range as {
			told = append(told, a.ID)
		}
	}
	if err := st.Release(ctx, told); err != nil {
		fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
	}
}

// withHeld is the message of a cycle: its alerts the notifier tells of,
// and those held from earlier cycles, once each: as the cycle has it
// when it has it too (a held alert it wrote again is told revised).
func withHeld(n *notify.Notifier, res *serve.Result, held store.Held) notify.Message {
	m := notify.Message{Fresh: n.Keep(res.Fresh), Revised: n.Keep(res.Revised)}
	seen := map[string]bool{}
	for _, as := range [][]alert.Alert{m.Fresh, m.Revised} {
		for _, a := range as {
			seen[a.ID] = true
		}
	}
	for _, a := range n.Keep(slices.Concat(held.Fresh, held.Revised)) {
		if seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		m.Held++
		if a.Revised {
			m.Revised = append(m.Revised, a)
		} else {
			m.Fresh = append(m.Fresh, a)
		}
	}
	if m.Held > 0 {
		m.HeldSince = held.Since
	}
	return m
}

// incidentReach is how far before the earliest alert a message tells of
// the store's alerts are grouped again to find its incidents: an attack
// whose alerts are a day or less apart (incident.DefaultGap) is found
// whole when it began within the week. `mamori alerts`, over everything,
// may give one that began earlier more alerts, and another id.
const incidentReach = 7 * 24 * time.Hour

// withIncidents names, for each alert of m, its incident as the store's
// alerts make it (a cycle grouped only its own), and gives m those
// incidents: what a page should lead with is the attack and its cost.
func withIncidents(ctx context.Context, st *store.Store, iopts incident.Options, m *notify.Message) error {
	told := slices.Concat(m.Fresh, m.Revised)
	from := slices.MinFunc(told, func(a, b alert.Alert) int { return a.Time.Compare(b.Time) }).Time.Add(-incidentReach)
	as, incs, err := storeIncidents(ctx, st, from, iopts)
	if err != nil {
		return err
	}
	in := make(map[string]string, len(as))
	for _, a := range as {
		in[a.ID] = a.Incident
	}
	holds := map[string]bool{}
	for _, as := range [][]alert.Alert{m.Fresh, m.Revised} {
		for i := range as {
			if id, ok := in[as[i].ID]; ok {
				as[i].Incident = id
			}
			holds[as[i].Incident] = true
		}
	}
	for _, inc := range incs {
		if holds[inc.ID] {
			m.Incidents = append(m.Incidents, inc)
		}
	}
	return nil
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
