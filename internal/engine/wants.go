package engine

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// kindWants is what the rules of one kind that are not indexed by
// operation demand of the fields a reader sees before decoding the rest
// of a record (event.Glance): the operation, the outcome, whether the
// source address is Azure's, whether the record can carry a quota and,
// for a DNS query, the kind of mining pool its name is.
type kindWants struct {
	any   bool        // a rule the analysis cannot narrow: every record is wanted
	tests []ruleWants // one per other rule
	// byOp remembers, per operation, what the kind's rules ask of its
	// records (*opWants): a log names few operations, asked about on
	// every record. At most maxRemembered are kept, so records naming
	// operations without end cannot grow it.
	byOp       sync.Map
	remembered atomic.Int32
}

// maxRemembered bounds the operations kindWants.byOp remembers.
const maxRemembered = 4096

// opWants is what the rules of a kind ask of the records of one
// operation: the rules indexed by it, and the tests of the others whose
// operation test it passes. For an outcome none of those that take it
// test further than whether the source address is Azure's (no quota,
// pool, risk or needle: settled), each answer is remembered once given,
// by outcome and kind of source address (answers): most records of a
// large hunt are of operations no rule wants from where they come, and
// asking their rules again on every record was a twentieth of the hunt.
type opWants struct {
	rules   []int       // indexed by the operation (Engine.byOp)
	needles []needleSet // of each of rules, for records of the operation
	tests   []ruleWants // the others' whose operation test passes
	settled [outcomes]bool
	// answers holds two bits per outcome and source (answerAt): 0 not
	// yet asked, else noAnswer or yesAnswer. Workers share it.
	answers atomic.Uint64
}

// outcomes is the number of event.Outcome values.
const outcomes = int(event.OutcomeFailed) + 1

// Sources of a glance, as the rules' tests on enrich.src_ip.azure tell
// them apart.
const (
	sourceNone      = iota // no address
	sourceElsewhere        // an address outside Azure
	sourceAzure            // an address in Azure
	sourceUntold           // an address, and no SourceAzure to tell
	sources
)

// The answers remembered.
const (
	noAnswer  = 1
	yesAnswer = 2
)

// answerAt is the bit position of the answer for an outcome and source.
func answerAt(oc, src int) int { return 2 * (oc*sources + src) }

// source tells the kind of g's source address.
func (e *Engine) source(g *event.Glance) int {
	switch {
	case !g.SourceIP.IsValid():
		return sourceNone
	case e.SourceAzure == nil:
		return sourceUntold
	case e.SourceAzure(g.SourceIP):
		return sourceAzure
	}
	return sourceElsewhere
}

// forOp returns what the rules of kind k ask of records of operation op.
func (e *Engine) forOp(k int, op string) *opWants {
	w := &e.wants[k]
	if o, ok := w.byOp.Load(op); ok {
		return o.(*opWants)
	}
	o := &opWants{}
	if r := e.byOp[k][op]; r != nil {
		o.rules = r.rules
	}
	for _, i := range o.rules {
		o.needles = append(o.needles, e.rules[i].needles[op])
	}
	for _, t := range w.tests {
		if t.op == nil || t.op(sigma.StringValue(op)) {
			t.op = nil // passed
			o.tests = append(o.tests, t)
		}
	}
	for oc := range o.settled {
		o.settled[oc] = e.settled(o, event.Outcome(oc))
	}
	if w.remembered.Add(1) <= maxRemembered {
		w.byOp.Store(strings.Clone(op), o) // op may be a view of a record
	}
	return o
}

// settled reports whether the rules of o that take outcome oc test
// nothing of a glance but its source's kind: then every record of the
// operation with that outcome from such a source gets the same answer.
func (e *Engine) settled(o *opWants, oc event.Outcome) bool {
	takes := func(t *ruleWants) bool {
		return t.outcome == nil || t.outcome(sigma.StringValue(oc.String()))
	}
	for i := range o.tests {
		if t := &o.tests[i]; takes(t) && !t.sourceOnly() {
			return false
		}
	}
	for j, i := range o.rules {
		r := e.rules[i]
		if !o.needles[j].never && takes(&r.wants) && (!r.wants.sourceOnly() || len(o.needles[j].groups) > 0) {
			return false
		}
	}
	return true
}

