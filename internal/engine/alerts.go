package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// Stats says what the merge did.
type Stats struct {
	Hits int // rule matches, duplicates and thinned ones included (thin.go)
	// Duplicates counts matches of a record already seen under the same
	// rule, under rules whose matches are never thinned (countedCopy):
	// the same for every hunt of the same input.
	Duplicates int
}

// Alerts merges the workers' hits into alerts: duplicates of a record count
// once, hits of a rule with the same merge-by values become one alert.
// With correlations, the hits then go through them in event time, and the
// base rules of correlations that do not generate make no alert of their
// own. Alerts come sorted by time, then rule, then id, whichever worker
// read what. Call it once, after the last Eval; it removes the hunt's
// temporary files. The error is a failure to keep or read back hits.
func (e *Engine) Alerts(c *Correlations) ([]alert.Alert, Stats, error) {
	defer e.Close()
	if err := e.Err(); err != nil {
		return nil, Stats{}, err
	}
	seq, st, err := e.sorted()
	if err != nil {
		return nil, st, err
	}
	var silent func(string) bool
	var feeds *corrFeeds
	if c != nil && c.Set != nil {
		silent = c.Set.Silent
		feeds = e.newCorrFeeds(c, e.ruleHits())
	}
	whose := tenantFor{only: e.onlyTenant(), owners: e.Owners}
	byGroup := map[string]*alert.Alert{}
	shown := map[*alert.Alert]int{} // the machines the summary names, when more than one
	var out []*alert.Alert
	// The correlations read the hits on goroutines of their own, in
	// batches and in order, while this one decodes them and builds the
	// rules' own alerts: on two cores the end of the hunt, which runs
	// after every worker is done, takes about half as long.
	var fed *feeders
	if feeds != nil {
		fed = feeds.start()
	}
	// Hits of silenced rules only feed the correlations: scan reads them
	// lightly.
	light := make([]bool, len(e.rules))
	for i, r := range e.rules {
		light[i] = silent != nil && silent(r.Name)
	}
	// Where hits were spilled, a fire's members are read where scan
	// noted they lie.
	var locs *hitLocs
	if feeds != nil && seq.runs != nil {
		if locs, err = e.spill.newHitLocs(); err != nil {
			return nil, st, err
		}
		defer locs.close()
	}
	var unread []bool
	if feeds != nil {
		unread = feeds.unread
	}
	dropped, err := e.scan(seq, whose, light, unread, locs, func(ref int, h *keptHit) {
		if fed != nil {
			fed.add(ref, h)
		}
		if e.Created != nil && h.compute != nil {
			p := h.principal
			e.Created(h.tenant, h.time, alert.AddUnique(nil, strings.ToLower(p.UPN), strings.ToLower(p.ID), strings.ToLower(p.AppID)),
				*h.compute)
		}
		r := e.rules[h.rule]
		if silent != nil && silent(r.Name) {
			return
		}
		// The id names the rule by its name, not its place in this
		// catalogue: a rule added before it must not change the ids a
		// store already holds (serve reads carried records again).
		id := h.tenant + "|"
		if h.group != "" {
			id += h.group
		} else {
			id += h.key
		}
		gk := strconv.Itoa(h.rule) + "|" + id
		a := byGroup[gk]
		if a == nil {
			a = &alert.Alert{
				ID:           alertID(r.Name, id),
				Rule:         r.Name,
				RuleVersion:  r.Version,
				Title:        r.Sigma.Title,
				Severity:     r.Severity,
				Time:         h.time,
				Tenant:       h.tenant,
				Subscription: h.sub,
				Principal:    principal(h.principal),
				Summary:      summaryFor(r, h),
				Tags:         r.Sigma.Tags,
				Stage:        r.Stage,
			}
			byGroup[gk] = a
			out = append(out, a)
			if h.compute != nil && h.compute.Count > 1 {
				shown[a] = h.compute.Count
			}
		} else if sum := summaryFor(r, h); strings.Count(sum, "?") < strings.Count(a.Summary, "?") {
			// A later record of the same action may know more (the
			// Succeeded record names both tenants of a move; the Start
			// record does not).
			a.Summary = sum
		} else if c := h.compute; c != nil && c.Count > max(shown[a], 1) && strings.Count(sum, "?") == strings.Count(a.Summary, "?") {
			// One record's machines of several sizes or priorities (an
			// Azure Databricks cluster's driver and workers) are as
			// many events, in no order of time: the summary names the
			// most machines.
			a.Summary, shown[a] = sum, c.Count
		}
		extend(a, h)
	})
	if fed != nil {
		fed.wait() // also on error: the goroutine must end
	}
	if err == nil && locs != nil {
		err = locs.done()
	}
	if err != nil {
		return nil, st, err
	}
	res := make([]alert.Alert, len(out))
	for i, a := range out {
		res[i] = *a
	}
	if feeds != nil {
		fa, err := feeds.alerts(e, seq, whose, dropped, locs)
		if err != nil {
			return nil, st, err
		}
		res = append(res, fa...)
	}
	Sort(res)
	return res, st, nil
}

