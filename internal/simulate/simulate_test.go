package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/source"
)

// testDays keeps the tests fast: 5 days of baseline, 5 for the scenarios.
const testDays = 10

// tree reads every file under dir into a map by relative path.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t *testing.T, opt Options) (string, *Truth) {
	t.Helper()
	dir := t.TempDir()
	truth, err := Write(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	return dir, truth
}

func TestSameSeedGivesSameBytesAndAnotherSeedDoesNot(t *testing.T) {
	t.Parallel()
	opt := Options{Seed: 42, Days: 5, Scenarios: Scenarios()}
	a, _ := write(t, opt)
	b, _ := write(t, opt)
	ta, tb := tree(t, a), tree(t, b)
	if len(ta) != len(tb) {
		t.Fatalf("same seed wrote %d then %d files", len(ta), len(tb))
	}
	for name, body := range ta {
		if !bytes.Equal(body, tb[name]) {
			t.Fatalf("same seed wrote different bytes in %s", name)
		}
	}
	opt.Seed = 43
	c, _ := write(t, opt)
	if bytes.Equal(ta["truth.json"], tree(t, c)["truth.json"]) {
		t.Fatal("seeds 42 and 43 gave the same truth.json")
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opt  Options
		err  string
	}{
		{"an unknown size is refused", Options{Size: "huge"}, "size"},
		{"an unknown scenario is refused", Options{Scenarios: []string{"bitcoin-asic"}}, "unknown scenario"},
		{"two days are too few for a baseline", Options{Days: 2}, "days"},
		{"an unknown agent policy is refused", Options{HostAgents: "some"}, "host agents"},
		{"an unknown shape is refused", Options{Shape: "records,csv"}, "not \"csv\""},
		{"a shape named twice is refused", Options{Shape: "rest,records,rest"}, "named twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Write(t.TempDir(), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one about %q", err, tc.err)
			}
		})
	}
}

func TestNoScenarioNamedInjectsOneAttackAfterTheBaseline(t *testing.T) {
	t.Parallel()
	_, truth := write(t, Options{Seed: 9, Days: 6})
	if len(truth.Attacks) != 1 || truth.Attacks[0].Twin {
		t.Fatalf("attacks %+v, want one attack that is not a twin", truth.Attacks)
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, truth.BaselineDays)
	if a := truth.Attacks[0]; a.Start.Before(start) || a.End.Before(a.Start) || len(a.MustFire) == 0 {
		t.Fatalf("attack %s spans %v..%v with %d rules, want after %v with rules", a.Scenario, a.Start, a.End, len(a.MustFire), start)
	}
}

