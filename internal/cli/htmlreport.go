package cli

import (
	"os"

	"github.com/mamori-sec/mamori/internal/htmlreport"
)

// writeHTMLReport writes a hunt as a self-contained HTML page to path.
func writeHTMLReport(path string, in htmlreport.Input) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := htmlreport.Write(fh, in); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// writeHTMLReportTo empties fh, opened before the hunt by openSummary, and
// writes the page to it; a device or a pipe is written as it is.
func writeHTMLReportTo(fh *os.File, in htmlreport.Input) error {
	if isRegular(fh) {
		if err := fh.Truncate(0); err != nil {
			return err
		}
	}
	return htmlreport.Write(fh, in)
}
