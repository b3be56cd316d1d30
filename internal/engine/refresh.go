package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
)

// altEvent is a worker's scratch for the event as a late refresh would
// see it: an address marked owned.
type altEvent struct {
	fe       *fields.Event
	ev       event.Event
	src, dst event.IPInfo
}

// variants decides now what refresh would decide at the end of the hunt,
// since the event is gone by then. An address not owned when the event was
// read may turn out to be (a publicIPAddresses write read later): the
// event's hits are then evaluated again, with that address owned. Which
// addresses will turn is known only at the end, so each possible case
// (source, destination, both) is evaluated here and kept as a bit per
// hit; Refresh picks the case. Only a rule that reads whether an address
// is owned (sigma.Compiled.Refreshed) can match differently: every other
// rule keeps its hit in every case, unevaluated.
func (e *Engine) variants(ws *workerState, ev *event.Event) {
	ws.keep = ws.keep[:0]
	asks := false // a matched rule reads ownership
	for _, i := range ws.matched {
		if e.rules[i].Compiled.Refreshed() {
			ws.keep = append(ws.keep, 0)
			asks = true
		} else {
			ws.keep = append(ws.keep, keepSrc|keepDst|keepBoth)
		}
	}
	if e.Refresh == nil || !asks {
		return
	}
	src := ev.Enrich.SrcIP != nil && !ev.Enrich.SrcIP.Owned
	dst := ev.Enrich.DstIP != nil && !ev.Enrich.DstIP.Owned
	for _, c := range [...]struct {
		src, dst bool
		bit      uint8
	}{{true, false, keepSrc}, {false, true, keepDst}, {true, true, keepBoth}} {
		if c.src && !src || c.dst && !dst {
			continue
		}
		a := &ws.alt
		a.ev = *ev // the record as it is: only who owns an address changes
		if c.src {
			a.src = *ev.Enrich.SrcIP
			a.src.Owned = true
			a.ev.Enrich.SrcIP = &a.src
		}
		if c.dst {
			a.dst = *ev.Enrich.DstIP
			a.dst.Owned = true
			a.ev.Enrich.DstIP = &a.dst
		}
		a.fe.Reset(&a.ev)
		for j, i := range ws.matched {
			if e.rules[i].Compiled.Refreshed() && e.rules[i].Compiled.Match(a.fe) {
				ws.keep[j] |= c.bit
			}
		}
	}
	ws.alt.ev = event.Event{} // hold nothing of the record past this call
}

// stillMatches brings a hit's enrichment up to date through Refresh and
// says whether its rule still matches: an address found to be the
// tenant's own after a sign-in from it was read makes that sign-in no
// longer "not owned". Refresh sees the hit's addresses and which of them
// were not owned; the answer for each case was evaluated by variants.
// sc is the caller's scratch: most hits of a hunt ask (an Activity Log
// caller address is seldom the tenant's), and a new event for each was
// the largest allocation of the end of the hunt.
func (e *Engine) stillMatches(h *keptHit, sc *refreshScratch) bool {
	a := h.addrs
	const every = keepSrc | keepDst | keepBoth // a rule that does not ask
	if e.Refresh == nil || !a.srcCand && !a.dstCand || h.keep&every == every {
		return true
	}
	ev := &sc.ev
	*ev = event.Event{SourceIP: a.source, Tenant: h.tenant} // an address is its tenant's own
	if a.flow {
		sc.flow = event.Flow{Src: a.src, Dst: a.dst}
		ev.Flow = &sc.flow
	}
	if a.dns {
		sc.dns = event.DNS{Client: a.client}
		ev.DNS = &sc.dns
	}
	src, dst := &sc.src, &sc.dst
	*src, *dst = event.IPInfo{}, event.IPInfo{}
	if a.srcCand {
		ev.Enrich.SrcIP = src
	}
	if a.dstCand {
		ev.Enrich.DstIP = dst
	}
	if !e.Refresh(ev) {
		return true
	}
	switch {
	case src.Owned && dst.Owned:
		return h.keep&keepBoth != 0
	case src.Owned:
		return h.keep&keepSrc != 0
	case dst.Owned:
		return h.keep&keepDst != 0
	}
	return true
}