// needleSet is what a rule demands of the text of the records of one
// operation (sigma.Compiled.NeedlesWhere): groups, one member of each,
// and each group's core (sigma.NeedleCore), which most texts lack; never
// when no record of the operation can match.
type needleSet struct {
	groups [][]string
	cores  []string
	never  bool
}

func needlesOf(c *sigma.Compiled, op string) needleSet {
	groups, never := c.NeedlesWhere("operation", sigma.StringValue(op))
	ns := needleSet{groups: groups, never: never}
	for _, g := range groups {
		ns.cores = append(ns.cores, sigma.NeedleCore(g))
	}
	return ns
}

// ruleWants holds a rule's necessary conditions; nil constrains nothing.
type ruleWants struct {
	op, outcome, srcAzure, quota, pool func(sigma.Value) bool
	// may decides the rule from a sign-in's risk (Glance.RiskLevel and
	// RiskState), which rules test as a disjunction ("1 of risk_*") that
	// gives neither field a value test of its own.
	may *sigma.Compiled
}

// sourceOnly reports whether t tests nothing of a glance but its
// operation, outcome and source address.
func (t *ruleWants) sourceOnly() bool {
	return t.quota == nil && t.pool == nil && t.may == nil
}

// add notes what rule c demands of records of kind k.
func (w *kindWants) add(c *sigma.Compiled, k event.Kind) {
	t, ok := wantsOf(c, k == event.KindSignIn)
	if !ok {
		w.any = true
		return
	}
	w.tests = append(w.tests, t)
}

// wantsOf is what rule c demands of a glance; ok is false when the
// analysis finds no test to narrow it by. signIn: the rule reads sign-ins,
// which MayMatch decides from their risk where the tests cannot.
func wantsOf(c *sigma.Compiled, signIn bool) (t ruleWants, ok bool) {
	var found [5]bool
	t.op, found[0] = c.ValueTest("operation")
	t.outcome, found[1] = c.ValueTest("outcome")
	t.srcAzure, found[2] = c.ValueTest("enrich.src_ip.azure")
	t.quota, found[3] = c.ValueTest("quota.exceeded")
	t.pool, found[4] = c.ValueTest("enrich.pool.kind")
	if signIn {
		t.may = c
		return t, true
	}
	return t, found != [5]bool{}
}

// Wants reports whether some rule could match an event that starts as g,
// whatever else it holds: false only when every rule of its kind is ruled
// out by its operation index or by a test the rule compiler derived (an
// operation that must end in /write, an outcome that must be failed, a
// source that must be an Azure address, a quota where the record can
// carry none, a mining pool a DNS query's name is not), or, for the rules
// indexed by its operation, by their
// needles missing from the record's text (g.Text). A rule the analysis
// cannot narrow (a user's rule on other fields only) makes it true for
// its whole kind. The failure of a compute create is always wanted (the
// price leaves out what Azure refused). It is an event.Wants; Eval
// ignores the Brief events a reader made where it was false, except for
// when each tenant's logs begin.
func (e *Engine) Wants(g *event.Glance) bool {
	k := int(g.Kind)
	if k >= numKinds || e.wants[k].any {
		return true
	}
	o := e.forOp(k, g.Operation)
	oc := int(g.Outcome)
	if oc >= outcomes || !o.settled[oc] {
		return e.asks(o, g)
	}
	at := answerAt(oc, e.source(g))
	switch o.answers.Load() >> at & 3 {
	case noAnswer:
		return false
	case yesAnswer:
		return true
	}
	yes := e.asks(o, g)
	answer := uint64(noAnswer)
	if yes {
		answer = yesAnswer
	}
	o.answers.Or(answer << at) // another worker may set the same: it found the same
	return yes
}

// asks is Wants for a glance of o's operation, its rules asked one by one.
func (e *Engine) asks(o *opWants, g *event.Glance) bool {
	var pool lazyPool
	if len(o.rules) > 0 && e.somePasses(o, g, &pool) {
		return true
	}
	for i := range o.tests {
		if e.passes(&o.tests[i], g, &pool) {
			return true
		}
	}
	// A compute create Azure refused is read in full whatever the rules
	// ask: a rule may want its Start, which names the machines, and no
	// rule its Failure, which is what keeps them out of the price
	// (failed.go). Failures are a few records in a thousand.
	return g.Kind == event.KindActivity && g.Outcome == event.OutcomeFailed && event.CreatesCompute(g.Operation)
}

