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
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/maphash"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/owner"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// numKinds bounds the per-kind tables.
const numKinds = event.KindCount

// Engine evaluates rules. Eval is called from many goroutines, each with
// its own worker index; Alerts merges what they found.
type Engine struct {
	rules  []*rule
	byKind [numKinds][]int               // rules with no operation index
	byOp   [numKinds]map[string]*opRules // rules that can only match these operations
	// wants answers Wants for the rules in byKind (see wants.go).
	wants [numKinds]kindWants
	work  []workerState
	// Refresh, when set, updates an event's enrichment with what was
	// learned after it was read (the tenant's own addresses); hits whose
	// facts changed are evaluated again before they become alerts. Set it
	// before the first Eval: the engine evaluates, as each hit is kept,
	// what the rule would say once an address is found to be owned.
	Refresh func(*event.Event) bool
	// LateRegion, when set, gives the region learned by the end of the
	// hunt for a resource whose records named none (a Batch pool's is its
	// account's, whose write may be read after the pool's). Hits whose
	// region is empty take it before correlations and alerts read them.
	LateRegion func(resourceID string) string
	// LateRequest, when set, settles the request of an autoscale setting
	// (event.Compute.Target) of floor instances by principal at at, by the
	// end of the hunt: added, what it adds to the principal's count (its
	// floor less what the same principal asked of the setting's target in
	// writes near it, which may be read after it), and the target's id and
	// size as the target's own writes named them. Such hits take them
	// before correlations sum compute.count and alerts price the compute.
	LateRequest func(setting, principal string, at time.Time, floor int) (added int, target, size string)
	// LateScale, when set, settles autoscale's record of a scale action
	// of its own (event.IsAutoscaleAction) on setting at at, which took
	// target (as the record named it) from instances from to to: what it
	// counts for, whom it is credited to (the setting's last writer before
	// it), and the target's id, size, region and service, which records
	// read after it may give. Such hits take them before correlations sum
	// compute.count and group by principal, and alerts price the compute.
	LateScale func(setting, target string, at time.Time, from, to int) event.ScaleCredit
	// Created, when set, is told of every compute create a kept hit of any
	// rule priced (computeOf), its base rules' that make no alert
	// included, once the end of the hunt settled its region and request:
	// the tenant, the time, who created it (its principal's object id, UPN
	// and acting app id, in lower case, as alerts' PrincipalIDs) and what.
	// An incident prices from them all the creates its principals made,
	// not only those its alerts carry (incident.Options.Created). The same
	// create may be told once per rule that matched it, and once per
	// record of its operation. Called on Alerts' goroutine.
	Created func(tenant string, t time.Time, principals []string, c alert.Compute)
	// failedOps are the compute creates Azure refused, noted by the
	// workers (failed.go).
	failedOps failedTable
	// Managed, when set, says by the end of the hunt whether a VM's
	// writes are Azure Databricks creating a cluster's machines that the
	// cluster's requests, read in its workspace's clusters log, count
	// already under the person who asked: the hits of those writes are
	// passed over, so that the machines count once.
	Managed func(resourceID string) bool
	// Remediated, when set, says by the end of the hunt whether the user
	// of an ID Protection risk detection (its id) remediated it in a
	// record the hunt read: the hits of its records are passed over.
	Remediated func(id string) bool
	// LateCapacity, when set, gives the last capacity the hunt read for a
	// scale set at or before a time (0: none): a write that changed only
	// its size (event.CountCapacityUnknown) is priced for that many
	// machines.
	LateCapacity func(resourceID string, at time.Time) int
	// SourceAzure, when set, says whether an address is in Azure's ranges
	// as enrichment will say it (enrich.src_ip.azure): Wants uses it to
	// set aside records whose rules need an Azure source. Set it before
	// the first read.
	SourceAzure func(netip.Addr) bool
	// PoolKind, when set, says what kind of mining pool a DNS query's
	// name is as enrichment will say it (enrich.pool.kind; "" for none):
	// Wants uses it to set aside the lookups no pool rule can match. Set
	// it before the first read.
	PoolKind func(name string) string
	// Memory bounds the encoded hits held in memory, all workers
	// together, before they are sorted into temporary files; zero means
	// DefaultMemory. TempDir is where those files go ("": os.TempDir()).
	// Set both before the first Eval.
	Memory  int
	TempDir string
	// Known are the tenants known before this hunt (a service's store
	// holds those of its earlier cycles): with the hunt's own they say
	// whether the data has one tenant, whose hits without one take it
	// (onlyTenant). A cycle that reads only a host's log, which names no
	// tenant, thus gives its alerts the tenant one hunt over all would.
	Known map[string]time.Time
	// Owners give the records that name no tenant theirs when the data
	// holds several (owner.Table); set before Alerts.
	Owners *owner.Table

	spill  spiller
	runsMu sync.Mutex
	runs   []string // runs written while reading, sorted by time
	keys   []string // their key records (keyRecords), by byKey
	// keySplits says where in each of keys the hashes of 1<<63 and more
	// begin: the two halves are searched for duplicates apart.
	keySplits []int64
	errMu     sync.Mutex
	err       error // the first failure to keep a hit
	failed    atomic.Bool
	seeds     [2]maphash.Seed // dedupKey's, one pair per hunt
	// probe, when set (by tests), is called every probeEvery hits merged:
	// the memory test measures the live heap there.
	probe    func()
	corr     *correlate.Set
	thinOnce sync.Once
	heldMu   sync.Mutex
	held     []*hitBuf // read until Close, which releases them
}