// decode reads one hit and gives it its tenant if it names none (the
// only one, or its owners').
func (e *Engine) decode(rec []byte, whose tenantFor) (*keptHit, error) {
	h, err := decodeHit(rec, e.needsOf)
	if err != nil {
		return nil, err
	}
	if h.rule < 0 || h.rule >= len(e.rules) { // a garbled header may name rule -1
		return nil, errCorrupt
	}
	whose.fill(h)
	e.settle(h)
	return h, nil
}

// settle gives a decoded hit what the end of the hunt knows and its
// record did not: its region, a request's or scale action's machines, a
// size change's capacity; and it drops the compute of a create Azure
// refused (dropRefused).
func (e *Engine) settle(h *keptHit) {
	e.lateRegion(h)
	e.lateRequest(h)
	e.lateScale(h)
	e.lateCapacity(h)
	e.dropRefused(h)
}

// namesOf names the correlation fields a rule's hits carry.
func (e *Engine) namesOf(rule int) []string {
	if rule < 0 || rule >= len(e.rules) {
		return nil
	}
	return e.rules[rule].names
}

// needsOf names the correlation fields a rule's hits carry.
func (e *Engine) needsOf(rule int) []need {
	if rule < 0 || rule >= len(e.rules) {
		return nil
	}
	return e.rules[rule].needs
}

// Sort orders alerts by time, then rule, then id.
func Sort(as []alert.Alert) {
	slices.SortFunc(as, func(a, b alert.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.ID, b.ID))
	})
}

// alertID is deterministic: the same rule and group give the same id on
// every run, so a replayed hunt does not duplicate alerts in a store.
func alertID(rule, groupKey string) string {
	sum := sha256.Sum256([]byte(rule + "\x00" + groupKey))
	return hex.EncodeToString(sum[:10])
}

// extend adds one contributing hit to an alert.
func extend(a *alert.Alert, h *keptHit) {
	a.Count++
	if h.time.After(a.Time) && h.time.After(a.LastTime) {
		a.LastTime = h.time
	}
	a.IPs = alert.AddUnique(a.IPs, h.ips()...)
	p := h.principal
	a.PrincipalIDs = alert.AddUnique(a.PrincipalIDs, strings.ToLower(p.UPN), strings.ToLower(p.ID), strings.ToLower(p.AppID))
	a.CorrelationIDs = alert.AddUnique(a.CorrelationIDs, strings.ToLower(h.corrID))
	if h.resource != "" {
		a.Resources = alert.AddUnique(a.Resources, h.resource)
	}
	if h.hosts != "" {
		a.Hosts = alert.AddUnique(a.Hosts, hostList(strings.Clone(h.hosts))...)
	}
	if c := h.compute; c != nil {
		// Every contributing create is listed: copies, so that they do not
		// hold the whole decoded hit their strings come from.
		a.Compute = append(a.Compute, alert.Compute{Service: strings.Clone(c.Service), Size: strings.Clone(c.Size), Count: c.Count,
			Region: strings.Clone(c.Region), Spot: c.Spot, Resource: strings.Clone(c.Resource), Operation: strings.Clone(c.Operation),
			CountNote: c.CountNote, Cluster: strings.Clone(c.Cluster)})
	}
	if len(a.Evidence) < alert.MaxEvidence {
		a.Evidence = append(a.Evidence, alert.Evidence{
			File: h.loc.File, Line: h.loc.Line, Offset: h.loc.Offset, Index: h.loc.Index,
			EventID: h.eventID, Time: h.time, Shape: h.shape, Operation: h.operation,
		})
	}
}

