package serve

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// Each cycle hunts only what is new, so a window of a count or temporal
// correlation open at the cycle's edge would lose what came before it.
// The records such correlations read (few: creates, grants, quota
// changes; never the bulk of a log) are noted by file and offset, and
// read again with the next cycle's records for as long as a window can
// reach back (correlate.Set.Reach). Their own alerts come out with the
// ids they had, so the store does not count them twice.

// lateness is how long after a carried record another may still arrive
// and join its window: past Reach plus this (wall time), a record is no
// longer carried, so a tenant gone quiet stops costing reads. Azure's
// exports lag minutes to hours.
const lateness = 24 * time.Hour

// carrier collects, during a hunt, the records to carry: those that can
// be found again by offset, a JSON object in a plain file (JSON lines,
// arrays written a record a line as Log Analytics exports them, and
// records of indented documents).
type carrier struct {
	mu    sync.Mutex
	plain map[string]bool // paths not compressed
	got   []store.Carried
}

func (c *carrier) add(tenant string, t time.Time, loc event.Location) {
	if loc.Line == 0 || !c.plain[loc.File] {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, store.Carried{Path: loc.File, Offset: loc.Offset, Line: loc.Line, Tenant: tenant, Time: t})
}

// drops says, per tenant, which carried records are now too old for any
// window: older than reach before the tenant's latest one, and before the
// latest event of each of its logs the carried rules read (logs, by
// tenant and kind): a log that lags (sign-ins exported a day after the
// Activity Log) may still bring the other half of a window. A log that
// stopped holds its tenant's records only until they are stale (wall
// time, Cycle.Stale). hold keeps every record: files waiting to settle
// may hold events of any time.
func drops(all []store.Carried, reach time.Duration, logs map[string]map[event.Kind]time.Time, hold bool) map[string]time.Time {
	if hold {
		return nil
	}
	latest := map[string]time.Time{}
	for _, c := range all {
		if c.Time.After(latest[c.Tenant]) {
			latest[c.Tenant] = c.Time
		}
	}
	for k, t := range latest {
		for _, last := range logs[k] {
			if last.Before(t) {
				t = last
			}
		}
		latest[k] = t.Add(-reach)
	}
	return latest
}

// carriedLogs is, per tenant, the latest event of each of its logs that
// the carried rules read (kinds): those the store holds (tenant rows of
// stored) and this cycle's.
func carriedLogs(kinds map[event.Kind]bool, stored []store.TenantLogSeen, cycle []store.TenantLogSeen) map[string]map[event.Kind]time.Time {
	out := map[string]map[event.Kind]time.Time{}
	for _, l := range append(slices.Clone(stored), cycle...) {
		k := event.KindNamed(l.Kind)
		if l.Subscription != "" || !kinds[k] {
			continue
		}
		m := out[l.Tenant]
		if m == nil {
			m = map[event.Kind]time.Time{}
			out[l.Tenant] = m
		}
		if l.Last.After(m[k]) {
			m[k] = l.Last
		}
	}
	return out
}

// carriedInputs finds where each carried record ends and makes it an
// input of its own, numbered as in its file so evidence points there: a
// line of JSON lines or of an array written a record a line, or a record
// a document spreads over many lines (az monitor activity-log list
// indents). Records whose file is gone or changed under them are returned
// as lost.
func carriedInputs(cs []store.Carried, maxRecord int) (ins []source.Input, lost []store.Carried) {
	found, ends, lost := locate(cs, maxRecord)
	for i, c := range found {
		if ends[i].lines {
			ins = append(ins, source.LinesSection(c.Path, c.Offset, ends[i].at, c.Line))
		} else {
			ins = append(ins, source.FileSection(c.Path, c.Offset, ends[i].at, c.Line))
		}
	}
	return ins, lost
}

