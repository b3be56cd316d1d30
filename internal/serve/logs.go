package serve

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// A service is only as good as the logs that reach it. An export that
// stops (its diagnostic setting deleted, the storage account it wrote to
// rotated, a collector down) leaves no error anywhere: the rules that read
// that log simply never fire again. So the store counts each kind of log
// as it arrives, and a log the rules read that has not arrived for a while
// is said to be quiet.

// cycleLogs is what a cycle read of each kind of log: the records of its
// new inputs (files holds their stats; the records read again for open
// windows are not arrivals), and the span of every event read (those read
// again lie inside the spans the store already holds).
func cycleLogs(hr *hunt.Result, files []*source.FileStats, now time.Time) []store.LogSeen {
	var recs [event.KindCount]int64
	for _, fs := range files {
		for shape, n := range fs.Shapes {
			recs[event.KindOfShape(shape)] += n
		}
	}
	var out []store.LogSeen
	for _, r := range hr.Read {
		l := store.LogSeen{Kind: r.Kind.String(), Records: recs[r.Kind], First: r.First, Last: r.Last}
		if l.Records > 0 {
			l.Arrived = now
		}
		out = append(out, l)
	}
	return out
}

// Quiet is a log the rules read that arrived before and has not since
// Arrived (wall time) for longer than the limit.
type Quiet struct {
	Kind    event.Kind
	Source  string    // the log's name, as NOT SEEN names it
	Arrived time.Time // the last cycle that read new records of it
	Last    time.Time // its latest event read
}

// Health is what a store's logs say of a service's sight.
type Health struct {
	Logs    []store.LogSeen // every kind the store has read, in kind order
	Quiet   []Quiet         // read by the rules, arrived once, not for the limit
	NotSeen []coverage.Gap  // read by the rules, never arrived
}

// CheckLogs judges a store's logs against the rules: which of the logs
// they read never arrived, and which arrived and then stopped for longer
// than quiet before now (none when quiet is 0).
func CheckLogs(logs []store.LogSeen, set *rules.Set, now time.Time, quiet time.Duration) Health {
	h := Health{Logs: slices.SortedFunc(slices.Values(logs), func(a, b store.LogSeen) int {
		return cmp.Or(cmp.Compare(event.KindNamed(a.Kind), event.KindNamed(b.Kind)), strings.Compare(a.Kind, b.Kind))
	})}
	var recs [event.KindCount]int64
	seen := map[string]store.LogSeen{}
	for _, l := range logs {
		seen[l.Kind] = l
		if k := event.KindNamed(l.Kind); k != event.KindUnknown {
			recs[k] = max(l.Records, 1) // read
		}
	}
	h.NotSeen = coverage.Missing(set, recs)
	if quiet <= 0 {
		return h
	}
	// The kinds the rules read are those Missing names when nothing
	// was read.
	for _, g := range coverage.Missing(set, [event.KindCount]int64{}) {
		l, ok := seen[g.Kind.String()]
		if !ok || l.Arrived.IsZero() || now.Sub(l.Arrived) <= quiet {
			continue
		}
		h.Quiet = append(h.Quiet, Quiet{Kind: g.Kind, Source: g.Source, Arrived: l.Arrived, Last: l.Last})
	}
	return h
}

// changes compares the quiet logs with those of the cycle before: the
// logs that went quiet since, and those that arrived again.
func changes(before, now []Quiet) (wentQuiet []Quiet, back []event.Kind) {
	was := func(qs []Quiet, k event.Kind) bool {
		return slices.ContainsFunc(qs, func(q Quiet) bool { return q.Kind == k })
	}
	for _, q := range now {
		if !was(before, q.Kind) {
			wentQuiet = append(wentQuiet, q)
		}
	}
	for _, q := range before {
		if !was(now, q.Kind) {
			back = append(back, q.Kind)
		}
	}
	return wentQuiet, back
}

// Reads are the store's logs as a hunt's LOGS READ gives them (Events
// holding records), in kind order, for coverage.Uncovered: an incident made
// again over the store's alerts that began before a log's first record;
// arrived is when each last arrived, in the same order.
func (h Health) Reads() (reads []coverage.Read, arrived []time.Time) {
	for _, l := range h.Logs {
		k := event.KindNamed(l.Kind)
		if k == event.KindUnknown {
			continue // a kind a newer mamori wrote
		}
		reads = append(reads, coverage.Read{Kind: k, Source: coverage.Source(k), Events: l.Records, Span: coverage.Span{First: l.First, Last: l.Last}})
		arrived = append(arrived, l.Arrived)
	}
	return reads, arrived
}
