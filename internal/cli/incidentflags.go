package cli

import (
	"flag"
	"fmt"
	"time"

	"github.com/mamori-sec/mamori/internal/incident"
)

// incidentFlags are how alerts form incidents, given alike to hunt, serve
// and alerts (which groups a store's alerts again).
type incidentFlags struct {
	gap      time.Duration
	sharedBy int
}

func (f *incidentFlags) register(fs *flag.FlagSet) {
	spanVar(fs, &f.gap, "incident-gap", incident.DefaultGap, "connected alerts further apart than this `span` (90m, 24h, 7d) start a new incident")
	fs.IntVar(&f.sharedBy, "incident-shared-by", incident.DefaultSharedBy, "a public address or resource more principals than this share (an office's egress), or a machine's name held in more subscriptions, ties no one into an incident")
}

// check refuses values the grouping would silently take for its defaults
// (a gap of 0 or less for 24h, a limit below 1 for 5).
func (f *incidentFlags) check() error {
	switch {
	case f.gap <= 0:
		return fmt.Errorf("--incident-gap: %s: more than 0", f.gap)
	case f.sharedBy < 1:
		return fmt.Errorf("--incident-shared-by: %d: at least 1", f.sharedBy)
	}
	return nil
}

// options are the incident options the flags give, with prices.
func (f *incidentFlags) options(prices *incident.Prices) incident.Options {
	return incident.Options{Prices: prices, Gap: f.gap, SharedBy: f.sharedBy}
}
