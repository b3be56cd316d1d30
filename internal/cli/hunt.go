package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
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
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/source"
)

// huntFlags are `mamori hunt`'s options.
type huntFlags struct {
	format     string
	output     string
	summary    string
	incidents  string
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
	incidentFlags
	report    string
	tempDir   string
	hitMemory int // MiB
}

func parseHunt(args []string, stderr io.Writer) (*huntFlags, []string, error) {
	f := &huntFlags{}
	fs := flag.NewFlagSet("hunt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, "Usage: mamori hunt [flags] PATH...\n\nHunts for cryptojacking in exported Azure logs: files, folders (walked recursively),\ngzip or not, - for standard input. The format of each file is recognised from its content.\n")
	fs.StringVar(&f.format, "format", "table", "output format: table, jsonl, json, csv, ocsf")
	fs.StringVar(&f.output, "output", "", "write alerts to this file instead of standard output")
	fs.StringVar(&f.summary, "summary", "", "also write what the hunt read and could not see, as one JSON document, to this file (docs/outputs.md)")
	fs.StringVar(&f.incidents, "incidents", "", "also write the incidents, each with its timeline, cost and what to do about it, as one JSON array, to this file (docs/outputs.md)")
	fs.BoolVar(&f.stats, "stats", false, "report per file what was read: format, shapes, records, skipped and why")
	fs.StringVar(&f.failOn, "fail-on", "", "exit with status 3 when an alert or incident at or above this severity is found (low, medium, high, critical)")
	fs.BoolVar(&f.strict, "strict", false, "exit with status 1 when any path or record could not be read, or the input holds no record")
	fs.BoolVar(&f.noProgress, "no-progress", false, "no progress line, even on a terminal")
	fs.StringVar(&f.report, "report", "", "also write a self-contained HTML report (incidents, timelines, charts) to this file")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the hunt to this file (for performance reports)")
	f.register(fs)
	if err := parseArgs(fs, args); err != nil {
		return nil, nil, err
	}
	if err := f.check(); err != nil {
		return nil, nil, err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return nil, nil, errors.New("no input: name files or folders, or - for standard input")
	}
	return f, fs.Args(), nil
}

// register adds the flags every hunting command shares (hunt, serve):
// intel, rules, limits, baseline, suppressions, incidents, memory.
func (f *huntFlags) register(fs *flag.FlagSet) {
	def := source.DefaultLimits()
	fs.StringVar(&f.ownedIPs, "owned-ips", "", "file of the tenant's own IP addresses and CIDR ranges, one per line")
	fs.StringVar(&f.posture, "posture", "", "folder saved by 'mamori posture --save': its public IPs count as the tenant's own (and hunt's --report shows its posture)")
	fs.StringVar(&f.dataDir, "data-dir", defaultDataDir(), "folder of intel files written by 'mamori intel update'")
	fs.IntVar(&f.workers, "workers", 0, "parsing goroutines (default: one per core)")
	fs.IntVar(&f.maxRecord, "max-record", def.MaxRecord, "largest record or line accepted, in bytes")
	fs.Int64Var(&f.maxDecomp, "max-decompressed", def.MaxDecompressed, "largest decompressed size of one gzip input, in bytes")
	fs.IntVar(&f.maxErrors, "max-errors", 20, "how many unreadable records to describe on standard error (all are counted)")
	fs.StringVar(&f.baseline, "baseline", "", "first_seen learning period, e.g. 5d (default: each rule's, 14d: its window, or its learning key): the first days of the data learn, they do not alert; what counts as seen stays the rule's window, and a rule that says learning: none learns nothing")
	fs.StringVar(&f.tempDir, "temp-dir", "", "folder for the temporary files of rule hits that do not fit in memory (default: the system's; removed at the end)")
	fs.IntVar(&f.hitMemory, "hit-memory", engine.DefaultMemory>>20, "MiB of rule hits kept in memory before they are sorted into temporary files")
	f.incidentFlags.register(fs)
	fs.StringVar(&f.suppress, "suppress", "", "YAML file of accepted activity: matching alerts are marked suppressed (see docs/suppressions.md)")
	fs.Var(&f.ruleDirs, "rules", "a folder (or file) of your own Sigma rules, added to the built-in ones; repeatable")
	fs.BoolVar(&f.onlyUser, "only-user-rules", false, "run only the rules given with --rules, not the built-in catalogue")
}

// check refuses values no hunt can mean, rather than let them fall back
// silently: the reader takes a --max-record below 1 for "no limits given"
// and restores every default (--max-decompressed too), a
// --max-decompressed below 1 lifted that cap without saying so (the ratio
// cap still held), and the incidents take a gap of 0 or less for the 24h
// default.
func (f *huntFlags) check() error {
	switch {
	case f.hitMemory < 1 || f.hitMemory > 1<<16:
		return fmt.Errorf("--hit-memory: %d MiB: between 1 and 65536", f.hitMemory)
	case f.maxRecord < 1:
		return fmt.Errorf("--max-record: %d: at least 1 byte", f.maxRecord)
	case f.maxDecomp < 1:
		return fmt.Errorf("--max-decompressed: %d: at least 1 byte", f.maxDecomp)
	case f.maxErrors < 0:
		return fmt.Errorf("--max-errors: %d: 0 or more", f.maxErrors)
	case f.workers < 0:
		return fmt.Errorf("--workers: %d: 0 (one per core) or more", f.workers)
	}
	// The hits spill into --temp-dir once the input is read: a folder that
	// is not there must fail now, not after the whole hunt.
	if f.tempDir != "" {
		if st, err := os.Stat(f.tempDir); err != nil {
			return fmt.Errorf("--temp-dir: %w", err)
		} else if !st.IsDir() {
			return fmt.Errorf("--temp-dir %s: not a folder", f.tempDir)
		}
	}
	return f.incidentFlags.check()
}

// prepared is what the shared flags load: the hunt's configuration
// (without OnError and Progress) and the posture capture, if named.
type prepared struct {
	cfg   hunt.Config
	saved *savedPosture
}

// prepare loads intel, rules, prices, the baseline window and the
// suppressions the shared flags name. A failure is printed, prefixed
// with the command's name, and its exit status returned.
func (f *huntFlags) prepare(cmd string, stderr io.Writer) (*prepared, int) {
	fail := func(code int, what string, err error) (*prepared, int) {
		fmt.Fprintf(stderr, "mamori %s: %s%s\n", cmd, what, report.Terminal(err.Error()))
		return nil, code
	}
	opts := enrich.Options{DataDir: f.dataDir}
	if f.ownedIPs != "" {
		fh, err := os.Open(f.ownedIPs)
		if err != nil {
			return fail(ExitUsage, "--owned-ips: ", err)
		}
		opts.OwnedIPs, err = enrich.ParseOwned(fh)
		fh.Close()
		if err != nil {
			return fail(ExitUsage, "--owned-ips "+f.ownedIPs+": ", err)
		}
	}
	p := &prepared{}
	if f.posture != "" {
		var err error
		if p.saved, err = loadSavedPosture(f.posture); err != nil {
			return fail(ExitUsage, "--posture: ", err)
		}
		opts.OwnedIPs = append(opts.OwnedIPs, p.saved.owned...)
	}
	// The intel and the rules load side by side: each takes tens of
	// milliseconds, all of them before a hunt reads its first byte. The
	// rules' messages wait, so that an intel failure still comes first.
	type intel struct {
		enr *enrich.Enricher
		err error
	}
	loaded := make(chan intel, 1)
	go func() {
		enr, err := enrich.Load(opts)
		loaded <- intel{enr, err}
	}()
	var said bytes.Buffer
	set, code := loadRules(cmd, f.ruleDirs, f.onlyUser, &said, &said)
	in := <-loaded
	if in.err != nil {
		return fail(ExitError, "intel data: ", in.err)
	}
	enr := in.enr
	stderr.Write(said.Bytes())
	if set == nil {
		return nil, code
	}
	prices, err := incident.LoadPrices(f.dataDir)
	if err != nil {
		return fail(ExitError, "price table: ", err)
	}
	var baseline time.Duration
	if f.baseline != "" {
		if baseline, err = correlate.ParseTimespan(f.baseline); err != nil {
			return fail(ExitUsage, "--baseline: ", err)
		}
	}
	sup, code := loadSuppressions(f.suppress, set, stderr)
	if code != ExitOK {
		return nil, code
	}
	lim := source.Limits{MaxRecord: f.maxRecord, MaxDecompressed: f.maxDecomp, MaxRatio: source.DefaultLimits().MaxRatio}
	p.cfg = hunt.Config{Rules: set, Enricher: enr, Workers: f.workers, Limits: lim, Suppress: sup, Baseline: baseline,
		Incidents: f.incidentFlags.options(prices), TempDir: f.tempDir, HitMemory: f.hitMemory << 20}
	return p, ExitOK
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
	p, code := f.prepare("hunt", stderr)
	if p == nil {
		return code
	}
	inputs, expandErr := source.Expand(paths, stdin)
	if err := checkOutputs([]outputPath{{"--output", f.output}, {"--summary", f.summary}, {"--incidents", f.incidents}, {"--report", f.report}, {"--cpuprofile", f.cpuProfile}}, inputs, stdin); err != nil {
		fmt.Fprintln(stderr, "mamori hunt:", report.Terminal(err.Error()))
		return ExitUsage
	}
	// --output is opened before the hunt, so a path that cannot be written
	// fails now rather than after the whole input was read; it is emptied
	// only when the alerts are written.
	out, ropts, closeOut, err := openOutputMode(f.output, stdout, 0)
	if err != nil {
		fmt.Fprintln(stderr, "mamori hunt: --output:", err)
		return ExitError
	}
	defer closeOut()
	// --summary and --report too: a hunt of a large export must not end
	// in a file that cannot be written.
	sum, code := openBeside("--summary", f.summary, out, stderr)
	if code != ExitOK {
		return code
	}
	if sum != nil {
		defer sum.Close()
	}
	incs, code := openBeside("--incidents", f.incidents, out, stderr)
	if code != ExitOK {
		return code
	}
	if incs != nil {
		defer incs.Close()
	}
	page, code := openBeside("--report", f.report, out, stderr)
	if code != ExitOK {
		return code
	}
	if page != nil {
		defer page.Close()
	}
	if expandErr != nil {
		printErrors(stderr, "mamori hunt:", expandErr)
		if len(inputs) == 0 {
			return ExitError
		}
	}
	cfg := p.cfg
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.Name
	}
	simulatedTenant("hunt", names, f.baseline == "", &cfg, stderr)
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --cpuprofile:", err)
			return ExitUsage
		}
		defer stop()
	}
	// The collector keeps Go's default target (GOGC 100): on the
	// machines measured a larger heap was slower, not faster, as fresh
	// memory costs more to touch than collecting it (docs/performance.md,
	// "Files are read, not mapped").
	errOut := &errorPrinter{w: stderr, max: f.maxErrors}
	prog := &source.Progress{}
	stopProgress := startProgress(stderr, prog, !f.noProgress && isTerminal(stderr))
	// Loading the intel and the rules leaves garbage, and live data in
	// the making: a collection that marks it sets the next heap goal at
	// twice it. Collect now, from the hunt's own small live heap. Only
	// collect: the pages freed stay mapped for the hunt to reuse (given
	// back to the system, as debug.FreeOSMemory did, they were touched
	// afresh, about 700 page faults of some 18 µs each here).
	runtime.GC()
	cfg.OnError, cfg.Progress = errOut.print, prog
	res, err := hunt.Run(ctx, inputs, cfg)
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
	for _, w := range cfg.Suppress.Unused() {
		fmt.Fprintln(stderr, "mamori hunt: warning:", report.Terminal(w.String()))
	}

	if fh, ok := out.(*os.File); ok && f.output != "" && isRegular(fh) {
		// Only a regular file can be emptied: a device or a pipe
		// (/dev/null, /dev/stdout) refuses, and has nothing to empty.
		if err := fh.Truncate(0); err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --output:", err)
			return ExitError
		}
	}
	ropts.Incidents, ropts.Responses = res.Incidents, ruleResponses(cfg.Rules)
	if err := report.Write(out, format, alerts, ropts); err != nil {
		fmt.Fprintln(stderr, "mamori hunt: writing alerts:", err)
		return ExitError
	}
	// --stats says on standard error what was read, so there it also
	// gets the sections the table holds, whole.
	if err := writeCoverage(out, stderr, format, res, !f.stats); err != nil {
		fmt.Fprintln(stderr, "mamori hunt: writing alerts:", err)
		return ExitError
	}
	skipped, records := int64(0), int64(0)
	for _, s := range stats {
		skipped += s.Skipped
		records += s.Records
	}
	if sum != nil {
		s := report.NewSummary(res.Read, res.NotSeen, res.Outside)
		s.NotSeenByTenant = report.TenantNotSeenOf(res.NotSeenByTenant)
		s.RecordsSkipped, s.Interrupted = skipped, ctx.Err() != nil
		s.ComputeCreates, s.ComputeUnsized, s.ComputeUnsizedJobs = res.Unsized.Creates, res.Unsized.Unsized, res.Unsized.Jobs
		s.LearnedCapped = res.LearnedFull
		if err := writeSummary(sum, s); err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --summary:", report.Terminal(err.Error()))
			return ExitError
		}
	}
	if incs != nil {
		if err := writeIncidents(incs, res.Incidents, alerts); err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --incidents:", report.Terminal(err.Error()))
			return ExitError
		}
	}
	if page != nil {
		in := htmlreport.Input{Alerts: alerts, Incidents: res.Incidents, Title: "mamori hunt: " + strings.Join(paths, ", "),
			Generated: time.Now(), Files: len(stats), Records: records, Product: "mamori " + Version(), NotSeen: res.NotSeen,
			Read: res.Read, Outside: res.Outside, NotSeenByTenant: res.NotSeenByTenant, Unsized: res.Unsized,
			LearnedFull: res.LearnedFull}
		if p.saved != nil {
			in.Posture = p.saved.report
		}
		if err := writeHTMLReportTo(page, in); err != nil {
			fmt.Fprintln(stderr, "mamori hunt: --report:", report.Terminal(err.Error()))
			return ExitError
		}
	}
	writeIncomplete(stderr, "mamori hunt:", stats)
	if f.stats {
		writeStats(stderr, stats, est)
		if format != report.Table {
			if err := writeSections(stderr, res); err != nil {
				return ExitError
			}
		}
	} else if skipped > 0 {
		fmt.Fprintf(stderr, "mamori hunt: %s could not be read (run with --stats for details)\n", plural.Count(skipped, "record", "records"))
	}
	// "No alerts" from a folder of nothing (a wrong path, an export not
	// yet written) must not read as a clean tenant.
	empty := records == 0 && ctx.Err() == nil
	if empty {
		fmt.Fprintf(stderr, "mamori hunt: no records in the input (%s read): nothing was hunted\n", plural.Count(len(stats), "file", "files"))
	}
	switch {
	case f.strict && (skipped > 0 || expandErr != nil || empty):
		// A path that is missing, or a folder that could not be walked, is
		// input not read, as much as a record skipped.
		return ExitError
	case f.failOn != "" && anyAtLeast(alerts, res.Incidents, failOn):
		// A CI job's log should say why it failed.
		fmt.Fprintf(stderr, "mamori hunt: exit %d: --fail-on %s: an alert or incident is %s or above\n", ExitFindings, failOn, failOn)
		return ExitFindings
	case ctx.Err() != nil:
		return ExitError
	}
	return ExitOK
}