const probeEvery = 1024

// rule is a compiled catalogue rule with what the engine derives from it.
type rule struct {
	*rules.Rule
	merge []sigma.FieldID // merge-by fields
	// silent: a correlation reads the rule's hits and none make an alert,
	// so they need no stable name (see contentID) nor summary.
	silent bool
	needs  []need   // fields correlations read from this rule's hits
	names  []string // their names
	// thin, when not zero, is the window by which the rule's hits are
	// thinned (thin.go).
	thin time.Duration
	// wants is what the rule demands of a record's glance besides its
	// operation, when it is indexed by operation (Engine.Wants), and
	// needles what it demands of the text of each operation's records.
	wants   ruleWants
	needles map[string]needleSet
}

type need struct {
	name string
	id   sigma.FieldID
}

type workerState struct {
	fe    *fields.Event
	texts *fieldTexts          // reads merge-by and correlation fields
	start map[string]time.Time // earliest event per tenant
	// lastTenant and lastStart cache the last look-up in start.
	lastTenant string
	lastStart  time.Time
	raw        []byte // scratch for canonical records
	tuple      []byte // scratch for activityKey
	matched    []int  // rules the current event matched
	keep       []uint8
	rec, part  []byte   // scratch for encoded hits
	group      []byte   // scratch for a hit's merge-by group
	alt        altEvent // the event as a late refresh would see it
	buf        *hitBuf  // kept hits not yet spilled
	hits       int      // hits kept, duplicates included
	thinned    int      // hits not kept (thin.go)
	thin       map[string]*thinSlot
	thinKey    []byte
	ruleHits   []int    // the same per rule: weighs the correlations' parts
	_          [64]byte // keep workers' state on separate cache lines
}

