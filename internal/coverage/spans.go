package coverage

import (
	"fmt"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/rules"
)

// Span is when the events read of one kind of log fall: the earliest and
// the latest time read, zero when none had a time. Exports keep each log
// for its own retention (sign-ins often 7 or 30 days, the Activity Log
// 90), so an attack older than a log's first event is not in that log.
type Span struct{ First, Last time.Time }

// Add widens the span to t; a zero t (a record without a time) is left
// out.
func (s *Span) Add(t time.Time) {
	if t.IsZero() {
		return
	}
	if s.First.IsZero() || t.Before(s.First) {
		s.First = t
	}
	if t.After(s.Last) {
		s.Last = t
	}
}

// Merge widens s to cover o, as a hunt joins its workers' spans.
func (s *Span) Merge(o Span) {
	s.Add(o.First)
	s.Add(o.Last)
}

// Read is one kind of log a hunt read: how many events, and when.
type Read struct {
	Kind   event.Kind
	Source string // the log's name, as NOT SEEN names it
	Events int64
	Span
}

// Reads lists, in kind order, the kinds of log of which events holds at
// least one event, each with its span.
func Reads(events [event.KindCount]int64, spans [event.KindCount]Span) []Read {
	var out []Read
	for k, n := range events {
		if n == 0 || event.Kind(k) == event.KindUnknown {
			continue
		}
		out = append(out, Read{Kind: event.Kind(k), Source: Source(event.Kind(k)), Events: n, Span: spans[k]})
	}
	return out
}

// Source names a kind of log for people.
func Source(k event.Kind) string {
	if int(k) < len(logs) && logs[k].source != "" {
		return logs[k].source
	}
	return k.String() + " logs" // a kind added to event without a name here
}

// Sparse reports whether the log held fewer than one event an hour over
// its span. Its first and last events then say little about where its
// export begins and ends: an audit log quiet over a weekend looks, by its
// first event, like one cut by retention. Uncovered does not warn on it.
func (r Read) Sparse() bool {
	return r.Events < 2 || time.Duration(r.Events-1)*time.Hour < r.Last.Sub(r.First)
}

// Outside is an incident that reaches past a log its rules read: it began
// before the log's first event read (Before), or went on after its last.
// What that log holds of the attack beyond that edge was not read, so an
// alert missing there is not evidence that nothing happened.
type Outside struct {
	Incident string // the incident's id
	Log      Read
	Before   bool
	At       time.Time // the incident's first alert (Before), else its last event
}

// Edge is the log's time Outside is measured against: its first event
// when the incident began before it, else its last.
func (o Outside) Edge() time.Time {
	if o.Before {
		return o.Log.First
	}
	return o.Log.Last
}

// Uncovered lists, per incident in the order given, the logs read that
// the incident's rules read (with the correlations they feed: ruleKinds)
// and that begin after the incident began or end before it ended, where
// that edge looks like the edge of the log's export rather than a quiet
// spell: a day (the unit retention is set in) or more inside the span of
// all the logs read, on a log that is not Sparse. Without that, the flow and
// process logs of machines the attack created, which begin when they do,
// would be warned about in every incident. Times are compared to the
// minute, the precision they are shown at. Logs not read at all are NOT
// SEEN's (Missing), not repeated here.
func Uncovered(set *rules.Set, incs []incident.Incident, reads []Read) []Outside {
	var all Span
	for _, r := range reads {
		all.Merge(r.Span)
	}
	kinds := ruleKinds(set)
	var out []Outside
	for _, in := range incs {
		var used []event.Kind
		for _, e := range in.Timeline {
			used = append(used, kinds[e.Rule]...)
		}
		first, last := in.Time.Truncate(time.Minute), in.LastTime.Truncate(time.Minute)
		for _, r := range reads {
			if r.First.IsZero() || r.Sparse() || !slices.Contains(used, r.Kind) {
				continue
			}
			if r.First.Sub(all.First) >= edge && first.Before(r.First.Truncate(time.Minute)) {
				out = append(out, Outside{Incident: in.ID, Log: r, Before: true, At: in.Time})
			}
			if all.Last.Sub(r.Last) >= edge && last.After(r.Last.Truncate(time.Minute)) {
				out = append(out, Outside{Incident: in.ID, Log: r, At: in.LastTime})
			}
		}
	}
	return out
}

// edge is how far inside the other logs' span a log must begin or end
// for Uncovered to take it for its export's edge.
const edge = 24 * time.Hour

// what each kind of log records, for "its sign-ins before then were not
// read".
var what = [event.KindCount]string{
	event.KindActivity: "Activity Log operations",
	event.KindSignIn:   "sign-ins",
	event.KindAudit:    "directory changes",
	event.KindFlow:     "network flows",
	event.KindDNS:      "DNS lookups",
	event.KindProcess:  "process starts",
	event.KindAlert:    "security alerts",
}

// TimeLayout is how spans and their edges are shown, in UTC: to the
// minute, enough to place a log's retention against an attack.
const TimeLayout = "2006-01-02 15:04"

// String says it plainly, in one sentence, with times in UTC.
func (o Outside) String() string {
	w := what[o.Log.Kind]
	if w == "" {
		w = "events"
	}
	if o.Before {
		return fmt.Sprintf("%s begin %s, after this incident began (%s): its %s before then were not read.",
			o.Log.Source, o.Edge().UTC().Format(TimeLayout), o.At.UTC().Format(TimeLayout), w)
	}
	return fmt.Sprintf("%s end %s, before this incident's last event (%s): its %s after then were not read.",
		o.Log.Source, o.Edge().UTC().Format(TimeLayout), o.At.UTC().Format(TimeLayout), w)
}
