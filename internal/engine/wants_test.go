package engine

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
)

// The two kinds of rule the catalogue does not index by operation, and
// one it does.
const (
	armFromAzure = `title: ARM write from Azure
name: x.arm_azure
id: a1
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel:
    operation|endswith: /write
    principal.type: User
    enrich.src_ip.azure: true
  condition: sel
level: medium
`
	failedQuota = `title: Failed on quota
name: x.quota_failed
id: a2
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {outcome: failed, quota.exceeded: true}
  condition: sel
level: low
`
	failedOnly = `title: Any failure
name: x.failed
id: a4
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {outcome: failed}
  condition: sel
level: low
`
	// A rule indexed by operation that takes only the Start record of
	// each start, and one that takes every record of another operation
	// but the failed.
	startsOnly = `title: Starts
name: x.starts
id: a5
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel:
    operation: microsoft.compute/virtualmachines/start/action
    outcome: started
  condition: sel
level: low
`
	startsNotFailed = `title: Starts that did not fail
name: x.starts_ok
id: a6
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel:
    operation: microsoft.compute/virtualmachines/start/action
  failed:
    outcome: failed
  condition: sel and not failed
level: low
`
	byRegion = `title: Anything in a region
name: x.region
id: a3
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {region: brazilsouth}
  condition: sel
level: low
`
)