// New indexes the compiled detection rules of set. corr, when not nil, are
// the correlation rules that will read the hits: the engine collects the
// fields they need and each tenant's first event time. Alerts must be
// given the same correlations (the rules they silence make no alert, so
// their hits are not named for one).
func New(set *rules.Set, workers int, corr *correlate.Set) (*Engine, error) {
	e := &Engine{work: make([]workerState, max(workers, 1)), corr: corr}
	e.seeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	e.failedOps.keys.Max = maxFailedCreates
	e.spill.parent = &e.TempDir
	var needs func(string) []string
	if corr != nil {
		needs = corr.Needs
	}
	for k := range e.byOp {
		e.byOp[k] = map[string]*opRules{}
	}
	for _, r := range set.Detections() {
		cr := &rule{Rule: r, silent: corr != nil && corr.Silent(r.Name)}
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
				cr.names = append(cr.names, name)
			}
		}
		i := len(e.rules)
		e.rules = append(e.rules, cr)
		ops, indexed := r.Compiled.Operations()
		if indexed {
			cr.wants, _ = wantsOf(r.Compiled, slices.Contains(r.Kinds, event.KindSignIn))
			cr.wants.op = nil // the index has decided it
			cr.needles = make(map[string]needleSet, len(ops))
			for _, op := range ops {
				cr.needles[op] = needlesOf(r.Compiled, op)
			}
		}
		for _, k := range r.Kinds {
			if indexed {
				for _, op := range ops {
					o := e.byOp[k][op]
					if o == nil {
						o = &opRules{}
						e.byOp[k][op] = o
					}
					o.rules = append(o.rules, i)
					o.match = append(o.match, r.Compiled.Where("operation", sigma.StringValue(op)))
				}
			} else {
				e.byKind[k] = append(e.byKind[k], i)
				e.wants[k].add(r.Compiled, k)
			}
		}
	}
	for i := range e.work {
		e.work[i].fe = set.Resolver.NewEvent()
		e.work[i].texts = newFieldTexts()
		e.work[i].alt.fe = set.Resolver.NewEvent()
		e.work[i].ruleHits = make([]int, len(e.rules))
	}
	return e, nil
}

// opRules are the rules indexed by one operation, and each one's
// condition with its tests of the operation decided (sigma's Where):
// every event they meet has that operation.
type opRules struct {
	rules []int
	match []func(sigma.Fields) bool
}

// Rules returns how many detection rules the engine runs.
func (e *Engine) Rules() int { return len(e.rules) }

// Eval runs the rules that can match ev.
func (e *Engine) Eval(worker int, ev *event.Event) {
	k := int(ev.Kind)
	if k >= numKinds {
		return
	}
	ws := &e.work[worker]
	// Each tenant's first event, Brief or not: first_seen learns from
	// there, and a hunt over one tenant attributes records that name none
	// to it.
	ws.noteTime(ev)
	if ev.Brief {
		return // no rule can match it (Wants said so)
	}
	e.noteFailed(ev)
	byOp, general := e.byOp[k][ev.Operation], e.byKind[k]
	if byOp == nil && len(general) == 0 {
		return
	}
	ws.fe.Reset(ev)
	ws.matched = ws.matched[:0]
	if byOp != nil {
		for j, match := range byOp.match {
			if match(ws.fe) {
				ws.matched = append(ws.matched, byOp.rules[j])
			}
		}
	}
	for _, i := range general {
		if e.rules[i].Compiled.Match(ws.fe) {
			ws.matched = append(ws.matched, i)
		}
	}
	if len(ws.matched) > 0 && !e.failed.Load() {
		e.keepHits(ws, ev)
	}
}

