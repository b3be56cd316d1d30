package simulate

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/record"
)

// Truth is what a simulation injected; Write also saves it as truth.json.
type Truth struct {
	Seed uint64 `json:"seed"`
	// BaselineDays is how many first days are benign history only: hunt with
	// --baseline of that many days so first_seen rules learn them.
	BaselineDays int      `json:"baseline_days"`
	Tenant       string   `json:"tenant"`
	Subscription string   `json:"subscription"`
	OwnedIPs     []string `json:"owned_ips"` // the company's egress ranges
	// HostAgents is which machines write process logs (Options.HostAgents).
	HostAgents string `json:"host_agents"`
	// HostLog is the agent those machines run (Options.HostLog): auditd
	// (hosts/NAME/audit.log), sysmon (Sysmon for Linux, hosts/NAME/syslog)
	// or mde (Defender for Endpoint's streaming API, the tenant's hourly
	// blobs in insights-logs-advancedhunting-deviceprocessevents).
	HostLog string   `json:"host_log"`
	Attacks []Attack `json:"attacks"`
	// Chores are the tenant's benign work that comes round every few
	// weeks (rare.go): unusual-looking, and no attack.
	Chores []Chore `json:"chores"`
}

// Chore is one of the tenant's recurring pieces of work, as truth.json
// tells it: who does it, on which day of the export first and how many
// days apart.
type Chore struct {
	Name      string `json:"name"`
	Principal string `json:"principal"` // UPN, lower case
	FirstDay  int    `json:"first_day"`
	EveryDays int    `json:"every_days"`
}

// Attack is one injected scenario: an attack, or a benign twin that looks
// like one and must stay quiet.
type Attack struct {
	Scenario   string    `json:"scenario"`
	Twin       bool      `json:"twin"`
	Tenant     string    `json:"tenant"`
	Principals []string  `json:"principals"` // UPNs and object ids, lower case
	Resources  []string  `json:"resources"`  // resource ids, lower case
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	// Hosts and Addresses are the machines (auditd host names) and private
	// source addresses (firewall DNS records) of the scenario: host and
	// network alerts name no principal, these tell whose they are.
	Hosts       []string `json:"hosts,omitempty"`
	Addresses   []string `json:"addresses,omitempty"`
	MustFire    []string `json:"must_fire,omitempty"`
	MustNotFire []string `json:"must_not_fire,omitempty"`
	// Evades lists the rules an attack is built to slip under (per-hour
	// bursts spread over days, say); they must stay quiet on it too, which
	// shows the scenario does what it claims.
	Evades []string `json:"evades,omitempty"`
	// Miner is the kit the attack mines with (miners.go): xmrig,
	// xmrig-renamed, srbminer or xmrig-config.
	Miner string `json:"miner,omitempty"`
	// OS is the system of the attack's machines when it is not Linux:
	// windows (windows.go).
	OS   string `json:"os,omitempty"`
	Note string `json:"note,omitempty"` // why a rule is or is not expected
}

// Machine reports whether host h (as record.HostName gives it) is one of
// the attack's machines: a host whose logs it wrote, or a VM or scale set
// it created (an instance by the set's name as its prefix). Defender's
// alerts in the Activity Log name the machine so and nothing else.
func (x *Attack) Machine(h string) bool {
	if h == "" {
		return false
	}
	if slices.Contains(x.Hosts, h) {
		return true
	}
	prefix, _ := record.ScaleSetPrefix(h)
	for _, r := range x.Resources {
		if name, set := record.ComputeName(r); name != "" && (name == h || set && name == prefix) {
			return true
		}
	}
	return false
}

// scenario is one injectable story: run writes it starting at `at`.
type scenario struct {
	name string
	twin bool
	// last: the scenario runs after every other, on the latest of their
	// days (export-cut: nothing the subscription logs after it reaches
	// the export, another scenario's records neither).
	last bool
	run  func(g *gen, at time.Time) Attack
}

// catalogue lists every scenario, attacks first.
var catalogue = []scenario{
	{name: "gpu-scaleset-chain", run: (*gen).gpuChain},
	{name: "cpu-mining", run: (*gen).cpuMining},
	{name: "ml-batch-aci-fanout", run: (*gen).mlFanout},
	{name: "subscription-moved", run: (*gen).subscriptionMoved},
	{name: "slow-attack", run: (*gen).slowAttack},
	{name: "dormant-gpu-wake", run: (*gen).dormantWake},
	{name: "paced-gpu-day", run: (*gen).pacedGPUDay},
	{name: "subscription-created-elsewhere", run: (*gen).subscriptionElsewhere},
	{name: "gpu-vm-fleet", run: (*gen).gpuFleet},
	{name: "hdinsight-resize", run: (*gen).hdinsightResize},
	{name: "data-scientist-takeover", run: (*gen).dataScientistTakeover},
	{name: "export-cut", last: true, run: (*gen).exportCut},
	{name: "gpu-scaleset-chain-twin", twin: true, run: (*gen).gpuTwin},
	{name: "cpu-mining-twin", twin: true, run: (*gen).cpuTwin},
	{name: "ml-batch-aci-fanout-twin", twin: true, run: (*gen).mlTwin},
	{name: "subscription-moved-twin", twin: true, run: (*gen).subscriptionTwin},
	{name: "slow-attack-twin", twin: true, run: (*gen).slowTwin},
	{name: "dormant-gpu-wake-twin", twin: true, run: (*gen).dormantWakeTwin},
	{name: "paced-gpu-day-twin", twin: true, run: (*gen).pacedGPUDayTwin},
	{name: "subscription-created-elsewhere-twin", twin: true, run: (*gen).subscriptionElsewhereTwin},
	{name: "gpu-vm-fleet-twin", twin: true, run: (*gen).gpuFleetTwin},
	{name: "hdinsight-resize-twin", twin: true, run: (*gen).hdinsightTwin},
	{name: "data-scientist-takeover-twin", twin: true, run: (*gen).dataScientistTakeoverTwin},
}