func TestWants(t *testing.T) {
	t.Parallel()
	azure := netip.MustParseAddr("20.38.1.1")
	home := netip.MustParseAddr("198.51.100.7")
	glance := func(op string, o event.Outcome, ip netip.Addr) *event.Glance {
		return &event.Glance{Kind: event.KindActivity, Operation: op, Outcome: o, SourceIP: ip}
	}
	cases := []struct {
		name  string
		rules map[string]string
		g     *event.Glance
		want  bool
	}{
		{"indexed operation", map[string]string{"e.yml": elevate},
			glance("microsoft.authorization/elevateaccess/action", event.OutcomeSucceeded, home), true},
		{"other operation, no other rule", map[string]string{"e.yml": elevate},
			glance("microsoft.storage/storageaccounts/listkeys/action", event.OutcomeFailed, home), false},
		{"a write from Azure", map[string]string{"e.yml": elevate, "a.yml": armFromAzure},
			glance("microsoft.web/sites/write", event.OutcomeSucceeded, azure), true},
		{"a write from home", map[string]string{"e.yml": elevate, "a.yml": armFromAzure},
			glance("microsoft.web/sites/write", event.OutcomeSucceeded, home), false},
		{"a write without an address", map[string]string{"a.yml": armFromAzure},
			glance("microsoft.web/sites/write", event.OutcomeSucceeded, netip.Addr{}), false},
		{"an action from Azure", map[string]string{"a.yml": armFromAzure},
			glance("microsoft.web/sites/restart/action", event.OutcomeSucceeded, azure), false},
		{"a failure", map[string]string{"a.yml": armFromAzure, "q.yml": failedQuota},
			glance("microsoft.web/sites/restart/action", event.OutcomeFailed, home), true},
		{"a failure that cannot carry a quota", map[string]string{"a.yml": armFromAzure, "q.yml": failedQuota},
			&event.Glance{Kind: event.KindActivity, Operation: "microsoft.web/sites/restart/action", Outcome: event.OutcomeFailed,
				SourceIP: home, NoQuota: true}, false},
		{"a failure that cannot carry a quota, to a rule without a quota test", map[string]string{"r.yml": failedOnly},
			&event.Glance{Kind: event.KindActivity, Operation: "microsoft.web/sites/restart/action", Outcome: event.OutcomeFailed,
				SourceIP: home, NoQuota: true}, true},
		{"a failure whose text names no quota", map[string]string{"a.yml": armFromAzure, "q.yml": failedQuota},
			&event.Glance{Kind: event.KindActivity, Operation: "microsoft.web/sites/restart/action", Outcome: event.OutcomeFailed,
				SourceIP: home, QuotaNamed: true, Text: []byte(`{"statusMessage":"Conflict"}`)}, false},
		{"a failure whose text names a quota", map[string]string{"a.yml": armFromAzure, "q.yml": failedQuota},
			&event.Glance{Kind: event.KindActivity, Operation: "microsoft.web/sites/restart/action", Outcome: event.OutcomeFailed,
				SourceIP: home, QuotaNamed: true, Text: []byte(`{"statusMessage":"exceeding approved Quota"}`)}, true},
		{"a success", map[string]string{"a.yml": armFromAzure, "q.yml": failedQuota},
			glance("microsoft.web/sites/restart/action", event.OutcomeSucceeded, home), false},
		{"a rule the analysis cannot narrow wants everything", map[string]string{"q.yml": failedQuota, "r.yml": byRegion},
			glance("microsoft.web/sites/restart/action", event.OutcomeSucceeded, home), true},
		{"an indexed operation's Start record, to a rule on Start records", map[string]string{"s.yml": startsOnly},
			glance("microsoft.compute/virtualmachines/start/action", event.OutcomeStarted, home), true},
		{"an indexed operation's Succeeded record, to a rule on Start records", map[string]string{"s.yml": startsOnly},
			glance("microsoft.compute/virtualmachines/start/action", event.OutcomeSucceeded, home), false},
		{"an indexed operation's Succeeded record, to another rule on it that takes it too", map[string]string{"s.yml": startsOnly, "o.yml": startsNotFailed},
			glance("microsoft.compute/virtualmachines/start/action", event.OutcomeSucceeded, home), true},
		{"an indexed operation's Succeeded record, to a rule on failures of any operation", map[string]string{"s.yml": startsOnly, "f.yml": failedOnly},
			glance("microsoft.compute/virtualmachines/start/action", event.OutcomeSucceeded, home), false},
		{"a compute create's failure, to a rule on Start records only: read, so its machines are not priced", map[string]string{"s.yml": startsOnly},
			glance("microsoft.compute/virtualmachines/write", event.OutcomeFailed, home), true},
		{"a compute create's success, to a rule on Start records only", map[string]string{"s.yml": startsOnly},
			glance("microsoft.compute/virtualmachines/write", event.OutcomeSucceeded, home), false},
		{"other kinds are not narrowed by activity rules", map[string]string{"e.yml": elevate},
			&event.Glance{Kind: event.KindSignIn}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(load(t, tc.rules), 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.SourceAzure = func(a netip.Addr) bool { return a == azure }
			if got := e.Wants(tc.g); got != tc.want {
				t.Errorf("Wants(%+v) = %v, want %v", *tc.g, got, tc.want)
			}
		})
	}
}

// DNS rules as the catalogue writes them: on the kind of mining pool
// enrichment finds for the query name, and one on the name itself.
const (
	poolLookup = `title: Pool lookup
name: x.pool
id: d1
description: d
logsource: {product: azure, service: dns}
detection:
  sel: {enrich.pool.kind: domain}
  condition: sel
level: high
`
	candidateLookup = `title: Candidate lookup
name: x.candidate
id: d2
description: d
logsource: {product: azure, service: dns}
detection:
  sel: {enrich.pool.kind: candidate}
  condition: sel
level: medium
`
	poolFlow = `title: Pool connection
name: x.pool_flow
id: d4
description: d
logsource: {product: azure, service: flowlogs}
detection:
  sel: {enrich.pool.kind: port}
  condition: sel
level: high
`
	byName = `title: A name
name: x.name
id: d3
description: d
logsource: {product: azure, service: dns}
detection:
  sel: {dns.query|endswith: .example}
  condition: sel
level: low
`
)

