// Package engine runs the detection catalogue over the stream of events
// and turns matches into alerts: rules are indexed by event kind and
// operation so an event meets only the rules that could match it, records
// seen twice count once, and the matches of one action (the Start and
// Succeeded records of one ARM operation, the thousand tuples of one
// miner's connection) become one alert.
//
// A hit is kept compact (what its alert and correlations read, not the
// event) and within a memory budget: past it, a worker's hits are sorted
// and written to a temporary file, and the end of the hunt merges those
// runs in event time. Memory therefore does not grow with the input.
package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// facts changed are evaluated again before they become alerts. Set it
	// before the first Eval: the engine evaluates, as each hit is kept,
	// what the rule would say once an address is found to be owned.
	Refresh func(*event.Event) bool
	// Memory bounds the encoded hits held in memory, all workers
	// together, before they are sorted into temporary files; zero means
	// DefaultMemory. TempDir is where those files go ("": os.TempDir()).
	// Set both before the first Eval.
	Memory  int
	TempDir string
	// trackStart records each tenant's first event: first_seen learns
	// from there, and a hunt over one tenant attributes records that name
	// none to it.
	trackStart bool

	spill  spiller
	runsMu sync.Mutex
	runs   []string // runs written while reading, sorted by record
	errMu  sync.Mutex
	err    error // the first failure to keep a hit
	failed atomic.Bool
	// probe, when set (by tests), is called every probeEvery hits merged:
	// the memory test measures the live heap there.
	probe func()
}

const probeEvery = 1024

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

type workerState struct {
	fe    *fields.Event
	vals  []sigma.Value
	start map[string]time.Time // earliest event per tenant
	// lastTenant and lastStart cache the last look-up in start.
	lastTenant string
	lastStart  time.Time
	raw        []byte // scratch for canonical records
	matched    []int  // rules the current event matched
	keep       []uint8
	rec, part  []byte // scratch for encoded hits
	fields     [][]string
	alt        altEvent // the event as a late refresh would see it
	buf        *hitBuf  // kept hits not yet spilled
	hits       int      // hits kept, duplicates included
	_          [64]byte // keep workers' state on separate cache lines
}

// New indexes the compiled detection rules of set. corr, when not nil, are
// the correlation rules that will read the hits: the engine collects the
// fields they need and each tenant's first event time.
func New(set *rules.Set, workers int, corr *correlate.Set) (*Engine, error) {
	e := &Engine{work: make([]workerState, max(workers, 1)), trackStart: true}
	e.spill.parent = &e.TempDir
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
		e.work[i].alt.fe = set.Resolver.NewEvent()
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
	ws.matched = ws.matched[:0]
	for _, list := range [2][]int{byOp, general} {
		for _, i := range list {
			if e.rules[i].Compiled.Match(ws.fe) {
				ws.matched = append(ws.matched, i)
			}
		}
	}
	if len(ws.matched) > 0 && !e.failed.Load() {
		e.keepHits(ws, ev)
	}
}

// keepHits encodes the current event's hits, one per matched rule. The
// record's dedup key, summary and shared facts are made once.
func (e *Engine) keepHits(ws *workerState, ev *event.Event) {
	var key string
	key, ws.raw = dedupKey(ev, ws.raw[:0])
	ws.part = appendRecordPart(ws.part[:0], ev, Summary(ev))
	e.variants(ws, ev)
	for j, i := range ws.matched {
		r := e.rules[i]
		b := appendHeader(ws.rec[:0], ev.Time, i, key)
		b = appendStr(b, e.group(ws, r))
		b = append(b, ws.keep[j])
		b = append(b, ws.part...)
		ws.fields = ws.fields[:0]
		for _, n := range r.needs {
			ws.vals, _ = sigma.Collect(ws.fe, n.id, ws.vals[:0])
			vs := make([]string, 0, len(ws.vals))
			for _, v := range ws.vals {
				vs = append(vs, v.Text())
			}
			ws.fields = append(ws.fields, vs)
		}
		b = appendFields(b, ws.fields)
		ws.rec = b
		e.keepHit(ws, b)
	}
}

// group is a hit's merge-by key: the values of the rule's merge-by fields.
func (e *Engine) group(ws *workerState, r *rule) string {
	if len(r.merge) == 0 {
		return ""
	}
	var b strings.Builder
	for _, id := range r.merge {
		ws.vals, _ = sigma.Collect(ws.fe, id, ws.vals[:0])
		for _, v := range ws.vals {
			b.WriteString(v.Text())
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	return b.String()
}

// fail records the first failure to keep hits; later hits are dropped and
// Alerts reports it.
func (e *Engine) fail(err error) {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	if e.err == nil {
		e.err = err
		e.failed.Store(true)
	}
}

// Err reports a failure to keep hits (a temporary file that could not be
// written): the hunt should stop, its alerts would be incomplete.
func (e *Engine) Err() error {
	if !e.failed.Load() {
		return nil
	}
	e.errMu.Lock()
	defer e.errMu.Unlock()
	return e.err
}

// Close removes the hunt's temporary files. Alerts calls it; call it too
// when a hunt ends without Alerts. It may be called more than once.
func (e *Engine) Close() error { return e.spill.close() }

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
