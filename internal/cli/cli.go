// Package cli is mamori's command line: each subcommand parses its flags,
// runs, and returns an exit code. Run is the whole program, so tests drive
// it in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
)

// Exit codes, in one place.
const (
	ExitOK       = 0
	ExitError    = 1 // the command failed, or --strict saw a skipped record
	ExitUsage    = 2 // the command line is wrong
	ExitFindings = 3 // hunt --fail-on: an alert at or above the given severity; status: a log quiet or alerts not told; eval --check: short of the goal
)

const usage = `mamori finds cryptojacking in Azure tenants' logs.

Usage:
  mamori demo                         simulate an attacked tenant, hunt it, show the incidents
  mamori hunt [flags] PATH...         hunt over exported logs (files, folders, gzip, - for stdin)
  mamori serve [flags] FOLDER...      watch folders of arriving logs, hunt what is new, keep it in a store
  mamori alerts [--since 7d]          the alerts a store kept, grouped into incidents
  mamori status [--quiet 24h]         what a store has read of each log; which log stopped, which reader fails
  mamori simulate --out DIR [flags]   write a simulated tenant's logs with attacks, and truth.json
  mamori eval [--tenants 50]          score every rule on many simulated tenants
  mamori fetch --out DIR [flags]      read a live tenant's Activity Log, sign-ins and audits, to hunt
  mamori posture [flags]              check what lets cryptojacking into a tenant (live, or --from DIR)
  mamori doctor                       which checks and hunts the granted permissions allow
  mamori rules list|validate|test     the detection catalogue
  mamori intel update KIND FILE       replace an intel data file (servicetags, pools, prices)
  mamori version                      print the version

Run 'mamori COMMAND -h' for a command's flags.
`

// Run runs mamori with args (without the program name).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "hunt":
		return huntCmd(ctx, args[1:], stdin, stdout, stderr)
	case "serve":
		return serveCmd(ctx, args[1:], stdout, stderr)
	case "alerts":
		return alertsCmd(ctx, args[1:], stdout, stderr)
	case "status":
		return statusCmd(ctx, args[1:], stdout, stderr)
	case "intel":
		return intel(args[1:], stdout, stderr)
	case "rules":
		return rulesCmd(args[1:], stdout, stderr)
	case "simulate":
		return simulateCmd(args[1:], stdout, stderr)
	case "demo":
		return demo(ctx, args[1:], stdout, stderr)
	case "eval":
		return evalCmd(ctx, args[1:], stdout, stderr)
	case "fetch":
		return fetchCmd(ctx, args[1:], stdout, stderr)
	case "posture":
		return postureCmd(ctx, args[1:], stdout, stderr)
	case "doctor":
		return doctorCmd(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "mamori", Version())
		return ExitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "mamori: unknown command %q\n\n%s", args[0], usage)
	return ExitUsage
}

// Version is the module version the binary was built from.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// helpArg reports whether a, a command's first argument, asks for its
// usage, for commands that read a subcommand before their flags.
func helpArg(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// setUsage makes fs's usage text, then "Flags:" and its flags, on w:
// every command names itself the same way ("Usage: mamori hunt …").
func setUsage(fs *flag.FlagSet, w io.Writer, text string) {
	fs.Usage = func() {
		fmt.Fprint(w, text+"\nFlags:\n")
		fs.PrintDefaults()
	}
}

// parseOnlyFlags is parseFlags for a command that takes nothing but flags:
// an argument more is a usage error that names it (rather than one ignored:
// "mamori demo logs/" would simulate).
func parseOnlyFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	if code, ok := parseFlags(fs, args); !ok {
		return code, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mamori %s: unexpected argument %q\n\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return ExitUsage, false
	}
	return 0, true
}

// parseFlags parses args into fs. When ok is false the command ends with
// code: ExitOK after --help (the usage was printed), ExitUsage after a
// bad flag (the flag package named it).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	return 0, true
}