// TestWantsDNS checks the DNS lookups a hunt sets aside: those whose name
// enrichment will find no pool of a kind a rule asks for. The pool is
// looked up once a glance, however many rules test it.
func TestWantsDNS(t *testing.T) {
	t.Parallel()
	kinds := map[string]string{"xmr.pool.example": "domain", "maybe.pool.example": "candidate", "ads.example": "browser"}
	pools := map[string]string{"p.yml": poolLookup, "c.yml": candidateLookup}
	lookup := func(q string) *event.Glance {
		return &event.Glance{Kind: event.KindDNS, Operation: "dns query", Query: q}
	}
	for _, tc := range []struct {
		name    string
		rules   map[string]string
		g       *event.Glance
		noPools bool // PoolKind unset: nothing can be set aside
		want    bool
	}{
		{"a pool's name", pools, lookup("xmr.pool.example"), false, true},
		{"a candidate's name", pools, lookup("maybe.pool.example"), false, true},
		{"a pool of a kind no rule asks for", pools, lookup("ads.example"), false, false},
		{"an ordinary name", pools, lookup("huggingface.co"), false, false},
		{"no name", pools, lookup(""), false, false},
		{"without a pool lookup, every name", pools, lookup("huggingface.co"), true, true},
		{"a rule on the name itself wants every name", map[string]string{"p.yml": poolLookup, "n.yml": byName}, lookup("huggingface.co"), false, true},
		{"a flow's pool is not its name's", map[string]string{"f.yml": poolFlow},
			&event.Glance{Kind: event.KindFlow, Operation: "flow"}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(load(t, tc.rules), 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			if !tc.noPools {
				e.PoolKind = func(q string) string { calls++; return kinds[q] }
			}
			if got := e.Wants(tc.g); got != tc.want {
				t.Errorf("Wants(%+v) = %v, want %v", *tc.g, got, tc.want)
			}
			if calls > 1 {
				t.Errorf("pool looked up %d times for one glance", calls)
			}
		})
	}
}

func TestBriefEventsOnlyMarkTheTenantsStart(t *testing.T) {
	t.Parallel()
	e, err := New(load(t, map[string]string{"e.yml": elevate}), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC)
	brief := elevation("", "", t0, event.OutcomeSucceeded)
	brief.Brief = true
	whole := elevation("ev-1", "c1", t0.Add(time.Hour), event.OutcomeSucceeded)
	e.Eval(0, &brief)
	e.Eval(0, &whole)
	as, st, err := e.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || st.Hits != 1 {
		t.Errorf("%d alerts from %d hits: want the whole event's only", len(as), st.Hits)
	}
	if got := e.TenantStart()["t1"]; !got.Equal(t0) {
		t.Errorf("tenant start %v, want the brief event's %v", got, t0)
	}
}