// computeOf says what compute an event created, for the cost estimate:
// only a create that did not fail, counted once per operation (the Start
// record carries the request). An autoscale setting's instances are
// priced at their target's size, known only at the end of the hunt
// (lateRequest): until then they have none; so are autoscale's own
// scale-outs (lateScale).
//
// A start of machines that exist (event.StartsCompute, or an Azure ML
// job waking its workspace's cluster: Wakes) is priced as them: its
// count, 0 for a scale set or cluster started whole or a job, and its
// size are settled by lateRequest from the resource's own writes.
func computeOf(ev *event.Event) *alert.Compute {
	c := ev.Compute
	if c != nil && event.IsAutoscaleAction(ev.Operation) {
		// Autoscale's scale-out: the machines its target runs after it,
		// which the end of the hunt names and sizes (lateScale). A
		// resource is priced once, at its largest count, so the set's
		// own write and its scale-outs price its peak, not their sum.
		if c.Count <= 0 {
			return nil
		}
		return &alert.Compute{Service: c.Service, Count: c.New, Region: ev.Region, Resource: ev.ResourceID, Operation: ev.CorrelationID}
	}
	start := c != nil && (event.StartsCompute(ev.Operation) || c.Wakes > 0)
	if c == nil || ev.Outcome == event.OutcomeFailed || !start && c.Size == "" && c.GPUs == 0 && (c.Target == "" || c.Count <= 0) {
		return nil
	}
	n := c.Count
	if n <= 0 && !start && !CountUnknown(c.CountNote) { // an unknown count is not one
		n = 1
	}
	return &alert.Compute{Service: c.Service, Size: c.Size, Count: n, Region: ev.Region, Spot: c.Priority == "Spot" || c.Priority == "Low" || c.LowPri > 0, Resource: computeResource(ev), Operation: ev.CorrelationID,
		CountNote: c.CountNote, Cluster: c.Cluster}
}

// computeResource is the resource whose machines an event's compute is,
// as the cost counts it once: the event's own, but for an Azure
// Databricks cluster, which is no Azure resource and whose records name
// its workspace: the workspace's id and /clusters/<id>, so that two
// clusters of one workspace are priced apart. The hit encodes what it
// adds to the event's resource (appendRecordPart).
func computeResource(ev *event.Event) string {
	c := ev.Compute
	if c.Service != "databricks" || c.Cluster == "" || ev.ResourceID == "" {
		return ev.ResourceID
	}
	_, id, _ := strings.Cut(c.Cluster, "/")
	return ev.ResourceID + "/clusters/" + id
}

// CountUnknown reports whether a compute's note says its count is not
// known (until the end of the hunt, for a scale set's size change).
func CountUnknown(note string) bool {
	return note == event.CountFormulaUnknown || note == event.CountCapacityUnknown
}

func principal(p event.Principal) string {
	return cmp.Or(p.UPN, p.ID, p.AppID, p.Name)
}

// onlyTenant is the hunt's only tenant, if it has one: hits without a
// tenant are given it. Some shapes do not name their tenant (a Graph
// directoryAudits page, a host's log); when the data holds one tenant,
// they are that tenant's, and only then: with several tenants an unnamed
// record stays unattributed rather than being guessed into one. The
// tenants known before the hunt (Known) count as the data's.
func (e *Engine) onlyTenant() string {
	only := ""
	for _, tenants := range []map[string]time.Time{e.TenantStart(), e.Known} {
		for t := range tenants {
			if t == "" || t == only {
				continue
			}
			if only != "" {
				return ""
			}
			only = t
		}
	}
	return only
}

// summaryFor is a hit's alert summary: its record's, and, for a rule that
// asks whether an address is the tenant's own (an ARM write from an Azure
// address not the tenant's), the caller's address when the record's
// summary does not hold it: that address is why the rule fired.
func summaryFor(r *rule, h *keptHit) string {
	src := h.addrs.source
	if !src.IsValid() || r.Compiled == nil || !r.Compiled.Refreshed() {
		return h.summary
	}
	if a := src.String(); !strings.Contains(h.summary, a) {
		return h.summary + ", from " + a
	}
	return h.summary
}
