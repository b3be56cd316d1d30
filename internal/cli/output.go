package cli

import (
	"fmt"

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
