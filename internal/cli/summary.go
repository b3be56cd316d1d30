package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mamori-sec/mamori/internal/report"
)

// errSameFile is --summary (or hunt's --report) naming the regular file
// the alerts go to: the one would overwrite the other after the whole
// hunt. A terminal or a pipe both may share (mixed, as the user asked).
var errSameFile = errors.New("names the file the alerts are written to")

// openSummary opens --summary before the hunt, as --output is, so that a
// path that cannot be written fails before the input is read rather than
// after; nil when path is empty. The file is emptied only when the
// summary is written (writeSummary), so a hunt that fails leaves the one
// before. out is where the alerts go. Hunt's --report is opened the same
// way (writeHTMLReportTo empties it).
func openSummary(path string, out io.Writer) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	if o, ok := out.(*os.File); ok {
		a, errA := fh.Stat()
		b, errB := o.Stat()
		if errA == nil && errB == nil && a.Mode().IsRegular() && os.SameFile(a, b) {
			fh.Close()
			return nil, errSameFile
		}
	}
	return fh, nil
}

// openBeside opens the file of hunt's flag (--summary, --report) with
// openSummary, saying on stderr why it cannot and with which exit code
// (ExitOK when it could, or when the flag is unset).
func openBeside(flag, path string, out, stderr io.Writer) (*os.File, int) {
	fh, err := openSummary(path, out)
	if err == nil {
		return fh, ExitOK
	}
	fmt.Fprintf(stderr, "mamori hunt: %s: %s\n", flag, report.Terminal(err.Error()))
	if errors.Is(err, errSameFile) {
		return nil, ExitUsage
	}
	return nil, ExitError
}

// writeSummary empties the summary's file (a device or a pipe, which
// cannot be emptied, has nothing to empty) and writes s to it.
func writeSummary(fh *os.File, s report.Summary) error {
	if isRegular(fh) {
		if err := fh.Truncate(0); err != nil {
			return err
		}
	}
	return report.WriteSummary(fh, s)
}
