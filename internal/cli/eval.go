package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/mamori-sec/mamori/internal/eval"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// evalCmd runs `mamori eval`: many simulated tenants with random attacks
// and benign twins, hunted and scored against what was injected.
func evalCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenants := fs.Int("tenants", eval.DefaultTenants, "tenants to simulate")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same report")
	days := fs.Int("days", 30, fmt.Sprintf("days of logs per tenant, %d to %d", simulate.MinDays, simulate.MaxDays))
	size := fs.String("tenant-size", "small", "small, medium, large, or mixed: each tenant's size drawn (six small, three medium, one large in ten)")
	shape := fs.String("shape", simulate.ShapeRecords, "the Activity Log's export shape in every tenant: records, rest or loganalytics, or several separated by commas (the same days in each export)")
	machineOS := fs.String("machine-os", "", "the system of the attackers' machines (the GPU chain's, the slow and paced attacks', the GPU fleet's, CPU mining's) and the GPU chain's twin's in every tenant: linux or windows; default: drawn for each, a third windows")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "hunts run at once")
	together := fs.Int("together", 1, "tenants read by each hunt, each in a folder of its own (as a service over many tenants reads them); each is scored on the alerts placed in its tenant")
	md := fs.Bool("markdown", false, "print the Markdown table for docs/detections.md")
	format := fs.String("format", "table", "output format: table, or json (the scores, totals and shortfalls in one document, for a pipeline)")
	check := fs.Bool("check", false, "exit with status 3 when the run falls short: an attack not caught at high or critical, a false incident at high or critical, an attack incident holding people no attack used, an alert placed in no tenant")
	doc := fs.String("update-doc", "", "replace the evaluation table in this Markdown `file` (docs/detections.md)")
	notes := fs.Int("notes", eval.DefaultNotes, "notes to list (-1: all)")
	noteRule := fs.String("rule", "", "list only the notes about this rule `name`")
	var ruleDirs multiFlag
	fs.Var(&ruleDirs, "rules", "a folder (or file) of more Sigma rules to hunt and score beside the built-in ones (SigmaHQ's, your own); repeatable")
	setUsage(fs, stderr, "Usage: mamori eval [flags]\n\nSimulates many tenants with random attacks and their benign twins, hunts each, and\nscores every rule against what was injected (truth.json): true and false positives,\nmisses, precision, recall and time to the first alert. See docs/detections.md.\n")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "mamori eval: --format %q: table or json\n", report.Terminal(*format))
		return ExitUsage
	}
	if *tenants < 1 {
		// eval.Run takes 0 for its default, 50 tenants: not what was asked.
		fmt.Fprintf(stderr, "mamori eval: --tenants %d: at least 1\n", *tenants)
		return ExitUsage
	}
	// eval.Run takes 0 days for 30, as the simulator does; the flag's
	// default is 30 already, so 0 (or fewer) given is a mistake.
	if err := simulate.CheckDays(*days); err != nil {
		fmt.Fprintln(stderr, "mamori eval: --days:", err)
		return ExitUsage
	}
	if err := eval.CheckSize(*size); err != nil {
		fmt.Fprintln(stderr, "mamori eval: --tenant-size:", err)
		return ExitUsage
	}
	if *workers < 1 {
		// eval.Run would take 0 for one worker and refuse fewer with an
		// error that names no flag; the default is one per core already.
		fmt.Fprintf(stderr, "mamori eval: --workers: at least 1, not %d\n", *workers)
		return ExitUsage
	}
	if *together < 1 {
		fmt.Fprintf(stderr, "mamori eval: --together: at least 1, not %d\n", *together)
		return ExitUsage
	}
	if *notes == 0 {
		*notes = -1 // --notes 0 reads as "no cap" less surprisingly than as the default
	}
	if _, err := simulate.ParseShapes(*shape); err != nil {
		fmt.Fprintf(stderr, "mamori eval: --shape: %v\n", err)
		return ExitUsage
	}
	if *machineOS != "" && *machineOS != simulate.OSLinux && *machineOS != simulate.OSWindows {
		fmt.Fprintf(stderr, "mamori eval: --machine-os: %s or %s, not %q\n", simulate.OSLinux, simulate.OSWindows, report.Terminal(*machineOS))
		return ExitUsage
	}
	for _, d := range ruleDirs {
		if err := readable(d); err != nil {
			fmt.Fprintf(stderr, "mamori eval: --rules: %s\n", report.Terminal(err.Error()))
			return ExitUsage
		}
	}
	opt := eval.Options{Tenants: *tenants, Seed: *seed, Days: *days, Size: *size, Shape: *shape, MachineOS: *machineOS, Workers: *workers, Notes: *notes, NotesRule: *noteRule,
		RuleDirs: ruleDirs, Together: *together}
	if isTerminal(stderr) {
		opt.Progress = func(done, total int) { fmt.Fprintf(stderr, "\rtenant %d/%d", done, total) }
	}
	rep, err := eval.Run(ctx, opt)
	if opt.Progress != nil {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori eval:", err)
		return ExitError
	}
	if *doc != "" {
		if err := eval.UpdateDoc(*doc, rep.Markdown()); err != nil {
			fmt.Fprintln(stderr, "mamori eval:", err)
			return ExitError
		}
		fmt.Fprintf(stderr, "mamori eval: wrote the table into %s\n", *doc)
	}
	switch {
	case *md:
		_, err = fmt.Fprint(stdout, rep.Markdown())
	case *format == "json":
		err = rep.WriteJSON(stdout)
	default:
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori eval:", err)
		return ExitError
	}
	if short := rep.Shortfalls(); *check && len(short) > 0 {
		fmt.Fprintf(stderr, "mamori eval: short of the goal: %s\n", strings.Join(short, "; "))
		return ExitFindings
	}
	return ExitOK
}