// refreshScratch is what stillMatches hands Refresh, reused from hit to
// hit by one goroutine.
type refreshScratch struct {
	ev       event.Event
	flow     event.Flow
	dns      event.DNS
	src, dst event.IPInfo
}

// lateRegion gives a hit whose event named no region the one learned
// since (LateRegion): its compute, and its "region" field for the
// correlations that count or group by it.
func (e *Engine) lateRegion(h *keptHit) {
	if e.LateRegion == nil || h.resource == "" {
		return
	}
	var r string
	ask := func() string {
		if r == "" {
			r = e.LateRegion(h.resource)
		}
		return r
	}
	if c := h.compute; c != nil && c.Region == "" {
		if c.Region = ask(); c.Region != "" {
			h.summary = strings.Replace(h.summary, fmt.Sprintf(inRegion, "?"), fmt.Sprintf(inRegion, c.Region), 1)
		}
	}
	if vs, ok := h.fields["region"]; ok && len(vs) == 0 {
		if ask() != "" {
			h.fields["region"] = []string{r}
		}
	}
	for i, n := range h.names {
		if n == "region" && len(h.vals[i]) == 0 && ask() != "" {
			h.vals[i] = []string{r}
		}
	}
}

// lateRequest settles an autoscale setting's hit (LateRequest): the
// correlations that sum compute.count count once the instances its writer
// also asked for in the target's own write, and the alert prices the
// setting's floor as the target's machines, once the hunt read their size.
// The priced compute keeps the floor and names the target: alerts price a
// resource once, at its largest count (incident.ComputeOf), so the
// target's own write and the setting price the machines that run there,
// not their sum. A size the hunt did not read (the target written before
// the input begins) leaves the floor an unpriced line, as any size the
// prices lack: unknown, never free (incident.Cost). The record's summary
// keeps what the setting asked. A Batch pool's create or resize read from
// the Batch service log (its target the pool) is settled alike: what an
// ARM write of the pool asked is taken off its count, and a resize, which
// names no size, gets the pool's; a create keeps its own when LateRequest
// knows none. A start of machines that exist (its target the resource
// itself) takes the size and, started whole, the count its writes named.
func (e *Engine) lateRequest(h *keptHit) {
	if !h.scaled || e.LateRequest == nil {
		return
	}
	late := func(vs []string) {
		for i, v := range vs {
			if n, err := strconv.Atoi(v); err == nil {
				n, _, _ = e.LateRequest(h.resource, h.principal.ID, h.time, n)
				vs[i] = strconv.Itoa(n)
			}
		}
	}
	if vs, ok := h.fields[countField]; ok {
		late(vs)
	}
	for i, n := range h.names {
		if n == countField {
			late(h.vals[i])
		}
	}
	if c := h.compute; c != nil {
		added, target, size := e.LateRequest(h.resource, h.principal.ID, h.time, c.Count)
		if size != "" { // a Batch pool's create named its own
			c.Size = size
		}
		if target != "" {
			c.Resource = target
		}
		lateTotals(h, c.Size, added)
		// Only a start has no count of its own (computeOf): a scale set
		// or cluster started whole is the machines its writes said it
		// holds. With none read, what it woke is unknown: no price, not
		// "1 instance".
		if c.Count <= 0 {
			c.Count = added
		}
		if c.Count <= 0 {
			h.compute = nil
		}
	}
}

