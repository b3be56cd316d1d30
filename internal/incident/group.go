package incident

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// DefaultGap is how far apart in time two connected alerts may be and
// still be one incident.
const DefaultGap = 24 * time.Hour

// DefaultSharedBy is how many principals may act from one public
// address, or on one resource, over a tenant's alerts, for it still to tie
// their alerts together (Options.SharedBy). An attacker's address ties the
// account it escalated with to the one it deploys with and the identity
// it created (three in the simulated chain), and its scale set ties
// whoever installs drivers on it to whoever created it; an office's
// egress, behind which a whole company works, or the key vault every team
// reads, would tie everyone's alerts into one incident (a simulated tenant hunted with SigmaHQ's
// rules: twenty-six principals behind one address, thirty on one vault,
// one incident of ten days and thirty-two principals).
const DefaultSharedBy = 5

// Options tune Build. The zero value is the default.
type Options struct {
	// Gap is the longest quiet time between an alert and the incident it
	// joins: measured from the end of the incident's latest alert, so a
	// slow attack whose steps come a day apart stays one incident however
	// long it lasts. 0 means DefaultGap.
	Gap time.Duration
	// Prices prices the compute; nil means the built-in table.
	Prices *Prices
	// Created are the compute creates the hunt read, alerted on or not
	// (created.go): an incident is priced from every create its alerts'
	// principals made from its first alert to CreatedAfter past its end
	// (0: DefaultCreatedAfter), with those its alerts carry. Nil prices
	// from the alerts alone (a store keeps its cycles' creates:
	// store.Store.Created).
	Created      []Created
	CreatedAfter time.Duration
	// Floor is the severity an incident's cost per hour lifts it to
	// (floor.go); nil means the built-in data/prices/severity.csv.
	Floor []FloorStep
	// SeparateTelemetry keeps alerts that name no principal (flows, DNS,
	// processes on a host) in incidents of their own instead of attaching
	// them to the nearest incident of their subscription (see Build).
	SeparateTelemetry bool
	// SharedBy is how many principals may share a public address or a
	// resource, and how many subscriptions a machine's name, for it still
	// to link their alerts; 0 means DefaultSharedBy. A company of few
	// people behind one egress may want fewer; a team whose attacker used
	// many accounts, more.
	SharedBy int
}

// Build groups alerts into incidents and sets each alert's Incident field
// to the id of its incident: every alert belongs to exactly one incident,
// an alert that connects to nothing to one of its own, so every alert
// names its incident.
//
// A host's alert that names no tenant (in data of several tenants, read
// from a folder of several) first takes the tenant of the alerts that
// hold its machine's name, when they are one tenant's (adopt): its Tenant
// field is set, as Incident is.
//
// Alerts connect when they are of the same tenant (alerts of different
// tenants never meet) and share a link key (a principal, a resource or
// the resource it belongs to, a correlation id, a private IP address in
// the same subscription, or a public one of an alert that names a
// principal: the caller's address; or a machine's name, between an alert
// that names the host and one that created it, see hostLinks; an address
// or a resource that more than SharedBy principals share, an office's
// egress or the vault every team reads, links nothing; a machine made
// again by someone else, links.made, is another machine), and when
// the later one starts at
// most Gap after the end of the incident the earlier one is in by then.
// Connections are transitive (union-find).
//
// Network, DNS and host alerts name no principal, and their resources
// (a flow log, a host) rarely match the ARM resource the attacker
// created. An incident made only of such alerts is attached to the
// incident of the same subscription (any of the tenant when it names no
// subscription) that names a principal, shows someone taking control
// (initial access, escalation, persistence), its machines mining or a high
// or critical alert, and lies within Gap of it, preferring one that
// deployed compute, then the nearest in time. It joins that incident
// only: two attacks are never merged through it.
//
// The result does not depend on the order of alerts: they are processed
// sorted by time, then id (alert ids are unique: the engine derives them
// from rule and records), and an incident's id is a hash of its tenant
// and its first alert (incidentID). Incidents come sorted by first time,
// then id.
func Build(alerts []alert.Alert, opts Options) []Incident {
	adopt(alerts, opts.gap())
	return build(alerts, opts)
}

