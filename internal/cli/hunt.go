package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/engine"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/htmlreport"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/source"
)

// huntFlags are `mamori hunt`'s options.
type huntFlags struct {
	format     string
	output     string
	stats      bool
	failOn     string
	strict     bool
	ownedIPs   string
	posture    string
	dataDir    string
	workers    int
	maxRecord  int
	maxDecomp  int64
	maxErrors  int
	noProgress bool
	cpuProfile string
	ruleDirs   multiFlag
	onlyUser   bool
	suppress   string
	baseline   string
	gap        time.Duration
	report     string
	tempDir    string
	hitMemory  int // MiB
}

func parseHunt(args []string, stderr io.Writer) (*huntFlags, []string, error) {
	f := &huntFlags{}
	fs := flag.NewFlagSet("hunt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: mamori hunt [flags] PATH...\n\nHunts for cryptojacking in exported Azure logs: files, folders (walked recursively),\ngzip or not, - for standard input. The format of each file is recognised from its content.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	def := source.DefaultLimits()
	fs.StringVar(&f.format, "format", "table", "output format: table, jsonl, json, csv, ocsf")
	fs.StringVar(&f.output, "output", "", "write alerts to this file instead of standard output")
	fs.BoolVar(&f.stats, "stats", false, "report per file what was read: format, shapes, records, skipped and why")
	fs.StringVar(&f.failOn, "fail-on", "", "exit with status 3 when an alert at or above this severity is found (low, medium, high, critical)")
	fs.BoolVar(&f.strict, "strict", false, "exit with status 1 when any record could not be read")
	fs.StringVar(&f.ownedIPs, "owned-ips", "", "file of the tenant's own IP addresses and CIDR ranges, one per line")
	fs.StringVar(&f.posture, "posture", "", "folder saved by 'mamori posture --save': its public IPs count as the tenant's own, and --report shows its posture")
	fs.StringVar(&f.dataDir, "data-dir", defaultDataDir(), "folder of intel files written by 'mamori intel update'")
	fs.IntVar(&f.workers, "workers", 0, "parsing goroutines (default: one per core)")
	fs.IntVar(&f.maxRecord, "max-record", def.MaxRecord, "largest record or line accepted, in bytes")
	fs.Int64Var(&f.maxDecomp, "max-decompressed", def.MaxDecompressed, "largest decompressed size of one gzip input, in bytes")
	fs.IntVar(&f.maxErrors, "max-errors", 20, "how many unreadable records to describe on standard error (all are counted)")
	fs.BoolVar(&f.noProgress, "no-progress", false, "no progress line, even on a terminal")
	fs.StringVar(&f.baseline, "baseline", "", "first_seen learning window, e.g. 14d (default: each rule's own, 14d): the first days of the data learn, they do not alert")
	fs.StringVar(&f.report, "report", "", "also write a self-contained HTML report (incidents, timelines, charts) to this file")
	fs.StringVar(&f.tempDir, "temp-dir", "", "folder for the temporary files of rule hits that do not fit in memory (default: the system's; removed at the end)")
	fs.IntVar(&f.hitMemory, "hit-memory", engine.DefaultMemory>>20, "MiB of rule hits kept in memory before they are sorted into temporary files")
	fs.DurationVar(&f.gap, "incident-gap", 24*time.Hour, "connected alerts further apart than this start a new incident")
	fs.StringVar(&f.suppress, "suppress", "", "YAML file of accepted activity: matching alerts are marked suppressed (see docs/suppressions.md)")
	fs.Var(&f.ruleDirs, "rules", "a folder (or file) of your own Sigma rules, added to the built-in ones; repeatable")
	fs.BoolVar(&f.onlyUser, "only-user-rules", false, "run only the rules given with --rules, not the built-in catalogue")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the hunt to this file (for performance reports)")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if f.hitMemory < 1 || f.hitMemory > 1<<16 {
		return nil, nil, fmt.Errorf("--hit-memory: %d MiB: between 1 and 65536", f.hitMemory)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return nil, nil, errors.New("no input: name files or folders, or - for standard input")
	}
	return f, fs.Args(), nil
}

func huntCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f, paths, err := parseHunt(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "mamori hunt:", err)
			return ExitUsage
		}
		return ExitOK
	}
	format, failOn, err := outputFlags(f.format, f.failOn)
	if err != nil {
		fmt.Fprintln(stderr, "mamori hunt:", err)
		return ExitUsage
	}
	opts := enrich.Options{DataDir: f.dataDir}
	if f.ownedIPs != "" {
		fh, err := os.Open(f.ownedIPs)
		if err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --owned-ips:", err)
			return ExitUsage
		}
		opts.OwnedIPs, err = enrich.ParseOwned(fh)
		fh.Close()
		if err != nil {
			fmt.Fprintf(stderr, "mamori hunt: --owned-ips %s: %v\n", f.ownedIPs, err)
			return ExitUsage
		}
	}
	var saved *savedPosture
	if f.posture != "" {
		if saved, err = loadSavedPosture(f.posture); err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --posture:", report.Terminal(err.Error()))
			return ExitUsage
		}
		opts.OwnedIPs = append(opts.OwnedIPs, saved.owned...)
	}
	enr, err := enrich.Load(opts)
	if err != nil {
		fmt.Fprintln(stderr, "mamori hunt: intel data:", err)
		return ExitError
	}

	inputs, err := source.Expand(paths, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "mamori hunt:", report.Terminal(err.Error()))
		if len(inputs) == 0 {
			return ExitError
		}
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --cpuprofile:", err)
			return ExitUsage
		}
		defer stop()
	}
	if os.Getenv("GOGC") == "" {
		// The hunt's live heap is small and flat (parsers, chunks, hits);
		// collecting less often buys about 8% of CPU for ~100 MB.
		debug.SetGCPercent(400)
	}
	set, code := loadRules(f.ruleDirs, f.onlyUser, stderr)
	if set == nil {
		return code
	}
	prices, err := incident.LoadPrices(f.dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "mamori hunt: price table:", report.Terminal(err.Error()))
		return ExitError
	}
	var baseline time.Duration
	if f.baseline != "" {
		if baseline, err = correlate.ParseTimespan(f.baseline); err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --baseline:", err)
			return ExitUsage
		}
	}
	sup, code := loadSuppressions(f.suppress, set, stderr)
	if code != ExitOK {
		return code
	}
	errOut := &errorPrinter{w: stderr, max: f.maxErrors}
	prog := &source.Progress{}
	stopProgress := startProgress(stderr, prog, !f.noProgress && isTerminal(stderr))
	lim := source.Limits{MaxRecord: f.maxRecord, MaxDecompressed: f.maxDecomp, MaxRatio: source.DefaultLimits().MaxRatio}
	// Loading the intel and the rules leaves garbage, and live data in
	// the making: a collection that marks it sets the next heap goal at
	// 5× (GOGC 400) of it, the hunt's peak. Collect now, from the hunt's
	// own small live heap.
	debug.FreeOSMemory()
	res, err := hunt.Run(ctx, inputs, hunt.Config{Rules: set, Enricher: enr, Workers: f.workers, Limits: lim, OnError: errOut.print, Progress: prog, Suppress: sup, Baseline: baseline,
		Prices: prices, IncidentGap: f.gap, TempDir: f.tempDir, HitMemory: f.hitMemory << 20})
	stopProgress()
	errOut.finish()
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "mamori hunt:", report.Terminal(err.Error()))
		return ExitError
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "mamori hunt: interrupted; results are partial")
	}
	alerts, stats, est := res.Alerts, res.Files, res.Engine
	for _, w := range sup.Unused() {
		fmt.Fprintln(stderr, "mamori hunt: warning:", report.Terminal(w.String()))
	}

	out, ropts, closeOut, err := openOutput(f.output, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "mamori hunt:", err)
		return ExitError
	}
	defer closeOut()
	ropts.Incidents = res.Incidents
	if err := report.Write(out, format, alerts, ropts); err != nil {
		fmt.Fprintln(stderr, "mamori hunt: writing alerts:", err)
		return ExitError
	}
	skipped, records := int64(0), int64(0)
	for _, s := range stats {
		skipped += s.Skipped
		records += s.Records
	}
	if f.report != "" {
		in := htmlreport.Input{Alerts: alerts, Incidents: res.Incidents, Title: "mamori hunt: " + strings.Join(paths, ", "),
			Generated: time.Now(), Files: len(stats), Records: records, Product: "mamori " + Version()}
		if saved != nil {
			in.Posture = saved.report
		}
		if err := writeHTMLReport(f.report, in); err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --report:", report.Terminal(err.Error()))
			return ExitError
		}
	}
	if f.stats {
		writeStats(stderr, stats, est)
	} else if skipped > 0 {
		fmt.Fprintf(stderr, "mamori hunt: %d records could not be read (run with --stats for details)\n", skipped)
	}
	switch {
	case f.strict && skipped > 0:
		return ExitError
	case f.failOn != "" && anyAtLeast(alerts, failOn):
		return ExitFindings
	case ctx.Err() != nil:
		return ExitError
	}
	return ExitOK
}

func anyAtLeast(as []alert.Alert, s alert.Severity) bool {
	for _, a := range as {
		if a.Severity >= s && a.Suppressed == nil {
			return true
		}
	}
	return false
}

// errorPrinter writes the first unreadable records to standard error, with
// attacker-controlled text escaped, and counts the rest.
type errorPrinter struct {
	mu  sync.Mutex
	w   io.Writer
	max int
	n   atomic.Int64
}

func (p *errorPrinter) print(e *source.ParseError) {
	n := p.n.Add(1)
	if n > int64(p.max) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, "mamori hunt: skipped:", report.Terminal(e.Error()))
}

func (p *errorPrinter) finish() {
	if n := p.n.Load(); n > int64(p.max) {
		fmt.Fprintf(p.w, "mamori hunt: … and %d more unreadable records\n", n-int64(p.max))
	}
}

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return d + string(os.PathSeparator) + "mamori"
	}
	return ""
}
