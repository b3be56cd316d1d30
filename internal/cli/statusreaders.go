package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/store"
)

// How `mamori status` tells of serve's own readers (servereaders.go): each
// one's reads, and those failing for longer than --failing, which make
// it exit 3 as a quiet log does. A failing reader is found the hour its
// key was rotated or its consent withdrawn; its logs are quiet only a
// day later.

// readerName names a reader as serve's standard error does, made safe
// for a terminal.
func readerName(r store.Reader) string {
	switch {
	case r.Kind == store.ReaderEventHub && r.Source == "kafka":
		return "Kafka (--kafka)"
	case r.Kind == store.ReaderEventHub:
		return "event hub " + report.Terminal(r.Source)
	case r.Kind == store.ReaderFetch && r.Source == "":
		return "fetch (the credential's tenant)"
	case r.Kind == store.ReaderFetch && strings.HasPrefix(r.Source, workspacePrefix):
		return "fetch of workspace " + report.Terminal(strings.TrimPrefix(r.Source, workspacePrefix))
	case r.Kind == store.ReaderFetch:
		return "fetch of tenant " + report.Terminal(r.Source)
	}
	return report.Terminal(r.Kind + " " + r.Source) // a kind a newer mamori wrote
}

// failingReaders are the readers whose reads have failed for longer than
// span before now (none when span is 0).
func failingReaders(rs []store.Reader, now time.Time, span time.Duration) []store.Reader {
	return slices.DeleteFunc(slices.Clone(rs), func(r store.Reader) bool { return !failingPast(r, now, span) })
}

// failingPast reports whether r's reads have failed for longer than span
// before now (never when span is 0).
func failingPast(r store.Reader, now time.Time, span time.Duration) bool {
	return span > 0 && !r.Failing.IsZero() && now.Sub(r.Failing) > span
}

// writeReaders prints each reader's reads, then those failing.
func writeReaders(w io.Writer, rs, failing []store.Reader, span time.Duration, now time.Time) error {
	if len(rs) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nREADERS: what serve reads from Azure itself (--eventhub, --fetch), over every read\n")
	for _, r := range rs {
		unit := plural.Count(int(r.Items), "event", "events")
		if r.Kind == store.ReaderEventHub {
			unit = plural.Count(int(r.Items), "message", "messages")
		}
		fmt.Fprintf(&b, "  %s: %s in all, last read %s", readerName(r), unit, report.Ago(r.Tried, now))
		if r.Waiting > 0 {
			fmt.Fprintf(&b, ", %d still waiting in the hubs", r.Waiting)
		}
		switch {
		case !r.Failing.IsZero():
			fmt.Fprintf(&b, "; failing since %s, last read whole %s: %s", report.Ago(r.Failing, now), report.Ago(r.Whole, now), report.Terminal(r.Said))
		case r.Said != "":
			fmt.Fprintf(&b, ": %s", report.Terminal(r.Said))
		}
		b.WriteByte('\n')
	}
	if len(failing) > 0 {
		fmt.Fprintf(&b, "\nFAILING: serve's readers whose reads have failed for longer than %s (--failing): their logs read nothing new meanwhile\n", report.Age(span))
		for _, r := range failing {
			fmt.Fprintf(&b, "  %s: failing since %s: %s\n", readerName(r), report.Ago(r.Failing, now), report.Terminal(r.Said))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tenantReaders are the readers of one customer's check: --fetch's of its
// tenants. Event hubs are the service's (a namespace names no tenant),
// left to the store-wide status.
func tenantReaders(rs []store.Reader, tenants []string) []store.Reader {
	return slices.DeleteFunc(slices.Clone(rs), func(r store.Reader) bool {
		return r.Kind != store.ReaderFetch || !slices.Contains(tenants, r.Source)
	})
}

// readersJSON are the readers as `mamori status --format json` gives them,
// failing those that failed for longer than span before now.
func readersJSON(rs []store.Reader, now time.Time, span time.Duration) []report.StoreReader {
	var out []report.StoreReader
	for _, r := range rs {
		out = append(out, report.StoreReader{Kind: r.Kind, Source: r.Source, LastRead: r.Tried, LastWhole: r.Whole, FailingSince: r.Failing,
			Said: r.Said, Read: r.Items, Waiting: r.Waiting, Failing: failingPast(r, now, span)})
	}
	return out
}

// failingText says a reader has failed since when and why, as serve's
// standard error and its dashboard say it.
func failingText(r store.Reader, now time.Time) string {
	return fmt.Sprintf("%s: its reads have failed since %s: %s", readerName(r), report.Ago(r.Failing, now), report.Terminal(r.Said))
}
