package simulate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// VNet flow logs (flowLogVersion 4), as Network Watcher writes them to a
// storage account: one PT1H.json per flow log, hour and network interface,
// a {"records":[…]} object whose records hold NSG rule groups of tuples
// "time,src,dst,sport,dport,proto,dir,state,encryption,packets and bytes
// each way". The tenant enables them in every region by Azure Policy (the
// built-in "Configure virtual networks to enable flow log" does), so the
// attacker's new networks are logged too.
//
// Flows draw from their own random stream (gen.fr): adding them left every
// other record of a seed as it was.

// endpoint is a mining pool as a miner is pointed at it.
type endpoint struct {
	host string
	port int
	ip   string // what the host resolved to: public, outside Azure
}

// poolEndpoints are the pools the attacks mine on, with ports their
// operators publish. The addresses stand in for the pools' own; they lie in
// hosting providers' ranges, outside Azure and the tenant.
var poolEndpoints = map[string][]endpoint{
	"fr.moneroocean.stream":   {{"fr.moneroocean.stream", 10128, "5.196.23.10"}, {"fr.moneroocean.stream", 10032, "5.196.23.10"}},
	"gulf.moneroocean.stream": {{"gulf.moneroocean.stream", 10128, "5.196.23.11"}, {"gulf.moneroocean.stream", 10032, "5.196.23.11"}},
	"pool.supportxmr.com":     {{"pool.supportxmr.com", 3333, "94.130.164.60"}, {"pool.supportxmr.com", 5555, "94.130.164.60"}, {"pool.supportxmr.com", 443, "94.130.164.60"}},
	"xmr-eu1.nanopool.org":    {{"xmr-eu1.nanopool.org", 14444, "51.15.65.182"}, {"xmr-eu1.nanopool.org", 14433, "51.15.65.182"}},
	"pool.hashvault.pro":      {{"pool.hashvault.pro", 3333, "95.216.46.125"}, {"pool.hashvault.pro", 443, "95.216.46.125"}},
	"alphablockmonero.xyz":    {{"alphablockmonero.xyz", 3333, "37.187.95.110"}, {"alphablockmonero.xyz", 5555, "37.187.95.110"}, {"alphablockmonero.xyz", 7777, "37.187.95.110"}},
}

// proxyAddrs stand in for an attacker's own mining proxy (XMRig's proxy on
// a rented server, forwarding to a pool): no list names it and it listens
// on 443, so a flow log shows a connection like any other, and the miners
// reach it by its address, so no lookup names a pool. TEST-NET-1 (RFC
// 5737): public in form, and in no intel list.
var proxyAddrs = []string{"192.0.2.44", "192.0.2.97", "192.0.2.180"}

// proxyEndpoint is one of them, on 443.
func proxyEndpoint(r *rand.Rand) endpoint {
	a := pick(r, proxyAddrs)
	return endpoint{host: a, port: 443, ip: a}
}

// named reports whether the miners reach ep by a name (a pool's), which
// they look up first, rather than by its address.
func (ep endpoint) named() bool { return ep.host != ep.ip }

// stratumPorts are ports pools publish that no common service uses
// (strong in data/mining/ports.csv: Falco's Stratum ports, and the pools'
// own such as MoneroOcean's difficulty ports 10032 and 10128): a flow log
// alone shows an outbound connection to one of them as mining. 443 shows
// nothing without the pool's address. TestPoolPortsAreWhatTheTruthSays
// holds the list to the data.
var stratumPorts = []int{3333, 4444, 5555, 7777, 10032, 10128, 14433, 14444}

// poolPort picks one of host's published endpoints; port, when not zero,
// keeps that port (a miner configured with it).
func (g *gen) poolEndpoint(host string, port int) endpoint {
	eps := poolEndpoints[host]
	if port != 0 {
		for _, e := range eps {
			if e.port == port {
				return e
			}
		}
	}
	return pick(g.fr, eps)
}

// network is a virtual network whose flows are logged: the tenant's spoke
// network of a region, or one an attack made where the tenant has none.
// proxied says its machines resolve names through the tenant's firewall,
// as the spoke networks do (their DNS server is its DNS proxy); a network
// an attacker makes uses Azure's own DNS, which no log of the tenant's
// shows.
type network struct {
	loc, vnet, nsg string // the ids as flow logs give them
	proxied        bool
}

