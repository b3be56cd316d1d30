package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/plural"
)

// WriteLogsRead prints, after the incidents, each kind of log read with
// its count (each record once, however many exports held it, and how many
// were read again) and the first and last time of its events, then the
// incidents that reach past a log their rules read. Exports keep each log
// for its own retention: a responder must see where each one begins
// before trusting that no alert means nothing happened. It prints nothing
// when nothing was read.
func WriteLogsRead(w io.Writer, reads []coverage.Read, outside []coverage.Outside) error {
	return writeLogs(w, "LOGS READ (UTC): each export holds only its log's retention, so nothing before a log's first event was read", "event", "events", reads, outside, nil)
}

// WriteStoreLogsRead is WriteLogsRead for what a serve's store has read
// over every cycle, where each log is counted in records (a flow log
// record holds many flows) and says when new records of it last arrived
// (arrived, in the order of reads; zero for never) as seen at now.
func WriteStoreLogsRead(w io.Writer, reads []coverage.Read, arrived []time.Time, now time.Time, outside []coverage.Outside) error {
	return writeLogs(w, "LOGS IN THE STORE (UTC): what serve has read of each log, over every cycle, and when it last arrived", "record", "records", reads, outside,
		func(i int) string { return "  arrived " + Ago(arrived[i], now) })
}

// WriteTenantLogsRead is WriteStoreLogsRead for some tenants of a store
// that serves many (mamori alerts --tenant): their own part of each log,
// in events (a flow log's record holds many; the store counts a tenant's
// events, not its records). The tenants' ids came from records, and are
// escaped.
func WriteTenantLogsRead(w io.Writer, tenants []string, reads []coverage.Read, arrived []time.Time, now time.Time, outside []coverage.Outside) error {
	whose := "TENANT " + Terminal(strings.Join(tenants, ", "))
	if len(tenants) > 1 {
		whose = "TENANTS " + Terminal(strings.Join(tenants, ", "))
	}
	return writeLogs(w, "LOGS OF "+whose+" IN THE STORE (UTC): the events serve has read of its own part of each log, over every cycle, and when it last arrived", "event", "events", reads, outside,
		func(i int) string { return "  arrived " + Ago(arrived[i], now) })
}

// writeLogs writes the table of reads under header, each row followed
// by row(i) when row is not nil.
func writeLogs(w io.Writer, header, one, many string, reads []coverage.Read, outside []coverage.Outside, row func(int) string) error {
	if len(reads) == 0 {
		return nil
	}
	width, digits := 0, 0
	for _, r := range reads {
		width = max(width, len(r.Source))
		digits = max(digits, len(plural.Count(r.Events, one, many)))
	}
	var b strings.Builder
	b.WriteString("\n" + header + "\n")
	for i, r := range reads {
		fmt.Fprintf(&b, "  %-*s  %*s", width, r.Source, digits, plural.Count(r.Events, one, many))
		if r.First.IsZero() {
			b.WriteString("  (no times)")
		} else {
			fmt.Fprintf(&b, "  %s → %s", r.First.UTC().Format(coverage.TimeLayout), r.Last.UTC().Format(coverage.TimeLayout))
		}
		if row != nil {
			b.WriteString(row(i))
		}
		if !r.First.IsZero() && r.Sparse() {
			b.WriteString("  (under one an hour: its export may reach further)")
		}
		if r.Repeats.Events > 0 {
			b.WriteString("  (" + RepeatsInLine(r.Repeats) + ")")
		}
		b.WriteByte('\n')
	}
	for _, l := range coverage.Lines(outside) {
		// The incidents' ids are hashes and the sentence is built from
		// mamori's names, times and the records' tenant ids; escaped, as
		// every line a terminal is given.
		fmt.Fprintf(&b, "  ! %s\n", Terminal(l))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RepeatsInLine says how many events of a log were read again, left out
// of its count: "and 874 read again (the same records in another export
// or copy), counted once".
func RepeatsInLine(r coverage.Repeats) string {
	n := plural.Count(r.Events, "event", "events")
	if r.Estimated {
		n = "about " + n
	}
	return "and " + n + " read again, the same records in another export or copy: counted once"
}

// OutsideInLine names the incidents that reach past a log on one line,
// for standard error, escaped as every line a terminal is given.
func OutsideInLine(outside []coverage.Outside) string {
	parts := coverage.Lines(outside)
	for i, l := range parts {
		parts[i] = Terminal(l)
	}
	return strings.Join(parts, " ")
}

// Ago is when something last happened, with how long before now; "never"
// for the zero time.
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(coverage.TimeLayout) + " (" + Age(now.Sub(t)) + " ago)"
}

// QuietText says that a log stopped arriving, and since when: name is
// the log's, escaped by the caller for where it goes; times are written
// in layout, a latest event never read said so. serve's standard error,
// mamori status and serve's messages say it in these words.
func QuietText(name string, age time.Duration, arrived, last time.Time, layout string) string {
	lastText := "none with a time"
	if !last.IsZero() {
		lastText = last.UTC().Format(layout)
	}
	return fmt.Sprintf("%s: nothing new for %s (last arrival %s, latest event %s): the rules that read it see nothing new",
		name, Age(age), arrived.UTC().Format(layout), lastText)
}

// Age is a duration as people say it: seconds under two minutes, minutes
// under two hours, hours under three days, then days.
func Age(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return plural.Count(int64(d/time.Second), "second", "seconds")
	case d < 2*time.Hour:
		return plural.Count(int64(d/time.Minute), "minute", "minutes")
	case d < 72*time.Hour:
		return plural.Count(int64(d/time.Hour), "hour", "hours")
	}
	return plural.Count(int64(d/(24*time.Hour)), "day", "days")
}
