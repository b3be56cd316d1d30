package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/htmlreport"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/posture/capture"
	"github.com/mamori-sec/mamori/internal/report"
)

// postureFlags are `mamori posture`'s options.
type postureFlags struct {
	tenant        string
	subscriptions multiFlag
	save, from    string
	format        string
	output        string
	failOn        string
	config        string
	report        string
}

func parsePosture(args []string, stderr io.Writer) (*postureFlags, error) {
	f := &postureFlags{}
	fs := flag.NewFlagSet("posture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, "Usage: mamori posture [flags]\n\nChecks what lets cryptojacking into a tenant (MFA, who can create VMs, unused quota,\nwhere security notices go, whether logs outlive an attack), read-only, through the\nsigned-in identity (environment, workload or managed identity, Azure CLI login),\nor from responses saved earlier with --save. See docs/posture.md.\n")
	fs.StringVar(&f.tenant, "tenant", "", "tenant ID to read (default: the signed-in identity's)")
	fs.Var(&f.subscriptions, "subscription", "subscription ID to check (repeatable, or comma-separated; default: every one the identity can read)")
	fs.StringVar(&f.save, "save", "", "also keep every raw API response in this folder (read back with --from)")
	fs.StringVar(&f.from, "from", "", "check the responses saved in this folder instead of calling Azure")
	fs.StringVar(&f.format, "format", "table", "output format: table, jsonl, json, csv, ocsf")
	fs.StringVar(&f.output, "output", "", "write findings to this file instead of standard output")
	fs.StringVar(&f.failOn, "fail-on", "", "exit with status 3 when a check fails at or above this severity (low, medium, high, critical)")
	fs.StringVar(&f.config, "config", "", "YAML file of thresholds and lists (break-glass accounts, limits; see docs/posture-checks.md)")
	fs.StringVar(&f.report, "report", "", "also write a self-contained HTML posture report to this file")
	if err := parseArgs(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// --subscription chooses what is read from Azure; a saved folder holds
	// what was read then, and judging all of it while the user believes
	// one subscription was judged (and --fail-on exits 3 for another) is
	// worse than saying so.
	if f.from != "" && (f.save != "" || f.tenant != "" || len(f.subscriptions) > 0) {
		return nil, errors.New("--from reads saved responses: --save, --tenant and --subscription need live Azure (save one run per subscription to judge them apart)")
	}
	return f, nil
}

func postureCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parsePosture(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		fmt.Fprintln(stderr, "mamori posture:", err)
		return ExitUsage
	}
	format, failOn, err := outputFlags(f.format, f.failOn)
	if err != nil {
		fmt.Fprintln(stderr, "mamori posture:", err)
		return ExitUsage
	}
	cfg := posture.DefaultConfig()
	if f.config != "" {
		if cfg, err = posture.LoadConfig(f.config); err != nil {
			fmt.Fprintln(stderr, "mamori posture: --config:", report.Terminal(err.Error()))
			return ExitUsage
		}
	}

	c, code := readCapture(ctx, f, stderr)
	if c == nil {
		return code
	}
	snap, errs := posture.Build(c)
	for _, e := range errs {
		// A page that does not parse is reported and its dataset's checks
		// say so; the rest is still checked.
		fmt.Fprintln(stderr, "mamori posture: warning:", report.Terminal(e.Error()))
	}
	findings := posture.Run(snap, cfg)
	scores := posture.Scores(findings)

	out, ropts, closeOut, err := openOutput(f.output, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "mamori posture:", err)
		return ExitError
	}
	defer closeOut()
	ropts.Collected = c.Collected
	if err := report.WritePosture(out, format, findings, scores, ropts); err != nil {
		fmt.Fprintln(stderr, "mamori posture: writing findings:", err)
		return ExitError
	}
	if f.report != "" {
		in := htmlreport.Input{Title: "mamori posture: tenant " + c.TenantID, Generated: time.Now(), Product: "mamori " + Version(),
			Posture: &htmlreport.Posture{Findings: findings, Scores: scores, Tenant: c.TenantID, Collected: c.Collected}}
		if err := writeHTMLReport(f.report, in); err != nil {
			fmt.Fprintln(stderr, "mamori posture: --report:", report.Terminal(err.Error()))
			return ExitError
		}
	}
	if f.failOn != "" && anyFailAtLeast(findings, failOn) {
		fmt.Fprintf(stderr, "mamori posture: exit %d: --fail-on %s: a check failed at %s or above\n", ExitFindings, failOn, failOn)
		return ExitFindings
	}
	return ExitOK
}

// readCapture reads the tenant live (saving the responses when asked) or
// loads a saved capture.
func readCapture(ctx context.Context, f *postureFlags, stderr io.Writer) (*capture.Capture, int) {
	if f.from != "" {
		c, err := capture.Load(f.from)
		if err != nil {
			fmt.Fprintln(stderr, "mamori posture: --from:", report.Terminal(err.Error()))
			return nil, ExitError
		}
		return c, ExitOK
	}
	c, err := readAzure(ctx, azure.Collect, azure.Options{TenantID: f.tenant, Subscriptions: splitList(f.subscriptions)}, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mamori posture:", report.Terminal(err.Error()))
		return nil, ExitError
	}
	if f.save != "" {
		if err := c.Save(f.save); err != nil {
			fmt.Fprintln(stderr, "mamori posture: --save:", report.Terminal(err.Error()))
			return nil, ExitError
		}
	}
	return c, ExitOK
}

// readAzure reads the tenant with read (azure.Collect or azure.Probe),
// showing on a terminal how many of the planned API reads are done (a
// tenant with many subscriptions takes minutes) and clearing that line at
// the end.
func readAzure(ctx context.Context, read func(context.Context, azure.Options) (*capture.Capture, error), opts azure.Options, stderr io.Writer) (*capture.Capture, error) {
	if !isTerminal(stderr) {
		return read(ctx, opts)
	}
	opts.Progress = func(done, total int) {
		fmt.Fprintf(stderr, "\r\x1b[Kreading Azure: %d of %s", done, plural.Count(total, "read", "reads"))
	}
	c, err := read(ctx, opts)
	fmt.Fprint(stderr, "\r\x1b[K")
	return c, err
}

// anyFailAtLeast says whether a check failed at or above severity s.
func anyFailAtLeast(fs []posture.Finding, s alert.Severity) bool {
	for _, f := range fs {
		if sev, ok := alert.ParseSeverity(f.Severity); ok && f.Status == posture.Fail && sev >= s {
			return true
		}
	}
	return false
}

// splitList flattens repeated and comma-separated values.
func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// savedPosture is what a hunt takes from a saved posture folder: the
// tenant's public addresses, and the posture to show beside the incidents.
type savedPosture struct {
	owned  []netip.Prefix
	report *htmlreport.Posture
}

// loadSavedPosture reads a folder written by `mamori posture --save`.
func loadSavedPosture(dir string) (*savedPosture, error) {
	c, err := capture.Load(dir)
	if err != nil {
		return nil, err
	}
	owned, err := posture.OwnedPrefixes(c)
	if err != nil {
		return nil, err
	}
	snap, _ := posture.Build(c) // a page that does not parse leaves its checks not assessed
	findings := posture.Run(snap, posture.DefaultConfig())
	return &savedPosture{owned: owned, report: &htmlreport.Posture{Findings: findings, Scores: posture.Scores(findings),
		Tenant: c.TenantID, Collected: c.Collected}}, nil
}