// writeCoverage tells what the hunt read and could not see: LOGS READ
// (when each log read begins and ends, and which incidents reach past one)
// and NOT SEEN after the table, or, for the formats that are one record
// per line, a line each on standard error, where they cannot break a
// stream a program reads, and only when there is something to say (and
// brief: the caller prints the sections whole there when it is not).
func writeCoverage(out, stderr io.Writer, format report.Format, res *hunt.Result, brief bool) error {
	if format == report.Table {
		return writeSections(out, res)
	}
	if !brief {
		return nil
	}
	if len(res.Outside) > 0 {
		fmt.Fprintf(stderr, "mamori hunt: an incident reaches past a log read: %s\n", report.OutsideInLine(res.Outside))
	}
	if len(res.NotSeen) > 0 {
		fmt.Fprintf(stderr, "mamori hunt: not seen, no such logs in the input: %s (--format table or --summary says which export covers each)\n", report.GapsInLine(res.NotSeen))
	}
	if len(res.NotSeenByTenant) > 0 {
		fmt.Fprintf(stderr, "mamori hunt: not seen for some tenants, whose exports lacked logs others' held: %s\n", report.TenantGapsInLine(res.NotSeenByTenant))
	}
	if res.Unsized.Unsized > 0 {
		fmt.Fprintf(stderr, "mamori hunt: not judged: %s (--format table or --summary says which export names them)\n", report.UnsizedInLine(res.Unsized))
	}
	if res.LearnedFull {
		fmt.Fprintf(stderr, "mamori hunt: not kept: %s\n", report.LearnedFullText)
	}
	return nil
}

