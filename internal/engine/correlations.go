package engine

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/redact"
	"github.com/mamori-sec/mamori/internal/rules"
)

// Correlations configure the second stage: Sigma correlation rules over
// the hits, in event time per tenant.
type Correlations struct {
	Set     *correlate.Set
	Options correlate.Options
	Rules   *rules.Set // metadata (level, stage, response) of correlation rules
	// Carry, when set, is told where each match a windowed correlation
	// reads was found (correlate.Set.Carry), in event time order: a
	// service hunting in cycles reads those records again next cycle.
	Carry func(tenant string, t time.Time, loc event.Location)
}

// noteTime remembers the earliest event time per tenant, so first_seen
// learns from the start of the data, not from a tenant's first match.
func (ws *workerState) noteTime(ev *event.Event) {
	if ev.Time.IsZero() {
		return
	}
	// Most records of a chunk are one tenant's and not its earliest: the
	// last tenant's earliest time answers without a map look-up.
	if ev.Tenant == ws.lastTenant && !ev.Time.Before(ws.lastStart) && ws.start != nil {
		return
	}
	t, ok := ws.start[ev.Tenant]
	if !ok || ev.Time.Before(t) {
		if ws.start == nil {
			ws.start = map[string]time.Time{}
		}
		ws.start[ev.Tenant] = ev.Time
		t = ev.Time
	}
	ws.lastTenant, ws.lastStart = ev.Tenant, t
}

// TenantStart merges the workers' earliest event time per tenant.
func (e *Engine) TenantStart() map[string]time.Time {
	out := map[string]time.Time{}
	for i := range e.work {
		for k, t := range e.work[i].start {
			if o, ok := out[k]; !ok || t.Before(o) {
				out[k] = t
			}
		}
	}
	return out
}

// corrFeed streams the hits of correlations' base rules through a
// correlate.Stream in event time. The hits arrive sorted by time, rule
// index and key; matches of one instant are held and given to the stream
// in correlate.Process's order (tenant, rule name, id, position), so the
// fires are those of a whole-hunt Process call. A hunt runs one feed per
// part of the correlations (correlate.Set.Split), each on a goroutine of
// its own.
type corrFeed struct {
	e     *Engine
	st    *correlate.Stream
	uses  []bool // per rule: a correlation of this part reads its hits
	same  []correlate.Match
	fires []correlate.Fire
}

// corrFeeds are a hunt's feeds, one per part of its correlations, and
// what is decided for every part: which rules any correlation reads and
// whose hits Correlations.Carry is told of.
type corrFeeds struct {
	c     *Correlations
	parts []*corrFeed
	uses  []bool // per rule: some part reads its hits
	// unread, per rule: a silent rule no part reads (its correlations
	// cannot fire): its hits are not read back at all.
	unread []bool
	carry  []bool // per rule: Correlations.Carry is told of its hits
}

// named reports whether is holds for the rule by its name or its id, as
// correlations name the rules they read.
func (r *rule) named(is func(string) bool) bool {
	return is(r.Name) || r.Sigma.ID != "" && is(r.Sigma.ID)
}

func (e *Engine) newCorrFeeds(c *Correlations, ruleHits []int) *corrFeeds {
	// The data begins at the earlier of what was read and what the
	// caller knows of earlier data (a store's first event of the tenant).
	opt := c.Options
	starts := e.TenantStart()
	for k, t := range opt.TenantStart {
		if o, ok := starts[k]; !ok || t.Before(o) {
			starts[k] = t
		}
	}
	opt.TenantStart = starts
	hits := map[string]int{}
	for i, r := range e.rules {
		hits[r.Name] += ruleHits[i]
		if r.Sigma.ID != "" && r.Sigma.ID != r.Name {
			hits[r.Sigma.ID] += ruleHits[i]
		}
	}
	// Correlations that cannot fire on these hits (a risky sign-in then
	// compute, over Activity Logs alone) are not run, and the hits only
	// they read are not read back (corrFeeds.unread). Not when a service
	// carries matches to its next cycle: that may bring the other half.
	live := c.Set
	if c.Carry == nil {
		live = c.Set.Live(func(rule string) int { return hits[rule] })
	}
	fs := &corrFeeds{c: c, uses: make([]bool, len(e.rules)), carry: make([]bool, len(e.rules)), unread: make([]bool, len(e.rules))}
	for i, r := range e.rules {
		fs.uses[i] = r.named(live.Uses)
		fs.carry[i] = c.Carry != nil && r.named(c.Set.Carry)
		fs.unread[i] = !fs.uses[i] && c.Set.Silent(r.Name)
	}
	// One part per core: the parts' streams are the largest serial work
	// left at the end of a hunt. The hits each rule made weigh the parts.
	for _, set := range live.Split(runtime.GOMAXPROCS(0), func(rule string) int { return hits[rule] }) {
		f := &corrFeed{e: e, st: set.Stream(opt), uses: make([]bool, len(e.rules))}
		for i, r := range e.rules {
			f.uses[i] = r.named(set.Uses)
		}
		fs.parts = append(fs.parts, f)
	}
	return fs
}