// inputs are the simulated logs, truth.json left out.
func inputs(t *testing.T, dir string) []source.Input {
	t.Helper()
	in, err := source.Expand([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(in, func(i source.Input) bool { return filepath.Base(i.Name) == "truth.json" })
}

func TestEveryRecordIsReadByTheRealReaders(t *testing.T) {
	t.Parallel()
	for hostLog, shape := range map[string]string{LogAuditd: "process.auditd", LogSysmon: "process.sysmon", LogMDE: "process.mde.streaming"} {
		everyRecordIsRead(t, hostLog, shape)
	}
}

func everyRecordIsRead(t *testing.T, hostLog, hostShape string) {
	t.Helper()
	dir, _ := write(t, Options{Seed: 5, Days: 6, Scenarios: Scenarios(), HostLog: hostLog})
	var events atomic.Int64
	stats := source.Read(context.Background(), inputs(t, dir), source.Options{Limits: source.DefaultLimits()},
		func(_ int, _ *event.Event) { events.Add(1) })
	shapes := map[string]bool{}
	for _, s := range stats {
		if s.Skipped != 0 || s.Records == 0 {
			t.Errorf("%s: %d records, %d skipped: %v", s.File, s.Records, s.Skipped, s.Errors)
		}
		for _, n := range s.ShapeNames() {
			shapes[n] = true
		}
	}
	// Each log family the simulator writes must be recognised as its shape.
	for _, want := range []string{"activity.diagnostic", "activity.rest", "signin.loganalytics", "audit.diagnostic", "firewall.dns", hostShape, "flow.vnet"} {
		if !shapes[want] {
			t.Errorf("no %s records read; shapes: %v", want, shapes)
		}
	}
	if events.Load() < 1000 {
		t.Errorf("%d events in six days, want a realistic volume", events.Load())
	}
}

// Several shapes write the same Activity Log in each export: as many
// records of each shape, and the first shape's files as that shape alone
// writes them.
func TestSeveralShapesWriteTheSameDays(t *testing.T) {
	t.Parallel()
	count := func(dir string) map[string]int64 {
		n := map[string]int64{}
		for _, s := range source.Read(context.Background(), inputs(t, dir), source.Options{Limits: source.DefaultLimits()}, func(int, *event.Event) {}) {
			for k, v := range s.Shapes {
				if strings.HasPrefix(k, "activity.") {
					n[k] += v
				}
			}
		}
		return n
	}
	both, _ := write(t, Options{Seed: 5, Days: 6, Scenarios: []string{"gpu-scaleset-chain"}, Shape: "records,loganalytics"})
	alone, _ := write(t, Options{Seed: 5, Days: 6, Scenarios: []string{"gpu-scaleset-chain"}})
	n, m := count(both), count(alone)
	// The tenant-level records (elevate access) are REST in every tenant.
	if n["activity.diagnostic"] == 0 || n["activity.diagnostic"] != n["activity.loganalytics"] || n["activity.diagnostic"] != m["activity.diagnostic"] || n["activity.rest"] != m["activity.rest"] {
		t.Errorf("records by shape: both %v, records alone %v", n, m)
	}
	a, err := os.ReadFile(filepath.Join(alone, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(both, "truth.json"))
	if err != nil || !bytes.Equal(a, b) {
		t.Errorf("truth differs with a second shape (%v)", err)
	}
}

// involves says whether alert a is about attack x: one of its records in
// x's time span (not merely its first and last around it: a merged alert's
// records may be days apart) and naming one of x's principals; an alert
// that names none is x's when it names x's machines by name (Defender's
// alerts), when its addresses are x's machines' (network alerts), when its
// evidence comes from x's hosts' logs (host alerts), or else when it names
// x's resources or nothing at all.
func involves(a alert.Alert, x Attack) bool {
	if _, ok := a.FirstWithin(x.Start, x.End); !ok {
		return false
	}
	for _, p := range a.PrincipalIDs {
		if slices.Contains(x.Principals, strings.ToLower(p)) {
			return true
		}
	}
	if len(a.PrincipalIDs) == 0 && len(a.Hosts) > 0 {
		return slices.ContainsFunc(a.Hosts, x.Machine)
	}
	if len(a.PrincipalIDs) == 0 && len(a.IPs) > 0 && len(x.Addresses) > 0 {
		return slices.ContainsFunc(a.IPs, func(ip string) bool { return slices.Contains(x.Addresses, ip) })
	}
	if hosts := evidenceHosts(a); len(a.PrincipalIDs) == 0 && len(hosts) > 0 {
		return slices.ContainsFunc(hosts, func(h string) bool { return slices.Contains(x.Hosts, h) })
	}
	if len(a.PrincipalIDs) == 0 && len(a.Resources) == 0 {
		return true
	}
	for _, r := range a.Resources {
		if slices.ContainsFunc(x.Resources, func(own string) bool { return strings.HasPrefix(strings.ToLower(r), own) }) {
			return true
		}
	}
	return false
}

// evidenceHosts are the machines whose process logs (hosts/NAME/audit.log,
// or hosts/NAME/syslog for Sysmon for Linux) an alert's evidence comes
// from.
func evidenceHosts(a alert.Alert) []string {
	var out []string
	for _, e := range a.Evidence {
		f := filepath.ToSlash(e.File)
		if dir := path.Dir(f); (path.Base(f) == "audit.log" || path.Base(f) == "syslog") && path.Base(path.Dir(dir)) == "hosts" {
			out = append(out, path.Base(dir))
		}
	}
	return out
}

// simulatedOwned are the company's egress ranges of every simulated
// tenant (truth.json's owned_ips).
var simulatedOwned = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}

// huntWritten hunts the tenant the simulator wrote to dir, its first days
// learning as its truth says.
func huntWritten(t *testing.T, dir string, truth *Truth, set *rules.Set, enr *enrich.Enricher) *hunt.Result {
	t.Helper()
	res, err := hunt.Run(context.Background(), inputs(t, dir), hunt.Config{Rules: set, Enricher: enr, Baseline: truth.Baseline()})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// loadRules loads the built-in rules, and the intel with opt.
func loadRules(t *testing.T, opt enrich.Options) (*rules.Set, *enrich.Enricher) {
	t.Helper()
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	enr, err := enrich.Load(opt)
	if err != nil {
		t.Fatal(err)
	}
	return set, enr
}

func TestHuntFiresOnAttacksAndStaysQuietOnTwins(t *testing.T) {
	t.Parallel()
	set, enr := loadRules(t, enrich.Options{OwnedIPs: simulatedOwned})
	// Twelve seeds (about half a second each): seeds 8 and 9 put the
	// administrator's benign twin between two attacks through their stolen
	// session, whose sign-ins from one address merge into one alert.
	for seed := uint64(1); seed <= 12; seed++ {
		dir, truth := write(t, Options{Seed: seed, Days: testDays, Scenarios: Scenarios()})
		checkHunt(t, seed, truth, huntWritten(t, dir, truth, set, enr))
	}
}

// checkHunt fails the test for every rule an attack of truth must fire
// that res did not, and every rule one must not fire (or is built to
// evade) that it did, judged as eval judges: an alert about an attack is
// never false on a twin (one that names nothing, Defender's Resource
// Manager alert in the Activity Log, lies in the span of both when they
// overlap).
func checkHunt(t *testing.T, seed uint64, truth *Truth, res *hunt.Result) {
	t.Helper()
	ofAttack := map[string]bool{}
	for _, a := range res.Alerts {
		ofAttack[a.ID] = slices.ContainsFunc(truth.Attacks, func(x Attack) bool { return !x.Twin && involves(a, x) })
	}
	for _, x := range truth.Attacks {
		fired := map[string]bool{}
		for _, a := range res.Alerts {
			if involves(a, x) && (!x.Twin || !ofAttack[a.ID]) {
				fired[a.Rule] = true
			}
		}
		for _, r := range x.MustFire {
			if !fired[r] {
				t.Errorf("seed %d, %s: %s did not fire", seed, x.Scenario, r)
			}
		}
		for _, r := range x.MustNotFire {
			if fired[r] {
				t.Errorf("seed %d, %s: %s fired but must not", seed, x.Scenario, r)
			}
		}
		for _, r := range x.Evades {
			if fired[r] {
				t.Errorf("seed %d, %s: %s fired, which the scenario is built to evade", seed, x.Scenario, r)
			}
		}
	}
}

func TestInvolvesTellsAttacksApartByPrincipalAddressAndHost(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	attack := Attack{Start: at, End: at.Add(time.Hour), Principals: []string{"guest@x"}, Hosts: []string{"eval-0000001"}, Addresses: []string{"10.44.4.7"}}
	twin := Attack{Start: at, End: at.Add(time.Hour), Principals: []string{"ds@x"}, Hosts: []string{"ablation-0000000"}, Addresses: []string{"10.20.3.10"},
		Resources: []string{"/subscriptions/s/resourcegroups/hub-network"}}
	fw := "/SUBSCRIPTIONS/S/RESOURCEGROUPS/HUB-NETWORK/PROVIDERS/MICROSOFT.NETWORK/AZUREFIREWALLS/HUB-FW"
	for _, tc := range []struct {
		name         string
		a            alert.Alert
		attack, twin bool
	}{
		{"a pool lookup from the attack's machine is the attack's, not the twin's", alert.Alert{Time: at, IPs: []string{"10.44.4.7"}, Resources: []string{fw}}, true, false},
		{"a miner on the attack's host is the attack's", alert.Alert{Time: at, Count: 1, Evidence: []alert.Evidence{{File: "/tmp/d/hosts/eval-0000001/audit.log", Time: at}}}, true, false},
		{"a miner on the twin's host is the twin's", alert.Alert{Time: at, Count: 1, Evidence: []alert.Evidence{{File: "/tmp/d/hosts/ablation-0000000/audit.log", Time: at}}}, false, true},
		{"an alert naming the guest is the attack's", alert.Alert{Time: at, PrincipalIDs: []string{"GUEST@x"}}, true, false},
		{"an alert after the span is nobody's", alert.Alert{Time: at.Add(2 * time.Hour), PrincipalIDs: []string{"guest@x"}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := involves(tc.a, attack); got != tc.attack {
				t.Errorf("involves(attack) = %v, want %v", got, tc.attack)
			}
			if got := involves(tc.a, twin); got != tc.twin {
				t.Errorf("involves(twin) = %v, want %v", got, tc.twin)
			}
		})
	}
}

// TestInvolvesJudgesAMergedAlertByItsRecords: two attacks through the
// administrator's stolen session, from the same address days apart, make
// one alert (the rule merges by principal and address) whose first and
// last times bracket the administrator's own benign twin in between. The
// alert is the attacks', not the twin's: none of its records is in the
// twin's span.
func TestInvolvesJudgesAMergedAlertByItsRecords(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	slow := Attack{Start: day.Add(8 * time.Hour), End: day.Add(56 * time.Hour), Principals: []string{"admin@x", "guest1@x"}}
	twin := Attack{Start: day.Add(24 * time.Hour), End: day.Add(24*time.Hour + 15*time.Minute), Principals: []string{"admin@x", "guest2@x"}}
	moved := Attack{Start: day.Add(73 * time.Hour), End: day.Add(73*time.Hour + 30*time.Minute), Principals: []string{"admin@x", "guest3@x"}}
	signIns := alert.Alert{Time: slow.Start, LastTime: moved.Start, PrincipalIDs: []string{"admin@x"}, IPs: []string{"20.42.64.45"}, Count: 2,
		Evidence: []alert.Evidence{{File: "/d/signins/a.json", Time: slow.Start}, {File: "/d/signins/b.json", Time: moved.Start}}}
	for _, tc := range []struct {
		name string
		x    Attack
		want bool
	}{
		{"the first attack's sign-in is in the alert", slow, true},
		{"the second attack's sign-in is in the alert", moved, true},
		{"the twin between them has no record in it", twin, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := involves(signIns, tc.x); got != tc.want {
				t.Fatalf("involves = %v, want %v", got, tc.want)
			}
		})
	}
	// Evidence keeps the first records only: those it leaves out may lie
	// in the twin's span, and then the alert may be the twin's.
	many := signIns
	many.Count, many.Evidence = 80, many.Evidence[:1]
	if !involves(many, twin) {
		t.Error("an alert whose unlisted records may fall in the twin's span is not the twin's")
	}
}

func TestAuditFieldEncodesLikeAuditd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"a plain path is quoted", "/usr/bin/xmrig", `"/usr/bin/xmrig"`},
		{"a value with a space is hex", "a b", "612062"},
		{"a quote forces hex", `say"hi`, "736179226869"},
		{"NUL-joined arguments are hex", "ls\x00-l", "6C73002D6C"},
		{"non-ASCII is hex", "é", "C3A9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := auditField(tc.in); got != tc.want {
				t.Fatalf("auditField(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// TestTruthSpansCoverEveryMachineRecord: an attack's (not a twin's) lookups and processes,
// told by its machines' addresses and host names, all fall inside its
// recorded span, whatever order its machines came up in; a record after
// End would make eval score the attack's own alert as a false positive.
func TestTruthSpansCoverEveryMachineRecord(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 4, 5} {
		dir, truth := write(t, Options{Seed: seed, Days: 6, Scenarios: Scenarios()})
		type seen struct {
			at      time.Time
			who     string
			process bool
		}
		var mu sync.Mutex
		var got []seen
		source.Read(context.Background(), inputs(t, dir), source.Options{Limits: source.DefaultLimits()}, func(_ int, ev *event.Event) {
			var who string
			switch {
			case ev.DNS != nil:
				who = ev.DNS.Client.String()
			case ev.Process != nil:
				who = ev.Process.Host
			case ev.Flow != nil:
				who = ev.Flow.Src.String()
			default:
				return
			}
			mu.Lock()
			got = append(got, seen{ev.Time, who, ev.Process != nil})
			mu.Unlock()
		})
		// A machine's first process record: one the tenant ran before an
		// attack (a set dormant-gpu-wake wakes) logs the team's own work
		// too, as a twin's machines do. (Sysmon's events name their
		// machine; auditd's, read from hosts/NAME/audit.log, do not.)
		first := map[string]time.Time{}
		for _, s := range got {
			if f, ok := first[s.who]; s.process && (!ok || s.at.Before(f)) {
				first[s.who] = s.at
			}
		}
		checked := 0
		for _, x := range truth.Attacks {
			if x.Twin {
				continue // a twin's machines are the team's own, busy before and after it too
			}
			for _, s := range got {
				if !slices.Contains(x.Addresses, s.who) && !slices.Contains(x.Hosts, s.who) {
					continue
				}
				if s.process && first[s.who].Before(x.Start) {
					continue
				}
				checked++
				if s.at.Before(x.Start) || s.at.After(x.End) {
					t.Errorf("seed %d, %s: %s's record at %s is outside %s – %s", seed, x.Scenario, s.who, s.at.Format(time.RFC3339), x.Start.Format(time.RFC3339), x.End.Format(time.RFC3339))
				}
			}
		}
		if checked == 0 {
			t.Errorf("seed %d: no machine record of any attack was checked", seed)
		}
	}
}

// TestFlowAddressesAreWhatTheScenariosSay: the pools' addresses must be
// public and outside Azure (else a flow to a stratum port there is not
// mining evidence), and the benign decoy on a miner port must be inside
// Azure (else it is not the decoy it claims to be).
func TestFlowAddressesAreWhatTheScenariosSay(t *testing.T) {
	t.Parallel()
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for host, eps := range poolEndpoints {
		for _, ep := range eps {
			a := netip.MustParseAddr(ep.ip)
			if !a.IsGlobalUnicast() || a.IsPrivate() || enr.Azure(a) {
				t.Errorf("%s: %s is not a public address outside Azure", host, ep.ip)
			}
		}
	}
	if !enr.Azure(netip.MustParseAddr(azureOnMinerPort)) {
		t.Error("the benign flows' Azure service on a miner port is not in Azure's ranges")
	}
}

// TestPoolPortsAreWhatTheTruthSays: the truth expects the flow rule on a
// miner's connection exactly when the intel makes it mining evidence. Each
// pool endpoint the attacks use must be judged a pool by enrichment when
// its port is one of stratumPorts, and not otherwise; and each benign
// shared-port peer must be a look-alike the enrichment lets pass: a public
// address outside Azure and the tenant, on a port no list calls strong.
func TestPoolPortsAreWhatTheTruthSays(t *testing.T) {
	t.Parallel()
	enr, err := enrich.Load(enrich.Options{OwnedIPs: simulatedOwned})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for host, eps := range poolEndpoints {
		for _, ep := range eps {
			_, flagged := enr.PoolEndpoint(netip.MustParseAddr(ep.ip), uint16(ep.port))
			if flagged != classicPort(ep) {
				t.Errorf("%s:%d at %s: the intel flags it %v, the truth expects the rule %v", host, ep.port, ep.ip, flagged, classicPort(ep))
			}
			seen[ep.port] = true
		}
	}
	// The attackers' own proxies: public, outside Azure and the tenant,
	// and in no list, so the truth expects neither the flow rule nor a
	// lookup of them.
	if ep := proxyEndpoint(rand.New(rand.NewPCG(1, 2))); ep.named() || classicPort(ep) || !slices.Contains(proxyAddrs, ep.ip) {
		t.Errorf("a proxy endpoint %+v is named, on a miner port, or none of proxyAddrs", ep)
	}
	for _, a := range proxyAddrs {
		addr := netip.MustParseAddr(a)
		if !addr.IsGlobalUnicast() || addr.IsPrivate() || enr.Azure(addr) || enr.IP(addr).Owned {
			t.Errorf("proxy %s is not a public address outside Azure and the tenant", a)
		}
		if m, ok := enr.PoolEndpoint(addr, 443); ok {
			t.Errorf("proxy %s:443 is flagged as a pool (%+v): the truth expects no flow alert", a, m)
		}
	}
	if !seen[10128] || !classicPort(endpoint{port: 10128}) {
		t.Error("no attack mines on MoneroOcean's 10128 with the rule expected")
	}
	// Every port of stratumPorts is one the intel calls strong.
	for _, p := range stratumPorts {
		if _, ok := enr.PoolEndpoint(netip.MustParseAddr("141.95.72.61"), uint16(p)); !ok {
			t.Errorf("stratumPorts holds %d, which the intel does not call a miner port", p)
		}
	}
	weak := map[string]bool{}
	f, err := mamori.Data.Open("data/mining/ports.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if port, rest, ok := strings.Cut(l, ","); ok && strings.HasPrefix(rest, "weak,") {
			weak[port] = true
		}
	}
	shared := 0
	for _, p := range sharedPortPeers {
		a := netip.MustParseAddr(p.ip)
		if !a.IsGlobalUnicast() || a.IsPrivate() || enr.Azure(a) || enr.IP(a).Owned {
			t.Errorf("shared-port peer %s is not a public address outside Azure and the tenant: it proves nothing", p.ip)
		}
		if m, ok := enr.PoolEndpoint(a, uint16(p.port)); ok {
			t.Errorf("shared-port peer %s:%d is flagged as a pool (%+v)", p.ip, p.port, m)
		}
		if weak[strconv.Itoa(p.port)] {
			shared++
		}
	}
	if shared == 0 {
		t.Error("no shared-port peer is on a port ports.csv lists as weak: the benign flows hold no look-alike of a pool port")
	}
}

// TestFlowLogsAreOfNetworksTheActivityLogCreates: every network a flow log
// names is written in the Activity Log: the tenant's spoke networks (older
// than the logs, updated now and then) and those attacks make in regions
// the tenant does not use, which are created before their first flow. The
// machines of the attackers' networks resolve names through Azure's DNS:
// the tenant's firewall logs no lookup of theirs.
func TestFlowLogsAreOfNetworksTheActivityLogCreates(t *testing.T) {
	t.Parallel()
	type netWrite struct {
		at           time.Time
		op, res, who string
	}
	attacks := []string{"cpu-mining", "gpu-scaleset-chain", "ml-batch-aci-fanout", "slow-attack"}
	for _, opt := range []Options{
		// The Activity Log's own copy (rest) beside the export: it holds
		// what export-cut's gap in the export hides, the attacker's
		// networks among them.
		{Seed: 1, Days: 6, Scenarios: Scenarios(), Shape: ShapeRecords + "," + ShapeREST},
		{Seed: 3, Days: 6, Scenarios: Scenarios(), Shape: ShapeRecords + "," + ShapeREST},
		{Seed: 4, Days: 6, Scenarios: attacks}, // CPU mining's second region within three minutes of its start
	} {
		seed := opt.Seed
		dir, truth := write(t, opt)
		var mu sync.Mutex
		var attackWrites []netWrite        // network writes outside the tenant's resource groups
		created := map[string]time.Time{}  // network -> first successful write
		flowed := map[string]time.Time{}   // network -> first flow record
		attackers := map[netip.Addr]bool{} // machines of networks outside the tenant's resource groups
		resolved := map[netip.Addr]bool{}  // the firewall's DNS clients
		source.Read(context.Background(), inputs(t, dir), source.Options{Limits: source.DefaultLimits()}, func(_ int, ev *event.Event) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case ev.Flow != nil:
				if at, ok := flowed[ev.ResourceID]; !ok || ev.Time.Before(at) {
					flowed[ev.ResourceID] = ev.Time
				}
				if !strings.Contains(ev.ResourceID, "/resourcegroups/net-") && ev.Flow.Direction == "outbound" {
					attackers[ev.Flow.Src] = true
				}
			case ev.DNS != nil:
				resolved[ev.DNS.Client] = true
			case strings.HasPrefix(ev.Operation, "microsoft.network/") && !strings.Contains(ev.ResourceID, "/resourcegroups/net-"):
				attackWrites = append(attackWrites, netWrite{ev.Time, ev.Operation, ev.ResourceID, strings.ToLower(ev.Principal.ID)})
				if ev.Operation == "microsoft.network/virtualnetworks/write" && ev.Outcome == event.OutcomeSucceeded {
					if at, ok := created[ev.ResourceID]; !ok || ev.Time.Before(at) {
						created[ev.ResourceID] = ev.Time
					}
				}
			case ev.Operation == "microsoft.network/virtualnetworks/write" && ev.Outcome == event.OutcomeSucceeded:
				if at, ok := created[ev.ResourceID]; !ok || ev.Time.Before(at) {
					created[ev.ResourceID] = ev.Time
				}
			}
		})
		if len(flowed) < 3 {
			t.Fatalf("seed %d: flows of %d networks, want the spoke and attacks' own", seed, len(flowed))
		}
		// An attack's network records lie in the span of the attack whose
		// principal wrote them, as its other records do (eval scores what
		// falls outside as background).
		for _, w := range attackWrites {
			in := false
			for _, x := range truth.Attacks {
				in = in || !x.Twin && slices.Contains(x.Principals, w.who) && !w.at.Before(x.Start) && !w.at.After(x.End)
			}
			if !in {
				t.Errorf("seed %d: %s of %s by %s at %s is in no span of its attacks", seed, w.op, w.res, w.who, w.at.Format(time.RFC3339))
			}
		}
		if len(attackers) == 0 {
			t.Fatalf("seed %d: no machine of an attacker's network", seed)
		}
		for a := range attackers {
			if resolved[a] {
				t.Errorf("seed %d: %s, a machine of an attacker's network, resolves through the tenant's firewall", seed, a)
			}
		}
		for vnet, first := range flowed {
			at, ok := created[vnet]
			switch {
			case !ok:
				t.Errorf("seed %d: flows logged for %s, which the Activity Log never creates", seed, vnet)
			case at.After(first) && !strings.Contains(vnet, "/resourcegroups/net-"):
				t.Errorf("seed %d: %s created at %s, after its first flow at %s", seed, vnet, at.Format(time.RFC3339), first.Format(time.RFC3339))
			}
		}
	}
}

