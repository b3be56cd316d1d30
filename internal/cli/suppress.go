package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/suppress"
)

// loadSuppressions reads --suppress: a broken file stops the hunt with
// every problem listed; expired entries and entries naming unknown rules
// are warnings.
func loadSuppressions(path string, set *rules.Set, stderr io.Writer) (*suppress.Set, int) {
	if path == "" {
		return nil, ExitOK
	}
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(stderr, "mamori hunt: --suppress:", err)
		return nil, ExitUsage
	}
	defer f.Close()
	s, warns, err := suppress.Load(path, f, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "mamori hunt: --suppress:", report.Terminal(err.Error()))
		return nil, ExitUsage
	}
	var names []string
	for _, r := range set.Rules {
		names = append(names, r.Name)
	}
	for _, w := range append(warns, s.CheckRules(names)...) {
		fmt.Fprintln(stderr, "mamori hunt: warning:", report.Terminal(w.String()))
	}
	return s, ExitOK
}