// spoke is the tenant's spoke network in loc (benignARM writes it).
func (g *gen) spoke(loc string) network {
	return g.network(loc, "net-"+loc, "vnet-spoke-"+loc, "nsg-spoke-"+loc, true)
}

// network names a virtual network and its security group in group as flow
// logs give them: ARM's canonical ids, in their case.
func (g *gen) network(loc, group, vnet, nsg string, proxied bool) network {
	rg := "/subscriptions/" + g.t.Sub + "/resourceGroups/" + group + "/providers/Microsoft.Network/"
	return network{loc: loc, vnet: rg + "virtualNetworks/" + vnet, nsg: rg + "networkSecurityGroups/" + nsg, proxied: proxied}
}

// attackNetwork is the network an attack's machines in loc sit in: the
// tenant's spoke network in a region of the tenant's, else the network and
// security group the attacker creates in its resource group (az vmss create
// makes them, named after the scale set), written to the Activity Log just
// before at, and not before start (the attack's: its truth's span holds
// them). Those records draw from a stream of their own (gen.nr), so every
// other record of a seed stays as it was.
func (g *gen) attackNetwork(at, start time.Time, a actor, group, name, loc string) network {
	if slices.Contains(g.t.Regions, loc) {
		return g.spoke(loc)
	}
	defer g.drawFrom(g.nr)()
	rg := g.t.rg(group) + "/PROVIDERS/MICROSOFT.NETWORK/"
	nsg := rg + "NETWORKSECURITYGROUPS/" + strings.ToUpper(name) + "NSG"
	vnet := rg + "VIRTUALNETWORKS/" + strings.ToUpper(name) + "VNET"
	end := g.arm(later(at.Add(-3*time.Minute), start), a, "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE", nsg, armOpts{Body: map[string]any{"location": loc}, Loc: loc})
	g.arm(end.Add(5*time.Second), a, "MICROSOFT.NETWORK/VIRTUALNETWORKS/WRITE", vnet, armOpts{Loc: loc, Accept: true,
		Body: map[string]any{"location": loc, "properties": map[string]any{"addressSpace": map[string]any{"addressPrefixes": []any{"10.0.0.0/16"}},
			"subnets": []any{map[string]any{"name": name + "Subnet", "properties": map[string]any{"addressPrefix": "10.0.0.0/23"}}}}}})
	return g.network(loc, group, name+"VNET", name+"NSG", false)
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// flowTarget is a network's flow log.
type flowTarget struct {
	flowLog, mac, guid string
}

// flowTargetOf names the flow log of net, which the tenant's policy made
// in the Network Watcher of its region.
func (g *gen) flowTargetOf(net network) flowTarget {
	if ft, ok := g.flowTargets[net.vnet]; ok {
		return ft
	}
	name := net.vnet[strings.LastIndexByte(net.vnet, '/')+1:]
	ft := flowTarget{
		flowLog: "/SUBSCRIPTIONS/" + strings.ToUpper(g.t.Sub) + "/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_" + strings.ToUpper(net.loc) + "/FLOWLOGS/" + strings.ToUpper(name) + "-FLOWLOG",
		mac:     fmt.Sprintf("000D3A%06X", g.fr.IntN(1<<24)),
		guid:    guid(g.fr), // one per flow log, as Network Watcher writes it
	}
	g.flowTargets[net.vnet] = ft
	return ft
}

// tuple is one flow tuple of a VNet flow log.
type tuple struct {
	at         time.Time
	src, dst   string
	sport      int
	dport      int
	udp        bool
	in         bool
	state      byte // B, C, E or D
	pkts, byts int
}

func (u tuple) String() string {
	proto, dir := 6, "O"
	if u.udp {
		proto = 17
	}
	if u.in {
		dir = "I"
	}
	// Both directions' counts, as version 4 writes them: what the source
	// sent, what came back.
	var p1, b1, p2, b2 int
	if u.state != 'B' && u.state != 'D' {
		p1, b1, p2, b2 = u.pkts, u.byts, u.pkts+u.pkts/3, u.byts*3
	}
	return fmt.Sprintf("%d,%s,%s,%d,%d,%d,%s,%c,NX,%d,%d,%d,%d", u.at.UnixMilli(), u.src, u.dst, u.sport, u.dport, proto, dir, u.state, p1, b1, p2, b2)
}

// flows writes one flow log record of net: the tuples
// allowed outbound, then those denied inbound, each under its rule. The
// record is stamped a few seconds after its last tuple, when Network
// Watcher would write it.
func (g *gen) flows(net network, ts []tuple) {
	if len(ts) == 0 {
		return
	}
	ft := g.flowTargetOf(net)
	slices.SortStableFunc(ts, func(a, b tuple) int { return a.at.Compare(b.at) })
	at := ts[len(ts)-1].at.Add(5 * time.Second)
	var out, deny []string
	for _, u := range ts {
		if u.state == 'D' {
			deny = append(deny, u.String())
		} else {
			out = append(out, u.String())
		}
	}
	var groups []any
	if len(out) > 0 {
		groups = append(groups, map[string]any{"rule": "DefaultRule_AllowInternetOutBound", "flowTuples": out})
	}
	if len(deny) > 0 {
		groups = append(groups, map[string]any{"rule": "DefaultRule_DenyAllInBound", "flowTuples": deny})
	}
	r := map[string]any{
		"time": stamp(at), "flowLogVersion": 4, "flowLogGUID": ft.guid, "macAddress": ft.mac, "category": "FlowLogFlowEvent",
		"flowLogResourceID": ft.flowLog, "targetResourceID": net.vnet, "operationName": "FlowLogFlowEvent",
		"flowRecords": map[string]any{"flows": []any{map[string]any{"aclID": net.nsg, "flowGroups": groups}}},
	}
	path := "insights-logs-flowlogflowevent/flowLogResourceID=" + ft.flowLog + "/" + hourPath(at) + "/macAddress=" + ft.mac + "/PT1H.json"
	g.add(path, kindRecords, at, marshal(r))
}

// benignDestinations are what the spoke machines talk to: package mirrors,
// code hosting, Microsoft's endpoints, NTP.
var benignDestinations = []struct {
	ip   string
	port int
	udp  bool
}{
	{"140.82.112.3", 443, false}, {"151.101.0.223", 443, false}, {"91.189.91.81", 80, false}, {"185.199.108.133", 443, false},
	{"20.42.65.92", 443, false}, {"20.42.64.20", 443, false}, {"91.189.94.4", 123, true}, {"13.107.42.14", 443, false},
}

// azureOnMinerPort is an Azure service's address (AzureCloud) that the
// benign flows reach on a miner port.
const azureOnMinerPort = "20.42.65.94"

// benignFlows writes an hour of the first region's spoke traffic. Some of
// it is what a careless flow rule would take for mining, and must not be:
// scanners knocking on miner ports from outside (inbound, denied), an
// Azure service on such a port, the company's own office, and third
// parties' services on ports pools share with ordinary software.
func (g *gen) benignFlows(h time.Time, work bool) {
	r := g.fr
	n := 6*g.scale + r.IntN(6*g.scale)
	if work {
		n += 10 * g.scale
	}
	var ts []tuple
	for range n {
		d := pick(r, benignDestinations)
		at := h.Add(jitter(r, time.Hour))
		ts = append(ts, tuple{at: at, src: spokeAddr(r), dst: d.ip, sport: 32768 + r.IntN(28000), dport: d.port, udp: d.udp,
			state: pick(r, []byte("BCE")), pkts: 2 + r.IntN(40), byts: 200 + r.IntN(40000)})
	}
	for range r.IntN(3) {
		ts = append(ts, tuple{at: h.Add(jitter(r, time.Hour)), src: fmt.Sprintf("%d.%d.%d.%d", 45+r.IntN(150), r.IntN(256), r.IntN(256), 1+r.IntN(250)),
			dst: spokeAddr(r), sport: 40000 + r.IntN(20000), dport: pick(r, []int{22, 3389, 3333, 4444, 5555, 8080}), in: true, state: 'D'})
	}
	if r.IntN(6) == 0 {
		// A telemetry agent reporting to an Azure service that listens on
		// a miner port.
		ts = append(ts, tuple{at: h.Add(jitter(r, time.Hour)), src: spokeAddr(r), dst: azureOnMinerPort, sport: 33000 + r.IntN(20000), dport: 4444,
			state: 'C', pkts: 5, byts: 900})
	}
	if work && r.IntN(8) == 0 {
		// A build agent pushing to a service in the office.
		ts = append(ts, tuple{at: h.Add(jitter(r, time.Hour)), src: spokeAddr(r), dst: g.t.office(r), sport: 33000 + r.IntN(20000), dport: 7777,
			state: 'E', pkts: 30, byts: 50000})
	}
	ts = append(ts, g.sharedPortFlows(h, work)...)
	g.flows(g.spoke(g.t.Regions[0]), ts)
}

// sharedPortPeers are third parties' services the spoke machines reach on
// a port a pool also publishes but an ordinary service shares (weak in
// data/mining/pool_ports.csv), or on a high port no pool publishes: public
// addresses outside Azure and the tenant, as a pool's would be. Only the
// port's strength keeps them apart from mining.
var sharedPortPeers = []struct {
	ip   string
	port int
}{
	{"88.198.54.20", 2222},  // a payroll provider's SFTP (2Miners' plain XMR port)
	{"195.201.33.17", 9000}, // a partner's S3-compatible object store (SupportXMR's TLS port)
	{"5.9.77.12", 27017},    // a hosted MongoDB no pool has anything to do with
}

// sharedPortFlows writes, now and then in working hours, a connection to
// one of sharedPortPeers: what a port list that took every port pools
// publish for mining would flag. It draws from a stream of its own
// (gen.sp), so the rest of a seed's flows stay as they were.
func (g *gen) sharedPortFlows(h time.Time, work bool) []tuple {
	r := g.sp
	if !work || r.IntN(4) != 0 {
		return nil
	}
	p := pick(r, sharedPortPeers)
	at, src, sport := h.Add(jitter(r, 50*time.Minute)), spokeAddr(r), 33000+r.IntN(20000)
	return []tuple{
		{at: at, src: src, dst: p.ip, sport: sport, dport: p.port, state: 'B'},
		{at: at.Add(2 * time.Minute), src: src, dst: p.ip, sport: sport, dport: p.port, state: 'E', pkts: 60 + r.IntN(400), byts: 20000 + r.IntN(900000)},
	}
}

// minerFlows writes a miner's connection to its pool from src, a machine
// of net, starting at up, and returns when its last
// tuple is. The attack is extended to cover it and src is noted as the
// attack's.
func (g *gen) minerFlows(up time.Time, net network, src string, ep endpoint) time.Time {
	if g.track {
		g.addrs = append(g.addrs, src)
	}
	r := g.fr
	sport := 40000 + r.IntN(20000)
	begin := up.Add(time.Second)
	more := begin.Add(time.Minute)
	g.flows(net, []tuple{
		{at: begin, src: src, dst: ep.ip, sport: sport, dport: ep.port, state: 'B'},
		{at: more, src: src, dst: ep.ip, sport: sport, dport: ep.port, state: 'C', pkts: 40 + r.IntN(40), byts: 9000 + r.IntN(9000)},
	})
	return more.Add(5 * time.Second) // the record's time
}

// spokeAddr is a machine of the first region's spoke networks: the
// ordinary clients of the DNS records and the flow logs.
func spokeAddr(r *rand.Rand) string {
	return fmt.Sprintf("10.%d.%d.%d", 20+r.IntN(4), r.IntN(8), 4+r.IntN(60))
}

// newFlowRand is the flows' random stream for a seed.
func newFlowRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x666c6f77)) }

// newSharedPortRand is the stream of sharedPortFlows for a seed.
func newSharedPortRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x73686172)) }

// classicPort says whether a miner on ep shows in a flow log alone.
func classicPort(ep endpoint) bool { return slices.Contains(stratumPorts, ep.port) }