// Which machines write process logs is the tenant's agent policy: without
// one the attackers' machines are unseen, and the truth does not expect
// their miner's process; the tenant's own machines (the twins' too) are
// logged either way, and nothing else differs. Drawn from the seed, both
// kinds of tenant occur.
func TestHostAgentsDecideWhetherTheAttackersMachinesAreSeen(t *testing.T) {
	t.Parallel()
	const rule = "azure.host.miner_process"
	// Per-host logs (auditd's), whose files tell the machines apart;
	// TestHostLogsAlertAlike holds the other agents to the same alerts.
	opt := Options{Seed: 3, Days: testDays, Scenarios: []string{"cpu-mining", "cpu-mining-twin", "ml-batch-aci-fanout", "ml-batch-aci-fanout-twin"}, HostLog: LogAuditd, MachineOS: OSLinux}
	opt.HostAgents = AgentsAll
	allDir, all := write(t, opt)
	opt.HostAgents = AgentsOwn
	ownDir, own := write(t, opt)
	if all.HostAgents != AgentsAll || own.HostAgents != AgentsOwn {
		t.Fatalf("truth says %q and %q", all.HostAgents, own.HostAgents)
	}
	allFiles, ownFiles := tree(t, allDir), tree(t, ownDir)
	attackerHosts := map[string]bool{}
	for i, x := range own.Attacks {
		if len(x.Hosts) == 0 {
			t.Fatalf("%s names no machine", x.Scenario)
		}
		for _, h := range x.Hosts {
			file, _ := hostLogFile(all.HostLog, all.Tenant, h, time.Time{})
			log := filepath.FromSlash(file)
			_, inAll := allFiles[log]
			_, inOwn := ownFiles[log]
			if !inAll || inOwn == !x.Twin {
				t.Errorf("%s: machine %s logged with a policy %v, without %v", x.Scenario, h, inAll, inOwn)
			}
			if !x.Twin {
				attackerHosts[log] = true
			}
		}
		switch {
		case x.Twin:
			if !slices.Contains(x.MustNotFire, rule) {
				t.Errorf("%s: twin no longer says %s must not fire", x.Scenario, rule)
			}
		case slices.Contains(x.MustFire, rule) || !strings.Contains(x.Note, rule):
			t.Errorf("%s without a policy: %s expected, or the note (%q) does not say why not", x.Scenario, rule, x.Note)
		case !slices.Contains(all.Attacks[i].MustFire, rule) && minerKit(all.Attacks[i].Miner).visible():
			t.Errorf("%s with a policy: %s not expected", x.Scenario, rule)
		}
	}
	// Defender's alerts about the attacker's machines come with the
	// policy too: its exports differ by those rows alone.
	alertsOnly := 0
	for name, body := range allFiles {
		switch {
		case name == "truth.json" || attackerHosts[name]:
		case strings.HasPrefix(filepath.ToSlash(name), "defender-alerts/"):
			if _, ok := ownFiles[name]; !ok {
				alertsOnly++
			}
			checkAttackAlerts(t, name, body, ownFiles[name])
		case strings.HasPrefix(filepath.ToSlash(name), "insights-activity-logs/") && !bytes.Equal(body, ownFiles[name]):
			// The Activity Log records each of Defender's alerts too.
			if _, ok := ownFiles[name]; !ok {
				alertsOnly++
			}
			checkActivateAlerts(t, name, body, ownFiles[name])
		case !bytes.Equal(body, ownFiles[name]):
			t.Errorf("%s differs with and without the policy", name)
		}
	}
	if len(allFiles) != len(ownFiles)+len(attackerHosts)+alertsOnly {
		t.Errorf("%d files with the policy, %d without, %d attacker machines, %d files of attack alerts alone", len(allFiles), len(ownFiles), len(attackerHosts), alertsOnly)
	}
	if !slices.Contains(all.Attacks[0].MustFire, "azure.defender.mining_alert") || slices.Contains(own.Attacks[0].MustFire, "azure.defender.mining_alert") {
		t.Errorf("Defender's mining alert expected with the policy %v, without %v", all.Attacks[0].MustFire, own.Attacks[0].MustFire)
	}
	drawn := map[string]bool{}
	for seed := range uint64(32) {
		g, err := newGen(Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		drawn[g.agents], drawn[g.hostLog] = true, true
	}
	if !drawn[AgentsAll] || !drawn[AgentsOwn] || !drawn[LogAuditd] || !drawn[LogSysmon] || !drawn[LogMDE] {
		t.Errorf("32 seeds drew only %v", drawn)
	}
}

// A twin is the tenant's own work: it starts in the working day, also when
// more scenarios than days share the days after the baseline.
func TestTwinsStartInTheWorkingDay(t *testing.T) {
	t.Parallel()
	for _, opt := range []Options{{Seed: 9, Days: testDays}, {Seed: 1, Days: 8}, {Seed: 2, Days: 5}, {Seed: 3, Days: 3}} {
		opt.Scenarios = Scenarios()
		g, err := newGen(opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range g.inject() {
			if h := x.Start.Hour(); x.Twin && (h < 7 || h >= 18) {
				t.Errorf("seed %d, %d days: %s starts at %s", opt.Seed, opt.Days, x.Scenario, x.Start.Format(time.DateTime))
			}
		}
	}
}

// checkAttackAlerts: a day's Defender export with the agent policy holds
// every row of the one without (withoutBody, nil when there is none), and
// its other rows are alerts about the attacker's work.
func checkAttackAlerts(t *testing.T, name string, with, without []byte) {
	t.Helper()
	type row map[string]any
	var w, wo []row
	if err := json.Unmarshal(with, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if without != nil {
		if err := json.Unmarshal(without, &wo); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	attack := []string{"VM_DigitalCurrencyMining", "VM_CryptoCoinMinerArtifacts", "VM_GPUDriverExtensionUnusualExecution", "ARM_SuspiciousComputeCreation"}
	seen := map[string]bool{}
	for _, r := range wo {
		seen[string(marshal(r))] = true
		if slices.Contains(attack, r["AlertType"].(string)) {
			t.Errorf("%s: without the policy, an alert about the attacker's work: %v", name, r["AlertType"])
		}
	}
	extra := 0
	for _, r := range w {
		if seen[string(marshal(r))] {
			continue
		}
		extra++
		if !slices.Contains(attack, r["AlertType"].(string)) {
			t.Errorf("%s: with the policy only, a %v alert", name, r["AlertType"])
		}
	}
	if len(w)-extra != len(wo) {
		t.Errorf("%s: %d rows without the policy, %d of them with it", name, len(wo), len(w)-extra)
	}
}

// checkActivateAlerts: an hour's Activity Log with the agent policy holds
// every line of the one without, and its other lines are Defender's
// Activate Alert records of alerts about the attacker's work.
func checkActivateAlerts(t *testing.T, name string, with, without []byte) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range bytes.Split(without, []byte("\n")) {
		seen[string(l)] = true
	}
	kept := 0
	for _, l := range bytes.Split(with, []byte("\n")) {
		if seen[string(l)] {
			kept++
			continue
		}
		var r struct {
			OperationName string
			Properties    struct{ EventName string }
		}
		if err := json.Unmarshal(l, &r); err != nil || r.OperationName != "Microsoft.Security/locations/alerts/activate/action" ||
			!slices.Contains([]string{"Digital currency mining related behavior detected", "Process associated with digital currency mining detected",
				"Suspicious installation of GPU extension in your virtual machine", "Suspicious creation of compute resources detected"}, r.Properties.EventName) {
			t.Errorf("%s: with the policy only, %.200s", name, l)
		}
	}
	if kept != len(bytes.Split(without, []byte("\n"))) && without != nil {
		t.Errorf("%s: %d lines of the file without the policy kept, of %d", name, kept, len(bytes.Split(without, []byte("\n"))))
	}
}

// TestActivityLogDefenderAlertsJoinTheirAttack: Defender's alerts as the
// Activity Log holds them name the attacked machine only by its name; in
// every shape of the log, each lands in the incident of the attack whose
// machine it names, beside that attack's compute, and not in a twin's.
// Hunted beside the workspace's SecurityAlert export of the same alerts,
// each alert counts once, at its start (the row's time, not the later
// Activity Log record's).
func TestActivityLogDefenderAlertsJoinTheirAttack(t *testing.T) {
	t.Parallel()
	set, enr := loadRules(t, enrich.Options{})
	for _, shape := range []string{ShapeRecords, ShapeREST, ShapeLogAnalytics} {
		dir, truth := write(t, Options{Seed: 11, Days: testDays, HostAgents: AgentsAll, Shape: shape,
			Scenarios: []string{"gpu-scaleset-chain", "gpu-scaleset-chain-twin", "cpu-mining"}})
		cfg := hunt.Config{Rules: set, Enricher: enr, Baseline: truth.Baseline()}
		both, err := hunt.Run(context.Background(), inputs(t, dir), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defenderOnce(t, shape, both.Alerts)
		if err := os.RemoveAll(filepath.Join(dir, "defender-alerts")); err != nil {
			t.Fatal(err)
		}
		res, err := hunt.Run(context.Background(), inputs(t, dir), cfg)
		if err != nil {
			t.Fatal(err)
		}
		byIncident := map[string][]alert.Alert{}
		for _, a := range res.Alerts {
			byIncident[a.Incident] = append(byIncident[a.Incident], a)
		}
		seen := 0
		for _, a := range res.Alerts {
			if !slices.ContainsFunc(a.Evidence, func(e alert.Evidence) bool { return e.Shape == "securityalert.activitylog" }) || len(a.Hosts) == 0 {
				continue
			}
			seen++
			var owner *Attack
			for i, x := range truth.Attacks {
				if slices.ContainsFunc(a.Hosts, x.Machine) {
					if x.Twin || owner != nil {
						t.Errorf("%s: %s on %v names a twin's machine or two attacks'", shape, a.Rule, a.Hosts)
					}
					owner = &truth.Attacks[i]
				}
			}
			if owner == nil {
				t.Errorf("%s: %s on %v names no attack's machine", shape, a.Rule, a.Hosts)
				continue
			}
			withCompute := slices.ContainsFunc(byIncident[a.Incident], func(b alert.Alert) bool {
				return b.Principal != "" && b.Stage == "deployment" && slices.ContainsFunc(b.Resources, func(r string) bool {
					return slices.ContainsFunc(owner.Resources, func(own string) bool { return strings.HasPrefix(strings.ToLower(r), own) })
				})
			})
			if !withCompute {
				t.Errorf("%s: %s on %v is not in the incident of %s's compute", shape, a.Rule, a.Hosts, owner.Scenario)
			}
		}
		if seen < 3 {
			t.Errorf("%s: %d of Defender's alerts from the Activity Log name a machine, want the miners' and the extensions'", shape, seen)
		}
	}
}

// defenderOnce checks that each of Defender's alerts, read from the
// SecurityAlert rows and from the Activity Log alike, is in one alert
// once, by its row: the Activity Log's copy, written when the alert was
// processed, is the later one.
func defenderOnce(t *testing.T, shape string, alerts []alert.Alert) {
	t.Helper()
	rows, activity := map[string]int{}, 0
	for _, a := range alerts {
		if !strings.HasPrefix(a.Rule, "azure.defender.") {
			continue
		}
		for _, e := range a.Evidence {
			switch e.Shape {
			case "securityalert.activitylog":
				activity++
			case "":
				t.Errorf("%s: %s: evidence without a shape", shape, a.Rule)
			default:
				rows[e.EventID]++
			}
		}
	}
	if len(rows) < 3 {
		t.Errorf("%s: %d of Defender's alerts read from its rows, want the attacks'", shape, len(rows))
	}
	for id, n := range rows {
		if n != 1 {
			t.Errorf("%s: Defender's alert %s is in %d alerts", shape, id, n)
		}
	}
	if activity != 0 {
		t.Errorf("%s: %d of Defender's alerts counted again from the Activity Log", shape, activity)
	}
}

// eachLine calls fn with every line of every file under dir, stopping at
// the first error.
func eachLine(t *testing.T, dir string, fn func(line []byte) error) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for line := range bytes.Lines(b) {
			if err := fn(line); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
