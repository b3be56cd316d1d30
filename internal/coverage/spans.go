package coverage

import (
	"fmt"
	"slices"
	"strings"
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
	// Events counts each event once, however many exports held its
	// record; Repeats are the readings of records read before (the same
	// days in two exports), left out of Events.
	Events  int64
	Repeats Repeats
	Span
}

// Repeats are the events of one kind of log read again: records a hunt
// had read before, from another export or another copy of the same one,
// known by their id or what all their exports write alike
// (event.RecordKey). Records with neither (a flow log's tuples) cannot be
// told apart, and are counted as read.
type Repeats struct {
	Events int64
	// Estimated: counted from a sample of the records' keys, a hunt's
	// memory being bounded (more records than it tracks), within a few
	// percent; exact otherwise.
	Estimated bool
}

// KeySample is the keys of one kind's records a hunt's bounded sample
// kept (the hunt's repeats), for a store to add to the sample of earlier
// hunts: each key with its readings and the trailing zero bits of its
// unit, all those whose unit ends in at least Level zero bits.
type KeySample struct {
	Level int
	Keys  []KeyCount
}

// Repeats are the events of the sample's kind read again: each key's
// readings after its first, times the 2^Level keys each kept key stands
// for (estimated when Level is above 0).
func (s KeySample) Repeats() Repeats {
	var again int64
	for _, c := range s.Keys {
		again += int64(c.Readings) - 1
	}
	return Repeats{Events: again << s.Level, Estimated: s.Level > 0}
}

// KeyCount is a key of a KeySample.
type KeyCount struct {
	Key      uint64
	Readings uint32
	Unit     uint8
}

