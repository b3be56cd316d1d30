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
