package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// Engine evaluates rules. Eval is called from many goroutines, each with
// its own worker index; Alerts merges what they found.
type Engine struct {
	rules  []Rule
	byKind map[event.Kind][]int
	work   []workerState
}

// hit is one event that matched a rule, reduced to what the alert needs:
// the event itself is not kept (its memory is reused).
type hit struct {
	rule    int
	group   string
	key     string // dedup key of the record
	summary string
	ev      event.Event // copy without Raw
}

type workerState struct {
	hits []hit
	_    [64]byte // keep workers' slices on separate cache lines
}

// New indexes rules by the kinds of event they read, so an event meets
// only the rules that can match it.
func New(rules []Rule, workers int) *Engine {
	e := &Engine{rules: rules, byKind: map[event.Kind][]int{}, work: make([]workerState, max(workers, 1))}
	for i, r := range rules {
		for _, k := range r.Kinds {
			e.byKind[k] = append(e.byKind[k], i)
		}
	}
	return e
}

// Eval runs the rules for ev's kind.
func (e *Engine) Eval(worker int, ev *event.Event) {
	for _, i := range e.byKind[ev.Kind] {
		r := &e.rules[i]
		sum, ok := r.Match(ev)
		if !ok {
			continue
		}
		h := hit{rule: i, summary: sum, key: DedupKey(ev)}
		if r.Group != nil {
			h.group = r.Group(ev)
		}
		h.ev = *ev
		h.ev.Raw = nil
		e.work[worker].hits = append(e.work[worker].hits, h)
	}
}

// DedupKey identifies a record across deliveries: the id Azure gives it
// (eventDataId, sign-in id, audit id), else a hash of the record's
// canonical JSON (re-serialised, so white space does not matter), plus the
// tuple index for flow records.
func DedupKey(ev *event.Event) string {
	idx := ""
	if ev.Loc.Index > 0 {
		idx = "#" + strconv.Itoa(ev.Loc.Index)
	}
	if ev.ID != "" {
		return ev.Kind.String() + ":" + ev.ID + idx
	}
	if ev.Raw == nil {
		return ev.Loc.File + ":" + strconv.Itoa(ev.Loc.Line) + ":" + strconv.Itoa(ev.Loc.Record) + idx
	}
	sum := sha256.Sum256(ev.Raw.MarshalTo(nil))
	return "sha256:" + hex.EncodeToString(sum[:16]) + idx
}

// Stats says how many hits were merged away as duplicates.
type Stats struct {
	Hits       int
	Duplicates int
}

// Alerts merges the workers' hits: duplicates of a record count once, hits
// of a rule with the same group key become one alert. Alerts come sorted
// by time, then rule, then id, so the output does not depend on which
// worker read what.
func (e *Engine) Alerts() ([]alert.Alert, Stats) {
	var all []hit
	for i := range e.work {
		all = append(all, e.work[i].hits...)
	}
	// Order hits deterministically before merging, so evidence lists and
	// first/last times come out the same on every run.
	slices.SortFunc(all, func(a, b hit) int {
		return cmp.Or(a.ev.Time.Compare(b.ev.Time), cmp.Compare(a.rule, b.rule), cmp.Compare(a.key, b.key))
	})
	var st Stats
	seen := map[string]bool{}
	byGroup := map[string]*alert.Alert{}
	var out []*alert.Alert
	for _, h := range all {
		st.Hits++
		dk := strconv.Itoa(h.rule) + "|" + h.key
		if seen[dk] {
			st.Duplicates++
			continue
		}
		seen[dk] = true
		gk := strconv.Itoa(h.rule) + "|" + h.group
		if h.group == "" {
			gk = dk
		}
		a := byGroup[gk]
		if a == nil {
			a = newAlert(&e.rules[h.rule], &h, gk)
			byGroup[gk] = a
			out = append(out, a)
			continue
		}
		extend(a, &h)
	}
	res := make([]alert.Alert, len(out))
	for i, a := range out {
		res[i] = *a
	}
	slices.SortFunc(res, func(a, b alert.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.ID, b.ID))
	})
	return res, st
}

func newAlert(r *Rule, h *hit, groupKey string) *alert.Alert {
	sum := sha256.Sum256([]byte(r.Name + "\x00" + groupKey))
	a := &alert.Alert{
		ID:           hex.EncodeToString(sum[:10]),
		Rule:         r.Name,
		RuleVersion:  r.Version,
		Title:        r.Title,
		Severity:     r.Severity,
		Time:         h.ev.Time,
		Tenant:       h.ev.Tenant,
		Subscription: h.ev.Subscription,
		Principal:    principal(&h.ev),
		Summary:      h.summary,
		Tags:         r.Tags,
	}
	extend(a, h)
	return a
}

// maxEvidence bounds the evidence kept per alert; the count of hits is in
// the summary of larger ones.
const maxEvidence = 50

func extend(a *alert.Alert, h *hit) {
	ev := &h.ev
	if ev.Time.After(a.Time) {
		a.LastTime = ev.Time
	}
	a.IPs = addUnique(a.IPs, ips(ev)...)
	if ev.ResourceID != "" {
		a.Resources = addUnique(a.Resources, ev.ResourceID)
	}
	if len(a.Evidence) < maxEvidence {
		a.Evidence = append(a.Evidence, alert.Evidence{
			File: ev.Loc.File, Line: ev.Loc.Line, Offset: ev.Loc.Offset, Index: ev.Loc.Index,
			EventID: ev.ID, Time: ev.Time, Shape: ev.Shape, Operation: ev.Operation,
		})
	}
}

func ips(ev *event.Event) []string {
	var out []string
	if ev.SourceIP.IsValid() {
		out = append(out, ev.SourceIP.String())
	}
	if f := ev.Flow; f != nil {
		if f.Src.IsValid() {
			out = append(out, f.Src.String())
		}
		if f.Dst.IsValid() {
			out = append(out, f.Dst.String())
		}
	}
	if d := ev.DNS; d != nil && d.Client.IsValid() {
		out = append(out, d.Client.String())
	}
	return out
}

func principal(ev *event.Event) string {
	p := ev.Principal
	return cmp.Or(p.UPN, p.ID, p.AppID, p.Name)
}

func addUnique(list []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(list, v) && len(list) < 100 {
			list = append(list, v)
		}
	}
	return list
}
