package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/report"
)

// intel runs `mamori intel update KIND FILE`: it validates a newer intel
// download the user supplies and installs it in the data folder, where it
// takes precedence over the data built into the binary.
func intel(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("intel update", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", defaultDataDir(), "folder that holds updated intel files")
	pricesFile := fs.String("prices", "", "same as KIND prices with this FILE")
	force := fs.Bool("force", false, "install Service Tags even when older than, or for another cloud than, the data in use")
	setUsage(fs, stderr, "Usage: mamori intel update [--data-dir DIR] [--force] KIND FILE\n       mamori intel update [--data-dir DIR] --prices FILE\n\nKIND is servicetags (Microsoft's Azure IP Ranges and Service Tags JSON),\npools (a mining-pool list; see data/mining/README.md), or prices (pages of the\nAzure Retail Prices API, JSON).\n")
	switch {
	case len(args) > 0 && args[0] == "update":
	case len(args) > 0 && helpArg(args[0]):
		fs.Usage()
		return ExitOK
	default:
		fs.Usage()
		return ExitUsage
	}
	if code, ok := parseFlags(fs, args[1:]); !ok {
		return code
	}
	var kind, file string
	switch {
	case *pricesFile != "" && fs.NArg() == 0:
		kind, file = "prices", *pricesFile
	case *pricesFile == "" && fs.NArg() == 2:
		kind, file = fs.Arg(0), fs.Arg(1)
	default:
		fs.Usage()
		return ExitUsage
	}
	// The kind is checked before the file is opened: a wrong kind is the
	// command line's fault, whatever the file holds (or whether it exists).
	switch kind {
	case "servicetags", "pools", "prices":
	default:
		fmt.Fprintf(stderr, "mamori intel update: unknown kind %q (servicetags, pools or prices)\n\n", kind)
		fs.Usage()
		return ExitUsage
	}
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintln(stderr, "mamori intel update:", err)
		return ExitError
	}
	defer f.Close()
	var flags []enrich.UpdateFlag
	if *force {
		flags = append(flags, enrich.Force)
	}
	var summary string
	if kind == "prices" {
		summary, err = incident.UpdatePrices(*dataDir, f, time.Now())
	} else {
		summary, err = enrich.Update(*dataDir, kind, f, flags...)
	}
	// Both quote the file (its cloud, its lines), a download from elsewhere.
	if err != nil {
		fmt.Fprintf(stderr, "mamori intel update: %s: %s\n", report.Terminal(file), report.Terminal(err.Error()))
		return ExitError
	}
	fmt.Fprintln(stdout, report.Terminal(summary))
	return ExitOK
}