func TestRecordsWithoutIDDedupByContentAndKeepTheirAlertID(t *testing.T) {
	t.Parallel()
	const noMerge = `title: Listed keys
name: x.listkeys
id: b1
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operation: microsoft.storage/storageaccounts/listkeys/action}
  condition: sel
level: low
`
	set := load(t, map[string]string{"l.yml": noMerge})
	// The same record twice (once pretty-printed) and another.
	texts := []string{
		`{"time":"2026-03-14T01:00:00Z","operationName":"x","n":1}`,
		"{\n  \"time\": \"2026-03-14T01:00:00Z\",\n  \"operationName\": \"x\",\n  \"n\": 1\n}",
		`{"time":"2026-03-14T01:00:00Z","operationName":"x","n":2}`,
	}
	run := func() ([]string, int) {
		e, err := New(set, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range texts {
			ev := elevation("", "", time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC), event.OutcomeSucceeded)
			ev.Operation = "microsoft.storage/storageaccounts/listkeys/action"
			ev.Loc.Line = i + 1
			ev.Raw = fastjson.MustParse(s)
			e.Eval(i%2, &ev)
		}
		as, st, err := e.Alerts(nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		return ids, st.Duplicates
	}
	ids, dups := run()
	if len(ids) != 2 || dups != 1 {
		t.Fatalf("alerts %v, %d duplicates: want 2 alerts, the pretty-printed copy a duplicate", ids, dups)
	}
	// Each engine hashes with its own seeds; the alerts' names must not
	// depend on them.
	again, _ := run()
	if ids[0] != again[0] || ids[1] != again[1] {
		t.Errorf("alert ids changed between hunts: %v then %v", ids, again)
	}
}

// TestWantsRemembersBoundedly asks about more operations than Wants
// remembers: the answers stay right (a write from Azure is wanted, the
// same from home is not) past the bound, and what it keeps stays bounded.
func TestWantsRemembersBoundedly(t *testing.T) {
	t.Parallel()
	azure := netip.MustParseAddr("20.38.1.1")
	e, err := New(load(t, map[string]string{"a.yml": armFromAzure}), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.SourceAzure = func(a netip.Addr) bool { return a == azure }
	for i := range maxRemembered + 100 {
		for _, ip := range []netip.Addr{azure, netip.MustParseAddr("198.51.100.7")} {
			g := &event.Glance{Kind: event.KindActivity, Operation: fmt.Sprintf("microsoft.x/r%d/write", i), SourceIP: ip}
			if got, want := e.Wants(g), ip == azure; got != want {
				t.Fatalf("operation %d from %v: Wants = %v, want %v", i, ip, got, want)
			}
		}
	}
	n := 0
	e.wants[event.KindActivity].byOp.Range(func(_, _ any) bool { n++; return true })
	if n > maxRemembered {
		t.Errorf("%d operations remembered, at most %d expected", n, maxRemembered)
	}
}

// gpuDriver is a rule indexed by operation that demands literals of the
// record's text (its extension type).
const gpuDriver = `title: GPU driver installed
name: x.gpu_driver
id: a5
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel:
    operation: microsoft.compute/virtualmachines/extensions/write
    extension.type: [NvidiaGpuDriverLinux, AmdGpuDriverLinux]
  condition: sel
level: high
`

// TestWantsReadsNeedles checks that a record whose text lacks every
// literal an indexed rule demands is not wanted, and that another case or
// no text keeps it wanted (texts with escapes that could hide one are not
// given: TestAsWritten).
func TestWantsReadsNeedles(t *testing.T) {
	t.Parallel()
	e, err := New(load(t, map[string]string{"g.yml": gpuDriver}), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	const op = "microsoft.compute/virtualmachines/extensions/write"
	for _, c := range []struct {
		name string
		text []byte
		want bool
	}{
		{"a monitoring agent", []byte(`{"resourceId":"/x/extensions/AzureMonitorLinuxAgent"}`), false},
		{"the driver", []byte(`{"resourceId":"/x/extensions/NvidiaGpuDriverLinux"}`), true},
		{"the driver in capitals", []byte(`{"resourceId":"/X/EXTENSIONS/NVIDIAGPUDRIVERLINUX"}`), true},
		{"the AMD driver", []byte(`{"resourceId":"/x/extensions/amdgpudriverlinux"}`), true},
		// The two names' core is there, neither name is.
		{"another GPU driver", []byte(`{"resourceId":"/x/extensions/IntelGpuDriverLinux"}`), false},
		// The core's "i" may be the dotless ı of a name folded to ASCII.
		{"the driver with a Turkish i", []byte(`{"resourceId":"/x/extensions/Nv\u0131diaGpuDrıverLınux"}`), true},
		{"no text", nil, true},
	} {
		g := &event.Glance{Kind: event.KindActivity, Operation: op, Outcome: event.OutcomeSucceeded, Text: c.text}
		if got := e.Wants(g); got != c.want {
			t.Errorf("%s: Wants = %v, want %v", c.name, got, c.want)
		}
	}
}

// scriptsOrActions is run_command's shape: run-command actions, which
// demand no literal, or script extensions, which demand their types; and
// extension writes of two kinds, either of which will do.
const scriptsOrActions = `title: Commands run on a VM
name: x.run_command
id: a6
description: d
logsource: {product: azure, service: activitylogs}
detection:
  actions:
    operation: microsoft.compute/virtualmachines/runcommand/action
  scripts:
    operation: microsoft.compute/virtualmachines/extensions/write
    extension.type: [CustomScript, RunCommandLinux]
  started:
    outcome: started
  condition: (actions or scripts) and started
level: high
---
title: Agents
name: x.agents
id: a7
description: d
logsource: {product: azure, service: activitylogs}
detection:
  monitor:
    operation: microsoft.compute/virtualmachinescalesets/extensions/write
    extension.type: AzureMonitorLinuxAgent
  security:
    operation: microsoft.compute/virtualmachinescalesets/extensions/write
    extension.type: MDE.Linux
  condition: monitor or security
level: low
`

// An extension's write is asked for the needles of the branches its
// operation can take: a script extension's types, where the rule as a
// whole (whose run-command branch demands nothing) demanded none and
// every extension write's Start was read in full. Of two branches the
// operation can take, either's needles will do.
func TestWantsReadsTheNeedlesOfItsOperation(t *testing.T) {
	t.Parallel()
	e, err := New(load(t, map[string]string{"r.yml": scriptsOrActions}), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	const (
		ext  = "microsoft.compute/virtualmachines/extensions/write"
		run  = "microsoft.compute/virtualmachines/runcommand/action"
		vmss = "microsoft.compute/virtualmachinescalesets/extensions/write"
	)
	for _, c := range []struct {
		name, op string
		text     []byte
		want     bool
	}{
		{"a monitoring agent's extension", ext, []byte(`{"requestbody":"{\"type\":\"AzureMonitorLinuxAgent\"}"}`), false},
		{"a script extension", ext, []byte(`{"requestbody":"{\"type\":\"CustomScript\"}"}`), true},
		{"an extension, no text", ext, nil, true},
		{"a run command names nothing", run, []byte(`{"resourceId":"/x/vm1"}`), true},
		{"the monitoring branch", vmss, []byte(`{"requestbody":"{\"type\":\"AzureMonitorLinuxAgent\"}"}`), true},
		{"the security branch", vmss, []byte(`{"requestbody":"{\"type\":\"MDE.Linux\"}"}`), true},
		{"neither branch", vmss, []byte(`{"requestbody":"{\"type\":\"CustomScript\"}"}`), false},
	} {
		g := &event.Glance{Kind: event.KindActivity, Operation: c.op, Outcome: event.OutcomeStarted, Text: c.text}
		if got := e.Wants(g); got != c.want {
			t.Errorf("%s: Wants = %v, want %v", c.name, got, c.want)
		}
	}
}

// Sign-in rules as the catalogue writes them: risk is a disjunction of
// two fields, which gives neither a value test of its own.
const (
	riskySignIn = `title: Risky sign-in
name: x.risky
id: s1
description: d
logsource: {product: azure, service: signinlogs}
detection:
  success: {outcome: succeeded}
  risk_level: {signin.risk_level: [medium, high]}
  risk_state: {signin.risk_state: [atRisk, confirmedCompromised]}
  condition: success and 1 of risk_*
level: high
`
	highRiskOnly = `title: High risk
name: x.high
id: s2
description: d
logsource: {product: azure, service: signinlogs}
detection:
  sel: {signin.risk_level: high}
  condition: sel
level: high
`
	byApp = `title: An app
name: x.app
id: s3
description: d
logsource: {product: azure, service: signinlogs}
detection:
  sel: {signin.app_name: Azure Portal}
  condition: sel
level: low
`
)

func TestWantsSignIn(t *testing.T) {
	t.Parallel()
	signIn := func(o event.Outcome, level, state string) *event.Glance {
		return &event.Glance{Kind: event.KindSignIn, Operation: "sign-in activity", Outcome: o, RiskLevel: level, RiskState: state}
	}
	ok, failed := event.OutcomeSucceeded, event.OutcomeFailed
	risky := map[string]string{"r.yml": riskySignIn}
	for _, tc := range []struct {
		name  string
		rules map[string]string
		g     *event.Glance
		want  bool
	}{
		{"no risk", risky, signIn(ok, "none", "none"), false},
		{"risk absent", risky, signIn(ok, "", ""), false},
		{"low risk", risky, signIn(ok, "low", "dismissed"), false},
		{"medium risk", risky, signIn(ok, "medium", "none"), true},
		{"user at risk", risky, signIn(ok, "none", "atRisk"), true},
		{"confirmed compromised, no level", risky, signIn(ok, "", "confirmedCompromised"), true},
		{"a failure at high risk", risky, signIn(failed, "high", "atRisk"), false},
		{"a rule on the risk alone", map[string]string{"h.yml": highRiskOnly}, signIn(failed, "high", ""), true},
		{"a rule on the risk alone, low", map[string]string{"h.yml": highRiskOnly}, signIn(ok, "low", "atRisk"), false},
		{"a rule on another field wants every sign-in", map[string]string{"r.yml": riskySignIn, "a.yml": byApp}, signIn(ok, "none", "none"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(load(t, tc.rules), 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Wants(tc.g); got != tc.want {
				t.Errorf("Wants(%+v) = %v, want %v", *tc.g, got, tc.want)
			}
		})
	}
}

// BenchmarkWantsNeedles asks Wants about the benchmark file's extension
// writes, whose text the GPU driver rule's needles are searched in: with
// the needles' core searched first, and each needle searched alone.
func BenchmarkWantsNeedles(b *testing.B) {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 8<<20, 1, 0); err != nil {
		b.Fatal(err)
	}
	var glances []event.Glance
	for l := range bytes.Lines(buf.Bytes()) {
		if bytes.Contains(l, []byte(`"MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"`)) {
			glances = append(glances, event.Glance{Kind: event.KindActivity, Operation: "microsoft.compute/virtualmachines/extensions/write",
				Outcome: event.OutcomeSucceeded, Text: l})
		}
	}
	if len(glances) == 0 {
		b.Fatal("no extension writes in the benchmark's records")
	}
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		b.Fatal(err)
	}
	for _, core := range []bool{true, false} {
		e, err := New(set, 1, set.Correlations())
		if err != nil {
			b.Fatal(err)
		}
		if !core {
			e.Wants(&glances[0]) // what the rules ask of the operation, then without cores
			e.wants[event.KindActivity].byOp.Range(func(_, o any) bool {
				for j := range o.(*opWants).needles {
					clear(o.(*opWants).needles[j].cores)
				}
				return true
			})
		}
		b.Run(map[bool]string{true: "core", false: "each"}[core], func(b *testing.B) {
			for b.Loop() {
				for i := range glances {
					e.Wants(&glances[i])
				}
			}
		})
	}
}

// A flow known to go to no pool is wanted by no rule when every flow rule
// requires one; a flow rule on anything else (or one indexed by operation)
// needs every flow. Wants, asked with the pool known, agrees.
func TestNeedsPool(t *testing.T) {
	t.Parallel()
	const anyPort = `title: Port 22
name: x.ssh
id: d5
description: d
logsource: {product: azure, service: flowlogs}
detection:
  sel: {flow.dst_port: 22}
  condition: sel
level: low
`
	const byOperation = `title: Flows by operation
name: x.flowop
id: d6
description: d
logsource: {product: azure, service: flowlogs}
detection:
  sel: {operation: flow}
  condition: sel
level: low
`
	for _, tc := range []struct {
		name  string
		rules map[string]string
		want  bool
	}{
		{"pool rules only", map[string]string{"f.yml": poolFlow, "p.yml": poolLookup}, true},
		{"and a rule on a port", map[string]string{"f.yml": poolFlow, "s.yml": anyPort}, false},
		{"and a rule on the operation", map[string]string{"f.yml": poolFlow, "o.yml": byOperation}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(load(t, tc.rules), 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.NeedsPool(event.KindFlow); got != tc.want {
				t.Fatalf("NeedsPool = %v, want %v", got, tc.want)
			}
			none := &event.Glance{Kind: event.KindFlow, Operation: "flow", NoQuota: true, PoolKnown: true}
			if tc.want && e.Wants(none) {
				t.Error("Wants a flow to no pool, though every rule needs one")
			}
			port := &event.Glance{Kind: event.KindFlow, Operation: "flow", NoQuota: true, PoolKnown: true, Pool: "port"}
			if !e.Wants(port) {
				t.Error("Wants no flow to a pool's port")
			}
		})
	}
}

// TestWantsRemembersOnlyWhatCannotChange asks the catalogue about every
// operation it indexes, and some it does not, with every outcome, from
// Azure, from elsewhere and from nowhere, with and without a quota and a
// text: Wants, which answers from what it remembers of an operation whose
// rules test nothing but the outcome, says what asking each rule says.
func TestWantsRemembersOnlyWhatCannotChange(t *testing.T) {
	t.Parallel()
	catalogue, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	// The catalogue, and rules alone, where no other rule wants what a
	// rule's needles, address, quota, pool or risk test sets aside.
	sets := []*rules.Set{catalogue}
	for _, r := range []string{gpuDriver, armFromAzure, failedQuota, poolLookup, riskySignIn} {
		sets = append(sets, load(t, map[string]string{"r.yml": r}))
	}
	remembered, asked := 0, 0
	for _, set := range sets {
		for _, lookUp := range []bool{true, false} { // with and without SourceAzure
			e, err := New(set, 1, set.Correlations())
			if err != nil {
				t.Fatal(err)
			}
			r, a := wantsAsItsRules(t, e, lookUp)
			remembered, asked = remembered+r, asked+a
		}
	}
	// Both ways are taken: the test would not see a remembered answer
	// that a quota, a pool or a text changes otherwise.
	if remembered == 0 || asked == 0 {
		t.Errorf("%d glances of settled outcomes, %d of others: want some of each", remembered, asked)
	}
}

// wantsAsItsRules compares Wants with asking the rules on many glances,
// and counts those of settled outcomes and of others.
func wantsAsItsRules(t *testing.T, e *Engine, lookUp bool) (settled, asked int) {
	t.Helper()
	azure := netip.MustParseAddr("20.38.1.1")
	if lookUp {
		e.SourceAzure = func(a netip.Addr) bool { return a == azure }
	}
	e.PoolKind = func(name string) string {
		if name == "pool.example" {
			return "domain"
		}
		return ""
	}
	texts := [][]byte{nil, []byte(`{"type":"NvidiaGpuDriverLinux","statusMessage":"exceeding approved Quota"}`), []byte(`{}`)}
	for k := range numKinds {
		ops := []string{"microsoft.resources/deployments/write", "microsoft.web/sites/restart/action", "", "x"}
		for op := range e.byOp[k] {
			ops = append(ops, op)
		}
		for _, op := range ops {
			for oc := range outcomes {
				for _, ip := range []netip.Addr{azure, netip.MustParseAddr("198.51.100.7"), {}} {
					for _, text := range texts {
						for v := range 4 { // with and without a quota, a pool and a risk
							g := event.Glance{Kind: event.Kind(k), Operation: op, Outcome: event.Outcome(oc), SourceIP: ip,
								Text: text, NoQuota: v&1 == 0, Query: "www.example"}
							if v&2 == 0 {
								g.Query, g.RiskLevel, g.RiskState = "pool.example", "high", "atRisk"
							}
							got := e.Wants(&g)
							if e.wants[k].any {
								continue
							}
							o := e.forOp(k, op)
							if o.settled[oc] {
								settled++
							} else {
								asked++
							}
							if want := e.asks(o, &g); got != want {
								t.Fatalf("Wants(%+v) = %v, its rules say %v", g, got, want)
							}
						}
					}
				}
			}
		}
	}
	return settled, asked
}