// Reads lists, in kind order, the kinds of log of which events holds at
// least one event, each with its span and repeats (left out of its
// count).
func Reads(events [event.KindCount]int64, spans [event.KindCount]Span, repeats [event.KindCount]Repeats) []Read {
	var out []Read
	for k, n := range events {
		if n == 0 || event.Kind(k) == event.KindUnknown {
			continue
		}
		r := repeats[k]
		r.Events = min(max(r.Events, 0), n-1) // an estimate leaves one at least
		out = append(out, Read{Kind: event.Kind(k), Source: Source(event.Kind(k)), Events: n - r.Events, Repeats: r, Span: spans[k]})
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

// Findings reports whether a kind of log records what a product found
// (Defender's alerts, ID Protection's risk detections), not the tenant's
// activity: such a log is written only when something is found, so its
// first and last events say nothing of where its export begins and ends,
// however many came at once.
func Findings(k event.Kind) bool { return k == event.KindAlert || k == event.KindRisk }

// Outside is an incident that reaches past a log its rules read: it began
// before the log's first event read (Before), or went on after its last.
// What that log holds of the attack beyond that edge was not read, so an
// alert missing there is not evidence that nothing happened.
type Outside struct {
	Incident string // the incident's id
	Log      Read
	Before   bool
	At       time.Time // the incident's first alert (Before), else its last event
	// Tenant is set when Log is the incident's tenant's part of the log,
	// in data of several tenants (Tenancy). Missing says the input held
	// none of it, though other tenants' were read: nothing of the attack
	// in that log was read.
	Tenant  string
	Missing bool
}

// Tenancy is, in data of several tenants, what each read of the logs
// every record of which was placed in a tenant, by its tenant id, its
// subscription's owner or its folder's (the Activity Log, sign-ins,
// audit, Defender's alerts, flows, DNS lookups, hosts' processes; not a
// log some record of which nothing placed, as a host's audit log in a
// folder of several tenants' logs): an incident is measured against its
// own tenant's part of those, since another tenant's export says nothing
// of its own.
type Tenancy struct {
	Kinds []event.Kind      // the logs every record read of which was placed in a tenant
	Reads map[string][]Read // per tenant, its part of those logs
}

// NewTenancy is the Tenancy of logs read (events per kind), unplaced of
// whose events were placed in no tenant, and each tenant's part of them:
// a log is judged per tenant only while none of it went unplaced (a Graph
// page of directory audits, a host's audit log), since nothing then says
// which tenant lacks what went unplaced.
func NewTenancy(read, unplaced [event.KindCount]int64, reads map[string][]Read) *Tenancy {
	t := &Tenancy{Reads: reads}
	for k, n := range read {
		if n > 0 && unplaced[k] == 0 {
			t.Kinds = append(t.Kinds, event.Kind(k))
		}
	}
	return t
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
//
// In data of several tenants (ten holds more than one), an incident's
// tenant's own part of a log in ten.Kinds stands for the log, measured
// against the span of that tenant's logs, and a log of which the input
// held other tenants' records and none of its tenant's is named Missing.
func Uncovered(set *rules.Set, incs []incident.Incident, reads []Read, ten *Tenancy) []Outside {
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
		own, ownAll, several := ten.of(in.Tenant)
		for _, r := range reads {
			if !slices.Contains(used, r.Kind) {
				continue
			}
			whole, tenant := all, ""
			if several && slices.Contains(ten.Kinds, r.Kind) {
				i := slices.IndexFunc(own, func(o Read) bool { return o.Kind == r.Kind })
				if i < 0 {
					out = append(out, Outside{Incident: in.ID, Log: r, At: in.Time, Tenant: in.Tenant, Missing: true})
					continue
				}
				r, whole, tenant = own[i], ownAll, in.Tenant
			}
			if r.First.IsZero() || r.Sparse() || Findings(r.Kind) {
				continue
			}
			if r.First.Sub(whole.First) >= edge && first.Before(r.First.Truncate(time.Minute)) {
				out = append(out, Outside{Incident: in.ID, Log: r, Before: true, At: in.Time, Tenant: tenant})
			}
			if whole.Last.Sub(r.Last) >= edge && last.After(r.Last.Truncate(time.Minute)) {
				out = append(out, Outside{Incident: in.ID, Log: r, At: in.LastTime, Tenant: tenant})
			}
		}
	}
	return out
}

// of returns a tenant's reads and their whole span, and whether the data
// holds several tenants and this one among them (else its own reads stand
// for nothing: the whole logs are its).
func (t *Tenancy) of(tenant string) (own []Read, all Span, several bool) {
	if t == nil || len(t.Reads) < 2 || tenant == "" {
		return nil, Span{}, false
	}
	own = t.Reads[tenant]
	for _, r := range own {
		all.Merge(r.Span)
	}
	return own, all, true
}

// edge is how far inside the other logs' span a log must begin or end
// for Uncovered to take it for its export's edge.
const edge = 24 * time.Hour

// what each kind of log records, for "its sign-ins before then were not
// read".
var what = [event.KindCount]string{
	event.KindActivity:   "Activity Log operations",
	event.KindSignIn:     "sign-ins",
	event.KindAudit:      "directory changes",
	event.KindFlow:       "network flows",
	event.KindDNS:        "DNS lookups",
	event.KindProcess:    "process starts",
	event.KindAlert:      "security alerts",
	event.KindDatabricks: "Databricks cluster requests",
	event.KindRisk:       "risk detections",
}

// whatOf is what a kind of log records, "events" for one not named.
func whatOf(k event.Kind) string {
	if int(k) < len(what) && what[k] != "" {
		return what[k]
	}
	return "events"
}

// TimeLayout is how spans and their edges are shown, in UTC: to the
// minute, enough to place a log's retention against an attack.
const TimeLayout = "2006-01-02 15:04"

// String says it plainly, in one sentence, with times in UTC.
func (o Outside) String() string {
	w := whatOf(o.Log.Kind)
	src := o.Log.Source
	if o.Tenant != "" {
		src += " of tenant " + o.Tenant
	}
	if o.Missing {
		return fmt.Sprintf("%s: none in the input (other tenants' were read): its %s during this incident were not read.", src, w)
	}
	return o.edgeSentence(src, w)
}

func (o Outside) edgeSentence(src, w string) string {
	if o.Before {
		return fmt.Sprintf("%s begin %s, after this incident began (%s): its %s before then were not read.",
			src, o.Edge().UTC().Format(TimeLayout), o.At.UTC().Format(TimeLayout), w)
	}
	return fmt.Sprintf("%s end %s, before this incident's last event (%s): its %s after then were not read.",
		src, o.Edge().UTC().Format(TimeLayout), o.At.UTC().Format(TimeLayout), w)
}

// Lines says each Outside as a line for people, its incident first. The
// incidents of one tenant whose part of a log is missing (a tenant that
// did not export its sign-ins: every incident of it that reads them) are
// one line, in the place of the first, naming the first few.
func Lines(outside []Outside) []string {
	type gap struct {
		tenant string
		kind   event.Kind
	}
	var out []string
	at, groups := map[gap]int{}, map[gap][]Outside{}
	for _, o := range outside {
		if !o.Missing {
			out = append(out, o.Incident+": "+o.String())
			continue
		}
		g := gap{o.Tenant, o.Log.Kind}
		if _, ok := at[g]; !ok {
			at[g] = len(out)
			out = append(out, "")
		}
		groups[g] = append(groups[g], o)
	}
	for g, i := range at {
		out[i] = missingLine(groups[g])
	}
	return out
}

// missingLine says that one tenant's part of one log is missing, for the
// incidents that read it.
func missingLine(group []Outside) string {
	o := group[0]
	if len(group) == 1 {
		return o.Incident + ": " + o.String()
	}
	const named = 3
	ids := make([]string, 0, named)
	for _, m := range group[:min(named, len(group))] {
		ids = append(ids, m.Incident)
	}
	who := strings.Join(ids, ", ")
	if len(group) > named {
		who += fmt.Sprintf(" and %d more", len(group)-named)
	}
	return fmt.Sprintf("%s: %s of tenant %s: none in the input (other tenants' were read): their %s during these %d incidents were not read.",
		who, o.Log.Source, o.Tenant, whatOf(o.Log.Kind), len(group))
}