// keepHits encodes the current event's hits, one per matched rule. The
// record's dedup key, summary and shared facts are made once.
func (e *Engine) keepHits(ws *workerState, ev *event.Event) {
	// An Activity Log event or a firewall record is known by what all its
	// exports carry alike (activityKey, firewallKey); others by the key
	// their record gives (dedupKey).
	key, shared := e.activityKey(ev, &ws.tuple)
	if !shared {
		key, shared = e.firewallKey(ev, &ws.tuple)
	}
	var own ownKey // the record's dedupKey, made at most once
	if !shared {
		own = e.ownKey(ws, ev)
		key = own.key
	}
	// Only a rule's own alert shows the summary: when every rule matched
	// is silenced by a correlation (most hits of a large hunt), none is made.
	summary := ""
	for _, i := range ws.matched {
		if !e.rules[i].silent {
			summary = Summary(ev)
			break
		}
	}
	ws.part = appendRecordPart(ws.part[:0], ev, summary)
	e.variants(ws, ev)
	e.thinOnce.Do(e.thinWindows)
	// A hit is thinned only when its dedup key holds its time (thin.go).
	timed := shared || own.hashed
	name := "" // own.name, made at most once
	for j, i := range ws.matched {
		r := e.rules[i]
		b := appendHeader(ws.rec[:0], ev.Time, i, key)
		switch {
		case len(r.merge) > 0:
			ws.group = appendGroup(ws.group[:0], ws.fe, r.merge, ws.texts)
			b = appendBytes(b, ws.group)
		case !r.silent:
			if name == "" {
				if shared {
					own = e.ownKey(ws, ev)
				}
				name = own.name(ev)
			}
			b = appendStr(b, name)
		default:
			b = appendStr(b, "")
		}
		b = append(b, ws.keep[j])
		b = append(b, ws.part...)
		needsAt := len(b)
		b, full := appendNeeds(b, ws.fe, r.needs, ws.texts)
		ws.rec = b
		ws.ruleHits[i]++
		if r.thin > 0 && timed && full && ev.Tenant != "" {
			e.offer(ws, i, ev.Tenant, b, needsAt)
		} else {
			e.keepHit(ws, b)
		}
	}
}

// ownKey is the key a record gives (dedupKey): hashed says it is a hash
// with this hunt's seeds, of canon, the canonical record.
type ownKey struct {
	key    string
	hashed bool
	canon  []byte
}

func (e *Engine) ownKey(ws *workerState, ev *event.Event) ownKey {
	var k ownKey
	k.key, k.hashed, k.canon, ws.raw = e.dedupKey(ev, ws.raw[:0]) // never canon: that may be the parser's memory
	return k
}

// name is what the alerts of a rule without merge-by, one per record, are
// named by: the record's key, or, when that is a hash with this hunt's
// seeds, the stable content id, which keeps the names from changing from
// run to run.
func (k ownKey) name(ev *event.Event) string {
	if k.hashed {
		return contentID(k.canon, ev)
	}
	return k.key
}