// feeders run the feeds, each on a goroutine of its own.
type feeders struct {
	fs   *corrFeeds
	each []*feeder
}

func (fs *corrFeeds) start() *feeders {
	fd := &feeders{fs: fs}
	for _, f := range fs.parts {
		fd.each = append(fd.each, startFeeder(f))
	}
	return fd
}

// add hands a hit to the feeds that read it, in the order of the hits;
// Correlations.Carry is told of it here, in that order too.
func (fd *feeders) add(ref int, h *keptHit) {
	fs := fd.fs
	if !fs.uses[h.rule] {
		return
	}
	if fs.carry[h.rule] {
		fs.c.Carry(h.tenant, h.time, h.loc)
	}
	for i, f := range fs.parts {
		if f.uses[h.rule] {
			fd.each[i].add(ref, h)
		}
	}
}

// wait returns when every feed has read all it was given.
func (fd *feeders) wait() {
	for _, f := range fd.each {
		f.wait()
	}
}

// feeder runs a corrFeed on its own goroutine. Hits are handed over in
// batches, in the order they were read, and never changed after.
type feeder struct {
	batch []fedHit
	ch    chan []fedHit
	done  chan struct{}
}

type fedHit struct {
	ref int
	h   *keptHit
}

// feedBatch is how many hits go over at a time: enough that handing over
// costs little, few enough that the hits in flight stay a small, fixed
// part of memory.
const feedBatch = 128

func startFeeder(f *corrFeed) *feeder {
	fd := &feeder{ch: make(chan []fedHit, 2), done: make(chan struct{})}
	go func() {
		defer close(fd.done)
		for b := range fd.ch {
			for _, x := range b {
				f.add(x.ref, x.h)
			}
		}
	}()
	return fd
}

// add queues one hit for the feed.
func (fd *feeder) add(ref int, h *keptHit) {
	if fd.batch == nil {
		fd.batch = make([]fedHit, 0, feedBatch)
	}
	fd.batch = append(fd.batch, fedHit{ref, h})
	if len(fd.batch) == feedBatch {
		fd.ch <- fd.batch
		fd.batch = nil
	}
}

// wait hands over what is queued and returns when the feed has read it
// all; the corrFeed is then the caller's again.
func (fd *feeder) wait() {
	if len(fd.batch) > 0 {
		fd.ch <- fd.batch
	}
	close(fd.ch)
	<-fd.done
}

// add feeds one hit; ref is its position among the kept hits.
func (f *corrFeed) add(ref int, h *keptHit) {
	if !f.uses[h.rule] {
		return
	}
	if len(f.same) > 0 && !f.same[0].Time.Equal(h.time) {
		f.drain()
	}
	r := f.e.rules[h.rule]
	f.same = append(f.same, correlate.Match{Rule: r.Name, RuleID: r.Sigma.ID, Time: h.time, Tenant: h.tenant, Fields: h.fields,
		Names: h.names, Values: h.vals, Ref: ref})
}

// drain gives the stream the matches of one instant.
func (f *corrFeed) drain() {
	slices.SortFunc(f.same, func(a, b correlate.Match) int {
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Ref, b.Ref))
	})
	for _, m := range f.same {
		f.fires = append(f.fires, f.st.Add(m)...)
	}
	clear(f.same)
	f.same = f.same[:0]
}

// alerts ends the streams and turns their fires into alerts. The member
// hits a fire lists were read long before it closed: they are read again
// where locs says they lie, or, for hits in memory, by a second pass over
// them (dropped as scan returned it).
func (fs *corrFeeds) alerts(e *Engine, seq *hitSeq, whose tenantFor, dropped []int, locs *hitLocs) ([]alert.Alert, error) {
	var fires []correlate.Fire
	for _, f := range fs.parts {
		f.drain()
		fires = append(fires, f.fires...)
		fires = append(fires, f.st.Flush()...)
	}
	// The parts' fires are in each part's order of making; the sort is
	// stable, and fires that tie in all it compares are one part's.
	correlate.SortFires(fires)
	want := map[int]*keptHit{}
	for _, fr := range fires {
		for _, ref := range fr.Members {
			want[ref] = nil
		}
	}
	switch {
	case len(want) == 0:
	case locs != nil:
		if err := e.pickAt(seq, locs, whose, want); err != nil {
			return nil, err
		}
	default:
		if err := e.pick(seq, whose, fs.unread, dropped, want); err != nil {
			return nil, err
		}
	}
	out := make([]alert.Alert, 0, len(fires))
	for _, fr := range fires {
		out = append(out, fireAlert(fr, want, fs.c.Rules))
	}
	return out, nil
}