// Scenarios returns the names Options.Scenarios accepts.
func Scenarios() []string {
	var out []string
	for _, s := range catalogue {
		out = append(out, s.name)
	}
	return out
}

func find(name string) *scenario {
	for i := range catalogue {
		if catalogue[i].name == name {
			return &catalogue[i]
		}
	}
	return nil
}

// baselineDays is the benign history before the first injection: half the
// days, at most the catalogue's 14-day first_seen window.
func baselineDays(days int) int { return max(1, min(14, days/2)) }

// inject runs the chosen scenarios, each on its own day after the baseline:
// attacks at night, twins in working hours.
func (g *gen) inject() []Attack {
	names := g.opt.Scenarios
	if len(names) == 0 {
		var attacks []string
		for _, s := range catalogue {
			if !s.twin {
				attacks = append(attacks, s.name)
			}
		}
		names = []string{pick(g.r, attacks)}
	}
	first := baselineDays(g.opt.Days) + 1
	var days []int
	for d := first; d < g.opt.Days; d++ {
		days = append(days, d)
	}
	g.r.Shuffle(len(days), func(i, j int) { days[i], days[j] = days[j], days[i] })
	names, days = lastOnLatest(names, days)
	var out []Attack
	for i, name := range names {
		s := find(name)
		day := g.opt.Start.AddDate(0, 0, days[i%len(days)])
		// Scenarios sharing a day (more scenarios than days) start hours
		// apart: attacks six, the later twins spread over the working
		// day, where the tenant's own work is.
		k, perDay := i/len(days), (len(names)+len(days)-1)/len(days)
		hour := time.Duration(1+g.r.IntN(3)+6*k) * time.Hour
		if s.twin {
			hour = time.Duration(9+g.r.IntN(4)) * time.Hour
			if k > 0 {
				hour = 8*time.Hour + time.Duration(k)*9*time.Hour/time.Duration(perDay)
			}
		}
		at := day.Add(hour + g.jitter(30*time.Minute))
		g.cur, g.track, g.hosts, g.addrs = i, true, nil, nil
		a := s.run(g, at)
		g.track = false
		a.Scenario, a.Twin, a.Tenant = s.name, s.twin, g.t.ID
		a.Principals, a.Hosts, a.Addresses = sortedSet(a.Principals), sortedSet(g.hosts), sortedSet(g.addrs)
		out = append(out, a)
	}
	g.newRegions(out)
	return out
}

// lastOnLatest moves the scenarios that must run last (scenario.last) to
// the end of names, and gives them the latest of the days the scenarios
// drew. Without such a scenario both are returned as they were.
func lastOnLatest(names []string, days []int) ([]string, []int) {
	var first, last []string
	for _, n := range names {
		if find(n).last {
			last = append(last, n)
		} else {
			first = append(first, n)
		}
	}
	if len(last) == 0 || len(names) > len(days) {
		return names, days
	}
	// The days drawn, earliest first: the last scenarios get the latest.
	days = slices.Clone(days)
	slices.Sort(days[:len(names)])
	return append(first, last...), days
}

// newRegions drops azure.compute.new_region from the attacks none of whose
// far regions is surely new when they run: a region another injection used
// before the attack ended may already be known. Far regions outnumber no
// attack's needs, but several attacks together reuse some.
func (g *gen) newRegions(attacks []Attack) {
	fresh := make([]bool, len(attacks))
	for _, users := range g.claimed {
		for _, i := range users {
			first := true
			for _, j := range users {
				if j != i && !attacks[j].Start.After(attacks[i].End) {
					first = false
				}
			}
			fresh[i] = fresh[i] || first
		}
	}
	for i := range attacks {
		if !fresh[i] {
			attacks[i].MustFire = slices.DeleteFunc(attacks[i].MustFire, func(r string) bool { return r == "azure.compute.new_region" })
		}
	}
}

// sortedSet sorts s and drops repeats.
func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// latest returns the member of team (indexes into People) whose last VM
// before at is the most recent: the person a twin's story is about.
func (g *gen) latest(team []int, at time.Time) person {
	best, when := g.t.People[team[0]], time.Time{}
	for _, i := range team {
		p := g.t.People[i]
		for _, d := range g.deploys[p.OID] {
			if d.Before(at) && d.After(when) {
				best, when = p, d
			}
		}
	}
	return best
}