// lateScale settles autoscale's record of a scale action of its own
// (LateScale). The correlations that sum compute.count count what the
// action added beyond what its setting's write counted, and those that
// group by principal see it as the setting's last writer's: the autoscale
// service acts for whoever set it up. With no such write read, it is
// attributed to the setting: principal.id reads the setting's id, so that
// each setting's actions are summed on their own, neither with another
// setting's nor with every record that names no principal, and the
// alert's principal stays the autoscale service the record names. The
// priced compute names the target, at its size once known.
func (e *Engine) lateScale(h *keptHit) {
	if !h.action || e.LateScale == nil {
		return
	}
	cr := e.LateScale(h.resource, h.target, h.time, h.from, h.to)
	added := []string{strconv.Itoa(cr.Added)}
	w := cr.Writer
	values := map[string]string{"principal.id": strings.ToLower(h.resource)}
	if !w.Empty() {
		values = map[string]string{"principal.id": w.ID, "principal.upn": w.UPN, "principal.name": w.Name,
			"principal.type": w.Type, "principal.app_id": w.AppID, "principal.tenant_id": w.TenantID}
		h.principal = event.Principal{ID: w.ID, UPN: w.UPN, Name: w.Name, AppID: actingApp(w)}
	}
	h.setField(countField, added)
	for name, v := range values {
		vs := []string{}
		if v != "" {
			vs = []string{v}
		}
		h.setField(name, vs)
	}
	lateTotals(h, cr.Size, cr.Added)
	if c := h.compute; c != nil {
		c.Size = cr.Size
		if cr.Target != "" {
			c.Resource = cr.Target
		}
		if c.Region == "" {
			c.Region = cr.Region
		}
		if c.Service == "" {
			c.Service = cr.Service
		}
	}
}

// lateTotals gives a settled request its vCPUs and GPUs in all: the
// machines it adds (added) of the size its target's writes named. The
// event had none when it named no size (a setting, a pool's resize), or
// its whole count's (a Batch pool's create, which an ARM write of the pool
// may have counted already). A size still unknown leaves them absent.
func lateTotals(h *keptHit, size string, added int) {
	vcpus, gpus, ok := enrich.Totals(size, added)
	for _, f := range [...]struct {
		name string
		v    float64
	}{{vcpusTotalField, vcpus}, {gpusTotalField, gpus}} {
		var vs []string
		if ok {
			vs = []string{strconv.FormatFloat(f.v, 'f', -1, 64)}
		}
		h.setField(f.name, vs)
	}
}

// setField gives a correlation field the hit carries the values vs,
// whichever decode gave it (fields, or names and vals); a field the hit
// does not carry is left alone.
func (h *keptHit) setField(name string, vs []string) {
	if _, ok := h.fields[name]; ok {
		h.fields[name] = vs
	}
	for i, n := range h.names {
		if n == name {
			h.vals[i] = vs
		}
	}
}

// countField is the field the correlations on compute sum; the volume
// correlations sum vcpusTotalField and gpusTotalField.
const (
	countField      = "compute.count"
	vcpusTotalField = "compute.vcpus_total"
	gpusTotalField  = "compute.gpus_total"
)

// managed says a hit is of a VM Azure Databricks wrote for a cluster
// whose requests, read in its clusters log, count the machine already
// (Managed): every record of the VM's writes, whether or not it carried
// the request body whose tags name the cluster (the Accept and Succeeded
// records do not), is passed over alike.
func (e *Engine) managed(h *keptHit) bool {
	return e.Managed != nil && h.operation == event.OpVMWrite && h.resource != "" && e.Managed(h.resource)
}

// remediated says a hit is of an ID Protection risk detection its user
// remediated in a record the hunt read (Remediated), its open record's
// hits included.
func (e *Engine) remediated(h *keptHit) bool {
	return e.Remediated != nil && h.eventID != "" && event.IsRiskDetection(h.operation) && e.Remediated(h.eventID)
}

// lateCapacity gives a scale set's size change its machines: the last
// capacity the hunt read for the set at or before it (LateCapacity). The
// correlations' compute.count is left as it was: a size change asks for
// no new machine; the alert prices the machines that now run the size.
func (e *Engine) lateCapacity(h *keptHit) {
	c := h.compute
	if c == nil || c.CountNote != event.CountCapacityUnknown || c.Count > 0 || e.LateCapacity == nil {
		return
	}
	if n := e.LateCapacity(c.Resource, h.time); n > 0 {
		c.Count, c.CountNote = n, ""
	}
}
