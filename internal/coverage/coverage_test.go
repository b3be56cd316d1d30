package coverage

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/rules"
)

func load(t *testing.T, opt rules.Options) *rules.Set {
	t.Helper()
	set, err := rules.Load(opt)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// only counts one event of each kind given.
func only(kinds ...event.Kind) (n [event.KindCount]int64) {
	for _, k := range kinds {
		n[k] = 1
	}
	return n
}

func kindsOf(gaps []Gap) []event.Kind {
	var ks []event.Kind
	for _, g := range gaps {
		ks = append(ks, g.Kind)
	}
	return ks
}

func TestActivityLogAloneMissesSignInsAuditNetworkAndHosts(t *testing.T) {
	t.Parallel()
	gaps := Missing(load(t, rules.Options{Builtin: mamori.Rules}), only(event.KindActivity))
	want := []event.Kind{event.KindSignIn, event.KindAudit, event.KindFlow, event.KindDNS, event.KindProcess, event.KindAlert, event.KindRisk}
	if got := kindsOf(gaps); !slices.Equal(got, want) {
		t.Fatalf("not seen: %v, want %v", got, want)
	}
	for _, g := range gaps {
		if len(g.Rules)+len(g.Correlations) == 0 || len(g.Examples) == 0 || g.Source == "" || g.Export == "" {
			t.Errorf("%v: %+v: a gap must say what it leaves idle and how to cover it", g.Kind, g)
		}
	}
	// The sign-in and audit halves of the built-in temporal correlations
	// (risky sign-in then compute, new account then a privileged role)
	// cannot fire: they are what the user misses, not their base rules.
	for _, g := range gaps[:2] {
		if len(g.Correlations) == 0 {
			t.Errorf("%s: no correlation counted as unable to fire", g.Source)
		}
	}
}

func TestEveryLogReadMissesNothing(t *testing.T) {
	t.Parallel()
	all := only(event.KindActivity, event.KindSignIn, event.KindAudit, event.KindFlow, event.KindDNS, event.KindProcess, event.KindAlert, event.KindRisk)
	if gaps := Missing(load(t, rules.Options{Builtin: mamori.Rules}), all); len(gaps) != 0 {
		t.Fatalf("every log was read, yet not seen: %+v", gaps)
	}
}

// Each of Entra's two risk logs feeds its own pairing with quota or
// compute: without the risk detections, only theirs is named, with the
// sign-ins read.
func TestEachRiskLogFeedsItsOwnPairing(t *testing.T) {
	t.Parallel()
	set := load(t, rules.Options{Builtin: mamori.Rules})
	for _, g := range Missing(set, only(event.KindActivity, event.KindSignIn, event.KindAudit)) {
		if g.Kind != event.KindRisk {
			continue
		}
		if !slices.Equal(g.Rules, []string{"azure.identity.risk_detection"}) ||
			!slices.Equal(g.Correlations, []string{"azure.identity.risk_detection_then_quota_or_compute"}) {
			t.Errorf("the risk detections' gap: %+v", g)
		}
		return
	}
	t.Error("no gap for the risk detections")
}

func TestSignInsAloneMissTheActivityLogAndItsCorrelations(t *testing.T) {
	t.Parallel()
	gaps := Missing(load(t, rules.Options{Builtin: mamori.Rules}), only(event.KindSignIn))
	if len(gaps) == 0 || gaps[0].Kind != event.KindActivity || len(gaps[0].Correlations) == 0 {
		t.Fatalf("the Activity Log's rules and correlations are not counted: %+v", gaps)
	}
	if slices.Contains(kindsOf(gaps), event.KindSignIn) {
		t.Errorf("sign-ins were read but are listed as not seen")
	}
}

// userRules writes rule files into a folder for --rules.
func userRules(t *testing.T, files map[string]string) string {
	t.Helper()
	d := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

const processRule = `title: "Our miner \u202ewatch"
name: our.xmrig
logsource: {product: linux, service: auditd}
detection:
  sel: {process.image|endswith: /xmrig}
  condition: sel
level: high
`

const activityRule = `title: Our quota watch
name: our.quota
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operationName: Microsoft.Capacity/resourceProviders/locations/serviceLimitsRequests/write}
  condition: sel
level: medium
`

func TestUserRuleOnAMissingLogIsCounted(t *testing.T) {
	t.Parallel()
	dir := userRules(t, map[string]string{"process.yml": processRule, "activity.yml": activityRule})
	set := load(t, rules.Options{Dirs: []string{dir}})
	if n := len(set.Detections()); n != 2 {
		t.Fatalf("%d of the user's rules compiled, want 2", n)
	}
	gaps := Missing(set, only(event.KindActivity))
	if len(gaps) != 1 || gaps[0].Kind != event.KindProcess || !slices.Equal(gaps[0].Rules, []string{"our.xmrig"}) ||
		!slices.Equal(gaps[0].Examples, []string{"Our miner \u202ewatch"}) {
		t.Fatalf("the user's process rule is not the one gap: %+v", gaps)
	}
	// With the built-in rules too, it is counted beside theirs.
	withBuiltin := Missing(load(t, rules.Options{Builtin: mamori.Rules}), only(event.KindActivity))
	all := Missing(load(t, rules.Options{Builtin: mamori.Rules, Dirs: []string{dir}}), only(event.KindActivity))
	pick := func(gaps []Gap) Gap {
		return gaps[slices.IndexFunc(gaps, func(g Gap) bool { return g.Kind == event.KindProcess })]
	}
	if a, b := pick(all), pick(withBuiltin); len(a.Rules) != len(b.Rules)+1 || !slices.Contains(a.Rules, "our.xmrig") {
		t.Errorf("host process logs: %v with the user's, %v without", a.Rules, b.Rules)
	}
}

func TestOnlyUserRulesOnLogsReadSayNothing(t *testing.T) {
	t.Parallel()
	dir := userRules(t, map[string]string{"activity.yml": activityRule})
	set := load(t, rules.Options{Dirs: []string{dir}})
	if n := len(set.Detections()); n != 1 {
		t.Fatalf("%d of the user's rules compiled, want 1: the test would prove nothing", n)
	}
	if gaps := Missing(set, only(event.KindActivity)); len(gaps) != 0 {
		t.Fatalf("the user's only rule read the Activity Log, which was read; yet: %+v", gaps)
	}
}

// TestUncoveredToTheMinute: an incident that began before a dense log's
// first event is reported, to the minute it is shown at; one that began
// in that minute, a sparse log, a log no rule of the incident reads and
// a correlation's kinds are handled as documented.
func TestUncoveredToTheMinute(t *testing.T) {
	t.Parallel()
	set := load(t, rules.Options{Builtin: mamori.Rules})
	at := func(h, m, s int) time.Time { return time.Date(2026, 3, 10, h, m, s, 0, time.UTC) }
	signins := Read{Kind: event.KindSignIn, Source: Source(event.KindSignIn), Events: 500, Span: Span{First: at(5, 0, 40), Last: at(23, 0, 0)}}
	audit := Read{Kind: event.KindAudit, Source: Source(event.KindAudit), Events: 3, Span: Span{First: at(5, 0, 40), Last: at(23, 0, 0)}}
	// The Activity Log reaches two days further back, and as far on.
	activity := Read{Kind: event.KindActivity, Source: Source(event.KindActivity), Events: 9000, Span: Span{First: at(5, 0, 0).Add(-48 * time.Hour), Last: at(23, 0, 0)}}
	inc := func(id string, start time.Time, rule string) incident.Incident {
		return incident.Incident{ID: id, Time: start, LastTime: at(22, 0, 0), Timeline: []incident.Entry{{Rule: rule, Time: start}}}
	}
	got := Uncovered(set, []incident.Incident{
		inc("early", at(4, 59, 59), "azure.signin.azure_ip_not_owned"),                // a minute before
		inc("same-minute", at(5, 0, 10), "azure.signin.azure_ip_not_owned"),           // shown as the same minute
		inc("activity-only", at(1, 0, 0), "azure.subscription.moved_to_other_tenant"), // reads no sign-in
		inc("correlation", at(2, 0, 0), "azure.signin.risky_then_quota_or_compute"),   // reads sign-ins through its rules
		inc("audit", at(1, 0, 0), "azure.identity.new_account_privileged"),            // audit is sparse
	}, []Read{signins, audit, activity}, nil)
	var ids []string
	for _, o := range got {
		ids = append(ids, o.Incident)
		if !o.Before || o.Log.Kind != event.KindSignIn {
			t.Errorf("%+v", o)
		}
	}
	if !slices.Equal(ids, []string{"early", "correlation"}) {
		t.Fatalf("reported %v, want early and correlation", ids)
	}
	want := "Entra ID sign-in logs begin 2026-03-10 05:00, after this incident began (2026-03-10 04:59): its sign-ins before then were not read."
	if s := got[0].String(); s != want {
		t.Errorf("got  %q\nwant %q", s, want)
	}
	// The end: a log that stops before the incident's last event.
	short := signins
	short.First, short.Last = activity.First, at(21, 58, 0).Add(-24*time.Hour)
	late := inc("late", at(6, 0, 0).Add(-48*time.Hour), "azure.signin.azure_ip_not_owned")
	late.LastTime = at(22, 0, 0).Add(-24 * time.Hour)
	got = Uncovered(set, []incident.Incident{late}, []Read{short, activity}, nil)
	want = "Entra ID sign-in logs end 2026-03-09 21:58, before this incident's last event (2026-03-09 22:00): its sign-ins after then were not read."
	if len(got) != 1 || got[0].Before || got[0].String() != want {
		t.Errorf("got %+v, want %q", got, want)
	}
	// Logs that begin and end within hours of each other (an attack's
	// machines, their flows and processes) have no export edge to warn of.
	near := signins
	near.First = activity.First.Add(23 * time.Hour)
	if got := Uncovered(set, []incident.Incident{inc("early", activity.First, "azure.signin.azure_ip_not_owned")}, []Read{near, activity}, nil); len(got) != 0 {
		t.Errorf("a log beginning within a day of the rest: %+v", got)
	}
}

func TestSpanLeavesOutRecordsWithoutTime(t *testing.T) {
	t.Parallel()
	var s Span
	t1, t2 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	s.Add(time.Time{})
	s.Add(t2)
	s.Merge(Span{First: t1, Last: t1})
	s.Merge(Span{})
	if !s.First.Equal(t1) || !s.Last.Equal(t2) {
		t.Errorf("%+v, want %v to %v", s, t1, t2)
	}
	rs := Reads([event.KindCount]int64{event.KindUnknown: 4, event.KindDNS: 2}, [event.KindCount]Span{event.KindDNS: s}, [event.KindCount]Repeats{})
	if len(rs) != 1 || rs[0].Kind != event.KindDNS || rs[0].Source != "DNS lookups" || rs[0].Events != 2 || rs[0].Span != s {
		t.Errorf("reads: %+v", rs)
	}
	// Repeats are left out of the count; an estimate past the events
	// read leaves one.
	rs = Reads([event.KindCount]int64{event.KindActivity: 10, event.KindSignIn: 5}, [event.KindCount]Span{},
		[event.KindCount]Repeats{event.KindActivity: {Events: 4}, event.KindSignIn: {Events: 9, Estimated: true}})
	if len(rs) != 2 || rs[0].Events != 6 || rs[0].Repeats != (Repeats{Events: 4}) || rs[1].Events != 1 || rs[1].Repeats != (Repeats{Events: 4, Estimated: true}) {
		t.Errorf("reads with repeats: %+v", rs)
	}
}

// TestAnIncidentReadsTheLogsOfTheCorrelationsItsRulesFeed: an incident
// of quota and compute alerts, whose records the risky sign-in
// correlation reads, reads the sign-in log too, so a sign-in log that
// begins after it began is reported; one of a subscription move, which
// no correlation reading sign-ins takes, is not.
func TestAnIncidentReadsTheLogsOfTheCorrelationsItsRulesFeed(t *testing.T) {
	t.Parallel()
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	signins := Read{Kind: event.KindSignIn, Source: Source(event.KindSignIn), Events: 500, Span: Span{First: at(3, 1), Last: at(3, 23)}}
	activity := Read{Kind: event.KindActivity, Source: Source(event.KindActivity), Events: 9000, Span: Span{First: at(1, 0), Last: at(3, 23)}}
	inc := func(id string, rules ...string) incident.Incident {
		in := incident.Incident{ID: id, Time: at(1, 7), LastTime: at(3, 20)}
		for _, r := range rules {
			in.Timeline = append(in.Timeline, incident.Entry{Rule: r, Time: in.Time})
		}
		return in
	}
	reported := func(set *rules.Set, incs ...incident.Incident) []string {
		var ids []string
		for _, o := range Uncovered(set, incs, []Read{signins, activity}, nil) {
			if !o.Before || o.Log.Kind != event.KindSignIn {
				t.Errorf("%+v", o)
			}
			ids = append(ids, o.Incident)
		}
		return ids
	}
	builtin := load(t, rules.Options{Builtin: mamori.Rules})
	got := reported(builtin,
		inc("gpu", "azure.compute.gpu_created", "azure.compute.gpu_driver_extension"),
		inc("quota", "azure.quota.increase.gpu"),
		inc("fanout", "azure.compute.multi_region_fanout"), // a correlation of compute creations
		inc("move", "azure.subscription.moved_to_other_tenant", "azure.identity.elevate_access"))
	if !slices.Equal(got, []string{"gpu", "quota", "fanout"}) {
		t.Errorf("built-in rules: reported %v, want gpu, quota and fanout", got)
	}
	// The user's own correlation, which names its rules: the sign-in half
	// is read by an incident of the quota half alone, not by one of a rule
	// on another operation.
	dir := userRules(t, map[string]string{"quota.yml": activityRule, "pair.yml": userPair})
	set := load(t, rules.Options{Dirs: []string{dir}})
	if set.Correlations() == nil || len(set.Detections()) != 3 {
		t.Fatalf("the user's rules did not load: %d detections, correlations %v", len(set.Detections()), set.Correlations())
	}
	if got := reported(set, inc("quota", "our.quota"), inc("move", "our.move")); !slices.Equal(got, []string{"quota"}) {
		t.Errorf("the user's rules: reported %v, want quota", got)
	}
}

// userPair is a correlation of a sign-in rule and our.quota, beside a
// rule on another Activity Log operation.
const userPair = `title: Our sign-in watch
name: our.signin
logsource: {product: azure, service: signinlogs}
detection:
  sel: {outcome: succeeded}
  condition: sel
level: low
---
title: Our sign-in then quota
name: our.signin_then_quota
correlation:
  type: temporal_ordered
  rules: [our.signin, our.quota]
  group-by: [principal.id]
  timespan: 2h
  generate: true
level: high
---
title: Our move watch
name: our.move
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operationName: Microsoft.Subscription/updateTenant/action}
  condition: sel
level: high
`

// TestUncoveredPerTenant: in data of several tenants, an incident is
// measured against its own tenant's part of the logs that name tenants:
// tenant B exported no sign-ins (A did), and its sign-ins begin… never;
// tenant A's sign-ins begin after its incident, though B's reach
// further back. Logs that name no tenant stay judged whole.
func TestUncoveredPerTenant(t *testing.T) {
	t.Parallel()
	set := load(t, rules.Options{Builtin: mamori.Rules})
	at := func(h int) time.Time {
		return time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
	}
	read := func(k event.Kind, first, last int, n int64) Read {
		return Read{Kind: k, Source: Source(k), Events: n, Span: Span{First: at(first), Last: at(last)}}
	}
	// Globally, sign-ins span tenant C's, from hour 0: nothing to say.
	reads := []Read{read(event.KindSignIn, 0, 200, 900), read(event.KindActivity, 0, 200, 9000)}
	ten := &Tenancy{Kinds: []event.Kind{event.KindSignIn, event.KindActivity}, Reads: map[string][]Read{
		"tenant-a": {read(event.KindSignIn, 100, 200, 300), read(event.KindActivity, 0, 200, 3000)},
		"tenant-b": {read(event.KindActivity, 0, 200, 3000)},
		"tenant-c": {read(event.KindSignIn, 0, 200, 600), read(event.KindActivity, 0, 200, 3000)},
	}}
	inc := func(id, tenant string, start int) incident.Incident {
		return incident.Incident{ID: id, Tenant: tenant, Time: at(start), LastTime: at(start + 1),
			Timeline: []incident.Entry{{Rule: "azure.signin.azure_ip_not_owned", Time: at(start)}}}
	}
	incs := []incident.Incident{inc("a", "tenant-a", 50), inc("b", "tenant-b", 50), inc("c", "tenant-c", 50)}
	if got := Uncovered(set, incs, reads, nil); len(got) != 0 {
		t.Fatalf("judged whole: %+v", got)
	}
	got := Uncovered(set, incs, reads, ten)
	if len(got) != 2 {
		t.Fatalf("got %+v, want tenant A's late sign-ins and tenant B's missing ones", got)
	}
	wantA := "Entra ID sign-in logs of tenant tenant-a begin 2026-03-14 04:00, after this incident began (2026-03-12 02:00): its sign-ins before then were not read."
	wantB := "Entra ID sign-in logs of tenant tenant-b: none in the input (other tenants' were read): its sign-ins during this incident were not read."
	if got[0].Incident != "a" || got[0].String() != wantA || got[1].Incident != "b" || !got[1].Missing || got[1].String() != wantB {
		t.Errorf("got\n%s\n%s\nwant\n%s\n%s", got[0], got[1], wantA, wantB)
	}
	// One tenant's data: its reads are the whole logs'.
	one := &Tenancy{Kinds: ten.Kinds, Reads: map[string][]Read{"tenant-b": ten.Reads["tenant-b"]}}
	if got := Uncovered(set, incs[1:2], reads, one); len(got) != 0 {
		t.Errorf("one tenant: %+v", got)
	}
	// A log some of whose records named no tenant is judged whole.
	partial := &Tenancy{Kinds: []event.Kind{event.KindActivity}, Reads: ten.Reads}
	if got := Uncovered(set, incs, reads, partial); len(got) != 0 {
		t.Errorf("sign-ins not all named: %+v", got)
	}
}

// TestLinesGroupAMissingLogPerTenant: every incident of a tenant that did
// not export a log reads the same sentence: one line, where the first
// was, names the first three and counts the rest; other lines stay one
// per incident, in order.
func TestLinesGroupAMissingLogPerTenant(t *testing.T) {
	t.Parallel()
	signins := Read{Kind: event.KindSignIn, Source: Source(event.KindSignIn)}
	at := time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC)
	miss := func(id, tenant string) Outside {
		return Outside{Incident: id, Log: signins, At: at, Tenant: tenant, Missing: true}
	}
	early := Outside{Incident: "inc-e", Log: Read{Kind: event.KindActivity, Source: Source(event.KindActivity), Span: Span{First: at.Add(time.Hour)}}, Before: true, At: at}
	got := Lines([]Outside{miss("inc-1", "b"), early, miss("inc-2", "b"), miss("inc-3", "b"), miss("inc-4", "b"), miss("inc-9", "c")})
	want := []string{
		"inc-1, inc-2, inc-3 and 1 more: Entra ID sign-in logs of tenant b: none in the input (other tenants' were read): their sign-ins during these 4 incidents were not read.",
		"inc-e: Azure Activity Log begin 2026-03-10 05:00, after this incident began (2026-03-10 04:00): its Activity Log operations before then were not read.",
		"inc-9: Entra ID sign-in logs of tenant c: none in the input (other tenants' were read): its sign-ins during this incident were not read.",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMissingPerTenant: tenant b exported no sign-ins while a did: its
// NOT SEEN names them, with the rules that could not alert for it; a
// has none; a log no tenant's records named whole (flows) and one the
// whole input lacked (the input's own NOT SEEN) are not repeated per
// tenant; one tenant's data has no such list.
func TestMissingPerTenant(t *testing.T) {
	t.Parallel()
	set := load(t, rules.Options{Builtin: mamori.Rules})
	var events [event.KindCount]int64
	events[event.KindActivity], events[event.KindSignIn], events[event.KindFlow] = 9000, 500, 20000
	ten := &Tenancy{Kinds: []event.Kind{event.KindActivity, event.KindSignIn}, Reads: map[string][]Read{
		"a": {{Kind: event.KindActivity, Events: 4000}, {Kind: event.KindSignIn, Events: 500}},
		"b": {{Kind: event.KindActivity, Events: 5000}},
	}}
	got := MissingPerTenant(set, events, ten, []string{"b", "a"})
	if len(got) != 1 || got[0].Tenant != "b" || len(got[0].Gaps) != 1 || got[0].Gaps[0].Kind != event.KindSignIn {
		t.Fatalf("got %+v, want tenant b's sign-ins", got)
	}
	want := Missing(set, [event.KindCount]int64{event.KindActivity: 1, event.KindFlow: 1})
	i := slices.IndexFunc(want, func(g Gap) bool { return g.Kind == event.KindSignIn })
	if i < 0 || !slices.Equal(got[0].Gaps[0].Rules, want[i].Rules) || !slices.Equal(got[0].Gaps[0].Correlations, want[i].Correlations) {
		t.Errorf("tenant b's sign-in gap %+v, want Missing's %+v", got[0].Gaps[0], want)
	}
	if got := MissingPerTenant(set, events, ten, []string{"a"}); len(got) != 0 {
		t.Errorf("tenant a lacks nothing: %+v", got)
	}
	one := &Tenancy{Kinds: ten.Kinds, Reads: map[string][]Read{"b": ten.Reads["b"]}}
	if got := MissingPerTenant(set, events, one, []string{"b"}); len(got) != 0 {
		t.Errorf("one tenant: %+v", got)
	}
}
