// Package engine runs the detection catalogue over the stream of events
// and turns matches into alerts: rules are indexed by event kind and
// operation so an event meets only the rules that could match it, records
// seen twice count once, and the matches of one action (the Start and
// Succeeded records of one ARM operation, the thousand tuples of one
// miner's connection) become one alert.
package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// numKinds bounds the per-kind tables.
const numKinds = int(event.KindProcess) + 1

// Engine evaluates rules. Eval is called from many goroutines, each with
// its own worker index; Alerts merges what they found.
type Engine struct {
	rules  []*rule
	byKind [numKinds][]int            // rules with no operation index
	byOp   [numKinds]map[string][]int // rules that can only match these operations
	work   []workerState
	// Refresh, when set, updates an event's enrichment with what was
	// learned after it was read (the tenant's own addresses); hits whose
	// facts changed are evaluated again before they become alerts.
	Refresh func(*event.Event) bool
	// trackStart records each tenant's first event: first_seen learns
	// from there, and a hunt over one tenant attributes records that name
	// none to it.
	trackStart bool
}

// rule is a compiled catalogue rule with what the engine derives from it.
type rule struct {
	*rules.Rule
	merge []sigma.FieldID // merge-by fields
	needs []need          // fields correlations read from this rule's hits
}

type need struct {
	name string
	id   sigma.FieldID
}

// hit is one event that matched a rule, reduced to what alerts and
// correlations need: the event itself is not kept (its memory is reused).
type hit struct {
	rule   int
	group  string              // merge-by key
	key    string              // dedup key of the record
	ev     *event.Event        // shared by the hits of one record
	fields map[string][]string // values correlations asked for
}

type workerState struct {
	fe    *fields.Event
	hits  []hit
	buf   []sigma.Value
	start map[string]time.Time // earliest event per tenant
	// lastTenant and lastStart cache the last look-up in start.
	lastTenant string
	lastStart  time.Time
	raw        []byte   // scratch for canonical records
	_          [64]byte // keep workers' state on separate cache lines
}

// New indexes the compiled detection rules of set. corr, when not nil, are
// the correlation rules that will read the hits: the engine collects the
// fields they need and each tenant's first event time.
func New(set *rules.Set, workers int, corr *correlate.Set) (*Engine, error) {
	e := &Engine{work: make([]workerState, max(workers, 1)), trackStart: true}
	var needs func(string) []string
	if corr != nil {
		needs = corr.Needs
	}
	for k := range e.byOp {
		e.byOp[k] = map[string][]int{}
	}
	for _, r := range set.Detections() {
		cr := &rule{Rule: r}
		for _, name := range r.MergeBy {
			fi, err := set.Resolver.Resolve(name)
			if err != nil {
				return nil, &rules.LoadError{Rule: r.Name, Source: r.Source, Err: err}
			}
			cr.merge = append(cr.merge, fi.ID)
		}
		if needs != nil {
			for _, name := range needs(r.Name) {
				fi, err := set.Resolver.Resolve(name)
				if err != nil {
					return nil, &rules.LoadError{Rule: r.Name, Source: r.Source, Err: err}
				}
				cr.needs = append(cr.needs, need{name, fi.ID})
			}
		}
		i := len(e.rules)
		e.rules = append(e.rules, cr)
		ops, indexed := r.Compiled.Operations()
		for _, k := range r.Kinds {
			if indexed {
				for _, op := range ops {
					e.byOp[k][op] = append(e.byOp[k][op], i)
				}
			} else {
				e.byKind[k] = append(e.byKind[k], i)
			}
		}
	}
	for i := range e.work {
		e.work[i].fe = set.Resolver.NewEvent()
	}
	return e, nil
}

// Rules returns how many detection rules the engine runs.
func (e *Engine) Rules() int { return len(e.rules) }

// Eval runs the rules that can match ev.
func (e *Engine) Eval(worker int, ev *event.Event) {
	k := int(ev.Kind)
	if k >= numKinds {
		return
	}
	if e.trackStart {
		e.work[worker].noteTime(ev)
	}
	byOp, general := e.byOp[k][ev.Operation], e.byKind[k]
	if len(byOp) == 0 && len(general) == 0 {
		return
	}
	ws := &e.work[worker]
	ws.fe.Reset(ev)
	// The record's dedup key and its kept copy are made once, at its
	// first hit, and shared by all its hits.
	key := ""
	var kept *event.Event
	for _, list := range [2][]int{byOp, general} {
		for _, i := range list {
			if !e.rules[i].Compiled.Match(ws.fe) {
				continue
			}
			if kept == nil {
				key, ws.raw = dedupKey(ev, ws.raw[:0])
				c := *ev
				c.Raw = nil
				kept = &c
			}
			e.hit(ws, i, kept, key)
		}
	}
}

// hit records a match, copying what outlives the event.
func (e *Engine) hit(ws *workerState, i int, ev *event.Event, key string) {
	r := e.rules[i]
	h := hit{rule: i, key: key}
	if len(r.merge) > 0 {
		var b strings.Builder
		for _, id := range r.merge {
			ws.buf, _ = sigma.Collect(ws.fe, id, ws.buf[:0])
			for _, v := range ws.buf {
				b.WriteString(v.Text())
				b.WriteByte(0)
			}
			b.WriteByte(1)
		}
		h.group = b.String()
	}
	if len(r.needs) > 0 {
		h.fields = make(map[string][]string, len(r.needs))
		for _, n := range r.needs {
			ws.buf, _ = sigma.Collect(ws.fe, n.id, ws.buf[:0])
			vals := make([]string, 0, len(ws.buf))
			for _, v := range ws.buf {
				vals = append(vals, v.Text())
			}
			h.fields[n.name] = vals
		}
	}
	h.ev = ev
	ws.hits = append(ws.hits, h)
}

// dedupKey identifies a record across deliveries: the id Azure gives it
// (eventDataId, sign-in id, audit id), else a hash of the record's
// canonical JSON (re-serialised, so white space does not matter), plus the
// tuple index for flow records. buf is reused for the canonical record.
func dedupKey(ev *event.Event, buf []byte) (string, []byte) {
	idx := ""
	if ev.Loc.Index > 0 {
		idx = "#" + strconv.Itoa(ev.Loc.Index)
	}
	if ev.ID != "" {
		return ev.Kind.String() + ":" + ev.ID + idx, buf
	}
	if ev.Raw == nil {
		return ev.Loc.File + ":" + strconv.Itoa(ev.Loc.Line) + ":" + strconv.Itoa(ev.Loc.Record) + idx, buf
	}
	buf = ev.Raw.MarshalTo(buf)
	sum := sha256.Sum256(buf)
	return "sha256:" + hex.EncodeToString(sum[:16]) + idx, buf
}

// sortedHits gathers every worker's hits in a deterministic order, with
// duplicates of a record under one rule removed.
func (e *Engine) sortedHits() (all []*hit, dups int) {
	for i := range e.work {
		for j := range e.work[i].hits {
			all = append(all, &e.work[i].hits[j])
		}
	}
	// Pointers are sorted, not the hits: each holds a whole event.
	slices.SortFunc(all, func(a, b *hit) int {
		return cmp.Or(a.ev.Time.Compare(b.ev.Time), cmp.Compare(a.rule, b.rule), cmp.Compare(a.key, b.key))
	})
	out := all[:0]
	seen := map[string]bool{}
	for _, h := range all {
		dk := strconv.Itoa(h.rule) + "|" + h.key
		if seen[dk] {
			dups++
			continue
		}
		seen[dk] = true
		out = append(out, h)
	}
	return out, dups
}