// build is Build once the alerts that can be have their tenant (adopt).
func build(alerts []alert.Alert, opts Options) []Incident {
	if len(alerts) == 0 {
		return nil
	}
	gap := opts.gap()
	prices := opts.Prices
	if prices == nil {
		// The built-in table is linted by the tests; were it broken, every
		// price would read unknown rather than Build failing.
		prices, _ = BuiltinPrices()
	}
	floor := priceFloor(opts.Floor)
	created := indexCreated(opts.Created)
	after := cmp.Or(opts.CreatedAfter, DefaultCreatedAfter)
	sharedBy := opts.SharedBy
	if sharedBy <= 0 {
		sharedBy = DefaultSharedBy
	}
	g := newGrouping(alerts, gap, sharedBy)
	for _, nodes := range g.byTenant() {
		g.link(nodes)
		if !opts.SeparateTelemetry {
			// Orphans that name a subscription first; then those that name
			// none, measured against incidents that now include the first.
			g.attach(nodes, true)
			g.attach(nodes, false)
		}
	}
	members := map[int][]int{}
	var roots []int
	for n := range g.order {
		r := g.find(n)
		if members[r] == nil {
			roots = append(roots, r)
		}
		members[r] = append(members[r], n)
	}
	out := make([]Incident, 0, len(roots))
	for _, r := range roots {
		as := make([]*alert.Alert, len(members[r]))
		for i, n := range members[r] {
			as[i] = g.alert(n)
		}
		in := assemble(as, g.stages, members[r], prices, floor)
		if extra := created.of(&in, as, after); len(extra) > 0 {
			in.reprice(as, extra, prices, floor)
		}
		for _, a := range as {
			a.Incident = in.ID
		}
		out = append(out, in)
	}
	slices.SortFunc(out, func(a, b Incident) int { return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID)) })
	return out
}

// gap is Options.Gap or its default.
func (o Options) gap() time.Duration {
	if o.Gap <= 0 {
		return DefaultGap
	}
	return o.Gap
}

// grouping is the union-find over alerts. Nodes are positions in the
// canonical order (time, then id), so the lowest node of a set is its
// first alert.
type grouping struct {
	alerts []alert.Alert
	order  []int       // node -> index in alerts
	parent forest      // over nodes
	end    []time.Time // per root: the latest end of its alerts
	stages [][]string  // per node
	gap    time.Duration
	// sharedBy: a public address or resource of more principals links
	// nothing (Options.SharedBy).
	sharedBy int
}

func newGrouping(alerts []alert.Alert, gap time.Duration, sharedBy int) *grouping {
	n := len(alerts)
	g := &grouping{alerts: alerts, order: make([]int, n), parent: make([]int, n),
		end: make([]time.Time, n), stages: make([][]string, n), gap: gap, sharedBy: sharedBy}
	for i := range g.order {
		g.order[i] = i
	}
	slices.SortStableFunc(g.order, func(i, j int) int {
		a, b := &alerts[i], &alerts[j]
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID), strings.Compare(a.Rule, b.Rule),
			a.LastTime.Compare(b.LastTime), strings.Compare(a.Tenant, b.Tenant))
	})
	for node := range g.order {
		g.parent[node] = node
		g.end[node] = alertEnd(g.alert(node))
		g.stages[node] = StagesOf(g.alert(node))
	}
	return g
}

func (g *grouping) alert(node int) *alert.Alert { return &g.alerts[g.order[node]] }

// alertEnd is when an alert's last contributing event happened.
func alertEnd(a *alert.Alert) time.Time {
	if a.LastTime.After(a.Time) {
		return a.LastTime
	}
	return a.Time
}

