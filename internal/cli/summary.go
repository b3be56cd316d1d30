package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
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

// writeSummary writes s to the summary's file (writeEmptied).
func writeSummary(fh *os.File, s report.Summary) error {
	return writeEmptied(fh, func(w io.Writer) error { return report.WriteSummary(w, s) })
}

// writeIncidents writes the incidents to --incidents' file (writeEmptied).
func writeIncidents(fh *os.File, incs []incident.Incident, alerts []alert.Alert) error {
	return writeEmptied(fh, func(w io.Writer) error { return report.WriteIncidents(w, incs, alerts) })
}

// writeNew creates the file at path (emptied, when it was there) and
// writes to it: an output asked for after the command's work (alerts'
// --report and --incidents).
func writeNew(path string, write func(io.Writer) error) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(fh); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// writeEmptied empties a file openSummary opened (a device or a pipe,
// which cannot be emptied, has nothing to empty) and writes to it.
func writeEmptied(fh *os.File, write func(io.Writer) error) error {
	if isRegular(fh) {
		if err := fh.Truncate(0); err != nil {
			return err
		}
	}
	return write(fh)
}