// writeSections writes the LOGS READ, NOT SEEN, NOT JUDGED and NOT KEPT
// sections.
func writeSections(w io.Writer, res *hunt.Result) error {
	if err := report.WriteLogsRead(w, res.Read, res.Outside); err != nil {
		return err
	}
	if err := report.WriteNotSeen(w, res.NotSeen); err != nil {
		return err
	}
	if err := report.WriteNotSeenByTenant(w, res.NotSeenByTenant); err != nil {
		return err
	}
	if err := report.WriteUnsized(w, res.Unsized); err != nil {
		return err
	}
	return report.WriteLearnedFull(w, res.LearnedFull)
}

func anyAtLeast(as []alert.Alert, incs []incident.Incident, s alert.Severity) bool {
	open := map[string]bool{} // incidents with an alert not suppressed
	for _, a := range as {
		if a.Suppressed != nil {
			continue
		}
		if a.Severity >= s {
			return true
		}
		open[a.Incident] = true
	}
	// An incident is rated above its alerts when their chain is an
	// attack's (medium and high alerts make a critical incident).
	for _, in := range incs {
		if in.Severity >= s && open[in.ID] {
			return true
		}
	}
	return false
}

// errorPrinter writes the first unreadable records to standard error, with
// attacker-controlled text escaped, and counts the rest.
type errorPrinter struct {
	mu     sync.Mutex
	w      io.Writer
	max    int
	prefix string // the command, "mamori hunt" when empty
	n      atomic.Int64
}

func (p *errorPrinter) name() string {
	if p.prefix == "" {
		return "mamori hunt"
	}
	return p.prefix
}

// reset starts counting again, for a command that reads in cycles.
func (p *errorPrinter) reset() { p.n.Store(0) }

func (p *errorPrinter) print(e *source.ParseError) {
	n := p.n.Add(1)
	if n > int64(p.max) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, p.name()+": skipped:", report.Terminal(e.Error()))
}

func (p *errorPrinter) finish() {
	if n := p.n.Load(); n > int64(p.max) {
		fmt.Fprintf(p.w, "%s: … and %s\n", p.name(), plural.Count(n-int64(p.max), "more unreadable record", "more unreadable records"))
	}
}

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return d + string(os.PathSeparator) + "mamori"
	}
	return ""
}

// isRegular reports whether f is a regular file.
func isRegular(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}