// byTenant splits the nodes by tenant, each list in canonical order.
func (g *grouping) byTenant() [][]int {
	at := map[string]int{}
	var out [][]int
	for node := range g.order {
		t := strings.ToLower(strings.TrimSpace(g.alert(node).Tenant))
		i, ok := at[t]
		if !ok {
			i = len(out)
			at[t] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], node)
	}
	return out
}

func (g *grouping) find(n int) int { return g.parent.find(n) }

// forest is a union-find: each element's parent, a root its own.
type forest []int

// add makes a new set of one element and returns it.
func (f *forest) add() int {
	*f = append(*f, len(*f))
	return len(*f) - 1
}

func (f forest) find(x int) int {
	for f[x] != x {
		f[x] = f[f[x]]
		x = f[x]
	}
	return x
}

// union joins two sets; the earlier root stays root.
func (g *grouping) union(a, b int) int {
	ra, rb := g.find(a), g.find(b)
	if ra == rb {
		return ra
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	g.parent[rb] = ra
	if g.end[rb].After(g.end[ra]) {
		g.end[ra] = g.end[rb]
	}
	return ra
}

// link joins the nodes of one tenant that share a key and are close in
// time. Each key remembers one node per set that holds it: a set may
// have grown through other keys since, so every set holding the key is
// checked against the new alert, not only the latest. A set that ended
// more than gap before the current alert is forgotten: alerts come in
// time order, so no later alert can join it.
//
// A machine's name held in any subscription ("r|*|…", "h|*|…", hostLinks)
// is what a host log, which names none, seeks. When the sets it would
// join hold that name in two subscriptions (a vm-web-01 in production and
// one in development), the name says not which machine it is: it joins
// neither, and the alert is left to attach (Build), which joins one
// incident at most.
func (g *grouping) link(nodes []int) {
	holders := map[string][]holder{}
	all := make([]links, len(nodes))
	for i, n := range nodes {
		all[i] = linkKeys(g.alert(n))
	}
	shared := sharedKeys(nodes, all, g.alert, g.sharedBy)
	seen := map[int]bool{}
	for i, n := range nodes {
		a := g.alert(n)
		keys := all[i]
		keys.held = slices.DeleteFunc(keys.held, func(h heldKey) bool { return shared[h.key] })
		keys.seek = slices.DeleteFunc(keys.seek, func(k string) bool { return shared[k] })
		for _, k := range keys.seek {
			if len(holders[k]) > 0 && keys.madeAnew(k) {
				// Made anew by someone else: those who held it before
				// held another machine of the name.
				holders[k] = slices.DeleteFunc(holders[k], func(h holder) bool { return !sameActor(g.alert(h.by), a) })
			}
			open := g.open(holders[k], n, a)
			if anySubscription(k) && subscriptions(open) > 1 {
				continue
			}
			for _, h := range open {
				g.union(n, h.node)
			}
		}
		for _, h := range keys.held {
			k := h.key
			// The open sets, once each: a name held in many
			// subscriptions keeps a set per subscription, which no
			// alert joins (thousands of Defender alerts on machines of
			// one name in as many subscriptions).
			var kept []holder
			clear(seen)
			for _, h := range g.open(holders[k], n, a) {
				if !seen[h.node] {
					seen[h.node] = true
					kept = append(kept, h)
				}
			}
			holders[k] = append(kept, holder{node: g.find(n), sub: h.sub, by: n})
		}
	}
}

// holder is a set that holds a key (one of its nodes), and for a name
// held in any subscription, the subscription it is held in; by is the
// node whose alert held it.
type holder struct {
	node int
	sub  string
	by   int
}

// anySubscription reports whether k is a machine's name in any
// subscription (hostLinks).
func anySubscription(k string) bool {
	return strings.HasPrefix(k, "r|*|") || strings.HasPrefix(k, "h|*|")
}

// open returns the sets among hs that alert a (node n) may join, by
// their roots: not its own, and ended within the gap of it.
func (g *grouping) open(hs []holder, n int, a *alert.Alert) []holder {
	var out []holder
	for _, h := range hs {
		if r := g.find(h.node); r != g.find(n) && a.Time.Sub(g.end[r]) <= g.gap {
			out = append(out, holder{r, h.sub, h.by})
		}
	}
	return out
}

// subscriptions counts the subscriptions hs hold a name in.
func subscriptions(hs []holder) int {
	var subs []string
	for _, h := range hs {
		if !slices.Contains(subs, h.sub) {
			subs = append(subs, h.sub)
		}
	}
	return len(subs)
}

// sharedKeys are the public address and resource keys (linkKeys) of more
// than limit principals among one tenant's alerts, and the machine names
// held in more than limit subscriptions: they link nothing. (A private
// address's key holds its subscription and names a machine; the
// machines' flows name no principal.)
func sharedKeys(nodes []int, keys []links, of func(node int) *alert.Alert, limit int) map[string]bool {
	person := people(nodes, of)
	who := map[string]map[int]bool{}
	for i := range nodes {
		if person[i] < 0 {
			continue
		}
		for _, h := range keys[i].held {
			if k := h.key; strings.HasPrefix(k, "r|") || strings.HasPrefix(k, "i|") && !strings.Contains(k[2:], "|") {
				if who[k] == nil {
					who[k] = map[int]bool{}
				}
				who[k][person[i]] = true
			}
		}
	}
	shared := map[string]bool{}
	for k, ps := range who {
		if len(ps) > limit {
			shared[k] = true
		}
	}
	// A machine's name held in more subscriptions than limit (an AKS
	// node's, a template's vm-0) says which machine no better: it links
	// nothing either. A name held in two at once joins no one already
	// (link); this keeps the sets that hold it from piling up, each
	// checked against every later alert (5,000 Defender alerts on one
	// name in as many subscriptions took 89 s).
	subs := map[string]map[string]bool{}
	for i := range nodes {
		for _, h := range keys[i].held {
			if !anySubscription(h.key) {
				continue
			}
			if subs[h.key] == nil {
				subs[h.key] = map[string]bool{}
			}
			if subs[h.key][h.sub] = true; len(subs[h.key]) > limit {
				shared[h.key] = true
			}
		}
	}
	return shared
}

// people numbers who each alert names (-1: no one). Alerts whose
// principal ids meet are one person, however each names them (a UPN in a
// sign-in, the object id beside it in an ARM write), so one attacker
// spelled two ways does not count twice toward the limit.
func people(nodes []int, of func(node int) *alert.Alert) []int {
	var ids forest
	byID := map[string]int{}
	out := make([]int, len(nodes))
	for i, n := range nodes {
		a := of(n)
		out[i] = -1
		for _, id := range a.Acting() {
			if id = strings.ToLower(strings.TrimSpace(id)); id == "" {
				continue
			}
			p, ok := byID[id]
			if !ok {
				p = ids.add()
				byID[id] = p
			}
			if out[i] < 0 {
				out[i] = p
			} else if r, q := ids.find(out[i]), ids.find(p); r != q {
				ids[q] = r
			}
		}
	}
	for i := range out {
		if out[i] >= 0 {
			out[i] = ids.find(out[i])
		}
	}
	return out
}

// set is a connected component of one tenant, for attach.
type set struct {
	root        int
	first, last time.Time
	subs        []string
	principal   bool // an alert names a principal
	compute     bool // an alert is in the deployment or drivers stage
	control     bool // an alert is in the initial access, escalation or persistence stage
	mining      bool // an alert is in the mining stage (Defender's verdict on its machines)
	severe      bool // an alert is high or critical (a mass deployment, a fan-out)
}

// attach joins each set without a principal, among those that name a
// subscription (withSubs) or those that name none, to the nearest set
// with one (see Build). Candidates are measured before any attachment of
// the pass, so the outcome does not depend on the order sets are visited
// in.
func (g *grouping) attach(nodes []int, withSubs bool) {
	bySet := map[int]*set{}
	var sets []*set
	for _, n := range nodes {
		r := g.find(n)
		s := bySet[r]
		if s == nil {
			s = &set{root: r, first: g.alert(n).Time}
			bySet[r] = s
			sets = append(sets, s)
		}
		a := g.alert(n)
		if e := alertEnd(a); e.After(s.last) {
			s.last = e
		}
		if strings.TrimSpace(a.Principal) != "" {
			s.principal = true
		}
		if slices.Contains(g.stages[n], "deployment") || slices.Contains(g.stages[n], "drivers") {
			s.compute = true
		}
		for _, st := range []string{"initial_access", "escalation", "persistence"} {
			if slices.Contains(g.stages[n], st) {
				s.control = true
			}
		}
		if slices.Contains(g.stages[n], "mining") {
			s.mining = true
		}
		if a.Severity >= alert.High {
			s.severe = true
		}
		if sub := strings.ToLower(strings.TrimSpace(a.Subscription)); sub != "" && !slices.Contains(s.subs, sub) {
			s.subs = append(s.subs, sub)
		}
	}
	for _, orphan := range sets {
		if orphan.principal || (len(orphan.subs) > 0) != withSubs {
			continue
		}
		var best *set
		var bestDist time.Duration
		for _, c := range sets {
			// Only a set where someone took control, whose machines are
			// already known to mine (Defender's alert on the compute it
			// created), or that is alarming on its own (a mass
			// deployment, a fan-out across regions) adopts telemetry that
			// names no one: a pool lookup near the data-science team's
			// weekly GPU machines is not theirs for being near them. A
			// service principal whose stolen secret deploys miners shows
			// no sign-in or grant.
			if !c.principal || !c.control && !c.mining && !c.severe || !shareSubscription(orphan, c) {
				continue
			}
			d := distance(orphan, c)
			if d > g.gap {
				continue
			}
			if best == nil || better(c, d, best, bestDist) {
				best, bestDist = c, d
			}
		}
		if best != nil {
			g.union(orphan.root, best.root)
		}
	}
}

// shareSubscription: an orphan that names subscriptions attaches only
// within them; one that names none (a host alert) anywhere in its tenant.
func shareSubscription(orphan, c *set) bool {
	if len(orphan.subs) == 0 {
		return true
	}
	for _, s := range orphan.subs {
		if slices.Contains(c.subs, s) {
			return true
		}
	}
	return false
}

// distance between two spans of time; 0 when they overlap.
func distance(a, b *set) time.Duration {
	return max(a.first.Sub(b.last), b.first.Sub(a.last), 0)
}

// better prefers a set that deployed compute (mining follows deployment),
// then the nearer, then the earlier.
func better(c *set, d time.Duration, best *set, bestDist time.Duration) bool {
	if c.compute != best.compute {
		return c.compute
	}
	if d != bestDist {
		return d < bestDist
	}
	return c.root < best.root
}

// incidentID hashes the tenant and the incident's first alert (by time,
// then id): the same alerts give the same id on every run and in any
// order, and an incident keeps its id as later alerts join it. A service
// (serve, its messages, 'mamori alerts') names an attack that grows over
// its cycles by one id; it changes only when an alert earlier than all
// the others joins (a log read late), or two incidents become one. No
// two incidents share a first alert: an alert is in one incident.
func incidentID(tenant string, as []*alert.Alert) string {
	first := slices.MinFunc(as, func(a, b *alert.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
	})
	sum := sha256.Sum256([]byte(strings.ToLower(tenant) + "\x00" + first.ID))
	return "inc-" + hex.EncodeToString(sum[:10])
}