// ruleHits sums the workers' hits per rule.
func (e *Engine) ruleHits() []int {
	out := make([]int, len(e.rules))
	for i := range e.work {
		for r, n := range e.work[i].ruleHits {
			out[r] += n
		}
	}
	return out
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

// Close removes the hunt's temporary files and gives the memory that held
// hits back to its pool. Alerts calls it; call it too when a hunt ends
// without Alerts. It may be called more than once.
func (e *Engine) Close() error {
	e.heldMu.Lock()
	for _, b := range e.held {
		b.release()
	}
	e.held = nil
	e.heldMu.Unlock()
	for i := range e.work {
		if b := e.work[i].buf; b != nil {
			b.release()
		}
	}
	return e.spill.close()
}

// hold keeps b's blocks until Close: entries in them are read to the end
// of the hunt.
func (e *Engine) hold(b *hitBuf) {
	if b == nil {
		return
	}
	e.heldMu.Lock()
	e.held = append(e.held, b)
	e.heldMu.Unlock()
}

// dedupKey identifies a record across deliveries (an Activity Log event
// with a correlation id goes by activityKey instead): the id Azure gives it
// (eventDataId, sign-in id, audit id), else a 128-bit hash of the record's
// canonical JSON (re-serialised, so white space does not matter), plus the
// tuple index for flow records. The hash is hash/maphash with the engine's
// two seeds, chosen at random when it starts: about ten times cheaper than
// SHA-256, and no one can make two records collide without knowing them.
// hashed says the key is such a hash; canon is the canonical record
// (contentID reads it): the record's own text when it is already
// canonical, else buf, reused, with the record re-serialised into it.
func (e *Engine) dedupKey(ev *event.Event, buf []byte) (key string, hashed bool, canon, _ []byte) {
	idx := tupleSuffix(ev)
	if ev.ID != "" && !event.MachineLocal(ev) {
		return ev.Kind.String() + ":" + ev.ID + idx, false, nil, buf
	}
	if ev.Raw == nil {
		return ev.Loc.File + ":" + strconv.Itoa(ev.Loc.Line) + ":" + strconv.Itoa(ev.Loc.Record) + idx, false, nil, buf
	}
	canon = ev.RawText
	if !marshalled(canon) {
		buf = ev.Raw.MarshalTo(buf)
		canon = buf
	}
	var k [1 + 16]byte // a NUL first: no id or file name starts with one
	binary.LittleEndian.PutUint64(k[1:], maphash.Bytes(e.seeds[0], canon))
	binary.LittleEndian.PutUint64(k[9:], maphash.Bytes(e.seeds[1], canon))
	return string(k[:]) + idx, true, canon, buf
}

// activityKey identifies an Activity Log event (or the security alert an
// Activity Log record holds) whatever shape it was exported in. The REST
// API's events and Log Analytics' rows carry its eventDataId, the
// diagnostic settings' records none, so the id cannot tell the same event
// read from two exports of the same days (a storage account's blobs and a
// workspace's rows, a portal download beside them), and its hits would
// count twice toward every count and threshold. What every shape carries
// alike (event.AppendActivityKey) is taken for one event (Azure Policy's
// audit events of one resource in one request, which differ only in the
// policy, count once). Hashed with the engine's seeds, as dedupKey's
// hashes are. false when the event is not known so (event.ActivityKeyed:
// no correlation id, or a security alert that names its own id).
func (e *Engine) activityKey(ev *event.Event, buf *[]byte) (string, bool) {
	if !event.ActivityKeyed(ev) {
		return "", false
	}
	*buf = event.AppendActivityKey((*buf)[:0], ev.Kind, ev.Time, ev.Operation, ev.Outcome, ev.Status, ev.CorrelationID, ev.ResourceID)
	return e.exportKey(1, *buf), true
}

// exportKey is the key of what an event's exports carry alike (b), hashed
// with the engine's seeds as dedupKey's hashes are: a NUL and family
// first (1 the Activity Log's, 2 a firewall's), which no id, file name or
// content hash starts with.
func (e *Engine) exportKey(family byte, b []byte) string {
	var k [2 + 16]byte
	k[1] = family
	binary.LittleEndian.PutUint64(k[2:], maphash.Bytes(e.seeds[0], b))
	binary.LittleEndian.PutUint64(k[10:], maphash.Bytes(e.seeds[1], b))
	return string(k[:])
}

// firewallKey identifies an Azure Firewall record (a DNS lookup, a
// connection its rules logged) whatever export it was read from
// (event.AppendFirewallKey): dedupKey's content hash took each export's
// copy for a record of its own, and a pool lookup read from two exports
// counted twice. false when the record names no source port.
func (e *Engine) firewallKey(ev *event.Event, buf *[]byte) (string, bool) {
	b, ok := event.AppendFirewallKey((*buf)[:0], ev)
	if !ok {
		return "", false
	}
	*buf = b
	return e.exportKey(2, b), true
}

// marshalled reports whether b, a JSON object as read, is byte for byte
// what fastjson's MarshalTo writes for it, whatever the decoder read of
// it: no white space outside strings and no control byte. MarshalTo
// writes a string the decoder read unescaped, quoted again by
// strconv.Quote when it holds a quote or backslash: that gives back the
// same text when the only escapes are \" and \\ and the text is printable
// ASCII (request bodies held as strings are such). Azure's JSON lines
// nearly always are canonical, and re-serialising them cost more than the
// rest of keeping a hit; this check jumps from quote to quote instead.
func marshalled(b []byte) bool {
	n := len(b)
	if n < 2 || b[0] != '{' || b[n-1] != '}' {
		return false
	}
	escapes := bytes.IndexByte(b, '\\') >= 0
	if !printable(b, escapes) || escapes && !quoteEscapesOnly(b) {
		return false
	}
	if !escapes {
		return spacesInStrings(b)
	}
	return spacesInStringsEscaped(b)
}

// spacesInStrings reports whether every space of b, which holds no
// backslash, is inside a string, and every string is closed. Without
// escapes every quote opens or closes a string, so a space is inside one
// when an odd number of quotes comes before it. Azure's records hold about
// one space and two hundred quotes: jumping from space to space and
// counting quotes is what makes this check cheap.
func spacesInStrings(b []byte) bool {
	quotes := 0
	for {
		s := bytes.IndexByte(b, ' ')
		if s < 0 {
			return (quotes+bytes.Count(b, quote))%2 == 0
		}
		quotes += bytes.Count(b[:s], quote)
		if quotes%2 == 0 {
			return false
		}
		b = b[s+1:]
	}
}

var quote = []byte{'"'}

// spacesInStringsEscaped is spacesInStrings for b whose escapes are \"
// and \\ only (quoteEscapesOnly): every backslash then begins a two-byte
// escape, so walking from backslash to backslash finds the escaped
// quotes, and a space is inside a string when the quotes before it, less
// the escaped ones, are odd. Request bodies held as strings have dozens
// of escapes and hundreds of quotes; this walks the escapes, and counts
// the quotes with bytes.Count, instead of walking from quote to quote.
func spacesInStringsEscaped(b []byte) bool {
	quotes := 0 // unescaped quotes before pos
	e := 0      // escapes before e are counted
	for pos := 0; ; {
		end := len(b)
		s := bytes.IndexByte(b[pos:], ' ')
		if s >= 0 {
			end = pos + s
		}
		quotes += bytes.Count(b[pos:end], quote)
		for {
			i := bytes.IndexByte(b[e:end], '\\')
			if i < 0 {
				e = end
				break
			}
			i += e
			if i+1 >= end { // an escape cut by a space or the end
				return false
			}
			if b[i+1] == '"' {
				quotes--
			}
			e = i + 2
		}
		if s < 0 {
			return quotes%2 == 0
		}
		if quotes%2 == 0 {
			return false
		}
		pos = end + 1
	}
}

// printable reports whether b has no control byte and, when ascii, no
// byte past '~'; eight bytes at a time.
func printable(b []byte, ascii bool) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; len(b) >= 8; b = b[8:] {
		w := binary.LittleEndian.Uint64(b)
		if (w-0x20*ones)&^w&highs != 0 { // some byte below 0x20
			return false
		}
		// Some byte of 0x7f or more (a carry only comes from a byte of
		// 0xff, itself such a byte).
		if ascii && (w|(w+ones))&highs != 0 {
			return false
		}
	}
	for _, c := range b {
		if c < ' ' || ascii && c > '~' {
			return false
		}
	}
	return true
}

// quoteEscapesOnly reports whether every escape in b is \" or \\.
func quoteEscapesOnly(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\\')
		if i < 0 {
			return true
		}
		if i+1 == len(b) || b[i+1] != '"' && b[i+1] != '\\' {
			return false
		}
		b = b[i+2:]
	}
}

// contentID is the stable name of a record that has no id: a hash of its
// canonical JSON (as dedupKey made it in canon) that stays the same from
// run to run, which the random-seeded dedup key does not. The alert of a
// rule without merge-by is named from it, as it always was.
func contentID(canon []byte, ev *event.Event) string {
	sum := sha256.Sum256(canon)
	return "sha256:" + hex.EncodeToString(sum[:16]) + tupleSuffix(ev)
}

// tupleSuffix tells apart the tuples of one flow record in the names
// above: "#" and the tuple's index, "" for the first (or only) one.
func tupleSuffix(ev *event.Event) string {
	if ev.Loc.Index > 0 {
		return "#" + strconv.Itoa(ev.Loc.Index)
	}
	return ""
}
