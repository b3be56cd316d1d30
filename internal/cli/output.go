package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/source"
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

// An output is a flag's file: --output, --summary, --report, --cpuprofile.
type outputPath struct{ flag, path string }

// checkOutputs refuses, before anything is created or read, two flags
// naming the same file (the one would overwrite the other after the whole
// hunt), and a flag naming one of the files hunted unless all it holds is
// an output of mamori's (a run before this one's): writing alerts over
// the log they came from destroys a responder's evidence.
func checkOutputs(outs []outputPath, inputs []source.Input, stdin io.Reader) error {
	type named struct {
		outputPath
		abs string
		st  os.FileInfo
	}
	var ns []named
	for _, o := range outs {
		if o.path == "" {
			continue
		}
		abs, err := filepath.Abs(o.path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", o.flag, o.path, err)
		}
		n := named{outputPath: o, abs: abs}
		if st, err := os.Stat(o.path); err == nil && st.Mode().IsRegular() {
			n.st = st
		}
		for _, m := range ns {
			if m.abs == n.abs || m.st != nil && n.st != nil && os.SameFile(m.st, n.st) {
				return fmt.Errorf("%s and %s name the same file, %s: each needs its own", m.flag, n.flag, o.path)
			}
		}
		ns = append(ns, n)
	}
	for _, in := range inputs {
		var st os.FileInfo
		for _, n := range ns {
			if n.st == nil {
				continue
			}
			if st == nil {
				var err error
				if in.Name != "-" {
					st, err = os.Stat(in.Name)
				} else if f, ok := stdin.(*os.File); ok {
					st, err = f.Stat() // "< act.json"
				} else {
					break
				}
				if err != nil {
					break // said when the hunt reads it
				}
			}
			if !os.SameFile(st, n.st) {
				continue
			}
			if own, err := source.IsOwnOutput(n.path); err != nil || !own {
				what := in.Name
				if what == "-" {
					what = "standard input"
				}
				return fmt.Errorf("%s %s: is one of the logs being hunted (%s): write it elsewhere", n.flag, n.path, what)
			}
		}
	}
	return nil
}