// fireAlert builds the alert of one correlation fire, with the member
// hits as its evidence.
func fireAlert(f correlate.Fire, hits map[int]*keptHit, set *rules.Set) alert.Alert {
	a := alert.Alert{
		Rule: f.Rule, Title: f.Title, Tags: f.Tags, Time: f.Time, Tenant: f.Tenant,
		Severity: alert.Medium, RuleVersion: 1,
	}
	// A correlation with an id and no name (SigmaHQ's, the
	// specification's examples) is named by its id, as a detection rule
	// is: its alerts had no rule, and the level and stage of the first
	// rule without an id.
	if r := set.ByName(cmp.Or(f.Rule, f.RuleID)); r != nil {
		a.Rule, a.Severity, a.RuleVersion, a.Stage = r.Name, r.Severity, r.Version, r.Stage
	} else if s, ok := alert.ParseSeverity(f.Level); ok {
		a.Severity = s
	}
	var first *keptHit
	for _, ref := range f.Members {
		h := hits[ref]
		if h == nil {
			continue
		}
		if first == nil {
			first = h
			a.Subscription, a.Principal = h.sub, principal(h.principal)
		}
		extend(&a, h)
	}
	// With no group-by the whole tenant is one group: its members are
	// anyone's, and the first is no more the actor than the others.
	if a.WholeTenant = len(f.GroupKey) == 0; a.WholeTenant {
		a.Principal = ""
	}
	a.Count = max(f.Count, a.Count)
	if f.LastTime.After(a.Time) {
		a.LastTime = f.LastTime
	}
	a.Summary = fireSummary(f, first)
	keys := make([]string, 0, len(f.GroupKey))
	for k, v := range f.GroupKey {
		keys = append(keys, k+"="+v)
	}
	slices.Sort(keys)
	a.ID = alertID(a.Rule, f.Tenant+"|"+strings.Join(keys, "|")+"|"+f.Time.UTC().Format(time.RFC3339Nano))
	return a
}

// of names the fields a value_count correlation counts, for its summary:
// " of region"; with several, the value is the least of their counts:
// " each of region and size"; "" for none.
func of(fields []string) string {
	switch len(fields) {
	case 0:
		return ""
	case 1:
		return " of " + fields[0]
	}
	return " each of " + strings.Join(fields, " and ")
}

// fireSummary says what a correlation saw, in the words of its type.
func fireSummary(f correlate.Fire, first *keptHit) string {
	who := ""
	if first != nil && len(f.GroupKey) > 0 { // the whole tenant's has no one actor
		who = cmp.Or(principal(first.principal), "an unknown principal") + ": "
	}
	var keys []string
	for k, v := range f.GroupKey {
		if k != "tenant" && v != "" {
			// A rule may group by any field, a command line too: its
			// secrets are hidden as Summary hides them.
			keys = append(keys, redact.Secrets(v))
		}
	}
	slices.Sort(keys)
	span := ""
	if !f.LastTime.IsZero() && f.LastTime.After(f.Time) {
		span = " within " + f.LastTime.Sub(f.Time).Round(time.Second).String()
	}
	switch f.Type {
	case "first_seen":
		// The titles of first_seen rules already say what is new ("First
		// compute deployment by a principal", "Compute created in a region
		// the tenant does not use"): the summary adds what and since when.
		return fmt.Sprintf("%s%s: %s, not seen in the baseline window before", who, f.Title, cmp.Or(strings.Join(keys, ", "), "?"))
	case "value_count":
		least := ""
		if len(f.Fields) > 1 {
			least = "at least "
		}
		return fmt.Sprintf("%s%s: %s%s%s over %s%s", who, f.Title, least, plural.Count(f.Value, "distinct value", "distinct values"), of(f.Fields), plural.Count(f.Count, "event", "events"), span)
	case "value_sum", "value_avg", "value_percentile":
		// One field each (the rule compiler refuses more).
		field := "the value"
		if len(f.Fields) == 1 {
			field = f.Fields[0]
		}
		verb := map[string]string{"value_sum": "adds up to", "value_avg": "averages", "value_percentile": "at the rule's percentile is"}[f.Type]
		return fmt.Sprintf("%s%s: %s %s %g over %s%s", who, f.Title, field, verb, f.Value, plural.Count(f.Count, "event", "events"), span)
	case "temporal", "temporal_ordered":
		return fmt.Sprintf("%s%s: %s%s", who, f.Title, plural.Count(f.Count, "related event", "related events"), span)
	}
	return fmt.Sprintf("%s%s: %s%s", who, f.Title, plural.Count(f.Count, "event", "events"), span)
}
