package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/report"
)

// outputFlags reads the --format and --fail-on values every command that
// reports findings takes; failOn is zero when --fail-on was not given.
func outputFlags(format, failOn string) (report.Format, alert.Severity, error) {
	f, err := report.ParseFormat(format)
	if err != nil {
		return "", 0, err
	}
	if failOn == "" {
		return f, 0, nil
	}
	s, ok := alert.ParseSeverity(failOn)
	if !ok {
		return "", 0, fmt.Errorf("--fail-on: unknown severity %q (low, medium, high, critical)", failOn)
	}
	return f, s, nil
}

// openOutput opens --output, or takes stdout when path is empty, and the
// report options that depend on where the findings go: colour only on a
// terminal, the table as wide as it. closeOut closes the file.
func openOutput(path string, stdout io.Writer) (out io.Writer, opts report.Options, closeOut func(), err error) {
	return openOutputMode(path, stdout, os.O_TRUNC)
}

// appendOutput is openOutput for a long-running command: the file is
// appended to, so a restart does not lose what was written before.
func appendOutput(path string, stdout io.Writer) (io.Writer, report.Options, func(), error) {
	return openOutputMode(path, stdout, os.O_APPEND)
}

// openOutputMode opens path with mode: os.O_TRUNC, os.O_APPEND, or 0 to
// write from the start without emptying it yet (hunt empties it later).
func openOutputMode(path string, stdout io.Writer, mode int) (out io.Writer, opts report.Options, closeOut func(), err error) {
	out, closeOut = stdout, func() {}
	if path != "" {
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|mode, 0o666)
		if err != nil {
			return nil, report.Options{}, nil, err
		}
		out, closeOut = fh, func() { fh.Close() }
	}
	opts = report.Options{Color: path == "" && isTerminal(stdout), Width: tableWidth(out), Product: report.ProductInfo{Name: "mamori", Version: Version()}}
	return out, opts, closeOut, nil
}
