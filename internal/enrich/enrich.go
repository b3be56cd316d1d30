// Package enrich computes, once per event at normalisation, the facts most
// detections need: what a VM size means (vCPUs, GPUs, quota family), what an
// IP address is (Azure service tag and region, the tenant's own address) and
// whether an event touched mining-pool infrastructure. Its defaults are the
// intel files built into the binary (package mamori, data/); files that
// "mamori intel update" wrote into the user's data folder take precedence.
package enrich

import (
	"net/netip"
	"sync/atomic"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Options configure Load.
type Options struct {
	// DataDir is the user's intel folder ("mamori intel update" writes
	// there). Empty, or without intel files, means the built-in data only.
	DataDir string
	// OwnedIPs are the tenant's own addresses and ranges (--owned-ips).
	OwnedIPs []netip.Prefix
}

// Enricher fills event.Enrichment. Load builds it once; Apply, IP and the
// pool look-ups are then safe for concurrent use by any number of goroutines.
type Enricher struct {
	tags    *tagTable
	pools   *poolIntel
	owned   ownedSet
	regions regionTable
	scale   scaleTable
	// countWindow is SetCountWindow's, in nanoseconds; 0 for the default.
	countWindow atomic.Int64
	starts      startTable // what starts of existing machines woke (started.go)
	managed     managedTable
	remediated  remediations // risk detections their users remediated (risk.go)
	full        capped       // a table of what it learns refused an entry (Learned.Capped)
}

// Load reads the intel (built-in, overridden by Options.DataDir) and
// returns a ready Enricher. An error names the file at fault.
func Load(opts Options) (*Enricher, error) {
	if _, err := loadSizes(); err != nil {
		return nil, err
	}
	tags, err := loadTags(opts.DataDir)
	if err != nil {
		return nil, err
	}
	pools, err := loadPools(opts.DataDir)
	if err != nil {
		return nil, err
	}
	e := &Enricher{tags: tags, pools: pools}
	if len(opts.OwnedIPs) > 0 {
		e.owned.learn("", opts.OwnedIPs, ownedGiven)
	}
	return e, nil
}

// ipPair lets one allocation back both the source and destination facts.
type ipPair struct{ src, dst event.IPInfo }

// Apply fills ev.Enrich: Size for a compute create, and the request's
// vCPUs and GPUs in all (event.Compute.VCPUsTotal, GPUsTotal); SrcIP
// (control-plane caller, flow source, DNS client) and DstIP (flow
// destination) whenever the address is known; Pool when the flow, DNS
// query or process touched mining infrastructure. It first learns the
// public addresses an event gives the tenant (ev.PublicAddrs) as owned,
// and what the end of the hunt asks of regions, autoscale settings and
// the machines Azure Databricks writes (LateRegion, LateRequest, Managed).
// Events are enriched as they arrive, so an address learned from a later
// record does not mark the flows read before it.
func (e *Enricher) Apply(ev *event.Event) {
	if len(ev.PublicAddrs) > 0 {
		e.keep(e.owned.learn(ev.Tenant, ev.PublicAddrs, ownedRead))
	}
	e.learnRegion(ev)
	e.learnScale(ev)
	e.learnStarted(ev)
	e.learnManaged(ev)
	e.learnRemediated(ev)
	if ev.Compute != nil {
		if ev.Compute.Size != "" {
			if si, ok := SizeOf(ev.Compute.Size); ok {
				ev.Enrich.Size = &si
			}
		}
		totals(ev.Compute, ev.Enrich.Size)
	}
	// Refresh reads the same addresses through srcAddr and dstAddr.
	src, dst := srcAddr(ev), dstAddr(ev)
	switch {
	case ev.Flow != nil:
		if m, ok := e.flowPool(ev.Flow, dst); ok {
			ev.Enrich.Pool = &m
		}
	case ev.DNS != nil:
		if m, ok := e.PoolDomain(ev.DNS.Query); ok {
			ev.Enrich.Pool = &m
		}
	case ev.Process != nil:
		m, ok := e.PoolCommandLine(ev.Process.CommandLine)
		if !ok || kindRank[m.Kind] > kindRank[KindBinary] {
			if bm, bok := e.pools.binary(ev.Process.Image); bok {
				m, ok = bm, true
			}
		}
		if ok {
			ev.Enrich.Pool = &m
		}
	}
	if p := ev.Enrich.Pool; p != nil {
		p.Credit = e.PoolCredit(*p)
	}
	if src.IsValid() || dst.IsValid() {
		pair := &ipPair{}
		if src.IsValid() {
			pair.src = e.IPOf(ev.Tenant, src)
			ev.Enrich.SrcIP = &pair.src
		}
		if dst.IsValid() {
			pair.dst = e.IPOf(ev.Tenant, dst)
			ev.Enrich.DstIP = &pair.dst
		}
	}
}

// flowPool is the mining pool a flow goes to (to dst, its destination as
// enrichment reads it). An inbound flow's destination is the tenant's
// side: a miner port there is a listening service, not a miner dialling
// out.
func (e *Enricher) flowPool(f *event.Flow, dst netip.Addr) (event.PoolMatch, bool) {
	if f.Direction == "inbound" {
		return event.PoolMatch{}, false
	}
	m, ok := e.PoolEndpoint(dst, f.DstPort)
	// A firewall application rule names the host it let through: a pool
	// domain there is stronger than any port.
	if f.Host != "" {
		if d, dok := e.PoolDomain(f.Host); dok && (!ok || kindRank[d.Kind] < kindRank[m.Kind]) {
			m, ok = d, true
		}
	}
	return m, ok
}

// FlowPoolKind is the kind of mining pool Apply will find a flow event
// goes to (enrich.pool.kind), "" for none: what a hunt asks before
// enriching a flow in full (event.Glance.Pool). Addresses only ever become
// the tenant's own, so a flow with no pool now has none at the end.
func (e *Enricher) FlowPoolKind(ev *event.Event) string {
	if ev.Flow == nil {
		return ""
	}
	m, _ := e.flowPool(ev.Flow, dstAddr(ev))
	return m.Kind
}

// IPOf says what an address is to a tenant: the most specific Azure
// service tag holding it (a regional tag such as AzureCloud.eastus gives
// Region; an address in a global tag inherits the region of an enclosing
// regional tag), whether it is in any Azure/Microsoft range, and whether
// it is the tenant's own (tenant "": any tenant's, for a record that names
// none). An invalid address gives the zero IPInfo.
func (e *Enricher) IPOf(tenant string, a netip.Addr) event.IPInfo {
	if !a.IsValid() {
		return event.IPInfo{}
	}
	a = a.Unmap().WithZone("")
	info := e.tags.lookup(a)
	info.Owned = e.owned.contains(tenant, a)
	return info
}

// IP is IPOf for any tenant.
func (e *Enricher) IP(a netip.Addr) event.IPInfo { return e.IPOf("", a) }

// Azure reports whether IP says a is in Azure's ranges (IPInfo.Azure),
// without the rest of what IP looks up: a hunt asks it of records it may
// not decode (engine.Engine.SourceAzure).
func (e *Enricher) Azure(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	return e.tags.lookup(a.Unmap().WithZone("")).Azure
}

// PoolEndpoint reports whether a connection to ip:port went to a mining
// pool. A listed pool address is Kind ip. A port alone is weak evidence and
// is reported (Kind port) only when it is a strong miner port (ports.csv)
// and the peer is a public address outside every Azure range and not the
// tenant's own: Azure services and the tenant's VMs listen on such ports
// for their own reasons.
func (e *Enricher) PoolEndpoint(ip netip.Addr, port uint16) (event.PoolMatch, bool) {
	if !ip.IsValid() {
		return event.PoolMatch{}, false
	}
	ip = ip.Unmap().WithZone("")
	if en, ok := e.pools.ips[ip]; ok {
		return event.PoolMatch{Indicator: en.indicator, Kind: KindIP, Pool: en.pool}, true
	}
	pe, strong := e.pools.ports[port]
	if !strong || !publicAddr(ip) {
		return event.PoolMatch{}, false
	}
	if info := e.IP(ip); info.Azure || info.Owned {
		return event.PoolMatch{}, false
	}
	return event.PoolMatch{Indicator: pe.indicator, Kind: KindPort, Pool: pe.pool}, true
}

// publicAddr is a globally routable unicast address.
func publicAddr(a netip.Addr) bool {
	return a.IsGlobalUnicast() && !record.PrivateAddr(a)
}

// Own adds addresses the tenant owns, as Options.OwnedIPs gives them, for
// what is known only once the inputs are (a simulated tenant's truth).
// Call it before the first Apply.
func (e *Enricher) Own(ps []netip.Prefix) { e.owned.learn("", ps, ownedGiven) }

// Refresh re-reads whether the event's addresses are the tenant's own.
// Enrichment runs as records arrive, so an address learned from a
// publicIPAddresses write read later was not yet known when the event was
// enriched; at the end of a hunt the engine refreshes the events its rules
// matched. It reports whether anything changed.
func (e *Enricher) Refresh(ev *event.Event) bool {
	changed := false
	for _, p := range []struct {
		info *event.IPInfo
		addr netip.Addr
	}{{ev.Enrich.SrcIP, srcAddr(ev)}, {ev.Enrich.DstIP, dstAddr(ev)}} {
		if p.info != nil && !p.info.Owned && p.addr.IsValid() && e.owned.contains(ev.Tenant, p.addr) {
			p.info.Owned = true
			changed = true
		}
	}
	return changed
}

// srcAddr and dstAddr are the addresses Apply classifies.
func srcAddr(ev *event.Event) netip.Addr {
	switch {
	case ev.Flow != nil:
		return ev.Flow.Src
	case ev.DNS != nil:
		return ev.DNS.Client
	}
	return ev.SourceIP
}

func dstAddr(ev *event.Event) netip.Addr {
	if ev.Flow != nil {
		return ev.Flow.Dst
	}
	return netip.Addr{}
}