// findable keeps, once each, the records the commit would not drop that
// can be found again by their offset. What the hunt saw of others (a CSV
// row) is not carried: it would be reported lost at the next cycle, as if
// its file had changed.
func findable(cs []store.Carried, drop map[string]time.Time, maxRecord int) []store.Carried {
	cs = slices.DeleteFunc(slices.Clone(cs), func(c store.Carried) bool { return c.Time.Before(drop[c.Tenant]) })
	slices.SortFunc(cs, func(a, b store.Carried) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Offset, b.Offset))
	})
	cs = slices.CompactFunc(cs, func(a, b store.Carried) bool { return a.Path == b.Path && a.Offset == b.Offset })
	found, _, _ := locate(cs, maxRecord)
	return found
}

// locate finds where each carried record ends (recordEnd); lost are those
// it cannot (their file gone, or no such record at their offset).
func locate(cs []store.Carried, maxRecord int) (found []store.Carried, ends []end, lost []store.Carried) {
	var f *os.File
	var path string
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	for _, c := range cs {
		if c.Path != path {
			if f != nil {
				f.Close()
			}
			path = c.Path
			var err error
			if f, err = os.Open(path); err != nil {
				f = nil
			}
		}
		var e end
		ok := false
		if f != nil {
			e, ok = recordEnd(f, c.Offset, maxRecord)
		}
		if !ok {
			lost = append(lost, c)
			continue
		}
		found, ends = append(found, c), append(ends, e)
	}
	return found, ends, lost
}

// end is where a carried record ends, and whether it is one line (read
// as JSON lines) or spans several (read as a document).
type end struct {
	at    int64
	lines bool
}

// recordEnd finds the end of the JSON object, of at most maxRecord bytes,
// that starts at off and ends its line: a line of JSON lines, an array's
// element (followed by "," or "]"), or a record an indented document
// spreads over several lines. Anything else there means the file changed
// under the record.
func recordEnd(f *os.File, off int64, maxRecord int) (end, bool) {
	var first [1]byte
	if _, err := f.ReadAt(first[:], off); err != nil || first[0] != '{' {
		return end{}, false // the decoder would pass over white space first
	}
	dec := json.NewDecoder(io.NewSectionReader(f, off, int64(maxRecord)))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return end{}, false
	}
	at := off + dec.InputOffset()
	var tail [64]byte
	n, err := f.ReadAt(tail[:], at)
	rest := bytes.TrimLeft(tail[:n], " \t\r,]")
	switch {
	case len(rest) > 0 && rest[0] != '\n':
		return end{}, false
	case len(rest) == 0 && !errors.Is(err, io.EOF): // a run of commas and blanks
		return end{}, false
	}
	return end{at: at, lines: bytes.IndexByte(v, '\n') < 0}, true
}

// reread says, of each file a carried record is read again from, below
// which offset its records were read by earlier cycles (hunt.Config.Reread):
// where this cycle's new reading of it starts, or all of it when the cycle
// reads nothing new of it.
func reread(work []*pending, again []source.Input) map[string]int64 {
	if len(again) == 0 {
		return nil
	}
	out := map[string]int64{}
	for _, in := range again {
		out[in.Name] = math.MaxInt64
	}
	for _, p := range work {
		if _, ok := out[p.in.Name]; ok {
			out[p.in.Name] = p.in.From()
		}
	}
	return out
}

// carriedKinds are the kinds of log the records carried come from: those
// the detection rules that windowed correlations read take.
func carriedKinds(set *rules.Set) map[event.Kind]bool {
	out := map[event.Kind]bool{}
	corr := set.Correlations()
	if corr == nil {
		return out
	}
	for _, r := range set.Detections() {
		if corr.Carry(r.Name) || r.Sigma != nil && r.Sigma.ID != "" && corr.Carry(r.Sigma.ID) {
			for _, k := range r.Kinds {
				out[k] = true
			}
		}
	}
	return out
}

// settling reports whether files wait to settle (read at the next scan if
// they stay as they are).
func (s *Server) settling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.last) > 0
}