// NeedsPool reports whether every rule that reads events of kind k
// requires a mining pool of them (a test on enrich.pool.kind), so that an
// event known to go to none is wanted by no rule whatever else it holds:
// what the hunt asks once, before a flow log's millions of tuples, most of
// which go to no pool. A rule indexed by operation, or one the analysis
// cannot narrow, makes it false.
func (e *Engine) NeedsPool(k event.Kind) bool {
	if int(k) >= numKinds || len(e.byOp[k]) > 0 {
		return false
	}
	w := &e.wants[k]
	if w.any {
		return false
	}
	for _, t := range w.tests {
		if t.pool == nil {
			return false
		}
	}
	return true
}

// lazyPool is a glance's pool kind, looked up once for all the rules
// that test it (the lists are searched label by label).
type lazyPool struct {
	kind string
	done bool
}

func (p *lazyPool) of(e *Engine, query string) string {
	if !p.done {
		p.kind, p.done = e.PoolKind(query), true
	}
	return p.kind
}

// passes reports whether the glance leaves rule test t possible.
func (e *Engine) passes(t *ruleWants, g *event.Glance, pool *lazyPool) bool {
	if t.op != nil && !t.op(sigma.StringValue(g.Operation)) {
		return false
	}
	if t.outcome != nil && !t.outcome(sigma.StringValue(g.Outcome.String())) {
		return false
	}
	if t.srcAzure != nil {
		// Without an address the field is absent, which no test matches;
		// without a way to tell, the rule stays possible.
		if !g.SourceIP.IsValid() {
			return false
		}
		if e.SourceAzure != nil && !t.srcAzure(sigma.BoolValue(e.SourceAzure(g.SourceIP))) {
			return false
		}
	}
	// A quota the reader knows is absent fails every test on it.
	if t.quota != nil && g.LacksQuota() {
		return false
	}
	if t.may != nil && g.Kind == event.KindSignIn {
		known := [...]sigma.Known{{Index: "signin.risk_level", Text: g.RiskLevel}, {Index: "signin.risk_state", Text: g.RiskState}}
		if !t.may.MayMatch(known[:]) {
			return false
		}
	}
	// A DNS event's pool is what enrichment finds for its query name, and
	// nothing else (enrich.Enricher.Apply): none, and the field is absent,
	// which no test matches. Other kinds find pools elsewhere too (a
	// flow's port), so their rules stay possible.
	if t.pool != nil && g.Kind == event.KindDNS && e.PoolKind != nil {
		if k := pool.of(e, g.Query); k == "" || !t.pool(sigma.StringValue(k)) {
			return false
		}
	}
	// A glance that knows its pool (a flow's) is decided by it.
	if t.pool != nil && g.PoolKnown && (g.Pool == "" || !t.pool(sigma.StringValue(g.Pool))) {
		return false
	}
	return true
}

// somePasses reports whether one of the rules of o, indexed by g's
// operation, can match a record that starts as g: its other tests pass
// (the outcome most often: the rules on starts, script extensions and
// diagnostic settings take only the Start record of each operation, and a
// benign tenant logs each three or four times) and its needles are in
// g.Text. Needles are literals of fields whose values are the record's
// own text (fields.verbatimTyped), and the reader gives a text only when
// its strings are spelled in it as they read (event.Glance), so a record
// that matches holds them, in some case. The needles are those the rule
// demands of the operation's records (needleSet), which may be more than
// it demands of all.
func (e *Engine) somePasses(o *opWants, g *event.Glance, pool *lazyPool) bool {
	for j, i := range o.rules {
		ns := &o.needles[j]
		if !ns.never && e.passes(&e.rules[i].wants, g, pool) && (g.Text == nil || !ns.lacksNeedle(g.Text)) {
			return true
		}
	}
	return false
}

// lacksNeedle reports whether some needle group has no member in text:
// its core first, which most texts lack.
func (ns *needleSet) lacksNeedle(text []byte) bool {
	for j, group := range ns.groups {
		if core := ns.cores[j]; core != "" && !sigma.NeedleIn(text, core) {
			return true
		}
		if !slices.ContainsFunc(group, func(n string) bool { return sigma.NeedleIn(text, n) }) {
			return true
		}
	}
	return false
}
