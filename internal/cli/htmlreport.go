package cli

import (
	"io"
	"os"

	"github.com/mamori-sec/mamori/internal/htmlreport"
)

// writeHTMLReport writes a hunt as a self-contained HTML page to path.
func writeHTMLReport(path string, in htmlreport.Input) error {
	return writeNew(path, func(w io.Writer) error { return htmlreport.Write(w, in) })
}

// writeHTMLReportTo writes the page to fh, opened before the hunt by
// openSummary (writeEmptied).
func writeHTMLReportTo(fh *os.File, in htmlreport.Input) error {
	return writeEmptied(fh, func(w io.Writer) error { return htmlreport.Write(w, in) })
}