// poolFlow notes what a flow log shows of the attack's miners reaching
// ep: an outbound connection on a port pools publish and nothing else
// uses must be flagged; on any other port the flow is ordinary-looking
// and the rule is not expected to fire.
func (a *Attack) poolFlow(ep endpoint) {
	a.expect("azure.network.mining_pool_connection", classicPort(ep),
		fmt.Sprintf("the miners reach %s on port %d, which a flow log cannot tell from other traffic without the pool's address", ep.host, ep.port))
}

// poolLookup notes what the firewall's DNS log can show of the miners'
// lookups of their pool ep: resolved says one of them went through it. A
// miner in a network the attacker made resolves through Azure's own DNS,
// and the tenant's logs show nothing of it; one that reaches its pool by
// address (the attacker's own proxy) looks nothing up.
func (a *Attack) poolLookup(ep endpoint, resolved bool) {
	if !ep.named() {
		a.addNote("the miners reach the attacker's own proxy at " + ep.ip + ", which no list names, by its address: no lookup names a pool, and azure.dns.mining_pool_lookup is not expected")
		return
	}
	a.expect("azure.dns.mining_pool_lookup", resolved,
		"the miners' networks are the attacker's, which resolve names through Azure's DNS, not the tenant's firewall")
}

// driver notes how the attack's machines got their GPU driver: through
// the Azure extension (the Activity Log shows it), or installed on the
// hosts as they boot, which only their process logs show, when an agent
// policy reaches the attacker's machines.
func (a *Attack) driver(onHost bool, agents string) {
	if !onHost {
		a.MustFire = append(a.MustFire, "azure.compute.gpu_driver_extension", "azure.compute.gpu_driver_extension.first_by_principal")
		return
	}
	a.addNote("the driver is installed on the hosts, not through the extension: azure.compute.gpu_driver_extension is not expected")
	a.expect("azure.host.gpu_driver_install", agents == AgentsAll,
		"no agent reaches the attacker's machines (the tenant has no policy that installs one)")
}

// mined notes what the logs can show of miners on the attack's machines:
// their processes, Defender's mining alert, the pool's lookup (resolved:
// through a DNS the tenant logs) and the flows to it.
func (a *Attack) mined(agents string, kit minerKit, ep endpoint, resolved bool) {
	a.minerProcess(agents, kit)
	a.expectDefender(agents, "azure.defender.mining_alert")
	a.poolLookup(ep, resolved)
	a.poolFlow(ep)
}

// minerProcess notes what the process logs can show of the miners: their
// start, when an agent policy reaches the attacker's machines and the
// kit's command line shows mining.
func (a *Attack) minerProcess(agents string, kit minerKit) {
	a.Miner = string(kit)
	if !kit.visible() {
		a.addNote("the miner is renamed and reads its pool and wallet from a file, so its command line shows no mining: azure.host.miner_process is not expected")
		return
	}
	a.expect("azure.host.miner_process", agents == AgentsAll,
		"no agent reaches the attacker's machines (the tenant has no policy that installs one)")
}

// expect adds rule to those that must fire when the tenant's logs show
// what it looks for (seen), and otherwise says why it is not expected.
func (a *Attack) expect(rule string, seen bool, why string) {
	if seen {
		a.MustFire = append(a.MustFire, rule)
		return
	}
	a.addNote(why + ": " + rule + " is not expected")
}

// addNote adds to what the attack's note says.
func (a *Attack) addNote(note string) {
	if a.Note != "" {
		note = a.Note + "; " + note
	}
	a.Note = note
}

// extend moves the attack's end to t when t is later: the machines of a
// fan-out come up in any order, and the truth must cover the last record
// any of them writes (eval scores an alert after End as a false positive).
func (a *Attack) extend(t time.Time) {
	if t.After(a.End) {
		a.End = t
	}
}

// Owned is the tenant's own address ranges (OwnedIPs), as a hunt's
// enricher takes them.
func (t *Truth) Owned() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range t.OwnedIPs {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Baseline is the window of benign history first_seen rules learn from
// (BaselineDays), as a hunt's --baseline.
func (t *Truth) Baseline() time.Duration { return time.Duration(t.BaselineDays) * 24 * time.Hour }

// ReadTruth reads a truth.json the simulator wrote; ok is false for a
// file that is not one (another tool's truth.json, or not JSON): it must
// hold the seed, the baseline and the attacks, as source's classifier
// knows it by.
func ReadTruth(path string) (t *Truth, ok bool, err error) {
	// The simulator's are a few KB: a large file of that name is another's,
	// and is not read whole.
	if st, err := os.Stat(path); err != nil || st.Size() > 16<<20 {
		return nil, false, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(b, &keys) != nil {
		return nil, false, nil
	}
	for _, k := range []string{"seed", "baseline_days", "attacks"} {
		if _, has := keys[k]; !has {
			return nil, false, nil
		}
	}
	t = &Truth{}
	if err := json.Unmarshal(b, t); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return t, true, nil
}
